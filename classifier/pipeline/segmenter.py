"""Sentence boundaries for web text: punctuation, line breaks and bullets."""

from __future__ import annotations

import numpy
from spacy.attrs import IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

__all__ = ["SentenceSegmenter"]

_TERMINAL = frozenset({".", "!", "?", "...", "!?", "?!"})
_CLOSING = frozenset({'"', "'", ")", "]", "»"})
_TERMINAL_ARRAY = numpy.array(sorted(get_string_id(text) for text in _TERMINAL), dtype=numpy.uint64)
_CLOSING_ARRAY = numpy.array(sorted(get_string_id(text) for text in _CLOSING), dtype=numpy.uint64)


class SentenceSegmenter:
    """Start a sentence after terminal punctuation and after every line break.

    Web pages put headings, bullet items and table cells on their own lines
    without a full stop; each such line is its own sentence. A full stop
    followed by a lower-case word or a digit does not end a sentence
    ("et al. 2019", "vs. placebo").
    """

    def __init__(self, name: str = "clinic_sentences", *, overwrite: bool = False) -> None:
        self.name = name
        self.overwrite = overwrite

    def __call__(self, doc: Doc) -> Doc:
        if not self.overwrite and doc.has_annotation("SENT_START"):
            return doc
        if not len(doc):
            return doc
        # Decided on token attribute arrays: creating Token objects, or even a
        # Python loop over every token, would cost more than the decision.
        orths, spaces = doc.to_array([ORTH, IS_SPACE]).T
        strings = doc.vocab.strings
        words = numpy.flatnonzero(spaces == 0)
        terminal = (orths[:, numpy.newaxis] == _TERMINAL_ARRAY).any(axis=1)
        closing = (orths[:, numpy.newaxis] == _CLOSING_ARRAY).any(axis=1)
        starts = numpy.full((len(doc), 1), -1, dtype=numpy.int64)
        starts[0, 0] = 1
        # A word starts a sentence after a space token holding a line break...
        after_space = words[(words > 0) & (spaces[words - 1] != 0)].tolist()
        breaks = [i for i in after_space if "\n" in strings[int(orths[i - 1])]]
        starts[breaks, 0] = 1
        # ...or when the last token before it that is neither space nor a closing
        # quote or bracket (or else the first token) is terminal punctuation,
        # unless it is terminal or closing itself, or begins with a lower-case
        # letter or a digit.
        later = words[words > 0]
        decisive = numpy.concatenate([[0], later[~closing[later]]])
        follows_terminal = terminal[decisive[numpy.searchsorted(decisive, later) - 1]]
        candidates = later[follows_terminal & ~closing[later] & ~terminal[later]]
        for i in candidates.tolist():
            first = strings[int(orths[i])][0]
            if not (first.islower() or first.isdigit()):
                starts[i, 0] = 1
        doc.from_array([SENT_START], starts.view(numpy.uint64))
        return doc


@Language.factory(
    "clinic_sentences",
    default_config={"overwrite": False},
    assigns=["token.is_sent_start"],
)
def make_segmenter(nlp: Language, name: str, *, overwrite: bool) -> SentenceSegmenter:
    """Factory for ``nlp.add_pipe("clinic_sentences")``; keeps existing boundaries unless ``overwrite``."""
    return SentenceSegmenter(name, overwrite=overwrite)

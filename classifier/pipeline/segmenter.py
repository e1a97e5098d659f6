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
_TERMINAL_IDS = frozenset(get_string_id(text) for text in _TERMINAL)
_CLOSING_IDS = frozenset(get_string_id(text) for text in _CLOSING)


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
        # Token attributes as plain lists: creating Token objects would cost
        # more than the whole decision below.
        orths, spaces = (column.tolist() for column in doc.to_array([ORTH, IS_SPACE]).T)
        strings = doc.vocab.strings
        starts = numpy.full((len(doc), 1), -1, dtype=numpy.int64)
        starts[0, 0] = 1
        after_terminal = orths[0] in _TERMINAL_IDS
        for i in range(1, len(orths)):
            if spaces[i]:
                continue
            orth = orths[i]
            if spaces[i - 1] and "\n" in strings[orths[i - 1]]:
                starts[i, 0] = 1
            elif after_terminal and orth not in _CLOSING_IDS and orth not in _TERMINAL_IDS:
                first = strings[orth][0]
                if not (first.islower() or first.isdigit()):
                    starts[i, 0] = 1
            if orth in _TERMINAL_IDS:
                after_terminal = True
            elif orth not in _CLOSING_IDS:
                after_terminal = False
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

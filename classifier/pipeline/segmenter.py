"""Sentence boundaries for web text: punctuation, line breaks and bullets."""

from __future__ import annotations

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["SentenceSegmenter"]

_TERMINAL = frozenset({".", "!", "?", "...", "!?", "?!"})
_CLOSING = frozenset({'"', "'", ")", "]", "»"})


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
        starts = numpy.full((len(doc), 1), -1, dtype=numpy.int64)
        previous = ""
        after_terminal = False
        for i, token in enumerate(doc):
            text = token.text
            if i == 0:
                starts[0, 0] = 1
            elif not token.is_space:
                if previous.isspace() and "\n" in previous:
                    starts[i, 0] = 1
                elif after_terminal and text not in _CLOSING and text not in _TERMINAL:
                    first = text[0]
                    if not (first.islower() or first.isdigit()):
                        starts[i, 0] = 1
            if not token.is_space:
                if text in _TERMINAL:
                    after_terminal = True
                elif text not in _CLOSING:
                    after_terminal = False
            previous = text
        if len(doc):
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

"""Sentence boundaries for web text: punctuation, line breaks and bullets."""

from __future__ import annotations

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
        starts = [False] * len(doc)
        if starts:
            starts[0] = True
        after_terminal = False
        for i, token in enumerate(doc):
            if i == 0:
                after_terminal = token.text in _TERMINAL
                continue
            previous = doc[i - 1]
            if token.is_space:
                continue
            if previous.is_space and "\n" in previous.text:
                starts[i] = True
            elif after_terminal and token.text not in _CLOSING and token.text not in _TERMINAL:
                first = token.text[0]
                starts[i] = not (first.islower() or first.isdigit())
            if token.text in _TERMINAL:
                after_terminal = True
            elif token.text not in _CLOSING:
                after_terminal = False
        for token, start in zip(doc, starts, strict=False):
            token.is_sent_start = start
        return doc


@Language.factory(
    "clinic_sentences",
    default_config={"overwrite": False},
    assigns=["token.is_sent_start"],
)
def make_segmenter(nlp: Language, name: str, *, overwrite: bool) -> SentenceSegmenter:
    """Factory for ``nlp.add_pipe("clinic_sentences")``; keeps existing boundaries unless ``overwrite``."""
    return SentenceSegmenter(name, overwrite=overwrite)

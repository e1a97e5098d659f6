"""A tokenizer that normalises text first and remembers the way back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from classifier.pipeline.normalization import NormalizedText, normalize

__all__ = ["NORMALIZED_KEY", "NormalizingTokenizer", "original_offsets"]

#: ``doc.user_data`` key holding the NormalizedText when normalisation changed the text.
NORMALIZED_KEY = "classifier.normalized"
#: ``doc.user_data`` key holding ``doc.text`` (spaCy rebuilds ``doc.text`` token by token on each call).
TEXT_KEY = "classifier.text"


class NormalizingTokenizer:
    """Wrap a spaCy tokenizer: normalise the text, then tokenise it.

    The Doc holds the normalised text. When normalisation changed anything, the
    NormalizedText is stored in ``doc.user_data[NORMALIZED_KEY]`` so every
    offset can be mapped back with :func:`original_offsets`.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        normalized = normalize(text)
        doc = self.tokenizer(normalized.text)
        doc.user_data[TEXT_KEY] = normalized.text
        if normalized.changed:
            doc.user_data[NORMALIZED_KEY] = normalized
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs: object) -> bytes:
        return self.tokenizer.to_bytes(**kwargs)  # type: ignore[attr-defined]

    def from_bytes(self, data: bytes, **kwargs: object) -> NormalizingTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)  # type: ignore[attr-defined]
        return self

    def to_disk(self, path: object, **kwargs: object) -> None:
        self.tokenizer.to_disk(path, **kwargs)  # type: ignore[attr-defined]

    def from_disk(self, path: object, **kwargs: object) -> NormalizingTokenizer:
        self.tokenizer.from_disk(path, **kwargs)  # type: ignore[attr-defined]
        return self


@spacy.registry.tokenizers("classifier.NormalizingTokenizer.v1")
def create_normalizing_tokenizer() -> Callable[[Language], NormalizingTokenizer]:
    """Registered factory, for configs: ``@tokenizers = "classifier.NormalizingTokenizer.v1"``."""

    def make(nlp: Language) -> NormalizingTokenizer:
        return NormalizingTokenizer(nlp.Defaults.create_tokenizer(nlp))

    return make


def original_offsets(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Map the character range ``[start, end)`` of ``doc.text`` to the text given to the pipeline."""
    normalized: NormalizedText | None = doc.user_data.get(NORMALIZED_KEY)
    if normalized is None:
        return start, end
    return normalized.to_original(start, end)


def doc_text(doc: Doc) -> str:
    """``doc.text``, from the tokenizer's copy when there is one (much cheaper)."""
    text = doc.user_data.get(TEXT_KEY)
    return doc.text if text is None else text


def original_text(doc: Doc) -> str:
    """The text given to the pipeline, before normalisation."""
    normalized: NormalizedText | None = doc.user_data.get(NORMALIZED_KEY)
    return doc_text(doc) if normalized is None else normalized.original

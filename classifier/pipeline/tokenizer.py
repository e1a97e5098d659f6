"""A tokenizer that normalises text first and remembers the way back.

spaCy's tokenizer strips prefixes and suffixes from each whitespace-free run
one at a time, and each step searches the suffix pattern over the whole rest
of the run and copies it: a long run of punctuation ("=====...", "((((...")
costs time quadratic in its length. Two bounds keep it linear:

- the suffix search only looks at the last :data:`SUFFIX_WINDOW` characters
  (every suffix rule of spaCy's English tokenizer matches fewer characters;
  only a run of more than that many dots, which normalisation has already
  cut to three, is split differently);
- a whitespace-free run longer than :data:`MAX_RUN` characters (no word or
  link is that long) is tokenised in pieces of that length, so no token is
  longer. Offsets stay exact: the Doc's text is the normalised text, piece
  for piece.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from classifier.pipeline.normalization import NormalizedText, normalize

__all__ = ["MAX_RUN", "NORMALIZED_KEY", "SUFFIX_WINDOW", "NormalizingTokenizer", "original_offsets"]

#: ``doc.user_data`` key holding the NormalizedText when normalisation changed the text.
NORMALIZED_KEY = "classifier.normalized"
#: ``doc.user_data`` key holding ``doc.text`` (spaCy rebuilds ``doc.text`` token by token on each call).
TEXT_KEY = "classifier.text"
#: Whitespace-free runs longer than this many characters are tokenised in pieces this long.
MAX_RUN = 1000
#: The tokenizer's suffix rules are searched for in this many last characters of a run.
SUFFIX_WINDOW = 16
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN + 1},}}")


class _TailSearch:
    """``pattern.search`` started ``window`` characters before the end of the string.

    Matches keep their positions in the whole string (lookbehinds still see
    what comes before), so spaCy's ``find_suffix`` and ``explain`` work as
    with the plain search. ``__self__`` is the pattern, as on a bound
    ``Pattern.search``, so the tokenizer still serialises it.
    """

    def __init__(self, pattern: re.Pattern[str], window: int) -> None:
        self.__self__ = pattern
        self.window = window

    def __call__(self, string: str) -> re.Match[str] | None:
        return self.__self__.search(string, max(0, len(string) - self.window))


def _bound_suffix_search(tokenizer: object) -> None:
    """Make ``tokenizer``'s suffix search a :class:`_TailSearch`, if it is a plain regex search."""
    search = getattr(tokenizer, "suffix_search", None)
    pattern = getattr(search, "__self__", None)
    if isinstance(pattern, re.Pattern) and not isinstance(search, _TailSearch):
        tokenizer.suffix_search = _TailSearch(pattern, SUFFIX_WINDOW)  # type: ignore[attr-defined]


class NormalizingTokenizer:
    """Wrap a spaCy tokenizer: normalise the text, then tokenise it.

    The Doc holds the normalised text. When normalisation changed anything, the
    NormalizedText is stored in ``doc.user_data[NORMALIZED_KEY]`` so every
    offset can be mapped back with :func:`original_offsets`.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer
        _bound_suffix_search(tokenizer)

    def __call__(self, text: str) -> Doc:
        normalized = normalize(text)
        doc = self._tokenize(normalized.text)
        doc.user_data[TEXT_KEY] = normalized.text
        if normalized.changed:
            doc.user_data[NORMALIZED_KEY] = normalized
        return doc

    def _tokenize(self, text: str) -> Doc:
        """``self.tokenizer(text)``, with runs longer than :data:`MAX_RUN` cut into pieces."""
        cuts = [
            cut
            for run in _LONG_RUN.finditer(text)
            for cut in range(run.start() + MAX_RUN, run.end(), MAX_RUN)
        ]
        if not cuts:
            return self.tokenizer(text)
        bounds = [0, *cuts, len(text)]
        pieces = [self.tokenizer(text[start:end]) for start, end in pairwise(bounds)]
        return Doc.from_docs(pieces, ensure_whitespace=False)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs: object) -> bytes:
        return self.tokenizer.to_bytes(**kwargs)  # type: ignore[attr-defined]

    def from_bytes(self, data: bytes, **kwargs: object) -> NormalizingTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)  # type: ignore[attr-defined]
        _bound_suffix_search(self.tokenizer)
        return self

    def to_disk(self, path: object, **kwargs: object) -> None:
        self.tokenizer.to_disk(path, **kwargs)  # type: ignore[attr-defined]

    def from_disk(self, path: object, **kwargs: object) -> NormalizingTokenizer:
        self.tokenizer.from_disk(path, **kwargs)  # type: ignore[attr-defined]
        _bound_suffix_search(self.tokenizer)
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

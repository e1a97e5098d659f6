"""Sentence features to TF-IDF rows, with each feature's position kept.

At scoring time every sentence's n-grams are looked up in the vocabulary
once: the same lookups give the TF-IDF rows the classifier reads and, for a
flagged sentence, each word's contribution to the category (to place the
phrase) and the strongest features (to explain it). The fitted
``TfidfVectorizer`` would compute the rows again from joined strings; the
rows here are the same numbers (the tests check that), computed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from classifier.features import SentenceFeatures

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["IndexedSentence", "SentenceIndexer", "SparseRows"]


class SparseRows(NamedTuple):
    """Rows in CSR form: row ``r`` holds ``data[indptr[r]:indptr[r + 1]]`` at columns ``indices[...]``."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def toarray(self, columns: int) -> np.ndarray:
        dense = np.zeros((len(self.indptr) - 1, columns), dtype=self.data.dtype)
        rows = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        dense[rows, self.indices] = self.data
        return dense


@dataclass(frozen=True)
class IndexedSentence:
    """The vocabulary features found in one sentence.

    ``grams`` holds ``(feature index, first word, n)`` for every word n-gram
    in the vocabulary, in the vectoriser's order; ``cues`` the feature index
    of every cue feature in the vocabulary.
    """

    grams: tuple[tuple[int, int, int], ...]
    cues: tuple[int, ...]

    def feature_indices(self) -> list[int]:
        return [index for index, _, _ in self.grams] + list(self.cues)


class SentenceIndexer:
    """Vocabulary lookups and TF-IDF rows, as a fitted ``TfidfVectorizer`` computes them."""

    def __init__(
        self,
        terms: Sequence[str],
        idf: np.ndarray,
        *,
        ngram_max: int,
        sublinear_tf: bool,
        norm: str | None,
        prune: bool,
    ) -> None:
        if norm not in ("l2", None):
            raise ValueError(f"SentenceIndexer supports norm='l2' or None, not {norm!r}")
        self.terms = list(terms)
        self.vocabulary = {term: index for index, term in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.ngram_max = ngram_max
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        # A vocabulary cut by document frequency alone is closed under
        # sub-n-grams, which lets index() skip most lookups.
        self.prune = prune

    @classmethod
    def from_vectorizer(cls, vectorizer: TfidfVectorizer) -> SentenceIndexer:
        if vectorizer.binary or not vectorizer.use_idf:
            raise ValueError("SentenceIndexer reproduces only binary=False, use_idf=True TF-IDF vectorisers")
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(
            terms,
            vectorizer.idf_,
            ngram_max=vectorizer.analyzer.ngram_max,
            sublinear_tf=bool(vectorizer.sublinear_tf),
            norm=vectorizer.norm,
            prune=vectorizer.max_df in (1.0, None)
            and vectorizer.max_features is None
            and not vectorizer.stop_words,
        )

    def index(self, sentence: SentenceFeatures) -> IndexedSentence:
        """Look up every n-gram and cue of ``sentence`` (words hold no whitespace)."""
        lookup = self.vocabulary.get
        words = sentence.words
        found = [lookup(word) for word in words]
        grams = [(index, i, 1) for i, index in enumerate(found) if index is not None]
        # names[i] is the (n-1)-gram starting at word i, grown one word per round.
        names = list(words)
        for n in range(2, self.ngram_max + 1):
            longer: list[int | None] = [None] * len(words)
            for i in range(len(words) - n + 1):
                # An n-gram is as frequent as its rarer (n-1)-gram at most, so
                # with document-frequency pruning alone it can be in the
                # vocabulary only if both of its (n-1)-grams are.
                if self.prune and (found[i] is None or found[i + 1] is None):
                    continue
                names[i] = name = names[i] + " " + words[i + n - 1]
                index = lookup(name)
                if index is not None:
                    grams.append((index, i, n))
                    longer[i] = index
            found = longer
        cues = [index for index in map(lookup, sentence.cues) if index is not None]
        return IndexedSentence(tuple(grams), tuple(cues))

    def tfidf(self, sentences: Sequence[IndexedSentence]) -> SparseRows:
        """TF-IDF rows, as ``vectorizer.transform`` gives them for the same sentences."""
        columns: list[int] = []
        lengths: list[int] = []
        for sentence in sentences:
            found = sentence.feature_indices()
            columns.extend(found)
            lengths.append(len(found))
        n_rows, width = len(sentences), max(len(self.terms), 1)
        row_of = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
        # Counting (row, column) keys sorts them too: CSR order, duplicates summed.
        keys, counts = np.unique(row_of * width + np.asarray(columns, dtype=np.int64), return_counts=True)
        indices = (keys % width).astype(np.intp)
        per_row = np.bincount(keys // width, minlength=n_rows)
        indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.intp)
        data = counts.astype(self.idf.dtype)
        if self.sublinear_tf:
            np.log(data, data)
            data += 1
        data *= self.idf[indices]
        if self.norm == "l2" and len(data):
            filled = np.flatnonzero(np.diff(indptr))
            norms = np.sqrt(np.add.reduceat(data * data, indptr[filled]))
            norms[norms == 0] = 1
            data /= np.repeat(norms, np.diff(indptr)[filled])
        return SparseRows(indptr, indices, data)

    def contributions(self, sentence: IndexedSentence, words: int, weights: Sequence[float]) -> np.ndarray:
        """Each word's share of the weighted n-grams that cover it (``weights`` per feature).

        ``weights`` is one category's row as a Python list: this runs for every
        flag, and indexing a list is several times cheaper than indexing NumPy.
        """
        values = [0.0] * words
        for index, start, n in sentence.grams:
            share = weights[index] / n
            for position in range(start, start + n):
                values[position] += share
        return np.asarray(values)

    def strongest(self, sentence: IndexedSentence, weights: Sequence[float], limit: int = 5) -> list[str]:
        """Names of the ``limit`` features of ``sentence`` with the largest positive weight."""
        found = {index for index, _, _ in sentence.grams} | set(sentence.cues)
        scored = sorted(((weights[index], self.terms[index]) for index in found), reverse=True)
        return [name for weight, name in scored[:limit] if weight > 0]

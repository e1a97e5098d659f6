"""Sentence features to TF-IDF rows, with each feature's position kept.

At scoring time every sentence's n-grams are looked up in the vocabulary
once: the same lookups give the TF-IDF rows the classifier reads and, for a
flagged sentence, each word's contribution to the category (to place the
phrase). The fitted
``TfidfVectorizer`` would compute the rows again from joined strings; the
rows here are the same numbers (the tests check that), computed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from classifier.model.features import SentenceFeatures

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["IndexedBatch", "IndexedSentence", "SentenceIndexer", "SparseRows"]


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


@dataclass(frozen=True)
class IndexedBatch:
    """The vocabulary features found in a batch of sentences, as flat arrays.

    Gram ``g`` is feature ``gram_features[g]``, the ``gram_sizes[g]`` words
    from word ``gram_starts[g]`` of sentence ``gram_rows[g]``; the grams of one
    sentence are consecutive, in the order :meth:`SentenceIndexer.index` gives.
    ``cue_rows`` (ascending) and ``cue_features`` hold the cue features the same way.
    """

    n_rows: int
    gram_rows: np.ndarray
    gram_features: np.ndarray
    gram_starts: np.ndarray
    gram_sizes: np.ndarray
    gram_bounds: np.ndarray  # grams of sentence r: gram_bounds[r]:gram_bounds[r + 1]
    cue_rows: np.ndarray
    cue_features: np.ndarray
    word_counts: np.ndarray | None = None  # words per sentence, when the batch was built from features

    def __len__(self) -> int:
        return self.n_rows

    def sentence(self, row: int) -> IndexedSentence:
        """Sentence ``row`` on its own, as :meth:`SentenceIndexer.index` gives it."""
        start, end = self.gram_bounds[row], self.gram_bounds[row + 1]
        grams = zip(
            self.gram_features[start:end].tolist(),
            self.gram_starts[start:end].tolist(),
            self.gram_sizes[start:end].tolist(),
            strict=True,
        )
        first, last = np.searchsorted(self.cue_rows, (row, row + 1))
        return IndexedSentence(tuple(grams), tuple(self.cue_features[first:last].tolist()))


class _NgramTable:
    """The vocabulary's word n-grams as sorted integer keys, for lookups in NumPy.

    Every word of every term gets an id; an n-gram's key is its word ids read
    as the digits of a base-``width`` number. Use :meth:`build`.
    """

    def __init__(self, split: list[list[str]], word_ids: dict[str, int], ngram_max: int) -> None:
        self.word_ids = word_ids
        self.width = max(len(word_ids), 1)
        self.unigram = np.full(self.width, -1, dtype=np.int64)
        by_size: list[list[tuple[int, int]]] = [[] for _ in range(ngram_max + 1)]
        for index, words in enumerate(split):
            if len(words) == 1:
                self.unigram[word_ids[words[0]]] = index
            elif len(words) <= ngram_max:
                key = 0
                for word in words:
                    key = key * self.width + word_ids[word]
                by_size[len(words)].append((key, index))
        self.keys: list[np.ndarray] = []
        self.features: list[np.ndarray] = []
        for pairs in by_size:
            pairs.sort()
            self.keys.append(np.array([key for key, _ in pairs], dtype=np.int64))
            self.features.append(np.array([index for _, index in pairs], dtype=np.int64))

    @classmethod
    def build(cls, terms: Sequence[str], ngram_max: int) -> _NgramTable | None:
        """The table, or None when the keys of this vocabulary would not fit in 64-bit integers."""
        split = [term.split(" ") for term in terms]
        word_ids: dict[str, int] = {}
        for words in split:
            for word in words:
                word_ids.setdefault(word, len(word_ids))
        if max(len(word_ids), 1) ** ngram_max >= 2**62:
            return None
        return cls(split, word_ids, ngram_max)


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
        self._table = _NgramTable.build(self.terms, ngram_max)

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

    def index_batch(self, sentences: Sequence[SentenceFeatures]) -> IndexedBatch:
        """:meth:`index` for many sentences at once: the n-grams are looked up in NumPy."""
        table = self._table
        lengths = [len(sentence.words) for sentence in sentences]
        if table is None:  # keys too long for int64: look up one sentence at a time
            return _batch_of([self.index(sentence) for sentence in sentences], lengths)
        get = table.word_ids.get
        ids = np.fromiter(
            (get(word, -1) for sentence in sentences for word in sentence.words), np.int64, sum(lengths)
        )
        n_rows = len(sentences)
        row_of = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        known = ids >= 0
        unigram = np.where(known, table.unigram[np.where(known, ids, 0)], -1)
        hit = unigram >= 0
        rows, features, starts, sizes = [row_of[hit]], [unigram[hit]], [np.flatnonzero(hit)], [1]
        keys, valid = ids, known
        for n in range(2, self.ngram_max + 1):
            m = len(ids) - n + 1
            if m <= 0:
                break
            # An n-gram is a candidate when all its words have ids and stand in one sentence.
            valid = valid[:m] & known[n - 1 :] & (row_of[n - 1 :] == row_of[:m])
            keys = keys[:m] * table.width + ids[n - 1 :]
            found, where = _lookup(table.keys[n], keys, valid)
            rows.append(row_of[:m][found])
            features.append(table.features[n][where[found]])
            starts.append(np.flatnonzero(found))
            sizes.append(n)
        gram_sizes = np.concatenate(
            [np.full(len(f), n, dtype=np.int64) for f, n in zip(features, sizes, strict=True)]
        )
        gram_rows = np.concatenate(rows)
        # Stable by sentence: each sentence keeps unigrams, then bigrams..., each by position.
        order = np.argsort(gram_rows, kind="stable")
        gram_starts = np.concatenate(starts)[order]
        gram_rows = gram_rows[order]
        cue_rows: list[int] = []
        cue_features: list[int] = []
        lookup = self.vocabulary.get
        for row, sentence in enumerate(sentences):
            for cue in sentence.cues:
                index = lookup(cue)
                if index is not None:
                    cue_rows.append(row)
                    cue_features.append(index)
        return IndexedBatch(
            n_rows=n_rows,
            gram_rows=gram_rows,
            gram_features=np.concatenate(features)[order],
            gram_starts=gram_starts - first[gram_starts],
            gram_sizes=gram_sizes[order],
            gram_bounds=np.searchsorted(gram_rows, np.arange(n_rows + 1)),
            cue_rows=np.asarray(cue_rows, dtype=np.int64),
            cue_features=np.asarray(cue_features, dtype=np.int64),
            word_counts=np.asarray(lengths, dtype=np.int64),
        )

    def tfidf(self, sentences: Sequence[IndexedSentence] | IndexedBatch) -> SparseRows:
        """TF-IDF rows, as ``vectorizer.transform`` gives them for the same sentences."""
        batch = sentences if isinstance(sentences, IndexedBatch) else _batch_of(sentences)
        n_rows, width = batch.n_rows, max(len(self.terms), 1)
        row_of = np.concatenate([batch.gram_rows, batch.cue_rows])
        columns = np.concatenate([batch.gram_features, batch.cue_features])
        # Counting (row, column) keys sorts them too: CSR order, duplicates summed.
        keys, counts = np.unique(row_of * width + columns, return_counts=True)
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

    def contributions_many(
        self, batch: IndexedBatch, rows: np.ndarray, categories: np.ndarray, weights: np.ndarray
    ) -> list[list[float]]:
        """:meth:`contributions` for sentences ``rows`` of ``batch``, sentence ``rows[k]``
        weighted by row ``categories[k]`` of ``weights`` (categories by features). The sums
        are taken in the same order as :meth:`contributions` takes them, so the
        values are the same to the last bit.
        """
        if batch.word_counts is None:
            raise ValueError("contributions_many needs a batch from index_batch (it knows the word counts)")
        first = batch.gram_bounds[rows]
        counts = batch.gram_bounds[rows + 1] - first
        hit = np.repeat(np.arange(len(rows)), counts)
        grams = np.repeat(first, counts) + np.arange(len(hit)) - np.repeat(np.cumsum(counts) - counts, counts)
        sizes = batch.gram_sizes[grams]
        shares = weights[categories[hit], batch.gram_features[grams]] / sizes
        # Each gram spreads its share over its words, gram after gram.
        words = batch.word_counts[rows]
        slots = np.cumsum(words) - words
        spread = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        positions = np.repeat(slots[hit] + batch.gram_starts[grams], sizes) + spread
        values = np.bincount(positions, weights=np.repeat(shares, sizes), minlength=int(words.sum())).tolist()
        return [
            values[slot : slot + count] for slot, count in zip(slots.tolist(), words.tolist(), strict=True)
        ]

    def contributions(self, sentence: IndexedSentence, words: int, weights: Sequence[float]) -> list[float]:
        """Each word's share of the weighted n-grams that cover it (``weights`` per feature).

        One sentence at a time; scoring uses :meth:`contributions_many`, which
        gives the same values for a whole batch.
        """
        values = [0.0] * words
        for index, start, n in sentence.grams:
            share = weights[index] / n
            for position in range(start, start + n):
                values[position] += share
        return values


def _lookup(keys: np.ndarray, queries: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which ``queries`` (where ``valid``) are in the sorted ``keys``, and where."""
    if not len(keys):
        return np.zeros(len(queries), dtype=bool), np.zeros(len(queries), dtype=np.intp)
    where = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return valid & (keys[where] == queries), where


def _batch_of(sentences: Sequence[IndexedSentence], word_counts: Sequence[int] | None = None) -> IndexedBatch:
    """Indexed sentences as one :class:`IndexedBatch`."""
    grams = [(row, gram) for row, sentence in enumerate(sentences) for gram in sentence.grams]
    cues = [(row, cue) for row, sentence in enumerate(sentences) for cue in sentence.cues]
    gram_rows = np.array([row for row, _ in grams], dtype=np.int64)
    return IndexedBatch(
        n_rows=len(sentences),
        gram_rows=gram_rows,
        gram_features=np.array([gram[0] for _, gram in grams], dtype=np.int64),
        gram_starts=np.array([gram[1] for _, gram in grams], dtype=np.int64),
        gram_sizes=np.array([gram[2] for _, gram in grams], dtype=np.int64),
        gram_bounds=np.searchsorted(gram_rows, np.arange(len(sentences) + 1)),
        cue_rows=np.array([row for row, _ in cues], dtype=np.int64),
        cue_features=np.array([cue for _, cue in cues], dtype=np.int64),
        word_counts=None if word_counts is None else np.asarray(word_counts, dtype=np.int64),
    )

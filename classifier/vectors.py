"""Sentence features to TF-IDF rows, with each feature's position kept.

At scoring time every sentence's n-grams are looked up in the vocabulary
once: the same lookups give the TF-IDF rows the classifier reads and, for a
flagged sentence, each word's contribution to the category (to place the
phrase) and the strongest features (to explain it). The fitted
``TfidfVectorizer`` would compute the rows again from joined strings; the
rows here are the same numbers (the tests check that), computed once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from classifier.features import SentenceFeatures

__all__ = ["IndexedSentence", "SentenceIndexer"]


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
    """Vocabulary lookups and TF-IDF rows for the fitted vectoriser ``vectorizer``."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.binary or vectorizer.norm not in ("l2", "l1", None) or not vectorizer.use_idf:
            raise ValueError("SentenceIndexer reproduces only binary=False, use_idf=True TF-IDF vectorisers")
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.ngram_max: int = vectorizer.analyzer.ngram_max
        self.sublinear_tf = bool(vectorizer.sublinear_tf)
        self.norm = vectorizer.norm
        self.dtype = vectorizer.dtype
        self.idf = np.asarray(vectorizer.idf_, dtype=self.dtype)
        self.names = {index: name for name, index in self.vocabulary.items()}
        # Vocabularies cut by min_df alone are closed under sub-n-grams (see index()).
        self.prune = (
            vectorizer.max_df in (1.0, None) and vectorizer.max_features is None and not vectorizer.stop_words
        )

    def index(self, sentence: SentenceFeatures) -> IndexedSentence:
        """Look up every n-gram and cue of ``sentence`` (words hold no whitespace)."""
        lookup = self.vocabulary.get
        words = sentence.words
        grams = []
        # known[i]: the (n-1)-gram starting at word i is in the vocabulary.
        known = [False] * len(words)
        for i, word in enumerate(words):
            index = lookup(word)
            if index is not None:
                grams.append((index, i, 1))
                known[i] = True
        # n-gram strings grow one word at a time: names[i] is the (n-1)-gram at i.
        names = list(words)
        for n in range(2, self.ngram_max + 1):
            longer = [False] * len(words)
            for i in range(len(words) - n + 1):
                # An n-gram is as frequent as its rarer (n-1)-gram at most, so
                # with document-frequency pruning alone it can be in the
                # vocabulary only if both of its (n-1)-grams are.
                if self.prune and not (known[i] and known[i + 1]):
                    continue
                names[i] = name = names[i] + " " + words[i + n - 1]
                index = lookup(name)
                if index is not None:
                    grams.append((index, i, n))
                    longer[i] = True
            known = longer
        cues = [index for index in map(lookup, sentence.cues) if index is not None]
        return IndexedSentence(tuple(grams), tuple(cues))

    def tfidf(self, sentences: Sequence[IndexedSentence]) -> csr_matrix:
        """TF-IDF rows, as ``vectorizer.transform`` gives them for the same sentences."""
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for sentence in sentences:
            found = Counter(sentence.feature_indices())
            indices.extend(found)
            counts.extend(found.values())
            indptr.append(len(indices))
        rows = csr_matrix(
            (np.asarray(counts, dtype=self.dtype), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(sentences), len(self.vocabulary)),
        )
        rows.sort_indices()
        if self.sublinear_tf:
            np.log(rows.data, rows.data)
            rows.data += 1
        rows.data *= self.idf[rows.indices]
        if self.norm is not None:
            rows = normalize(rows, norm=self.norm, copy=False)
        return rows

    def contributions(self, sentence: IndexedSentence, words: int, weights: np.ndarray) -> np.ndarray:
        """Each word's share of the weighted n-grams that cover it (``weights`` per feature)."""
        values = np.zeros(words, dtype=np.float32)
        if not sentence.grams:
            return values
        grams = np.asarray(sentence.grams, dtype=np.intp)
        shares = (weights[grams[:, 0]] / grams[:, 2]).astype(np.float32)
        for offset in range(int(grams[:, 2].max())):
            covers = grams[:, 2] > offset
            np.add.at(values, grams[covers, 1] + offset, shares[covers])
        return values

    def strongest(self, sentence: IndexedSentence, weights: np.ndarray, limit: int = 5) -> list[str]:
        """Names of the ``limit`` features of ``sentence`` with the largest positive weight."""
        found = {index for index, _, _ in sentence.grams} | set(sentence.cues)
        scored = sorted(((weights[index], self.names[index]) for index in found), reverse=True)
        return [name for weight, name in scored[:limit] if weight > 0]

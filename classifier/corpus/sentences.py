"""Sentence splitting and near-duplicate detection over corpus texts."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language

__all__ = [
    "SHARED_RUN_WORDS",
    "NearDuplicate",
    "SharedRun",
    "near_duplicates",
    "shared_runs",
    "split_sentences",
]

#: Two documents that share a run of this many words are too close for different splits.
SHARED_RUN_WORDS = 8

_WORD = re.compile(r"\w+")


@cache
def _segmenter() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("clinic_sentences")
    return nlp


def split_sentences(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Character ranges of the non-empty sentences of each text, as the classifier segments them."""
    result = []
    for doc in _segmenter().pipe(texts):
        ranges = []
        for sentence in doc.sents:
            words = [t for t in sentence if not (t.is_space or t.is_punct)]
            if words:
                ranges.append((words[0].idx, words[-1].idx + len(words[-1].text)))
        result.append(ranges)
    return result


@dataclass(frozen=True)
class NearDuplicate:
    """Two sentences, in different documents, with word-trigram Jaccard >= the threshold."""

    first: tuple[int, int]
    second: tuple[int, int]
    similarity: float


def _trigrams(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


def near_duplicates(
    sentences: Sequence[Sequence[str]], *, threshold: float = 0.7, min_words: int = 6
) -> list[NearDuplicate]:
    """Pairs of near-duplicate sentences in different documents.

    ``sentences[d][k]`` is sentence ``k`` of document ``d``; results name them
    as ``(d, k)``. Sentences under ``min_words`` words are not compared:
    short headings and stock phrases ("What are the risks?", "Book a free
    consultation today") recur legitimately across independent documents,
    and with a lower limit they chained dozens of unrelated documents into
    one split.
    """
    grams: list[tuple[tuple[int, int], frozenset[str]]] = []
    exact: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d, document in enumerate(sentences):
        for k, sentence in enumerate(document):
            words = _WORD.findall(sentence.lower())
            if len(words) < min_words:
                continue
            grams.append(((d, k), _trigrams(sentence)))
            exact[" ".join(words)].append((d, k))
    index: dict[str, list[int]] = defaultdict(list)
    for position, (_, trigram_set) in enumerate(grams):
        for gram in trigram_set:
            index[gram].append(position)
    found: dict[tuple[tuple[int, int], tuple[int, int]], float] = {}
    for position, (key, trigram_set) in enumerate(grams):
        candidates: dict[int, int] = defaultdict(int)
        for gram in trigram_set:
            for other in index[gram]:
                if other > position:
                    candidates[other] += 1
        for other, shared in candidates.items():
            other_key, other_set = grams[other]
            if other_key[0] == key[0]:
                continue
            similarity = shared / (len(trigram_set) + len(other_set) - shared)
            if similarity >= threshold:
                found[(key, other_key)] = similarity
    for keys in exact.values():
        for i, first in enumerate(keys):
            for second in keys[i + 1 :]:
                if first[0] != second[0]:
                    found.setdefault((first, second), 1.0)
    return [NearDuplicate(a, b, round(s, 3)) for (a, b), s in sorted(found.items())]


@dataclass(frozen=True)
class SharedRun:
    """Two documents (by index) that share runs of words: the first such run, and how many."""

    first: int
    second: int
    words: str
    count: int


def shared_runs(texts: Sequence[str], *, length: int = SHARED_RUN_WORDS) -> list[SharedRun]:
    """Pairs of texts that share a run of ``length`` or more words (lower-cased, punctuation ignored).

    Each pair is reported once, with its first shared run and the number of
    shared runs of ``length`` words.
    """
    owners: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        words = _WORD.findall(text.lower())
        for i in range(len(words) - length + 1):
            found = owners[tuple(words[i : i + length])]
            if not found or found[-1] != index:
                found.append(index)
    first_run: dict[tuple[int, int], str] = {}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for run, found in owners.items():
        for i, a in enumerate(found):
            for b in found[i + 1 :]:
                first_run.setdefault((a, b), " ".join(run))
                counts[(a, b)] += 1
    return [SharedRun(a, b, first_run[(a, b)], counts[(a, b)]) for a, b in sorted(first_run)]

"""What every baseline shares: sentence data and the fit/predict interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import split_sentences
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["Baseline", "SentenceData", "sentence_data"]


@dataclass(frozen=True)
class SentenceData:
    """Sentences of some documents, and a 0/1 column per span category for each."""

    texts: list[str]
    labels: np.ndarray  # shape (sentences, categories)
    documents: list[int]  # index of each sentence's document


def sentence_data(documents: Sequence[CorpusDocument]) -> SentenceData:
    """Every sentence of ``documents`` (as the classifier segments them) with its gold categories:
    a sentence carries a category when a gold span of it overlaps the sentence."""
    texts, rows, owners = [], [], []
    column = {name: i for i, name in enumerate(SPAN_CATEGORIES)}
    for index, (document, ranges) in enumerate(
        zip(documents, split_sentences([d.text for d in documents]), strict=True)
    ):
        for start, end in ranges:
            row = np.zeros(len(SPAN_CATEGORIES), dtype=np.int8)
            for span in document.spans:
                if span.start < end and start < span.end and span.label in column:
                    row[column[span.label]] = 1
            texts.append(document.text[start:end])
            rows.append(row)
            owners.append(index)
    labels = np.asarray(rows, dtype=np.int8).reshape(-1, len(SPAN_CATEGORIES))
    return SentenceData(texts, labels, owners)


class Baseline(Protocol):
    """A sentence classifier over the span categories."""

    name: str

    def fit(self, train: SentenceData, dev: SentenceData) -> Baseline:
        """Learn from ``train``; ``dev`` may be used to choose thresholds, never to fit weights."""
        ...

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """A 0/1 row per text, one column per span category."""
        ...

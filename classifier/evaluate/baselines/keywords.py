"""Keyword baseline: the claim lexicon of each category as word-boundary regular expressions.

Training only prunes: a lexicon entry that fires on train sentences with a
precision below ``min_precision`` for its category is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from importlib import resources

import numpy as np

from classifier.evaluate.baselines.base import SentenceData
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["KeywordBaseline"]


def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(phrase.lower()).replace(r"\ ", r"[\s-]+") + r"(?!\w)")


class KeywordBaseline:
    name = "keywords"

    def __init__(self, min_precision: float = 0.2) -> None:
        self.min_precision = min_precision
        lexicon = json.loads(resources.files("classifier.data").joinpath("lexicon.json").read_text("utf-8"))
        self.entries = {c: [(p, _pattern(p)) for p in lexicon["claim"].get(c, [])] for c in SPAN_CATEGORIES}
        self.kept: dict[str, list[re.Pattern[str]]] = {
            c: [pattern for _, pattern in entries] for c, entries in self.entries.items()
        }

    def fit(self, train: SentenceData, dev: SentenceData) -> KeywordBaseline:
        lowered = [t.lower() for t in train.texts]
        for j, category in enumerate(SPAN_CATEGORIES):
            kept = []
            for _, pattern in self.entries[category]:
                fired = np.array([bool(pattern.search(t)) for t in lowered])
                if not fired.any() or train.labels[fired, j].mean() >= self.min_precision:
                    kept.append(pattern)
            self.kept[category] = kept
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        lowered = [t.lower() for t in texts]
        return np.array(
            [[any(p.search(t) for p in self.kept[c]) for c in SPAN_CATEGORIES] for t in lowered],
            dtype=np.int8,
        ).reshape(-1, len(SPAN_CATEGORIES))

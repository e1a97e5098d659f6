"""What scoring needs of a trained model, as plain arrays.

Training produces a scikit-learn Pipeline (:class:`TrainedModel`). Scoring
needs only its numbers: the vocabulary, the IDF weights, the stacked linear
models and their calibration, the per-category feature weights that place
and explain a flag, and the thresholds. :class:`ScoringWeights` holds them
and saves them as one ``.npz`` file that NumPy reads without pickles and
without importing scikit-learn, which halves the command-line cold start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from classifier.model.linear import StackedLinear
from classifier.model.page import PageWeights
from classifier.model.phrases import PhraseWeights
from classifier.model.vectors import SentenceIndexer

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["ScoringWeights", "TrainedModel"]


@dataclass
class TrainedModel:
    """What training produces and a model directory stores."""

    estimator: Pipeline
    categories: list[str]
    thresholds: dict[str, float]
    #: The page model (:mod:`classifier.model.page`) whose stance the sentence features carry, if any.
    page: Pipeline | None = None
    #: The phrase model (:mod:`classifier.model.phrases`) that places a flag inside its sentence, if any.
    phrases: PhraseWeights | None = None


@dataclass
class ScoringWeights:
    """A trained model's numbers, enough to score and explain."""

    categories: list[str]
    thresholds: dict[str, float]
    indexer: SentenceIndexer
    linear: StackedLinear
    #: categories x features: each feature's weight (mean over calibration folds) times its IDF.
    feature_weights: np.ndarray
    page: PageWeights | None = None
    #: Places each flag's phrase; without it, the phrase grows around the strongest evidence.
    phrases: PhraseWeights | None = None

    @classmethod
    def from_trained(cls, model: TrainedModel) -> ScoringWeights:
        """Extract the numbers of a fitted model; refuses an unfitted one."""
        from sklearn.utils.validation import check_is_fitted

        from classifier.model.estimator import category_weights

        check_is_fitted(model.estimator)
        vectorizer = model.estimator.named_steps["features"]
        indexer = SentenceIndexer.from_vectorizer(vectorizer)
        return cls(
            categories=list(model.categories),
            thresholds=dict(model.thresholds),
            indexer=indexer,
            linear=StackedLinear.from_estimator(model.estimator),
            feature_weights=category_weights(model.estimator) * indexer.idf[np.newaxis, :],
            page=PageWeights.from_estimator(model.page) if model.page is not None else None,
            phrases=model.phrases,
        )

    def save(self, target: str | Path | BinaryIO) -> None:
        """Write the weights as a compressed ``.npz`` file."""
        indexer = self.indexer
        config = {
            "categories": self.categories,
            "thresholds": self.thresholds,
            "ngram_max": indexer.ngram_max,
            "sublinear_tf": indexer.sublinear_tf,
            "norm": indexer.norm,
            "prune": indexer.prune,
        }
        np.savez_compressed(
            target,
            config=np.array(json.dumps(config)),
            terms=np.array(indexer.terms, dtype=str),
            idf=indexer.idf,
            feature_weights=self.feature_weights,
            **{f"linear_{name}": array for name, array in self.linear.arrays().items()},
            **{f"page_{name}": array for name, array in (self.page.arrays() if self.page else {}).items()},
            **{
                f"phrase_{name}": array
                for name, array in (self.phrases.arrays() if self.phrases else {}).items()
            },
        )

    @classmethod
    def load(cls, source: str | Path) -> ScoringWeights:
        """Read weights written by :meth:`save` (no pickles are read)."""
        with np.load(source, allow_pickle=False) as arrays:
            config = json.loads(str(arrays["config"]))
            indexer = SentenceIndexer(
                arrays["terms"].tolist(),
                arrays["idf"],
                ngram_max=int(config["ngram_max"]),
                sublinear_tf=bool(config["sublinear_tf"]),
                norm=config["norm"],
                prune=bool(config["prune"]),
            )
            linear = StackedLinear(**{name: arrays[f"linear_{name}"] for name in StackedLinear.ARRAYS})
            page_arrays = {
                name[len("page_") :]: arrays[name] for name in arrays.files if name.startswith("page_")
            }
            phrase_arrays = {
                name[len("phrase_") :]: arrays[name] for name in arrays.files if name.startswith("phrase_")
            }
            return cls(
                categories=list(config["categories"]),
                thresholds={k: float(v) for k, v in config["thresholds"].items()},
                indexer=indexer,
                linear=linear,
                feature_weights=arrays["feature_weights"],
                page=PageWeights.from_arrays(page_arrays) if page_arrays else None,
                phrases=PhraseWeights.from_arrays(phrase_arrays) if phrase_arrays else None,
            )

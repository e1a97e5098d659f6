"""The scikit-learn model: TF-IDF over sentence features, one calibrated
logistic regression per category."""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from classifier.model.features import SentenceAnalyzer

__all__ = ["category_weights", "make_estimator"]


def make_estimator(
    *,
    ngram_max: int = 3,
    min_df: int = 2,
    C: float = 16.0,
    calibration_folds: int = 3,
    calibration_ensemble: bool = True,
    random_state: int = 0,
) -> Pipeline:
    """An unfitted multi-label Pipeline: sentence strings in, per-category probabilities out.

    Parameters
    ----------
    ngram_max
        Longest word n-gram.
    min_df
        Minimum number of training sentences a feature must occur in.
    C
        Inverse regularisation strength of each logistic regression.
    calibration_folds
        Folds of the sigmoid calibration (``CalibratedClassifierCV``).
    calibration_ensemble
        Whether each category's model is the mean of the calibration folds' models,
        each fitted on the other folds and calibrated on its own (``True``), or one
        logistic regression fitted on all the sentences, with the calibration map
        fitted on the folds' held-out predictions (``False``). In 4-fold
        cross-validation over the train and dev documents ``False`` gave a sentence
        micro F1 of 0.739 against 0.729, but see ``TrainingConfig.refit_on_dev`` for
        why the default is ``True``.
    """
    base = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=random_state)
    return Pipeline(
        [
            (
                "features",
                TfidfVectorizer(
                    analyzer=SentenceAnalyzer(ngram_max=ngram_max),
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "classify",
                OneVsRestClassifier(
                    CalibratedClassifierCV(
                        base, method="sigmoid", cv=calibration_folds, ensemble=calibration_ensemble
                    )
                ),
            ),
        ]
    )


def category_weights(estimator: Pipeline) -> np.ndarray:
    """Feature weights per category (rows follow the label order), averaged over its linear models.

    Multiplied by a sentence's TF-IDF values they say which features pushed a
    category up, which is how a flag finds its phrase and its evidence.
    """
    rows = []
    for calibrated in estimator.named_steps["classify"].estimators_:
        if hasattr(calibrated, "calibrated_classifiers_"):
            coefs = [c.estimator.coef_[0] for c in calibrated.calibrated_classifiers_]
            rows.append(np.mean(coefs, axis=0))
        else:
            n_features = len(estimator.named_steps["features"].vocabulary_)
            rows.append(np.zeros(n_features))
    return np.asarray(rows, dtype=np.float32)

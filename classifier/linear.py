"""One matrix product for the whole classifier step.

The fitted ``OneVsRestClassifier(CalibratedClassifierCV(LogisticRegression))``
of :mod:`classifier.estimator` is a set of linear models, each followed by a
sigmoid; sklearn evaluates them one by one, with input checks each time.
``StackedLinear`` stacks their weights so that scoring a batch of sentences
is one sparse-dense product and one ``expit``. It gives the same numbers as
the pipeline's ``predict_proba`` (the tests check that).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import spmatrix
from scipy.special import expit
from sklearn.pipeline import Pipeline

__all__ = ["StackedLinear"]


class StackedLinear:
    """Calibrated per-category probabilities from TF-IDF rows, computed in one pass."""

    def __init__(self, estimator: Pipeline) -> None:
        classify = estimator.named_steps["classify"]
        n_features = len(estimator.named_steps["features"].vocabulary_)
        coefs, intercepts, slopes, offsets, owners = [], [], [], [], []
        self.n_categories = len(classify.estimators_)
        self.constant = np.full(self.n_categories, np.nan)
        for category, calibrated in enumerate(classify.estimators_):
            if not hasattr(calibrated, "calibrated_classifiers_"):
                # OneVsRest keeps a constant predictor for a label never (or always) seen.
                self.constant[category] = float(calibrated.predict_proba(np.zeros((1, n_features)))[0, 1])
                continue
            for member in calibrated.calibrated_classifiers_:
                (sigmoid,) = member.calibrators
                coefs.append(member.estimator.coef_[0])
                intercepts.append(member.estimator.intercept_[0])
                slopes.append(sigmoid.a_)
                offsets.append(sigmoid.b_)
                owners.append(category)
        self.coef = np.asarray(coefs, dtype=np.float64).reshape(len(coefs), n_features).T
        self.intercept = np.asarray(intercepts, dtype=np.float64)
        self.slope = np.asarray(slopes, dtype=np.float64)
        self.offset = np.asarray(offsets, dtype=np.float64)
        owners_array = np.asarray(owners, dtype=np.intp)
        # Averaging matrix: member columns -> category columns (the calibration folds' mean).
        self.average = np.zeros((len(owners), self.n_categories))
        if len(owners):
            counts = np.bincount(owners_array, minlength=self.n_categories)
            self.average[np.arange(len(owners)), owners_array] = 1.0 / counts[owners_array]

    def predict_proba(self, features: spmatrix) -> np.ndarray:
        """Probabilities, one column per category, for TF-IDF rows ``features``."""
        decision = features @ self.coef + self.intercept
        probabilities = expit(-(self.slope * decision + self.offset)) @ self.average
        fixed = ~np.isnan(self.constant)
        probabilities[:, fixed] = self.constant[fixed]
        return probabilities

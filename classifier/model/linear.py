"""One matrix product for the whole classifier step.

The fitted ``OneVsRestClassifier(CalibratedClassifierCV(LogisticRegression))``
of :mod:`classifier.model.estimator` is a set of linear models, each followed by a
sigmoid; sklearn evaluates them one by one, with input checks each time.
``StackedLinear`` stacks their weights so that scoring a batch of sentences
is one weighted sum per linear model over the sentences' features and one sigmoid, in NumPy
alone. It gives the same numbers as the pipeline's ``predict_proba`` (the
tests check that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["Rows", "StackedLinear"]


class Rows(Protocol):
    """Sparse rows in CSR form (a ``scipy.sparse.csr_matrix`` is one)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


class StackedLinear:
    """Calibrated per-category probabilities from TF-IDF rows, computed in one pass."""

    ARRAYS = ("coef", "intercept", "slope", "offset", "average", "constant")

    def __init__(self, **arrays: np.ndarray) -> None:
        self.coef = np.asarray(arrays["coef"], dtype=np.float64)
        self.intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self.slope = np.asarray(arrays["slope"], dtype=np.float64)
        self.offset = np.asarray(arrays["offset"], dtype=np.float64)
        self.average = np.asarray(arrays["average"], dtype=np.float64)
        self.constant = np.asarray(arrays["constant"], dtype=np.float64)
        self.n_categories = len(self.constant)
        self._coef_by_member = np.ascontiguousarray(self.coef.T)
        # The averaging matrix as (category, member columns, their weights). Averaging
        # with a matrix product would call BLAS, whose idle worker threads spin and
        # take the CPU from the caller when the process runs on one core.
        self._members = [
            (category, columns, self.average[columns, category])
            for category in range(self.n_categories)
            if len(columns := np.flatnonzero(self.average[:, category]))
        ]

    @classmethod
    def from_estimator(cls, estimator: Pipeline) -> StackedLinear:
        """Stack the fitted linear models of ``estimator`` (see :mod:`classifier.model.estimator`)."""
        classify = estimator.named_steps["classify"]
        n_features = len(estimator.named_steps["features"].vocabulary_)
        coefs, intercepts, slopes, offsets, owners = [], [], [], [], []
        n_categories = len(classify.estimators_)
        constant = np.full(n_categories, np.nan)
        for category, calibrated in enumerate(classify.estimators_):
            if not hasattr(calibrated, "calibrated_classifiers_"):
                # OneVsRest keeps a constant predictor for a label never (or always) seen.
                constant[category] = float(calibrated.predict_proba(np.zeros((1, n_features)))[0, 1])
                continue
            for member in calibrated.calibrated_classifiers_:
                (sigmoid,) = member.calibrators
                coefs.append(member.estimator.coef_[0])
                intercepts.append(member.estimator.intercept_[0])
                slopes.append(sigmoid.a_)
                offsets.append(sigmoid.b_)
                owners.append(category)
        owners_array = np.asarray(owners, dtype=np.intp)
        # Averaging matrix: member columns -> category columns (the calibration folds' mean).
        average = np.zeros((len(owners), n_categories))
        if len(owners):
            counts = np.bincount(owners_array, minlength=n_categories)
            average[np.arange(len(owners)), owners_array] = 1.0 / counts[owners_array]
        return cls(
            coef=np.asarray(coefs, dtype=np.float64).reshape(len(coefs), n_features).T,
            intercept=np.asarray(intercepts, dtype=np.float64),
            slope=np.asarray(slopes, dtype=np.float64),
            offset=np.asarray(offsets, dtype=np.float64),
            average=average,
            constant=constant,
        )

    def category_weights(self) -> np.ndarray:
        """Feature weights per category (categories x features): the mean of its linear models'
        weights, zero for a category with a constant prediction."""
        return np.ascontiguousarray((self.coef @ self.average).T)

    def arrays(self) -> dict[str, np.ndarray]:
        """The stacked weights by name, for saving."""
        return {name: getattr(self, name) for name in self.ARRAYS}

    def predict_proba(self, rows: Rows) -> np.ndarray:
        """Probabilities, one column per category, for TF-IDF rows ``rows``."""
        indptr = np.asarray(rows.indptr)
        n_rows = len(indptr) - 1
        indices = np.asarray(rows.indices)
        data = np.asarray(rows.data, dtype=np.float64)
        row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
        # Per linear model, each stored value times its feature's weight, summed
        # per row with bincount: faster than a 2-D gather and reduceat here.
        decision = np.empty((n_rows, self.coef.shape[1]))
        for member, weights in enumerate(self._coef_by_member):
            decision[:, member] = np.bincount(row_of, weights=weights[indices] * data, minlength=n_rows)
        decision += self.intercept
        member_probabilities = 1.0 / (1.0 + np.exp(self.slope * decision + self.offset))
        probabilities = np.zeros((n_rows, self.n_categories))
        for category, columns, weights in self._members:
            probabilities[:, category] = (member_probabilities[:, columns] * weights).sum(axis=1)
        fixed = ~np.isnan(self.constant)
        probabilities[:, fixed] = self.constant[fixed]
        return probabilities

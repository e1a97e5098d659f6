"""Sentence context: a second look at each sentence's probabilities.

The sentence model scores each category on its own and reads one sentence at
a time. The context model is one logistic regression per category that reads
the sentence model's probabilities again: the sentence's log-odds for every
category (a sentence that scores high as a cure claim is less often also
unsupported proof), whether the sentence is short, and, for a short one, the
previous sentence's log-odds of the category. The last is what a reviewer
does with a fragment: a line such as "Better sleep" is a claimed result in a
list under "Patients report", and "Dana R., Ohio" belongs to the testimonial
above it. It is fitted on probabilities that the sentence model gave
documents it had not seen (out-of-fold), so it learns from probabilities as
noisy as those of new pages.

Sentence micro F1 in 4-fold cross-validation over the train and dev
documents of the 1,468-document corpus, thresholds chosen on each variant's
own cross-validated probabilities (``C`` = 0.1 on standardised inputs):

- no context model: 0.757;
- this one: 0.762 on each of two random groupings into folds;
- also the previous and next sentences' and the page's probabilities of every
  category: 0.770, but it learnt how our writers place claims next to each
  other (a pluripotency claim after a hype sentence is rare in the corpus)
  and dropped three of the real-world example article's must-flag claims
  under their thresholds. Measured afterwards, not chosen on: span-overlap
  micro F1 0.798 on realstyle (0.761 without) and 0.757 on test (0.741);
- those for the sentence's own category only: 0.764, and two of the three
  claims dropped.

Even this variant, retrained, left one of the example article's cure claims
at 0.293 against its threshold of 0.30, so training leaves it off
(``TrainingConfig.context_model``) and the bundled model has none.

Scoring reads :class:`ContextWeights`, plain arrays, with NumPy alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SHORT_SENTENCE",
    "ContextWeights",
    "context_features",
    "cross_validated_context",
    "document_bounds",
    "feature_count",
    "fit_context",
]

#: A sentence of at most this many tokens counts as short (a list item, a heading, a signature).
SHORT_SENTENCE = 6
#: Probabilities are clipped to [FLOOR, 1 - FLOOR] before their log-odds are taken; a missing
#: neighbour (the first sentence's previous one) has probability 0, so log-odds log(FLOOR).
FLOOR = 1e-4


def feature_count(n_categories: int) -> int:
    """How many inputs the context model has for ``n_categories`` categories."""
    return n_categories + 2


def _log_odds(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, FLOOR, 1 - FLOOR)
    return np.log(clipped / (1 - clipped))


def context_features(
    probabilities: np.ndarray, lengths: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The context model's inputs for the sentences of one document, in order.

    ``probabilities`` is sentences x categories (the sentence model's);
    ``lengths`` the sentences' token counts. Returns the sentences' log-odds
    (sentences x categories), whether each is short (a column of 0 and 1),
    and, for the short ones, the previous sentence's log-odds (sentences x
    categories; zero for the others, and for a first sentence the log-odds of
    a probability of 0).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    n_rows = probabilities.shape[0]
    lengths = np.asarray(lengths)
    if lengths.shape != (n_rows,):
        raise ValueError(f"context_features needs one length per sentence: {n_rows}, got {lengths.shape}")
    previous = np.zeros_like(probabilities)
    previous[1:] = probabilities[:-1]
    short = (lengths <= SHORT_SENTENCE).astype(np.float64)[:, np.newaxis]
    return _log_odds(probabilities), short, short * _log_odds(previous)


def _columns(features: tuple[np.ndarray, np.ndarray, np.ndarray], category: int) -> np.ndarray:
    """The inputs of one category's regression: every log-odds, short, and the previous sentence's
    log-odds of the category for a short sentence."""
    own, short, before = features
    return np.hstack([own, short, before[:, category : category + 1]])


@dataclass(frozen=True)
class ContextWeights:
    """One logistic regression per category over the inputs of :func:`context_features`: row ``k``
    of ``coef`` weighs every category's log-odds, then whether the sentence is short, then the
    previous sentence's log-odds of category ``k`` when it is."""

    #: categories x (categories + 2)
    coef: np.ndarray
    #: one per category
    intercept: np.ndarray

    def __post_init__(self) -> None:
        n_categories = len(self.intercept)
        wanted = (n_categories, feature_count(n_categories))
        if self.intercept.ndim != 1 or self.coef.shape != wanted:
            raise ValueError(
                f"context weights need coef shaped {wanted} for {n_categories} categories, "
                f"not {self.coef.shape}"
            )

    def predict_proba(self, probabilities: np.ndarray, lengths: Sequence[int] | np.ndarray) -> np.ndarray:
        """The sentences' probabilities in context: one document's sentences, in order."""
        own, short, before = context_features(probabilities, lengths)
        n_categories = len(self.intercept)
        decision = (
            own @ self.coef[:, :n_categories].T
            + short * self.coef[:, n_categories]
            + before * self.coef[:, n_categories + 1]
            + self.intercept
        )
        return 1.0 / (1.0 + np.exp(-decision))

    def predict_documents(
        self,
        probabilities: np.ndarray,
        lengths: Sequence[int] | np.ndarray,
        bounds: Sequence[tuple[int, int]],
    ) -> np.ndarray:
        """Like :meth:`predict_proba` for a batch of documents whose rows are ``bounds``."""
        lengths = np.asarray(lengths)
        result = np.empty(probabilities.shape, dtype=np.float64)
        for start, end in bounds:
            result[start:end] = self.predict_proba(probabilities[start:end], lengths[start:end])
        return result

    def arrays(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef, "intercept": self.intercept}


def document_bounds(groups: Sequence[int] | np.ndarray) -> list[tuple[int, int]]:
    """The row ranges of consecutive equal ``groups`` (one per document)."""
    groups = np.asarray(groups)
    if not len(groups):
        return []
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _features_of_run(
    probabilities: np.ndarray, lengths: np.ndarray, bounds: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = [context_features(probabilities[s:e], lengths[s:e]) for s, e in bounds]
    own, short, before = (np.vstack([part[i] for part in parts]) for i in range(3))
    return own, short, before


def fit_context(
    runs: Sequence[np.ndarray],
    truth: np.ndarray,
    lengths: Sequence[int] | np.ndarray,
    groups: Sequence[int] | np.ndarray,
    *,
    C: float,
    rows: np.ndarray | None = None,
) -> ContextWeights:
    """Fit the context model on out-of-fold sentence probabilities (each run of
    :func:`classifier.model.training.cross_validated_probabilities` in turn, as more examples).

    ``groups`` numbers each sentence's document (sentences of a document are
    consecutive); ``rows``, when given, keeps only those sentences' examples.
    """
    lengths = np.asarray(lengths)
    bounds = document_bounds(groups)
    per_run = [_features_of_run(run, lengths, bounds) for run in runs]
    return _fit(per_run, truth, C=C, rows=rows)


def _fit(
    per_run: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    truth: np.ndarray,
    *,
    C: float,
    rows: np.ndarray | None,
) -> ContextWeights:
    """:func:`fit_context` on inputs already computed, one triple per run."""
    from sklearn.linear_model import LogisticRegression

    keep = np.ones(len(truth), dtype=bool) if rows is None else rows
    features = tuple(np.vstack([run[i][keep] for run in per_run]) for i in range(3))
    labels = np.vstack([truth[keep]] * len(per_run))
    n_categories = truth.shape[1]
    coef = np.zeros((n_categories, feature_count(n_categories)))
    intercept = np.zeros(n_categories)
    for category in range(n_categories):
        column = labels[:, category]
        if column.min() == column.max():
            # A category never (or always) seen: a constant log-odds.
            intercept[category] = float(_log_odds(np.array([float(column.mean())]))[0])
            continue
        inputs = _columns(features, category)
        # Fitted on standardised inputs (five times quicker to converge, and C means the same
        # for every input), then the scaling is folded into the weights.
        mean = inputs.mean(axis=0)
        scale = inputs.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=C, max_iter=3000).fit((inputs - mean) / scale, column)
        coef[category] = model.coef_[0] / scale
        intercept[category] = model.intercept_[0] - float(coef[category] @ mean)
    return ContextWeights(coef=coef, intercept=intercept)


def cross_validated_context(
    runs: Sequence[np.ndarray],
    truth: np.ndarray,
    lengths: Sequence[int] | np.ndarray,
    groups: Sequence[int] | np.ndarray,
    *,
    C: float,
    folds: int,
) -> list[np.ndarray]:
    """Per run, each sentence's probability in context from a context model fitted on the other
    folds' documents (seed ``100 + run``), for choosing thresholds on."""
    from sklearn.model_selection import GroupKFold

    groups = np.asarray(groups)
    lengths = np.asarray(lengths)
    bounds = document_bounds(groups)
    held_out = []
    for number, run in enumerate(runs):
        result = np.zeros(truth.shape)
        inputs = _features_of_run(run, lengths, bounds)
        split = GroupKFold(folds, shuffle=True, random_state=100 + number)
        for fit_rows, _ in split.split(run, truth, groups):
            mask = np.zeros(len(truth), dtype=bool)
            mask[fit_rows] = True
            model = _fit([inputs], truth, C=C, rows=mask)
            for start, end in bounds:
                if mask[start]:
                    continue
                result[start:end] = model.predict_proba(run[start:end], lengths[start:end])
        held_out.append(result)
    return held_out

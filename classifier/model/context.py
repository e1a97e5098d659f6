"""Sentence context: a second look at each sentence's probabilities.

The sentence model scores each category on its own and reads one sentence at
a time. The context model is one logistic regression per category that reads
the sentence model's probabilities again, with the sentence's neighbours and
its page (:data:`BLOCKS`): the sentence's log-odds for every category, the
previous and next sentences' probabilities, the mean and the highest
probability of the page's other sentences, whether the sentence is short, and,
for a short one, the previous sentence's probabilities again. That is what a
reviewer does with a fragment: a line such as "Better sleep" is a claimed
result in a list under "Patients report", and "Dana R., Ohio" belongs to the
testimonial above it. It is fitted on probabilities that the sentence model
gave documents it had not seen (out-of-fold), so it learns from probabilities
as noisy as those of new pages.

Context can raise a category and never lower it. Every input but "short" is
zero or more and weighs zero or more, and each sentence is also a training
example as a text of its own, so a sentence in a page scores at least what it
scores alone. Two freer versions failed on pages nobody here wrote:

- with free signs, the model learnt how our writers place claims next to each
  other (a pluripotency claim seldom follows a hype sentence in the corpus)
  and dropped three of the real-world example article's must-flag claims in
  ``../shared/examples`` under their thresholds;
- with bounded signs but neighbours as log-odds (a missing neighbour as a
  probability of 0), it kept them, but a sentence scored as a text of its own
  lost a third of its recall (``classifier evasion``: 0.706 to 0.517), since
  it read as a claim with nothing like it nearby.

Sentence micro F1 in 4-fold cross-validation over the train and dev documents
of the 1,468-document corpus, thresholds chosen on each variant's own
cross-validated probabilities (``C`` = 0.1 on standardised inputs; two random
groupings into folds of the context regressions), and, at those thresholds,
with each sentence scored as a text of its own (``python
scripts/context_variants.py``):

- no context model: 0.764;
- neighbours as log-odds and the page's highest and mean probability, free
  signs: 0.776 and 0.775; alone 0.337 and 0.314;
- the same, bounded signs: 0.773 and 0.774; alone 0.637 and 0.648;
- this module: 0.774 and 0.773; alone 0.764 and 0.763.

Measured afterwards on splits not chosen on, span-overlap micro F1 rose from
0.753 to 0.757 on test and from 0.759 to 0.798 on realstyle.

Scoring reads :class:`ContextWeights`, plain arrays, with NumPy alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BLOCKS",
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
#: The context model's inputs, in column order. Each block has one column per category:
#: ``own`` is the sentence's log-odds; ``previous`` and ``next`` the neighbours' probabilities
#: (0 where there is none); ``others_mean`` and ``others_max`` the mean and the highest
#: probability of the page's other sentences; ``short_previous`` is ``previous`` again for a
#: short sentence (zero otherwise). A last column says whether the sentence is short. For a
#: text of one sentence every block but ``own`` is zero.
BLOCKS = ("own", "previous", "next", "others_mean", "others_max", "short_previous")


def feature_count(n_categories: int) -> int:
    """How many inputs the context model has for ``n_categories`` categories."""
    return len(BLOCKS) * n_categories + 1


def _log_odds(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, FLOOR, 1 - FLOOR)
    return np.log(clipped / (1 - clipped))


def context_features(probabilities: np.ndarray, lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """The context model's inputs for the sentences of one document, in order.

    ``probabilities`` is sentences x categories (the sentence model's);
    ``lengths`` the sentences' token counts. Returns sentences x
    :func:`feature_count` columns: the blocks of :data:`BLOCKS`, then whether
    the sentence is short (0 or 1).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    n_rows = probabilities.shape[0]
    lengths = np.asarray(lengths)
    if lengths.shape != (n_rows,):
        raise ValueError(f"context_features needs one length per sentence: {n_rows}, got {lengths.shape}")
    short = (lengths <= SHORT_SENTENCE).astype(np.float64)[:, np.newaxis]
    own = _log_odds(probabilities)
    if n_rows == 1:
        return _alone(own, short)
    previous = np.zeros_like(probabilities)
    previous[1:] = probabilities[:-1]
    following = np.zeros_like(probabilities)
    following[:-1] = probabilities[1:]
    others_mean = others_max = np.zeros_like(probabilities)
    if n_rows > 1:
        others_mean = (probabilities.sum(axis=0) - probabilities) / (n_rows - 1)
        ranked = np.sort(probabilities, axis=0)
        # The page's highest probability, or its second highest for the sentence that has the highest.
        others_max = np.where(probabilities >= ranked[-1], ranked[-2], ranked[-1])
    blocks = (own, previous, following, others_mean, others_max, short * previous)
    return np.hstack([*blocks, short])


def _alone(own: np.ndarray, short: np.ndarray) -> np.ndarray:
    """The inputs of sentences read as texts of one sentence each: their log-odds, no context,
    and whether they are short."""
    n_rows, n_categories = own.shape
    return np.hstack([own, np.zeros((n_rows, (len(BLOCKS) - 1) * n_categories)), short])


@dataclass(frozen=True)
class ContextWeights:
    """One logistic regression per category over the inputs of :func:`context_features`: row ``k``
    of ``coef`` gives category ``k``'s weight of each input."""

    #: categories x :func:`feature_count`
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
        decision = context_features(probabilities, lengths) @ self.coef.T + self.intercept
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
) -> np.ndarray:
    return np.vstack([context_features(probabilities[s:e], lengths[s:e]) for s, e in bounds])


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
    per_run: Sequence[np.ndarray], truth: np.ndarray, *, C: float, rows: np.ndarray | None
) -> ContextWeights:
    """:func:`fit_context` on inputs already computed, one matrix per run.

    Each sentence is also an example as a text of its own (:func:`_alone`), with the same
    label, and nothing tells the two apart but the context itself. Since every input of the
    context weighs zero or more and is zero or more, a sentence in context scores at least
    what it scores alone: context can raise a category, never lower it, and a sentence with
    nothing like it nearby keeps its own reading instead of being read as a claim out of
    place.
    """
    keep = np.ones(len(truth), dtype=bool) if rows is None else rows
    n_categories = truth.shape[1]
    short_column = len(BLOCKS) * n_categories
    in_context = np.vstack([run[keep] for run in per_run])
    alone = _alone(in_context[:, :n_categories], in_context[:, short_column : short_column + 1])
    inputs = np.vstack([in_context, alone])
    labels = np.vstack([truth[keep]] * (2 * len(per_run)))
    coef = np.zeros((n_categories, feature_count(n_categories)))
    intercept = np.zeros(n_categories)
    free = np.zeros(feature_count(n_categories), dtype=bool)
    free[-1] = True  # whether the sentence is short: a property of the sentence, not its context
    # Fitted on standardised inputs (C then means the same for every input); the scaling is
    # folded into the weights afterwards, which keeps their signs.
    mean = inputs.mean(axis=0)
    scale = inputs.std(axis=0)
    scale[scale == 0] = 1.0
    standardised = (inputs - mean) / scale
    for category in range(n_categories):
        column = labels[:, category].astype(np.float64)
        if column.min() == column.max():
            # A category never (or always) seen: a constant log-odds.
            intercept[category] = float(_log_odds(np.array([float(column.mean())]))[0])
            continue
        weights, bias = _bounded_logistic(standardised, column, free, C=C)
        coef[category] = weights / scale
        intercept[category] = bias - float(coef[category] @ mean)
    return ContextWeights(coef=coef, intercept=intercept)


def _bounded_logistic(
    x: np.ndarray, y: np.ndarray, free: np.ndarray, *, C: float
) -> tuple[np.ndarray, float]:
    """An L2-regularised logistic regression whose inputs, except the ``free`` ones and the
    intercept, all weigh zero or more.

    So a neighbour's, the page's or another category's probability can raise a category and
    never lower it: the model cannot learn that one kind of claim seldom follows another in
    our corpus, which is how our writers place claims, not how real pages do (a free-signed
    version dropped three claims of the real-world example article in ``../shared/examples``).
    """
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        value = float(np.logaddexp(0.0, z).sum() - y @ z + 0.5 / C * (w[:-1] @ w[:-1]))
        return value, np.append(x.T @ residual + w[:-1] / C, residual.sum())

    bounds = [(None, None) if f else (0.0, None) for f in free] + [(None, None)]
    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:-1], float(result.x[-1])


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

"""The context model: a sentence's probabilities read again with its neighbours' and its page's."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.model.context import (
    FLOOR,
    SHORT_SENTENCE,
    ContextWeights,
    context_features,
    cross_validated_context,
    document_bounds,
    feature_count,
    fit_context,
)


def _log_odds(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_features_are_the_log_odds_and_for_a_short_line_the_previous_sentence() -> None:
    probabilities = np.array([[0.9, 0.1], [0.2, 0.5], [0.4, 0.3], [0.6, 0.7]])
    own, short, before = context_features(probabilities, [2, 3, 20, 12])
    np.testing.assert_allclose(own, np.log(probabilities / (1 - probabilities)))
    assert SHORT_SENTENCE >= 3
    np.testing.assert_array_equal(short[:, 0], [1, 1, 0, 0])
    # A short line carries the previous sentence's log-odds; the first one has none (probability 0).
    np.testing.assert_allclose(before[0], [_log_odds(FLOOR)] * 2)
    np.testing.assert_allclose(before[1], own[0])
    np.testing.assert_array_equal(before[2:], 0)
    assert feature_count(2) == 4


def test_features_of_no_sentences_and_of_mismatched_lengths() -> None:
    own, short, before = context_features(np.zeros((0, 3)), [])
    assert own.shape == before.shape == (0, 3) and short.shape == (0, 1)
    with pytest.raises(ValueError, match="one length per sentence"):
        context_features(np.zeros((2, 3)), [4])


def test_weights_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"coef shaped \(2, 4\)"):
        ContextWeights(coef=np.zeros((2, 13)), intercept=np.zeros(2))


def test_prediction_is_the_regression_over_those_inputs() -> None:
    rng = np.random.default_rng(3)
    weights = ContextWeights(coef=rng.normal(size=(2, 4)), intercept=rng.normal(size=2))
    probabilities = rng.uniform(0.01, 0.99, size=(3, 2))
    own, short, before = context_features(probabilities, [3, 4, 30])
    for category in range(2):
        inputs = np.hstack([own, short, before[:, [category]]])
        expected = 1 / (1 + np.exp(-(inputs @ weights.coef[category] + weights.intercept[category])))
        np.testing.assert_allclose(weights.predict_proba(probabilities, [3, 4, 30])[:, category], expected)
    # A batch of documents: each is read on its own (the second document's first line has no
    # previous sentence, although the first document's last row precedes it in the batch).
    batch = np.vstack([probabilities, probabilities])
    np.testing.assert_allclose(
        weights.predict_documents(batch, [3, 4, 30] * 2, [(0, 3), (3, 6)]),
        np.vstack([weights.predict_proba(probabilities, [3, 4, 30])] * 2),
    )


def test_document_bounds_follow_the_groups() -> None:
    assert document_bounds([4, 4, 7, 9, 9, 9]) == [(0, 2), (2, 3), (3, 6)]
    assert document_bounds([]) == []


def _signature_pages(seed: int, pages: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pages of (testimonial, signature, other) triples: the sentence model sees the testimonial
    but gives the short signature line after it a low probability, though it is labelled too."""
    rng = np.random.default_rng(seed)
    probabilities, truth, lengths, groups = [], [], [], []
    for page in range(pages):
        for _ in range(3):
            quote = rng.random() < 0.5
            first = rng.uniform(0.6, 0.95) if quote else rng.uniform(0.02, 0.3)
            probabilities += [[first], [rng.uniform(0.05, 0.2)], [rng.uniform(0.02, 0.3)]]
            truth += [[int(quote)], [int(quote)], [0]]
            lengths += [18, 3, 15]
            groups += [page] * 3
    return np.array(probabilities), np.array(truth, dtype=np.int8), np.array(lengths), np.array(groups)


def test_a_fitted_model_learns_that_a_short_line_belongs_to_the_sentence_before() -> None:
    probabilities, truth, lengths, groups = _signature_pages(0)
    model = fit_context([probabilities], truth, lengths, groups, C=1.0)
    page = np.array([[0.9], [0.1], [0.1], [0.1], [0.1], [0.1]])
    rescored = model.predict_proba(page, [18, 3, 15, 18, 3, 15])
    # The same sentence-model probability (0.1), after a testimonial and after a plain sentence.
    assert rescored[1, 0] > 0.5 > rescored[4, 0]


def test_cross_validated_context_predicts_every_sentence_once_from_other_documents() -> None:
    probabilities, truth, lengths, groups = _signature_pages(1)
    (held_out,) = cross_validated_context([probabilities], truth, lengths, groups, C=1.0, folds=4)
    assert held_out.shape == truth.shape
    assert ((held_out > 0) & (held_out < 1)).all()
    signatures = np.arange(1, len(truth), 3)
    labelled = truth[signatures, 0] == 1
    assert held_out[signatures[labelled], 0].min() > held_out[signatures[~labelled], 0].max()


def test_a_category_never_seen_gets_a_constant() -> None:
    probabilities, truth, lengths, groups = _signature_pages(2, pages=8)
    truth = np.hstack([truth, np.zeros_like(truth)])
    probabilities = np.hstack([probabilities, probabilities])
    model = fit_context([probabilities], truth, lengths, groups, C=1.0)
    rescored = model.predict_proba(probabilities[:6], lengths[:6])
    assert np.ptp(rescored[:, 1]) == 0
    assert rescored[0, 1] < 0.01

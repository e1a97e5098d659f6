"""The context model: a sentence's probabilities read again with its neighbours' and its page's."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.model.context import (
    BLOCKS,
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


def _blocks(features: np.ndarray, n_categories: int) -> dict[str, np.ndarray]:
    named = {key: features[:, i * n_categories : (i + 1) * n_categories] for i, key in enumerate(BLOCKS)}
    named["short"] = features[:, len(BLOCKS) * n_categories :]
    return named


def test_features_are_the_sentence_its_neighbours_and_its_page() -> None:
    probabilities = np.array([[0.9, 0.1], [0.2, 0.5], [0.4, 0.3], [0.6, 0.7]])
    features = context_features(probabilities, [2, 3, 20, 12])
    assert features.shape == (4, feature_count(2)) and feature_count(2) == 13
    named = _blocks(features, 2)
    own = np.log(probabilities / (1 - probabilities))
    np.testing.assert_allclose(named["own"], own)
    # Neighbours' probabilities; there is none before the first sentence or after the last.
    np.testing.assert_allclose(named["previous"], [[0, 0], *probabilities[:-1]])
    np.testing.assert_allclose(named["next"], [*probabilities[1:], [0, 0]])
    # The page's other sentences: their mean, and their highest (the second highest for the top one).
    np.testing.assert_allclose(named["others_mean"][0], [(0.2 + 0.4 + 0.6) / 3, (0.5 + 0.3 + 0.7) / 3])
    np.testing.assert_allclose(named["others_max"], [[0.6, 0.7], [0.9, 0.7], [0.9, 0.7], [0.9, 0.5]])
    assert SHORT_SENTENCE >= 3
    np.testing.assert_array_equal(named["short"][:, 0], [1, 1, 0, 0])
    # Only a short line carries its previous sentence a second time.
    np.testing.assert_allclose(named["short_previous"][:2], named["previous"][:2])
    np.testing.assert_array_equal(named["short_previous"][2:], 0)


def test_a_text_of_one_sentence_has_no_context() -> None:
    # Scored on its own, a sentence is read by its own log-odds and its length alone.
    features = _blocks(context_features(np.array([[0.8, 0.05]]), [4]), 2)
    for key in BLOCKS[1:]:
        np.testing.assert_array_equal(features[key], 0)
    np.testing.assert_array_equal(features["short"], [[1]])


def test_features_of_no_sentences_and_of_mismatched_lengths() -> None:
    assert context_features(np.zeros((0, 3)), []).shape == (0, feature_count(3))
    with pytest.raises(ValueError, match="one length per sentence"):
        context_features(np.zeros((2, 3)), [4])


def test_weights_of_the_wrong_shape_are_refused() -> None:
    # (2, 4) is the earlier release's layout for two categories.
    with pytest.raises(ValueError, match=r"coef shaped \(2, 13\)"):
        ContextWeights(coef=np.zeros((2, 4)), intercept=np.zeros(2))


def test_prediction_is_the_regression_over_those_inputs() -> None:
    rng = np.random.default_rng(3)
    weights = ContextWeights(coef=rng.normal(size=(2, 13)), intercept=rng.normal(size=2))
    probabilities = rng.uniform(0.01, 0.99, size=(3, 2))
    inputs = context_features(probabilities, [3, 4, 30])
    for category in range(2):
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
    # Signatures after a testimonial outrank the others (ROC AUC), though the sentence model gave
    # them all the same low probabilities.
    above = held_out[signatures[labelled], 0][:, np.newaxis] > held_out[signatures[~labelled], 0]
    assert above.mean() > 0.9


def test_a_category_never_seen_gets_a_constant() -> None:
    probabilities, truth, lengths, groups = _signature_pages(2, pages=8)
    truth = np.hstack([truth, np.zeros_like(truth)])
    probabilities = np.hstack([probabilities, probabilities])
    model = fit_context([probabilities], truth, lengths, groups, C=1.0)
    rescored = model.predict_proba(probabilities[:6], lengths[:6])
    assert np.ptp(rescored[:, 1]) == 0
    assert rescored[0, 1] < 0.01


def _avoiding_pages(seed: int, pages: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pages where a claim of category 1 never follows a sentence of category 0: a free-signed
    model would learn to lower category 1 after a category-0 sentence."""
    rng = np.random.default_rng(seed)
    probabilities, truth, lengths, groups = [], [], [], []
    for page in range(pages):
        previous = 0
        for _ in range(6):
            label = int(rng.integers(0, 3))
            if previous == 1 and label == 2:
                label = 0
            row = [rng.uniform(0.6, 0.95) if label == k + 1 else rng.uniform(0.02, 0.3) for k in range(2)]
            probabilities.append(row)
            truth.append([int(label == k + 1) for k in range(2)])
            lengths.append(15)
            groups.append(page)
            previous = label
    return np.array(probabilities), np.array(truth, dtype=np.int8), np.array(lengths), np.array(groups)


def test_context_never_lowers_a_category() -> None:
    probabilities, truth, lengths, groups = _avoiding_pages(4)
    model = fit_context([probabilities], truth, lengths, groups, C=1.0)
    # Every probability weighs zero or more; only "short" and the intercept are free.
    assert (model.coef[:, :-1] >= 0).all()
    # So each sentence of a page scores at least what it scores as a text of its own.
    rng = np.random.default_rng(5)
    for _ in range(20):
        page = rng.uniform(0.01, 0.99, size=(5, 2))
        lengths = rng.integers(2, 20, size=5)
        in_context = model.predict_proba(page, lengths)
        alone = np.vstack([model.predict_proba(page[i : i + 1], lengths[i : i + 1]) for i in range(5)])
        assert (in_context >= alone - 1e-12).all()
    # A category-0 sentence before a category-1 claim does not lower the claim, though the corpus
    # never put the two together: it scores as it does after a plain sentence, or higher.
    plain = model.predict_proba(np.array([[0.05, 0.05], [0.05, 0.8], [0.05, 0.05]]), [15] * 3)
    after = model.predict_proba(np.array([[0.95, 0.05], [0.05, 0.8], [0.05, 0.05]]), [15] * 3)
    assert after[1, 1] >= plain[1, 1]


def test_a_sentence_scored_alone_keeps_the_sentence_models_reading() -> None:
    # In these pages every testimonial sits among other sentences; scored as a text of one
    # sentence, a likely testimonial stays likely and an unlikely one stays unlikely.
    probabilities, truth, lengths, groups = _signature_pages(5)
    model = fit_context([probabilities], truth, lengths, groups, C=1.0)
    assert model.predict_proba(np.array([[0.85]]), [18])[0, 0] > 0.5
    assert model.predict_proba(np.array([[0.1]]), [18])[0, 0] < 0.5

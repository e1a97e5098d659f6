"""The scikit-learn part behaves as an estimator: params, clone, cross-validation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from classifier.model.estimator import category_weights, make_estimator
from classifier.model.features import SentenceAnalyzer
from classifier.model.linear import StackedLinear
from classifier.model.training import choose_thresholds

X = [
    "stem cell cure autism\tCUE_CLAIM_cure_claim",
    "treatment cure paralysis fast\tCUE_CLAIM_cure_claim CUE_EXCLAIM",
    "our cell cure ms\tCUE_CLAIM_cure_claim",
    "injection cure pain\tCUE_CLAIM_cure_claim",
    "this cure everything\tCUE_CLAIM_cure_claim",
    "it cure als\tCUE_CLAIM_cure_claim",
    "risk include infection\tCUE_DISCLOSURE",
    "ask your doctor\tCUE_YOU",
    "result vary\tCUE_HEDGE",
    "trial be run\tCUE_SOURCE",
    "cell be study\tCUE_HEDGE",
    "not approve by fda\tCUE_NEGATION",
] * 2
Y = np.array([[1, 0]] * 6 + [[0, 1]] * 6 + [[1, 0]] * 6 + [[0, 1]] * 6)


def test_analyzer_makes_word_ngrams_and_cues() -> None:
    grams = SentenceAnalyzer(ngram_max=2)("a b c\tCUE_X")
    assert grams == ["a", "b", "c", "a b", "b c", "CUE_X"]


def test_params_and_clone() -> None:
    estimator = make_estimator(C=2.0, min_df=1)
    params = estimator.get_params()
    assert params["classify__estimator__estimator__C"] == 2.0
    twin = clone(estimator)
    assert twin.get_params()["features__min_df"] == 1
    twin.set_params(features__min_df=3)
    assert estimator.get_params()["features__min_df"] == 1


def test_cross_validation_runs() -> None:
    scores = cross_val_score(make_estimator(min_df=1, calibration_folds=2), X, Y[:, 0], cv=2)
    assert scores.shape == (2,)


def test_fit_predict_proba_and_weights() -> None:
    estimator = make_estimator(min_df=1, calibration_folds=2).fit(X, Y)
    probabilities = estimator.predict_proba(["treatment cure autism\tCUE_CLAIM_cure_claim"])
    assert probabilities.shape == (1, 2)
    assert probabilities[0, 0] > probabilities[0, 1]
    weights = category_weights(estimator)
    vocabulary = estimator.named_steps["features"].vocabulary_
    assert weights.shape == (2, len(vocabulary))
    assert weights[0, vocabulary["cure"]] > 0 > weights[1, vocabulary["cure"]]


def test_choose_thresholds_takes_the_low_end_of_the_best_plateau() -> None:
    # F1 is 1.0 for every threshold in (0.3, 0.75]; lower ones let negatives in, higher ones lose positives.
    # Of that plateau the low end is taken (recall on others' pages), but not so low that negatives come in.
    truth = np.array([[1], [1], [1], [1], [0], [0]])
    probabilities = np.array([[0.9], [0.85], [0.8], [0.75], [0.3], [0.2]])
    threshold = choose_thresholds(truth, probabilities, ["c"])["c"]
    assert 0.3 < threshold <= 0.45


def test_choose_thresholds_prefers_a_broad_peak_to_an_isolated_one() -> None:
    # One positive scores 0.9 alone; nine more sit at 0.4-0.5 among a few negatives.
    # Unsmoothed F1 could peak on a narrow spike; the smoothed curve peaks where F1 stays high.
    rng = np.random.default_rng(0)
    positives = np.concatenate([[0.9], rng.uniform(0.4, 0.5, 9)])
    negatives = np.concatenate([rng.uniform(0.0, 0.3, 40), [0.45]])
    probabilities = np.concatenate([positives, negatives])[:, None]
    truth = np.array([1] * 10 + [0] * 41)[:, None]
    threshold = choose_thresholds(truth, probabilities, ["c"])["c"]
    assert 0.3 <= threshold <= 0.45


def test_choose_thresholds_averages_the_curves_of_several_runs() -> None:
    # Run a puts the one negative at 0.6 and run b at 0.2: alone, a's threshold must sit above 0.6
    # and b's may sit as low as 0.25. On the mean curve both groupings count, so the threshold sits
    # between the two, and it is the threshold of the mean curve, not of either run.
    truth = np.array([[1]] * 8 + [[0]] * 12)
    positives = np.linspace(0.65, 0.95, 8)
    low_negatives = np.full(12, 0.1)
    run_a = np.concatenate([positives, [0.6], low_negatives[1:]])[:, None]
    run_b = np.concatenate([positives, [0.2], low_negatives[1:]])[:, None]
    alone_a = choose_thresholds(truth, run_a, ["c"])["c"]
    alone_b = choose_thresholds(truth, run_b, ["c"])["c"]
    both = choose_thresholds(truth, [run_a, run_b], ["c"])["c"]
    assert alone_b < alone_a
    assert alone_b <= both <= alone_a
    assert choose_thresholds(truth, [run_a, run_a], ["c"]) == choose_thresholds(truth, run_a, ["c"])


def test_choose_thresholds_refuses_probabilities_of_another_shape() -> None:
    truth = np.zeros((4, 2), dtype=int)
    with pytest.raises(ValueError, match="shaped like truth"):
        choose_thresholds(truth, [np.zeros((4, 2)), np.zeros((3, 2))], ["a", "b"])
    with pytest.raises(ValueError, match="shaped like truth"):
        choose_thresholds(truth, [], ["a", "b"])


def test_a_runner_up_category_needs_its_margin() -> None:
    from classifier.model.weights import passing

    thresholds = np.array([0.3, 0.3, 0.5])
    probabilities = np.array(
        [
            [0.9, 0.35, 0.1],  # the second category barely passes beside a clear first: dropped
            [0.9, 0.60, 0.1],  # the second is 0.30 over its threshold: kept
            [0.1, 0.35, 0.2],  # alone over its threshold: kept, however small the excess
            [0.1, 0.10, 0.2],  # nothing passes
            [0.1, 0.32, 0.55],  # the leader is the one furthest over its threshold (0.05 vs 0.02)
        ]
    )
    flagged = passing(probabilities, thresholds, 0.2)
    assert flagged.tolist() == [
        [True, False, False],
        [True, True, False],
        [False, True, False],
        [False, False, False],
        [False, False, True],
    ]
    np.testing.assert_array_equal(passing(probabilities, thresholds), probabilities >= thresholds)


def test_choose_runner_up_margin_drops_second_categories_that_are_usually_wrong() -> None:
    from classifier.model.training import choose_runner_up_margin

    # Forty sentences of category a; twenty of them also score just over b's threshold without being b.
    # Ten sentences really are both, and score well over b's threshold.
    truth = np.array([[1, 0]] * 40 + [[1, 1]] * 10)
    probabilities = np.array([[0.9, 0.1]] * 20 + [[0.9, 0.55]] * 20 + [[0.9, 0.95]] * 10)
    thresholds = {"a": 0.5, "b": 0.5}
    margin = choose_runner_up_margin(truth, probabilities, thresholds, ["a", "b"])
    assert 0.05 < margin <= 0.4
    # When the second categories are right, no margin is wanted.
    truth_both = np.array([[1, 0]] * 20 + [[1, 1]] * 30)
    assert choose_runner_up_margin(truth_both, probabilities, thresholds, ["a", "b"]) == 0.0


def test_unfitted_estimator_is_refused() -> None:
    from sklearn.exceptions import NotFittedError

    from classifier.model.weights import ScoringWeights, TrainedModel

    with pytest.raises(NotFittedError, match="not fitted"):
        ScoringWeights.from_trained(TrainedModel(make_estimator(), ["cure_claim"], {"cure_claim": 0.5}))


def test_stacked_linear_gives_the_pipelines_probabilities() -> None:
    # A third, never-positive label makes OneVsRest keep a constant predictor for it.
    labels = np.hstack([Y, np.zeros((len(Y), 1), dtype=int)])
    with pytest.warns(UserWarning, match="present in all training examples"):
        estimator = make_estimator(min_df=1, calibration_folds=2).fit(X, labels)
    queries = ["treatment cure autism\tCUE_CLAIM_cure_claim", "risk vary\tCUE_HEDGE", "unseen word\t"]
    features = estimator.named_steps["features"].transform(queries)
    fast = StackedLinear.from_estimator(estimator).predict_proba(features)
    np.testing.assert_allclose(fast, estimator.predict_proba(queries), atol=1e-6)


@pytest.mark.parametrize("min_df", [1, 2])
def test_sentence_indexer_gives_the_vectorizers_rows(min_df: int) -> None:
    from classifier.model.features import document_features
    from classifier.model.vectors import SentenceIndexer
    from classifier.pipeline.build import build_pipeline

    nlp = build_pipeline()
    texts = [
        "Our cells cure autism and cure ALS! No side effects, no risk of rejection.",
        "Results vary. A randomised trial of 120 patients (Smith et al., 2021) found no benefit.",
        "Stem cells are not pluripotent. Our cells cure autism. Our cells cure ALS.",
        "Unseen words entirely here, nothing else.",
    ]
    sentences = [s for doc in nlp.pipe(texts) for s in document_features(doc).sentences]
    strings = [s.as_string() for s in sentences]
    vectorizer = make_estimator(min_df=min_df).named_steps["features"].fit(strings)
    indexer = SentenceIndexer.from_vectorizer(vectorizer)
    indexed = [indexer.index(s) for s in sentences]
    expected = vectorizer.transform(strings)
    columns = len(vectorizer.vocabulary_)
    np.testing.assert_allclose(indexer.tfidf(indexed).toarray(columns), expected.toarray(), rtol=1e-6)
    # The batch lookup finds the same grams, in the same order, and the same rows.
    batch = indexer.index_batch(sentences)
    assert [batch.sentence(row) for row in range(len(sentences))] == indexed
    np.testing.assert_allclose(indexer.tfidf(batch).toarray(columns), expected.toarray(), rtol=1e-6)
    # Every feature the analyzer finds is found, at the words it covers.
    for sentence, found, string in zip(sentences, indexed, strings, strict=True):
        analyzer = vectorizer.build_analyzer()
        in_vocabulary = sorted(
            vectorizer.vocabulary_[g] for g in analyzer(string) if g in vectorizer.vocabulary_
        )
        assert sorted(found.feature_indices()) == in_vocabulary
        for index, start, n in found.grams:
            assert vectorizer.get_feature_names_out()[index] == " ".join(sentence.words[start : start + n])

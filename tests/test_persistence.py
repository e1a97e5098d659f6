"""Save/load round trips and the refusals of files that cannot be trusted."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import classifier
from classifier.model.persistence import (
    CARD_FILE,
    ESTIMATOR_FILE,
    MODEL_FILES,
    load_model,
    load_weights,
    read_card,
    update_card,
)
from classifier.model.weights import ScoringWeights


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target


def test_round_trip_gives_same_scores(tiny_model_dir: Path, model_copy: Path) -> None:
    text = "Our clinic's therapy cures autism in weeks. Treatment has no side effects at all."
    first = classifier.load(tiny_model_dir, trust=True).score(text)
    second = classifier.load(model_copy, trust=True).score(text)
    assert first == second
    assert {f.category for f in first.flags} >= {"cure_claim", "absolute_safety"}


def test_card_records_what_the_issue_asks_for(tiny_model_dir: Path) -> None:
    card = read_card(tiny_model_dir)
    assert card["categories"] == list(classifier.SPAN_CATEGORIES)
    assert set(card["thresholds"]) == set(classifier.SPAN_CATEGORIES)
    assert sorted(card["files"]) == sorted(item.name for item in MODEL_FILES)
    assert len(card["training_data"]["sha256"]) == 64
    assert {"scikit-learn", "spacy", "numpy"} <= set(card["library_versions"])
    assert "per_category" in card["dev_metrics"]["sentence"]


def test_card_lists_the_sha256_of_every_file_saved(tiny_model_dir: Path) -> None:
    card = read_card(tiny_model_dir)
    for item in MODEL_FILES:
        digest = hashlib.sha256((tiny_model_dir / item.name).read_bytes()).hexdigest()
        assert card["files"][item.name] == digest
    assert not (tiny_model_dir / "model.joblib").exists()


@pytest.mark.parametrize("name", [item.name for item in MODEL_FILES])
def test_tampered_file_is_refused(model_copy: Path, name: str) -> None:
    with (model_copy / name).open("ab") as handle:
        handle.write(b"tampered")
    for loader in (load_model, load_weights, classifier.load):
        with pytest.raises(classifier.ModelIntegrityError, match=f"'{model_copy / name}' does not match"):
            loader(model_copy, trust=True)


def test_files_the_card_does_not_list_are_never_opened(model_copy: Path) -> None:
    # A FIFO would block whoever opened it; a pickle would run code.
    os.mkfifo(model_copy / "model.joblib")
    (model_copy / "extra.npz").write_bytes(b"not an archive")
    weights, _ = load_weights(model_copy, trust=True)
    assert weights.categories == list(classifier.SPAN_CATEGORIES)


def test_update_card_keeps_the_fields_saving_wrote(model_copy: Path) -> None:
    with pytest.raises(classifier.InputError, match=r"cannot change \['files'\]"):
        update_card(model_copy, files={})
    card = update_card(model_copy, comparison={"split": "dev"})
    assert read_card(model_copy)["comparison"] == {"split": "dev"} == card["comparison"]
    load_weights(model_copy, trust=True)


def test_scoring_weights_are_the_estimators_numbers(tiny_model_dir: Path) -> None:
    from classifier.model.features import document_features
    from classifier.pipeline.build import build_pipeline

    model, _ = load_model(tiny_model_dir, trust=True)
    saved, _ = load_weights(tiny_model_dir, trust=True)
    fresh = ScoringWeights.from_trained(model)
    assert saved.categories == fresh.categories and saved.thresholds == fresh.thresholds
    assert saved.indexer.terms == fresh.indexer.terms
    np.testing.assert_array_equal(saved.feature_weights, fresh.feature_weights)
    # Derived on loading from the linear models, not stored: the estimator's weights times the IDF.
    from classifier.model.estimator import category_weights

    expected = category_weights(model.estimator) * saved.indexer.idf[np.newaxis, :]
    np.testing.assert_allclose(saved.feature_weights, expected, rtol=1e-5, atol=1e-7)
    doc = build_pipeline()("Our therapy cures autism. No side effects! Results vary (Smith et al., 2020).")
    sentences = document_features(doc).sentences
    strings = [s.as_string() for s in sentences]
    rows = saved.indexer.tfidf([saved.indexer.index(s) for s in sentences])
    np.testing.assert_allclose(
        saved.linear.predict_proba(rows), model.estimator.predict_proba(strings), atol=1e-6
    )


def test_a_model_without_a_context_model_reads_and_scores(tiny_plain_model_dir: Path) -> None:
    # As models of earlier releases, and TrainingConfig(context_model=False), have it.
    model, _ = load_model(tiny_plain_model_dir, trust=True)
    saved, _ = load_weights(tiny_plain_model_dir, trust=True)
    assert saved.context is None and model.context is None
    import classifier

    report = classifier.load(tiny_plain_model_dir, trust=True).score("Our therapy cures autism.")
    assert {f.category for f in report.flags} <= set(model.categories) | {"missing_disclosure"}


def test_a_context_model_is_saved_and_read_back_exactly(tiny_model_dir: Path) -> None:
    model, _ = load_model(tiny_model_dir, trust=True)
    saved, _ = load_weights(tiny_model_dir, trust=True)
    assert model.context is not None and saved.context is not None
    np.testing.assert_array_equal(saved.context.coef, model.context.coef)
    np.testing.assert_array_equal(saved.context.intercept, model.context.intercept)
    # Scored in one batch or one at a time, each text is read in its own context.
    import classifier

    scorer = classifier.load(tiny_model_dir, trust=True)
    texts = [
        "Our therapy cures autism. No side effects!",
        "Ask your doctor about surgery.",
        "Stem cells are pluripotent. Results vary.",
    ]
    assert list(scorer.score_many(texts, batch_size=3)) == [scorer.score(text) for text in texts]


def test_scoring_does_not_import_scikit_learn(tiny_model_dir: Path) -> None:
    # Scoring reads scoring.npz with NumPy alone; importing scikit-learn would double the cold start.
    code = (
        "import sys, classifier; "
        f"m = classifier.load({str(tiny_model_dir)!r}, trust=True); m.score('Our cells cure autism.'); "
        "print(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('sklearn', 'scipy', 'joblib', 'skops')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_other_library_version_is_refused(model_copy: Path) -> None:
    card = json.loads((model_copy / CARD_FILE).read_text())
    card["library_versions"]["scikit-learn"] = "0.24.2"
    (model_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(
        classifier.ModelVersionError, match=r"scikit-learn 0\.24\.2.*Install scikit-learn==0\.24\.2"
    ):
        load_model(model_copy, trust=True)


def test_broken_card_is_refused(model_copy: Path) -> None:
    (model_copy / CARD_FILE).write_text("{not json")
    with pytest.raises(classifier.ModelIntegrityError, match="is not a JSON object with the keys"):
        load_model(model_copy, trust=True)


def test_estimator_round_trip_through_skops(tiny_model_dir: Path) -> None:
    model, card = load_model(tiny_model_dir, trust=True)
    assert (tiny_model_dir / ESTIMATOR_FILE).is_file()
    assert model.thresholds == card["thresholds"] and model.categories == card["categories"]
    weights, _ = load_weights(tiny_model_dir, trust=True)
    assert (model.page is None) == (weights.page is None)
    assert model.estimator.get_params()["classify__estimator__cv"] == 3


def test_missing_directory_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(classifier.ModelNotFoundError, match="classifier train --output"):
        classifier.load(tmp_path / "nowhere")


def test_batch_lookup_matches_one_sentence_at_a_time(bundled: classifier.Model) -> None:
    from classifier.corpus import read_corpus
    from classifier.model.features import document_features

    repo = Path(__file__).resolve().parents[1]
    documents = read_corpus(repo / "datasets" / "corpus.jsonl", splits=["dev"])[:30]
    with bundled.nlp.select_pipes(disable=["clinic_claims"]):
        docs = list(bundled.nlp.pipe(d.text for d in documents))
    sentences = [s for doc in docs for s in document_features(doc).sentences]
    indexer = bundled.nlp.get_pipe("clinic_claims").scorer.indexer
    one_by_one = [indexer.index(sentence) for sentence in sentences]
    batch = indexer.index_batch(sentences)
    assert [batch.sentence(row) for row in range(len(sentences))] == one_by_one
    width = len(indexer.terms)
    np.testing.assert_array_equal(
        indexer.tfidf(batch).toarray(width), indexer.tfidf(one_by_one).toarray(width)
    )
    # Per-word contributions for many (sentence, category) pairs at once are the same numbers.
    weights = bundled.nlp.get_pipe("clinic_claims").scorer.weights
    rows = np.repeat(np.arange(len(sentences)), 2)
    categories = np.tile([0, 3], len(sentences))
    expected = [
        indexer.contributions(one_by_one[row], len(sentences[row].words), weights[category].tolist())
        for row, category in zip(rows.tolist(), categories.tolist(), strict=True)
    ]
    assert indexer.contributions_many(batch, rows, categories, weights) == expected
    # Without the NumPy table (keys too long for int64) the batch falls back to the same lookups.
    indexer._table, table = None, indexer._table
    try:
        fallback = indexer.index_batch(sentences)
    finally:
        indexer._table = table
    assert [fallback.sentence(row) for row in range(len(sentences))] == one_by_one
    assert indexer.contributions_many(fallback, rows, categories, weights) == expected


def test_the_runner_up_margin_is_saved_and_read_back(tiny_model_dir: Path, tmp_path: Path) -> None:
    weights, _ = load_weights(tiny_model_dir, trust=True)
    weights.runner_up_margin = 0.25
    weights.save(tmp_path / "scoring.npz")
    assert ScoringWeights.load(tmp_path / "scoring.npz").runner_up_margin == 0.25


def test_a_scoring_file_without_a_runner_up_margin_reads_as_none(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # Scoring files written before the margin existed lack the key: they score as they did.
    with np.load(tiny_model_dir / "scoring.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    config = json.loads(str(arrays["config"]))
    config.pop("runner_up_margin", None)
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "old.npz", **arrays)
    assert ScoringWeights.load(tmp_path / "old.npz").runner_up_margin == 0.0

"""Training: thresholds from cross-validation over train and dev, then a fit on train (or on both)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier.model.persistence import load_weights, read_card
from classifier.model.training import TrainingConfig, train

#: A word that occurs in the dev documents of the corpus below and nowhere else.
DEV_ONLY = "zorblaxine"


@pytest.fixture(scope="module")
def marked_corpus(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus with a sentence holding ``DEV_ONLY`` added to each dev document."""
    records = [json.loads(line) for line in tiny_corpus.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record["split"] == "dev":
            record["text"] += f"Ask about {DEV_ONLY} at the front desk.\n"
    path = tmp_path_factory.mktemp("marked") / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _terms(model_dir: Path) -> set[str]:
    weights, _ = load_weights(model_dir, trust=True)
    return set(weights.indexer.terms)


def test_the_model_is_fitted_on_train_and_dev_with_cross_validated_thresholds(
    marked_corpus: Path, tmp_path: Path
) -> None:
    config = TrainingConfig(phrase_model=False, refit_on_dev=True)
    card = train(marked_corpus, tmp_path / "model", config=config)
    assert card["training_data"]["fitted_on"] == ["train", "dev"]
    assert "cross-validated" in card["thresholds_chosen_on"]
    assert card["dev_metrics"]["in_sample"] is True
    assert DEV_ONLY in _terms(tmp_path / "model")
    assert read_card(tmp_path / "model")["dev_metrics"]["in_sample"] is True


def test_by_default_dev_stays_out_of_the_fit(marked_corpus: Path, tmp_path: Path) -> None:
    config = TrainingConfig(phrase_model=False, threshold_repeats=2)
    card = train(marked_corpus, tmp_path / "model", config=config)
    assert card["training_data"]["fitted_on"] == ["train"]
    assert "cross-validated" in card["thresholds_chosen_on"]
    assert "averaged over 2 random groupings" in card["thresholds_chosen_on"]
    assert card["config"]["threshold_repeats"] == 2
    assert card["dev_metrics"]["in_sample"] is False
    assert DEV_ONLY not in _terms(tmp_path / "model")


def test_dev_thresholds_keep_dev_out_of_the_fit(marked_corpus: Path, tmp_path: Path) -> None:
    config = TrainingConfig(phrase_model=False, cross_validated_thresholds=False)
    card = train(marked_corpus, tmp_path / "model", config=config)
    assert card["training_data"]["fitted_on"] == ["train"]
    assert card["thresholds_chosen_on"] == "dev"
    assert card["dev_metrics"]["in_sample"] is False
    assert DEV_ONLY not in _terms(tmp_path / "model")


def test_cross_validation_is_repeated_with_a_new_grouping_each_time() -> None:
    from classifier.model.training import cross_validated_probabilities

    # Twelve one-sentence documents; "cure" marks the first category and "safe" the second.
    strings = [
        ("cure knees " if i % 2 else "book a visit ") + ("safe " if i % 3 == 0 else "") + f"w{i}"
        for i in range(12)
    ]
    truth = np.array([[i % 2, int(i % 3 == 0)] for i in range(12)])
    settings = {"ngram_max": 1, "min_df": 1, "C": 1.0, "calibration_folds": 2, "calibration_ensemble": True}
    runs = cross_validated_probabilities(strings, truth, list(range(12)), settings, repeats=2)
    assert runs is not None and len(runs) == 2
    assert all(run.shape == truth.shape for run in runs)
    assert not np.allclose(runs[0], runs[1])
    with pytest.raises(ValueError, match="at least 1"):
        cross_validated_probabilities(strings, truth, list(range(12)), settings, repeats=0)


def test_a_lever_left_out_takes_its_features_out_of_the_training_strings() -> None:
    from classifier.corpus.schema import CorpusDocument
    from classifier.model.training import LEVERS, sentence_examples
    from classifier.pipeline.build import build_pipeline

    text = "Our injections are completely safe and heal damaged knees."
    document = CorpusDocument(
        id="d", genre="faq", treatment="prp", condition="knee", register="clinical", split="train", text=text
    )
    doc = build_pipeline()(text)
    (every,), _ = sentence_examples([doc], [document])
    (fewer,), _ = sentence_examples([doc], [document], levers=[name for name in LEVERS if name != "senses"])
    assert "SENSE_" in every
    assert "SENSE_" not in fewer
    assert fewer.split("\t")[0] == every.split("\t")[0]

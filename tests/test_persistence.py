"""Save/load round trips and the refusals of files that cannot be trusted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import classifier
from classifier.persistence import CARD_FILE, MODEL_FILE, load_model, read_card


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target


def test_round_trip_gives_same_scores(tiny_model_dir: Path, model_copy: Path) -> None:
    text = "Our clinic's therapy cures autism in weeks. Treatment has no side effects at all."
    first = classifier.load(tiny_model_dir).score(text)
    second = classifier.load(model_copy).score(text)
    assert first == second
    assert {f.category for f in first.flags} >= {"cure_claim", "absolute_safety"}


def test_card_records_what_the_issue_asks_for(tiny_model_dir: Path) -> None:
    card = read_card(tiny_model_dir)
    assert card["categories"] == list(classifier.SPAN_CATEGORIES)
    assert set(card["thresholds"]) == set(classifier.SPAN_CATEGORIES)
    assert len(card["sha256"]) == 64
    assert len(card["training_data"]["sha256"]) == 64
    assert {"scikit-learn", "spacy", "numpy"} <= set(card["library_versions"])
    assert "per_category" in card["dev_metrics"]["sentence"]


def test_tampered_file_is_refused(model_copy: Path) -> None:
    with (model_copy / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(classifier.ModelIntegrityError, match="does not match its model card"):
        load_model(model_copy)


def test_other_library_version_is_refused(model_copy: Path) -> None:
    card = json.loads((model_copy / CARD_FILE).read_text())
    card["library_versions"]["scikit-learn"] = "0.24.2"
    (model_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(
        classifier.ModelVersionError, match=r"scikit-learn 0\.24\.2.*Install scikit-learn==0\.24\.2"
    ):
        load_model(model_copy)


def test_broken_card_is_refused(model_copy: Path) -> None:
    (model_copy / CARD_FILE).write_text("{not json")
    with pytest.raises(classifier.ModelIntegrityError, match="not valid JSON"):
        load_model(model_copy)


def test_missing_directory_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(classifier.ModelNotFoundError, match="classifier train --output"):
        classifier.load(tmp_path / "nowhere")

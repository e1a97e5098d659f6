"""Model directories: a joblib file, its scoring weights, and a JSON model card that vouches for both.

``model.joblib`` holds the fitted scikit-learn Pipeline (for retraining,
inspection and evaluation). ``scoring.npz`` holds the same model's numbers
as plain arrays (:class:`~classifier.model.weights.ScoringWeights`), which is all
scoring reads: no pickle, no scikit-learn import. Loading refuses a file
whose sha256 differs from the card's, and a model saved with other versions
of the libraries that define what is read.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

from classifier.errors import Errors, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from classifier.files import write_atomic
from classifier.model.weights import ScoringWeights, TrainedModel

__all__ = [
    "CARD_FILE",
    "MODEL_FILE",
    "SCORING_FILE",
    "load_model",
    "load_weights",
    "read_card",
    "save_model",
    "update_card",
]

MODEL_FILE = "model.joblib"
SCORING_FILE = "scoring.npz"
CARD_FILE = "model_card.json"
#: Libraries whose objects are inside the joblib file, and how many leading
#: version components must match for a saved model to load (scikit-learn does
#: not promise that pickles survive a minor release; NumPy's survive a major one).
PINNED_LIBRARIES = {"scikit-learn": 2, "numpy": 1}
_CARD_KEYS = ("categories", "thresholds", "sha256", "library_versions")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Installed versions of the pinned libraries and of spaCy and this package."""
    names = (*PINNED_LIBRARIES, "joblib", "spacy", "classifier")
    return {name: metadata.version(name) for name in names}


def save_model(model: TrainedModel, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
    """Write ``model.joblib``, ``scoring.npz`` and ``model_card.json`` into ``directory``; returns it."""
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    payload = {
        "estimator": model.estimator,
        "page": model.page,
        "phrases": model.phrases,
        "categories": model.categories,
        "thresholds": model.thresholds,
    }
    temporary = directory / f".{MODEL_FILE}.tmp"
    joblib.dump(payload, temporary, compress=3)
    os.replace(temporary, model_path)
    scoring_path = directory / SCORING_FILE
    temporary = directory / f".{SCORING_FILE}.tmp"
    with temporary.open("wb") as handle:
        ScoringWeights.from_trained(model).save(handle)
    os.replace(temporary, scoring_path)
    full_card = dict(card or {})
    full_card.update(
        categories=model.categories,
        thresholds=model.thresholds,
        sha256=_sha256(model_path),
        scoring_sha256=_sha256(scoring_path),
        library_versions=library_versions(),
    )
    write_atomic(directory / CARD_FILE, (json.dumps(full_card, indent=2, sort_keys=True) + "\n").encode())
    return directory


def update_card(directory: str | Path, **fields: Any) -> dict[str, Any]:
    """Add or replace top-level fields of a model card (the hash fields stay as they are)."""
    card = read_card(directory)
    card.update(fields)
    data = (json.dumps(card, indent=2, sort_keys=True) + "\n").encode()
    write_atomic(Path(directory) / CARD_FILE, data)
    return card


def read_card(directory: str | Path) -> dict[str, Any]:
    """The model card of ``directory``, checked for the keys loading needs."""
    path = Path(directory) / CARD_FILE
    if not path.is_file() or not (Path(directory) / MODEL_FILE).is_file():
        raise ModelNotFoundError(Errors.E001.format(path=directory))
    try:
        card = json.loads(path.read_text("utf-8"))
        missing = [key for key in _CARD_KEYS if key not in card]
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
        raise ModelIntegrityError(Errors.E004.format(path=path, keys=_CARD_KEYS, detail=error)) from error
    if missing:
        raise ModelIntegrityError(Errors.E004.format(path=path, keys=_CARD_KEYS, detail=f"missing {missing}"))
    return card


def _check_file(path: Path, expected: str) -> None:
    actual = _sha256(path)
    if actual != expected:
        raise ModelIntegrityError(Errors.E002.format(path=path, actual=actual, expected=expected))


def _check_versions(directory: Path, card: dict[str, Any], packages: tuple[str, ...]) -> None:
    installed = library_versions()
    for package in packages:
        parts = PINNED_LIBRARIES[package]
        saved = card["library_versions"].get(package)
        if saved is not None and saved.split(".")[:parts] != installed[package].split(".")[:parts]:
            raise ModelVersionError(
                Errors.E003.format(path=directory, package=package, saved=saved, installed=installed[package])
            )


def load_model(directory: str | Path) -> tuple[TrainedModel, dict[str, Any]]:
    """Load the fitted Pipeline of a model directory after checking its hash and library versions."""
    import joblib

    directory = Path(directory)
    card = read_card(directory)
    model_path = directory / MODEL_FILE
    _check_file(model_path, card["sha256"])
    _check_versions(directory, card, tuple(PINNED_LIBRARIES))
    payload = joblib.load(model_path)
    model = TrainedModel(
        estimator=payload["estimator"],
        categories=list(payload["categories"]),
        thresholds=dict(payload["thresholds"]),
        page=payload.get("page"),
        phrases=payload.get("phrases"),
    )
    return model, card


def load_weights(directory: str | Path) -> tuple[ScoringWeights, dict[str, Any]]:
    """What scoring needs of a model directory, after checking the hashes of both model files.

    Reads ``scoring.npz`` (NumPy arrays only). A directory saved before that
    file existed is read from its joblib file instead.
    """
    directory = Path(directory)
    card = read_card(directory)
    scoring_path = directory / SCORING_FILE
    if "scoring_sha256" not in card:
        model, card = load_model(directory)
        return ScoringWeights.from_trained(model), card
    if not scoring_path.is_file():
        raise ModelNotFoundError(Errors.E001.format(path=directory))
    _check_file(directory / MODEL_FILE, card["sha256"])
    _check_file(scoring_path, card["scoring_sha256"])
    _check_versions(directory, card, ("numpy",))
    return ScoringWeights.load(scoring_path), card

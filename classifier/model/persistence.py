"""Model directories: data files only, and a JSON model card that lists their hashes.

A model directory holds the files of :data:`MODEL_FILES` and ``model_card.json``:

- ``scoring.npz``: the model's numbers as plain arrays
  (:class:`~classifier.model.weights.ScoringWeights`), which is all scoring
  reads, with ``allow_pickle=False`` and no scikit-learn import.
- ``estimator.skops``: the fitted scikit-learn Pipelines (sentence model and
  page model) for inspection, experiments and the tests that check the
  scoring arrays against ``predict_proba``. Only :func:`load_model` opens it.
- ``model_card.json``: categories, thresholds, training data, library
  versions, dev metrics and ``"files"``, the sha256 of every file above.

Nothing in a model directory is unpickled, because unpickling runs whatever
code the file names. The estimator is kept with skops rather than rebuilt
from the corpus: rebuilding means retraining (minutes on the full corpus,
with cross-validated thresholds), and the kept estimator is what proves that
``scoring.npz`` holds its numbers. skops stores object state as JSON and
arrays, and :func:`load_model` builds nothing until
``skops.io.get_untrusted_types`` has listed the file's types and every one
beyond skops' defaults is on :data:`TRUSTED_TYPES`.

Loading reads the card, then refuses a card that is not pinned
(:mod:`classifier.model.pins`) unless the caller trusts the model
(``trust=True``, ``--trust-model``), then checks the size and sha256 of every
file in :data:`MODEL_FILES` before any of them is read. Files the card does
not list are never opened. A new kind of file is one more :class:`ModelFile`
in :data:`MODEL_FILES`: saving writes and hashes it, loading checks it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from classifier.errors import (
    Errors,
    InputError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    UntrustedModelError,
)
from classifier.files import write_atomic
from classifier.model.pins import is_pinned
from classifier.model.weights import ScoringWeights, TrainedModel

__all__ = [
    "CARD_FILE",
    "ESTIMATOR_FILE",
    "MAX_CARD_BYTES",
    "MAX_FILE_BYTES",
    "MODEL_FILES",
    "SCORING_FILE",
    "TRUSTED_TYPES",
    "ModelFile",
    "card_digest",
    "load_model",
    "load_weights",
    "read_card",
    "save_model",
    "update_card",
]

SCORING_FILE = "scoring.npz"
ESTIMATOR_FILE = "estimator.skops"
CARD_FILE = "model_card.json"
#: Size limits checked before a file is read: the bundled card takes 14 KB, its largest file 6 MB.
MAX_CARD_BYTES = 4 << 20
MAX_FILE_BYTES = 512 << 20
#: Libraries whose objects the estimator file holds, and how many leading version
#: components must match for a saved model to load (scikit-learn does not promise
#: that a fitted estimator survives a minor release; NumPy arrays survive a major one).
PINNED_LIBRARIES = {"scikit-learn": 2, "numpy": 1}
#: The types beyond skops' own defaults that the estimator file may hold: this
#: package's sentence analyser and page tokenizer, and scikit-learn's calibration parts.
TRUSTED_TYPES = (
    "classifier.model.features.SentenceAnalyzer",
    "classifier.model.page._split",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)
_CARD_KEYS = ("categories", "thresholds", "files", "library_versions")
#: Card fields only :func:`save_model` writes.
_SAVED_KEYS = frozenset(_CARD_KEYS)


@dataclass(frozen=True)
class ModelFile:
    """One data file of a model directory: its name and how :func:`save_model` writes it."""

    name: str
    write: Callable[[TrainedModel, Path], None]


def _write_scoring(model: TrainedModel, path: Path) -> None:
    with path.open("wb") as handle:
        ScoringWeights.from_trained(model).save(handle)


def _write_estimator(model: TrainedModel, path: Path) -> None:
    import skops.io

    skops.io.dump({"estimator": model.estimator, "page": model.page}, path, compression=zipfile.ZIP_DEFLATED)


#: Every data file of a model directory, in the order they are written.
MODEL_FILES = (
    ModelFile(SCORING_FILE, _write_scoring),
    ModelFile(ESTIMATOR_FILE, _write_estimator),
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    """Installed versions of the pinned libraries and of skops, spaCy and this package."""
    names = (*PINNED_LIBRARIES, "skops", "spacy", "classifier")
    return {name: metadata.version(name) for name in names}


def _card_bytes(card: dict[str, Any]) -> bytes:
    return (json.dumps(card, indent=2, sort_keys=True) + "\n").encode()


def save_model(model: TrainedModel, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
    """Write the files of :data:`MODEL_FILES` and ``model_card.json`` into ``directory``; returns it.

    The saved model is not pinned: load it with ``trust=True`` (``--trust-model``)
    or pin its card with ``classifier model pin DIR``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for item in MODEL_FILES:
        temporary = directory / f".{item.name}.tmp"
        try:
            item.write(model, temporary)
            hashes[item.name] = _sha256(temporary.read_bytes())
            os.replace(temporary, directory / item.name)
        finally:
            temporary.unlink(missing_ok=True)
    full_card = {key: value for key, value in (card or {}).items() if key not in ("sha256", "scoring_sha256")}
    full_card.update(
        categories=model.categories,
        thresholds=model.thresholds,
        runner_up_margin=model.runner_up_margin,
        files=hashes,
        library_versions=library_versions(),
    )
    write_atomic(directory / CARD_FILE, _card_bytes(full_card))
    return directory


def update_card(directory: str | Path, **fields: Any) -> dict[str, Any]:
    """Add or replace top-level fields of a model card; the fields that describe the files stay.

    The card's sha256 changes, so a pinned model must be pinned again
    (``classifier model pin DIR``).
    """
    kept = sorted(_SAVED_KEYS & set(fields))
    if kept:
        raise InputError(f"update_card cannot change {kept}: save_model writes them. Retrain instead.")
    card, _ = _read_card(Path(directory))
    card.update(fields)
    write_atomic(Path(directory) / CARD_FILE, _card_bytes(card))
    return card


def _limited_read(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refusing one larger than ``limit``.

    Opened without blocking and checked before reading, so a FIFO or a device
    named like a model file is refused instead of hanging or filling memory.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as error:
        raise ModelIntegrityError(Errors.E030.format(path=path, detail="it does not exist")) from error
    except OSError as error:
        raise ModelIntegrityError(Errors.E030.format(path=path, detail=error.strerror or error)) from error
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ModelIntegrityError(Errors.E030.format(path=path, detail="it is not a regular file"))
        if info.st_size > limit:
            raise ModelIntegrityError(
                Errors.E030.format(path=path, detail=f"it takes {info.st_size} bytes, more than {limit}")
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ModelIntegrityError(Errors.E030.format(path=path, detail=f"it takes more than {limit} bytes"))
    return data


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _card_problem(card: object) -> str | None:
    """What is wrong with a parsed card, or None."""
    if not isinstance(card, dict):
        return f"the card is a JSON {type(card).__name__}, not an object"
    missing = [key for key in _CARD_KEYS if key not in card]
    if missing:
        return f"missing {missing}"
    checks = {
        "files": lambda v: isinstance(v, dict) and all(_is_sha256(h) for h in v.values()),
        "categories": lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v),
        "thresholds": lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(t, int | float) and not isinstance(t, bool) and 0 <= t <= 1 for t in v.values()
            )
        ),
        "library_versions": lambda v: isinstance(v, dict) and all(isinstance(s, str) for s in v.values()),
    }
    wrong = [key for key, check in checks.items() if not check(card[key])]
    if wrong:
        return f"wrong values for {wrong} (files: sha256 hex digests, thresholds: numbers in [0, 1])"
    return None


def _read_card(directory: Path) -> tuple[dict[str, Any], str]:
    """The card of ``directory``, checked for the fields loading needs, and its sha256."""
    path = directory / CARD_FILE
    if not path.is_file():
        raise ModelNotFoundError(Errors.E001.format(path=directory))
    data = _limited_read(path, MAX_CARD_BYTES)
    try:
        card = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelIntegrityError(Errors.E004.format(path=path, keys=_CARD_KEYS, detail=error)) from error
    if isinstance(card, dict) and "files" not in card and ("sha256" in card or "scoring_sha256" in card):
        raise ModelIntegrityError(Errors.E032.format(path=directory))
    problem = _card_problem(card)
    if problem:
        raise ModelIntegrityError(Errors.E004.format(path=path, keys=_CARD_KEYS, detail=problem))
    return card, _sha256(data)


def read_card(directory: str | Path) -> dict[str, Any]:
    """The model card of ``directory``, checked for the fields loading needs (not for trust)."""
    return _read_card(Path(directory))[0]


def card_digest(directory: str | Path) -> str:
    """The sha256 of a directory's model card: what a pin records."""
    return _read_card(Path(directory))[1]


def _check_trust(directory: Path, digest: str, trust: bool) -> None:
    if not trust and not is_pinned(digest):
        raise UntrustedModelError(Errors.E031.format(path=directory, digest=digest))


def _verified_files(directory: Path, card: dict[str, Any], read: Collection[str]) -> dict[str, bytes]:
    """Check the size and sha256 of every file of :data:`MODEL_FILES`; the bytes of those in ``read``."""
    contents = {}
    for item in MODEL_FILES:
        path = directory / item.name
        expected = card["files"].get(item.name)
        if expected is None:
            raise ModelIntegrityError(
                Errors.E030.format(path=path, detail=f"the card's 'files' lists no sha256 for {item.name}")
            )
        data = _limited_read(path, MAX_FILE_BYTES)
        actual = _sha256(data)
        if actual != expected:
            raise ModelIntegrityError(Errors.E002.format(path=path, actual=actual, expected=expected))
        if item.name in read:
            contents[item.name] = data
    return contents


def _open(
    directory: str | Path, trust: bool, read: Collection[str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    directory = Path(directory)
    card, digest = _read_card(directory)
    _check_trust(directory, digest, trust)
    return card, _verified_files(directory, card, read)


def _check_versions(directory: Path, card: dict[str, Any], packages: tuple[str, ...]) -> None:
    installed = library_versions()
    for package in packages:
        parts = PINNED_LIBRARIES[package]
        saved = card["library_versions"].get(package)
        if saved is not None and saved.split(".")[:parts] != installed[package].split(".")[:parts]:
            raise ModelVersionError(
                Errors.E003.format(path=directory, package=package, saved=saved, installed=installed[package])
            )


def load_weights(directory: str | Path, *, trust: bool = False) -> tuple[ScoringWeights, dict[str, Any]]:
    """What scoring needs of a model directory, after checking its card, trust and every file's hash.

    Raises :class:`~classifier.errors.UntrustedModelError` for a card that is
    not pinned unless ``trust`` is true, and
    :class:`~classifier.errors.ModelIntegrityError` for any file that is
    changed or malformed.
    """
    card, contents = _open(directory, trust, (SCORING_FILE,))
    directory = Path(directory)
    _check_versions(directory, card, ("numpy",))
    path = directory / SCORING_FILE
    weights = ScoringWeights.load(io.BytesIO(contents[SCORING_FILE]), path=path)
    if weights.categories != card["categories"] or weights.thresholds != card["thresholds"]:
        raise ModelIntegrityError(
            Errors.E030.format(
                path=directory / CARD_FILE,
                detail=f"its categories or thresholds differ from those of {SCORING_FILE}",
            )
        )
    return weights, card


def load_model(directory: str | Path, *, trust: bool = False) -> tuple[TrainedModel, dict[str, Any]]:
    """The fitted scikit-learn Pipelines of a model directory, read with skops.

    The same checks as :func:`load_weights` come first, then the library
    versions, then the types the estimator file holds: any beyond skops'
    defaults and :data:`TRUSTED_TYPES` is refused before anything is built.
    """
    import skops.io
    from sklearn.pipeline import Pipeline

    card, contents = _open(directory, trust, (ESTIMATOR_FILE, SCORING_FILE))
    directory = Path(directory)
    _check_versions(directory, card, tuple(PINNED_LIBRARIES))
    # The phrase model and the runner-up margin are plain numbers: they live in the scoring file only.
    weights = ScoringWeights.load(io.BytesIO(contents[SCORING_FILE]), path=directory / SCORING_FILE)
    phrases = weights.phrases
    path = directory / ESTIMATOR_FILE
    data = contents[ESTIMATOR_FILE]
    # skops reads a zip of JSON and arrays; a damaged one can fail in any of their parsers.
    try:
        found = skops.io.get_untrusted_types(data=data)
    except Exception as error:
        raise _unreadable(path, error) from error
    unexpected = sorted(set(found) - set(TRUSTED_TYPES))
    if unexpected:
        allowed = list(TRUSTED_TYPES)
        raise ModelIntegrityError(Errors.E033.format(path=path, types=unexpected, allowed=allowed))
    try:
        payload = skops.io.loads(data, trusted=found)
    except Exception as error:
        raise _unreadable(path, error) from error
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("estimator"), Pipeline)
        or not isinstance(payload.get("page"), Pipeline | None)
    ):
        raise ModelIntegrityError(
            Errors.E030.format(path=path, detail="expected a dict of the 'estimator' and 'page' Pipelines")
        )
    model = TrainedModel(
        estimator=payload["estimator"],
        categories=list(card["categories"]),
        thresholds={name: float(value) for name, value in card["thresholds"].items()},
        page=payload["page"],
        phrases=phrases,
        runner_up_margin=weights.runner_up_margin,
        context=weights.context,
    )
    return model, card


def _unreadable(path: Path, error: Exception) -> ModelIntegrityError:
    return ModelIntegrityError(Errors.E030.format(path=path, detail=f"skops cannot read it ({error})"))

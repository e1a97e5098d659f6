"""Issue 11, "Code runs from a model directory": each finding reproduced, and refused.

A model directory runs no code, a card that is not pinned is not trusted, and
every malformed file is a ModelIntegrityError that names it (exit 2, one line).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import classifier
from classifier.cli import app
from classifier.model import persistence, pins, weights
from classifier.model.persistence import CARD_FILE, ESTIMATOR_FILE, SCORING_FILE, card_digest, load_model
from classifier.model.verify import compare_models, pin_model
from classifier.pipeline.claims import default_model_path

REPO = Path(__file__).resolve().parents[1]
TEXT = "Our clinic's therapy cures autism in weeks. Treatment has no side effects at all."


def rehash(directory: Path) -> None:
    """Do what an attacker can: record the current sha256 of every listed file in the card."""
    card = json.loads((directory / CARD_FILE).read_text())
    for name in card["files"]:
        card["files"][name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    (directory / CARD_FILE).write_text(json.dumps(card))


def score_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user types it, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "classifier", "score", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


class _Marker:
    """Unpickling this creates the file ``path``: the code a crafted pickle runs."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
        return (open, (self.path, "w"))


@pytest.fixture
def tiny_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(tiny_model_dir, target)
    return target


@pytest.fixture
def bundled_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bundled"
    shutil.copytree(Path(str(default_model_path())), target)
    return target


@pytest.fixture
def trust_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pins written by a test go to a copy of the package's trust file, never to the package."""
    path = tmp_path / "trusted_models.json"
    shutil.copyfile(pins.trust_file(), path)
    monkeypatch.setattr(pins, "trust_file", lambda: path)
    return path


def test_the_bundled_card_is_pinned() -> None:
    # Fails when models/default/model_card.json changes without `classifier model pin models/default`.
    digest = card_digest(Path(str(default_model_path())))
    assert pins.pinned().get(digest) == pins.BUNDLED_LABEL
    assert list(pins.pinned().values()).count(pins.BUNDLED_LABEL) == 1
    classifier.load()


# -- a crafted pickle is never run ---------------------------------------------------------------


@pytest.fixture
def pickle_era_model(tiny_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The issue's probe: a card without 'files' or 'scoring_sha256' whose 'sha256' is a crafted pickle's."""
    marker = tmp_path / "marker"
    payload = pickle.dumps(_Marker(marker))
    (tiny_copy / "model.joblib").write_bytes(payload)
    card = json.loads((tiny_copy / CARD_FILE).read_text())
    del card["files"]
    card["sha256"] = hashlib.sha256(payload).hexdigest()
    (tiny_copy / CARD_FILE).write_text(json.dumps(card))
    return tiny_copy, marker


@pytest.mark.parametrize("trust", [False, True], ids=["untrusted", "trusted"])
def test_crafted_pickle_does_not_run_through_the_library(
    pickle_era_model: tuple[Path, Path], trust: bool
) -> None:
    directory, marker = pickle_era_model
    with pytest.raises(classifier.ModelIntegrityError, match="older format that stored a pickle"):
        classifier.load(directory, trust=trust)
    with pytest.raises(classifier.ModelIntegrityError, match="older format that stored a pickle"):
        load_model(directory, trust=trust)
    assert not marker.exists()


def test_crafted_pickle_does_not_run_through_the_command(
    pickle_era_model: tuple[Path, Path], tmp_path: Path
) -> None:
    directory, marker = pickle_era_model
    (tmp_path / "x.txt").write_text(TEXT)
    for extra in ([], ["--trust-model"]):
        result = score_cli(str(tmp_path / "x.txt"), "--model", str(directory), *extra)
        assert result.returncode == 2
        assert "older format that stored a pickle" in one_error_line(result.stderr)
        assert result.stdout == ""
    assert not marker.exists()


def test_pickle_beside_a_current_card_is_never_opened(tiny_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    (tiny_copy / "model.joblib").write_bytes(pickle.dumps(_Marker(marker)))
    classifier.load(tiny_copy, trust=True).score(TEXT)
    load_model(tiny_copy, trust=True)
    assert not marker.exists()


def test_estimator_file_naming_other_types_is_refused_before_building(tiny_copy: Path) -> None:
    import skops.io

    model, _ = load_model(tiny_copy, trust=True)
    skops.io.dump({"estimator": model.estimator, "page": None, "run": os.system}, tiny_copy / ESTIMATOR_FILE)
    rehash(tiny_copy)
    with pytest.raises(
        classifier.ModelIntegrityError, match=r"not on the list this package trusts: \['posix.system'\]"
    ):
        load_model(tiny_copy, trust=True)


# -- a re-hashed card is not trusted ----------------------------------------------------------------


def _set_thresholds(directory: Path, value: float) -> None:
    """Set every threshold of scoring.npz and of the card to ``value``, and re-hash."""
    with np.load(directory / SCORING_FILE) as stored:
        arrays = {name: stored[name] for name in stored.files}
    config = json.loads(str(arrays["config"]))
    config["thresholds"] = {name: value for name in config["thresholds"]}
    arrays["config"] = np.array(json.dumps(config))
    with (directory / SCORING_FILE).open("wb") as handle:
        np.savez(handle, **arrays)
    card = json.loads((directory / CARD_FILE).read_text())
    card["thresholds"] = config["thresholds"]
    (directory / CARD_FILE).write_text(json.dumps(card))
    rehash(directory)


def test_edited_thresholds_under_a_rehashed_card_are_refused_unless_trusted(
    bundled_copy: Path, tmp_path: Path
) -> None:
    classifier.load(bundled_copy)  # an untouched copy of the bundled model is pinned
    _set_thresholds(bundled_copy, 1.0)
    with pytest.raises(classifier.UntrustedModelError, match="classifier model verify") as refused:
        classifier.load(bundled_copy)
    assert "trust=True" in str(refused.value)
    (tmp_path / "x.txt").write_text(TEXT)
    result = score_cli(str(tmp_path / "x.txt"), "--model", str(bundled_copy), "-q")
    assert result.returncode == 2
    assert "is not pinned as trusted" in one_error_line(result.stderr)
    trusted = score_cli(str(tmp_path / "x.txt"), "--model", str(bundled_copy), "--trust-model", "-q")
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(trusted.stdout)["flags"] == []
    assert classifier.load(bundled_copy, trust=True).score(TEXT).flags == []


def test_edited_scoring_file_without_rehashing_is_refused_even_when_trusted(bundled_copy: Path) -> None:
    recorded = json.loads((bundled_copy / CARD_FILE).read_text())["files"][SCORING_FILE]
    _set_thresholds(bundled_copy, 1.0)
    card = json.loads((bundled_copy / CARD_FILE).read_text())
    card["files"][SCORING_FILE] = recorded
    (bundled_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(classifier.ModelIntegrityError, match="does not match its model card"):
        classifier.load(bundled_copy, trust=True)


def test_card_thresholds_that_differ_from_the_scoring_file_are_refused(tiny_copy: Path) -> None:
    card = json.loads((tiny_copy / CARD_FILE).read_text())
    card["thresholds"] = {name: 0.99 for name in card["thresholds"]}
    (tiny_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(classifier.ModelIntegrityError, match=r"differ from those of scoring\.npz"):
        classifier.load(tiny_copy, trust=True)


def test_verify_shows_what_the_model_would_change(bundled_copy: Path) -> None:
    _set_thresholds(bundled_copy, 1.0)
    changes = compare_models(bundled_copy, Path(str(default_model_path())))
    assert not changes.pinned
    assert set(changes.changed_thresholds) == set(classifier.SPAN_CATEGORIES)
    assert all(new == 1.0 for _, new in changes.changed_thresholds.values())
    assert changes.vocabulary[0] == changes.vocabulary[1] > 1000
    result = CliRunner().invoke(app, ["model", "verify", str(bundled_copy)])
    assert result.exit_code == 1
    assert "pinned: no" in result.stdout
    assert "thresholds (11 of 11 changed)" in result.stdout
    assert "cure_claim" in result.stdout and "-> 1.0" in result.stdout
    assert "training data sha256" in result.stdout and "(same)" in result.stdout
    assert CliRunner().invoke(app, ["model", "verify", str(default_model_path())]).exit_code == 0


def test_a_pinned_card_loads_without_trust(tiny_copy: Path, trust_file: Path) -> None:
    with pytest.raises(classifier.UntrustedModelError):
        classifier.load(tiny_copy)
    digest, where = pin_model(tiny_copy, "mine")
    assert where == trust_file and pins.pinned()[digest] == "mine"
    classifier.load(tiny_copy).score(TEXT)
    # Pinning the same label again replaces the old pin; the bundled model's stays.
    _set_thresholds(tiny_copy, 0.5)
    new_digest, _ = pin_model(tiny_copy, "mine")
    assert digest not in pins.pinned() and pins.pinned()[new_digest] == "mine"
    assert pins.BUNDLED_LABEL in pins.pinned().values()


def test_worker_processes_load_the_model_with_the_same_trust(tiny_model_dir: Path) -> None:
    # --jobs N without fork: each worker loads the model again through Model.loader().
    model = classifier.load(tiny_model_dir, trust=True)
    again = model.loader()()
    assert again.trust and again.score(TEXT) == model.score(TEXT)


def test_pin_refuses_a_damaged_model(tiny_copy: Path, trust_file: Path) -> None:
    before = trust_file.read_bytes()
    (tiny_copy / SCORING_FILE).write_bytes(b"garbage")
    result = CliRunner().invoke(app, ["model", "pin", str(tiny_copy)])
    assert result.exit_code == 2
    assert "does not match its model card" in result.stderr
    assert trust_file.read_bytes() == before


# -- every malformed file is a ModelIntegrityError that names it ----------------------------------


def _rewrite(directory: Path, change: Callable[[dict[str, np.ndarray]], None]) -> None:
    with np.load(directory / SCORING_FILE) as stored:
        arrays = {name: stored[name] for name in stored.files}
    change(arrays)
    with (directory / SCORING_FILE).open("wb") as handle:
        np.savez(handle, **arrays)


def _config(arrays: dict[str, np.ndarray], **changes: object) -> None:
    config = json.loads(str(arrays["config"]))
    config.update(changes)
    arrays["config"] = np.array(json.dumps(config))


def _nan(arrays: dict[str, np.ndarray]) -> None:
    arrays["linear_coef"] = arrays["linear_coef"].copy()
    arrays["linear_coef"][0, 0] = np.nan


def _thresholds(value: float) -> Callable[[dict[str, np.ndarray]], None]:
    def change(arrays: dict[str, np.ndarray]) -> None:
        config = json.loads(str(arrays["config"]))
        _config(arrays, thresholds={name: value for name in config["thresholds"]})

    return change


def _bytes(data: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def change(directory: Path) -> None:
        path = directory / SCORING_FILE
        path.write_bytes(data(path.read_bytes()))

    return change


def _arrays(change: Callable[[dict[str, np.ndarray]], None]) -> Callable[[Path], None]:
    return lambda directory: _rewrite(directory, change)


def _single_array(directory: Path) -> None:
    with (directory / SCORING_FILE).open("wb") as handle:
        np.save(handle, np.zeros(3))


def _fifo(directory: Path) -> None:
    (directory / SCORING_FILE).unlink()
    os.mkfifo(directory / SCORING_FILE)


SCORING_CASES = {
    "truncated": (_bytes(lambda data: data[: len(data) // 2]), "not a NumPy .npz archive"),
    "garbage": (_bytes(lambda data: os.urandom(len(data))), "not a NumPy .npz archive"),
    "empty": (_bytes(lambda data: b""), "not a NumPy .npz archive"),
    "pickle": (_bytes(lambda data: pickle.dumps({"config": 1})), "not a NumPy .npz archive"),
    "single-array": (_single_array, "a single array"),
    "missing-array": (_arrays(lambda a: a.pop("linear_coef")), r"\['linear_coef'\] are missing"),
    "partial-page-model": (_arrays(lambda a: a.update(page_terms=np.array(["a"]))), "found only some"),
    "wrong-shape": (_arrays(lambda a: a.update(idf=a["idf"][:-1])), "'idf' should have shape"),
    "wrong-rank": (
        _arrays(lambda a: a.update(linear_coef=a["linear_coef"][0])),
        "'linear_coef' should have shape",
    ),
    "wrong-dtype": (
        _arrays(lambda a: a.update(linear_coef=a["linear_coef"].astype(np.int64))),
        "'linear_coef' should hold floating-point values, not int64",
    ),
    "terms-not-text": (_arrays(lambda a: a.update(terms=np.arange(3.0))), "'terms' should hold text"),
    "object-array": (
        _arrays(lambda a: a.update(idf=np.array([{"x": 1}] * len(a["idf"]), dtype=object))),
        "'idf' cannot be read",
    ),
    "nan-weight": (_arrays(_nan), "'linear_coef' holds NaN or infinite values"),
    "threshold-above-1": (_arrays(_thresholds(1.5)), "thresholds = "),
    "threshold-below-0": (_arrays(_thresholds(-0.1)), "thresholds = "),
    "threshold-nan": (_arrays(_thresholds(float("nan"))), "thresholds = "),
    "margin-above-1": (_arrays(lambda a: _config(a, runner_up_margin=2.0)), "runner_up_margin = 2.0"),
    "margin-not-a-number": (
        _arrays(lambda a: _config(a, runner_up_margin="wide")),
        "runner_up_margin = 'wide'",
    ),
    "config-not-json": (_arrays(lambda a: a.update(config=np.array("{nope"))), "'config' is not JSON"),
    "config-not-object": (_arrays(lambda a: a.update(config=np.array("[1, 2]"))), "JSON object, not list"),
    "config-missing-key": (_arrays(lambda a: _config(a, ngram_max=None)), "ngram_max = None"),
    "unknown-category": (
        _arrays(lambda a: _config(a, categories=["x", *json.loads(str(a["config"]))["categories"][1:]])),
        "lists the categories",
    ),
    "repeated-terms": (
        _arrays(lambda a: a.update(terms=np.array([a["terms"][0]] * len(a["terms"])))),
        "'terms' repeats terms",
    ),
    "fifo": (_fifo, "not a regular file"),
}


def _inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "MAX_UNCOMPRESSED_BYTES", 1000)


def _huge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persistence, "MAX_FILE_BYTES", 1000)


@pytest.mark.parametrize(("damage", "detail"), SCORING_CASES.values(), ids=SCORING_CASES.keys())
def test_malformed_scoring_file_under_a_rehashed_card(
    tiny_copy: Path, damage: Callable[[Path], None], detail: str
) -> None:
    damage(tiny_copy)
    if not (tiny_copy / SCORING_FILE).is_fifo():
        rehash(tiny_copy)
    path = tiny_copy / SCORING_FILE
    with pytest.raises(classifier.ModelIntegrityError, match=detail) as raised:
        classifier.load(tiny_copy, trust=True)
    assert f"'{path}'" in str(raised.value)
    result = CliRunner().invoke(app, ["score", "-", "--model", str(tiny_copy), "--trust-model"], input=TEXT)
    assert result.exit_code == 2
    assert f"'{path}'" in one_error_line(result.stderr)


CONTEXT_CASES = {
    "partial-context-model": (_arrays(lambda a: a.pop("context_intercept")), "context model needs all"),
    "context-wrong-shape": (
        _arrays(lambda a: a.update(context_coef=a["context_coef"][:, :-1])),
        "'context_coef' should have shape",
    ),
    "context-of-an-earlier-release": (
        _arrays(lambda a: a.update(context_coef=a["context_coef"][:, : a["context_coef"].shape[0] + 2])),
        "inputs of an earlier release; retrain",
    ),
    "context-nan": (
        _arrays(lambda a: a.update(context_intercept=np.full_like(a["context_intercept"], np.nan))),
        "'context_intercept' holds NaN",
    ),
}


@pytest.mark.parametrize(("damage", "detail"), CONTEXT_CASES.values(), ids=CONTEXT_CASES.keys())
def test_malformed_context_model_under_a_rehashed_card(
    tiny_model_dir: Path, tmp_path: Path, damage: Callable[[Path], None], detail: str
) -> None:
    copy = tmp_path / "tiny_context"
    shutil.copytree(tiny_model_dir, copy)
    damage(copy)
    rehash(copy)
    with pytest.raises(classifier.ModelIntegrityError, match=detail) as raised:
        classifier.load(copy, trust=True)
    assert f"'{copy / SCORING_FILE}'" in str(raised.value)


@pytest.mark.parametrize(
    ("limit", "detail"),
    [(_inflated, "decompressed, more than 1000"), (_huge, "more than 1000")],
    ids=["decompresses-too-large", "file-too-large"],
)
def test_oversized_scoring_file(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch, limit: Callable[[pytest.MonkeyPatch], None], detail: str
) -> None:
    limit(monkeypatch)
    with pytest.raises(
        classifier.ModelIntegrityError, match=f"{re.escape(str(tiny_copy / SCORING_FILE))}'.*{detail}"
    ):
        classifier.load(tiny_copy, trust=True)


def _card_text(text: str) -> Callable[[Path], None]:
    return lambda directory: (directory / CARD_FILE).write_text(text)


def _card_change(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(directory: Path) -> None:
        card = json.loads((directory / CARD_FILE).read_text())
        change(card)
        (directory / CARD_FILE).write_text(json.dumps(card))

    return apply


CARD_CASES = {
    "not-json": (_card_text("{nope"), r"model_card.json' is not a JSON object"),
    "not-an-object": (_card_text("[1, 2, 3]"), "the card is a JSON list, not an object"),
    "not-utf8": (lambda d: (d / CARD_FILE).write_bytes(b'{"a": "\xff"}'), "is not a JSON object"),
    "files-not-hashes": (
        _card_change(lambda c: c.update(files={SCORING_FILE: 3})),
        r"wrong values for \['files'\]",
    ),
    "threshold-out-of-range": (
        _card_change(lambda c: c["thresholds"].update(cure_claim=7)),
        r"wrong values for \['thresholds'\]",
    ),
    "file-not-listed": (
        _card_change(lambda c: c["files"].pop(ESTIMATOR_FILE)),
        f"lists no sha256 for {ESTIMATOR_FILE}",
    ),
    "listed-file-missing": (lambda d: (d / ESTIMATOR_FILE).unlink(), "does not exist"),
}


@pytest.mark.parametrize(("damage", "detail"), CARD_CASES.values(), ids=CARD_CASES.keys())
def test_malformed_card(tiny_copy: Path, damage: Callable[[Path], None], detail: str) -> None:
    damage(tiny_copy)
    with pytest.raises(classifier.ModelIntegrityError, match=detail):
        classifier.load(tiny_copy, trust=True)
    result = CliRunner().invoke(app, ["score", "-", "--model", str(tiny_copy), "--trust-model"], input=TEXT)
    assert result.exit_code == 2
    one_error_line(result.stderr)


def test_huge_card_is_refused_before_it_is_parsed(tiny_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persistence, "MAX_CARD_BYTES", 100)
    with pytest.raises(
        classifier.ModelIntegrityError, match=f"{re.escape(str(tiny_copy / CARD_FILE))}'.*more than 100"
    ):
        classifier.load(tiny_copy, trust=True)

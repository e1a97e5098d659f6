"""Convert a model directory of the pickle era (``model.joblib``) to the data-only format.

Run it by hand, once, on a model directory you made yourself: it unpickles
``model.joblib``, which runs whatever code that file names. The package never
does; this script exists so that ``models/default`` could be converted without
retraining. It keeps ``scoring.npz`` byte for byte, writes ``estimator.skops``
from the unpickled Pipelines, rewrites the card with ``"files"`` and removes
``model.joblib``:

    python scripts/convert_joblib_model.py models/default
    python -m classifier model pin models/default
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from pathlib import Path

import numpy as np

from classifier.files import write_atomic
from classifier.model.persistence import CARD_FILE, ESTIMATOR_FILE, MODEL_FILES, SCORING_FILE
from classifier.model.weights import ScoringWeights, TrainedModel

#: Modules the pickles name, from before the package was laid out by step.
MOVED = {"classifier.features": "classifier.model.features", "classifier.page": "classifier.model.page"}


def convert(directory: Path) -> None:
    import joblib

    for old, new in MOVED.items():
        sys.modules.setdefault(old, importlib.import_module(new))
    card = json.loads((directory / CARD_FILE).read_text("utf-8"))
    pickled = directory / "model.joblib"
    if hashlib.sha256(pickled.read_bytes()).hexdigest() != card["sha256"]:
        raise SystemExit(f"{pickled} does not match its card; not converting")
    payload = joblib.load(pickled)
    model = TrainedModel(
        estimator=payload["estimator"],
        categories=list(payload["categories"]),
        thresholds=dict(payload["thresholds"]),
        page=payload.get("page"),
    )
    kept = ScoringWeights.load(directory / SCORING_FILE)
    fresh = ScoringWeights.from_trained(model)
    assert kept.thresholds == fresh.thresholds == card["thresholds"]
    np.testing.assert_array_equal(kept.feature_weights, fresh.feature_weights)
    np.testing.assert_array_equal(kept.linear.coef, fresh.linear.coef)
    (writer,) = (item for item in MODEL_FILES if item.name == ESTIMATOR_FILE)
    writer.write(model, directory / ESTIMATOR_FILE)
    card.pop("sha256")
    card.pop("scoring_sha256")
    card["files"] = {
        item.name: hashlib.sha256((directory / item.name).read_bytes()).hexdigest() for item in MODEL_FILES
    }
    versions = card["library_versions"]
    versions.pop("joblib", None)
    versions["skops"] = importlib.metadata.version("skops")
    write_atomic(directory / CARD_FILE, (json.dumps(card, indent=2, sort_keys=True) + "\n").encode())
    pickled.unlink()


if __name__ == "__main__":
    convert(Path(sys.argv[1]))

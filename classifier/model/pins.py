"""The model cards this installation trusts: sha256 pins kept inside the package.

A model directory's card lists the sha256 of every file beside it, so a file
that changed after the card was written is caught. That proves nothing about
who wrote the card: whoever edits a file can hash it again. Trust therefore
rests on the card itself. ``classifier/data/trusted_models.json`` maps the
sha256 of each trusted card to a label (``"default"`` for the bundled model);
a test fails when the bundled card changes and its pin was not updated.
``classifier model pin DIR`` writes a pin; in a source checkout that is how a
retrained ``models/default`` becomes the bundled model again.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from classifier.errors import Errors, ModelIntegrityError
from classifier.files import write_atomic

__all__ = ["BUNDLED_LABEL", "TRUST_FILE", "add_pin", "is_pinned", "pinned", "trust_file"]

TRUST_FILE = "trusted_models.json"
#: The label of the bundled model's pin.
BUNDLED_LABEL = "default"


def trust_file() -> Path:
    """Where the pins live: ``trusted_models.json`` in the package's data folder."""
    return Path(str(resources.files("classifier.data").joinpath(TRUST_FILE)))


def pinned() -> dict[str, str]:
    """The pinned card hashes, each with its label."""
    path = trust_file()
    try:
        pins = json.loads(path.read_text("utf-8"))["pinned"]
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelIntegrityError(
            Errors.E030.format(path=path, detail=f"it is not a JSON object with 'pinned' ({error})")
        ) from error
    if not isinstance(pins, dict) or not all(isinstance(v, str) for v in pins.values()):
        raise ModelIntegrityError(
            Errors.E030.format(path=path, detail="'pinned' should map card hashes to labels")
        )
    return pins


def is_pinned(digest: str) -> bool:
    """Whether a card with this sha256 is trusted."""
    return digest in pinned()


def add_pin(digest: str, label: str) -> Path:
    """Pin the card hash ``digest`` under ``label``, replacing the earlier pin of that label."""
    pins = {key: value for key, value in pinned().items() if value != label}
    pins[digest] = label
    path = trust_file()
    document = {
        "about": (
            "sha256 of the model cards this installation trusts (written by `classifier model pin DIR`)."
        ),
        "pinned": dict(sorted(pins.items(), key=lambda item: item[1])),
    }
    write_atomic(path, (json.dumps(document, indent=2) + "\n").encode())
    return path

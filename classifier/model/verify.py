"""Before trusting a model directory: what it would change against a reference model, and pinning it.

``classifier model verify DIR`` shows :func:`compare_models` against the
bundled model; ``classifier model pin DIR`` is :func:`pin_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.model.persistence import card_digest, load_weights
from classifier.model.pins import add_pin, is_pinned

__all__ = ["ModelChanges", "compare_models", "format_changes", "pin_model"]


@dataclass(frozen=True)
class ModelChanges:
    """How a model differs from a reference model; each pair is (reference, model)."""

    path: str
    card_sha256: str
    pinned: bool
    categories_added: list[str]
    categories_removed: list[str]
    #: Every category of either model, with its threshold in each (None: not in that model).
    thresholds: dict[str, tuple[float | None, float | None]]
    vocabulary: tuple[int, int]
    page_vocabulary: tuple[int | None, int | None]
    training_data_sha256: tuple[str | None, str | None]
    runner_up_margin: tuple[float, float] = (0.0, 0.0)
    #: Whether each model rescores sentences in context (:mod:`classifier.model.context`).
    context_model: tuple[bool, bool] = (False, False)

    @property
    def changed_thresholds(self) -> dict[str, tuple[float | None, float | None]]:
        return {name: pair for name, pair in self.thresholds.items() if pair[0] != pair[1]}


def _training_hash(card: dict[str, Any]) -> str | None:
    data = card.get("training_data")
    value = data.get("sha256") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def compare_models(directory: str | Path, reference: str | Path) -> ModelChanges:
    """Check ``directory`` as loading would (except trust), and compare it with ``reference``.

    Raises what loading raises for a damaged or malformed model
    (:class:`~classifier.errors.ModelIntegrityError` and the like).
    """
    weights, card = load_weights(directory, trust=True)
    base, base_card = load_weights(reference, trust=True)
    names = [*base.categories, *(name for name in weights.categories if name not in base.categories)]
    return ModelChanges(
        path=str(directory),
        card_sha256=(digest := card_digest(directory)),
        pinned=is_pinned(digest),
        categories_added=[name for name in weights.categories if name not in base.categories],
        categories_removed=[name for name in base.categories if name not in weights.categories],
        thresholds={name: (base.thresholds.get(name), weights.thresholds.get(name)) for name in names},
        vocabulary=(len(base.indexer.terms), len(weights.indexer.terms)),
        page_vocabulary=(
            len(base.page.terms) if base.page else None,
            len(weights.page.terms) if weights.page else None,
        ),
        training_data_sha256=(_training_hash(base_card), _training_hash(card)),
        runner_up_margin=(base.runner_up_margin, weights.runner_up_margin),
        context_model=(base.context is not None, weights.context is not None),
    )


def _pair(pair: tuple[object, object], missing: str = "none") -> str:
    old, new = (missing if value is None else str(value) for value in pair)
    return f"{old} (same)" if pair[0] == pair[1] else f"{old} -> {new}"


def format_changes(changes: ModelChanges, reference: str = "the bundled model") -> str:
    """The comparison as text: a verdict line, then each difference from ``reference``."""
    lines = [
        f"model: {changes.path}",
        "files: every file matches the sha256 its card records",
        f"card sha256: {changes.card_sha256}",
        "pinned: yes"
        if changes.pinned
        else (
            "pinned: no. Loading it needs --trust-model (library: trust=True), "
            f"or pin it with `classifier model pin {changes.path}`"
        ),
        f"compared with {reference} (before -> after):",
        f"  categories added: {', '.join(changes.categories_added) or 'none'}; "
        f"removed: {', '.join(changes.categories_removed) or 'none'}",
        f"  vocabulary: {_pair(changes.vocabulary)} terms; "
        f"page model: {_pair(changes.page_vocabulary)} terms",
        f"  training data sha256: {_pair(changes.training_data_sha256, 'not recorded')}",
        f"  runner-up margin: {_pair(changes.runner_up_margin)}",
        f"  context model: {_pair(tuple('yes' if on else 'no' for on in changes.context_model))}",
        f"  thresholds ({len(changes.changed_thresholds)} of {len(changes.thresholds)} changed):",
    ]
    width = max((len(name) for name in changes.thresholds), default=0)
    lines += [f"    {name:<{width}}  {_pair(pair)}" for name, pair in changes.thresholds.items()]
    return "\n".join(lines) + "\n"


def pin_model(directory: str | Path, label: str) -> tuple[str, Path]:
    """Pin the card of an intact model directory under ``label``; returns its sha256 and the pin file.

    Raises what loading raises for a damaged or malformed model.
    """
    load_weights(directory, trust=True)
    digest = card_digest(directory)
    return digest, add_pin(digest, label)

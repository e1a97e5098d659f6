"""Reports: the document's overall risk and its flags, as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classifier.flags.phrases import Flag
from classifier.taxonomy import SEVERITY_WEIGHT

__all__ = ["Report", "document_risk"]


@dataclass(frozen=True, slots=True)
class Report:
    """The result of scoring one text: ``risk`` in [0, 1] and ``flags`` ordered by ``start``."""

    risk: float
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: ``{"risk": ..., "flags": [...]}``."""
        return {"risk": self.risk, "flags": [flag.to_dict() for flag in self.flags]}

    def categories(self) -> list[str]:
        """The distinct categories flagged, in order of first appearance."""
        return list(dict.fromkeys(flag.category for flag in self.flags))


def document_risk(flags: list[Flag]) -> float:
    """Noisy-or of the flags' scores weighted by severity: one sure high-severity
    flag makes a risky document; many weak low-severity ones add up slowly."""
    keep = 1.0
    for flag in flags:
        keep *= 1.0 - SEVERITY_WEIGHT[flag.severity] * flag.score
    return round(1.0 - keep, 4)

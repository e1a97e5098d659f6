"""The risk categories of the shared taxonomy, read from package data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from classifier.errors import Errors, UnknownCategoryError

__all__ = [
    "DOCUMENT_CATEGORIES",
    "SEVERITY_WEIGHT",
    "SPAN_CATEGORIES",
    "Category",
    "all_categories",
    "get_category",
]

Severity = Literal["high", "medium", "low"]

#: How much one flag of each severity adds to a document's risk.
SEVERITY_WEIGHT: dict[str, float] = {"high": 1.0, "medium": 0.7, "low": 0.35}


@dataclass(frozen=True)
class Category:
    """One taxonomy category and the facts its explanations draw on."""

    id: str
    severity: Severity
    definition: str
    why: str
    fact: str
    suggestion: str
    negation: Literal["claim", "reverses"]
    document_level: bool = False


@cache
def _load() -> dict[str, Category]:
    raw = json.loads(resources.files("classifier.data").joinpath("taxonomy.json").read_text("utf-8"))
    categories = {}
    for level, key in ((False, "span_categories"), (True, "document_categories")):
        for entry in raw[key]:
            categories[entry["id"]] = Category(document_level=level, **entry)
    return categories


def all_categories() -> dict[str, Category]:
    """Every category, span-level first, keyed by id."""
    return dict(_load())


def get_category(name: str) -> Category:
    """The category with id ``name``; raises UnknownCategoryError listing the valid ids."""
    categories = _load()
    if name not in categories:
        raise UnknownCategoryError(Errors.E005.format(name=name, allowed=", ".join(categories)))
    return categories[name]


SPAN_CATEGORIES: tuple[str, ...] = tuple(c.id for c in _load().values() if not c.document_level)
DOCUMENT_CATEGORIES: tuple[str, ...] = tuple(c.id for c in _load().values() if c.document_level)

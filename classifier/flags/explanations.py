"""Explanations built from data: the category's facts, the qualifiers found
around the claim and the evidence that drove the model.

The wording lives in ``classifier/data/explanations.json`` (short forms and
sub-patterns) and ``classifier/data/taxonomy.json`` (each category's long
``why`` and ``fact``). Which sub-pattern applies, and what is said about
hedges, sources and negations, is read from the flagged sentence's cues
(:class:`Qualifiers`), never guessed from the category alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from spacy.lang.en.stop_words import STOP_WORDS

from classifier.errors import Errors, InputError
from classifier.model.features import NEGATED_PREFIX
from classifier.taxonomy import Category

__all__ = [
    "EXPLAIN_MODES",
    "MAX_SHORT_LENGTH",
    "ExplainMode",
    "Pattern",
    "Qualifiers",
    "check_explain_mode",
    "describe_feature",
    "explain",
    "format_evidence",
    "select_pattern",
]

ExplainMode = Literal["short", "full"]
#: ``short``: why, the qualifiers and a pointer to the fact, at most MAX_SHORT_LENGTH characters;
#: ``full``: the long form, with the fact and its source and the evidence.
EXPLAIN_MODES: tuple[str, ...] = ("short", "full")
MAX_SHORT_LENGTH = 300
#: The longest piece of the text quoted in an explanation.
_QUOTE_LIMIT = 24

_CUE_WORDS = {
    "CUE_HEDGE": "a hedge word",
    "CUE_NEGATION": "a negation",
    "CUE_SOURCE": "a source or citation",
    "CUE_NUMBER": "a number",
    "CUE_PERCENT": "a percentage or rate",
    "CUE_REPORTING": "reporting or critical wording",
    "CUE_DISCLOSURE": "a risk or status disclosure",
    "CUE_EXCLAIM": "an exclamation mark",
    "CUE_QUOTE": "quotation marks",
    "CUE_YOU": "wording addressed to the reader",
    "CUE_WE": "the clinic speaking of itself",
    "CUE_BULLET": "a bullet-point benefit",
    "CUE_LIST_DISCLOSURE": "a list item under a risk or status disclosure",
    "CUE_SHORT": "a short heading-like line",
    "CUE_CONDITIONS_MANY": "three or more conditions named together",
    "CUE_CONDITIONS_TWO": "two conditions named together",
    "NEXT_HEDGE": "a hedge in the next sentence",
    "NEXT_SOURCE": "a source in the next sentence",
    "CUE_ITEM": "a list item",
    "CUE_HEADING": "a heading",
    "CUE_QUOTED": "a claim word inside quotation marks",
    "CUE_CRITIC": "critical or warning wording",
    "CUE_REGULATOR": "a regulator named",
    "CUE_REG_RULE": "a regulator's rules",
    "CUE_ETHICS": "ethics oversight of research",
    "CUE_ADULT_CELLS": "adult, cord, fat or marrow cells",
    "CUE_PLURI_CELLS": "embryonic or induced pluripotent cells",
    "CUE_PREVALENCE": "how common a condition is",
    "CUE_OUTCOME": "an outcome word",
    "CUE_DISEASE_PROCESS": "how a disease works",
    "CUE_COMMERCE": "booking or price wording",
    "CUE_FURNITURE": "page furniture",
    "CUE_SOFT_BENEFIT": "soft benefit wording",
    "CUE_EASE": "ease or convenience wording",
    "CUE_SOCIAL_PROOF": "social proof",
    "CUE_TEXTBOOK": "textbook wording",
    "PREV_REPORTING": "reporting wording in the sentence before",
    "PREV_CRITIC": "critical wording in the sentence before",
    "PAGE_PROMO": "a promotional page",
    "PAGE_MIXED": "a page mixing promotion and caution",
    "PAGE_CAREFUL": "an informational page",
    "ARG_PATTERN_pluripotent_adult_cells": "adult, cord, fat or marrow cells called pluripotent",
    "ARG_PATTERN_pluripotent_embryonic_cells": "embryonic or iPS cells called pluripotent",
    "ARG_PATTERN_number_outcome": "a rate of treatment outcomes",
    "ARG_PATTERN_number_prevalence": "a rate of how common a condition is",
    "ARG_PATTERN_approval_own_treatment": "approval claimed for the clinic's own treatment",
    "ARG_PATTERN_regulator_rules": "a regulator's rules described",
    "ARG_PATTERN_disease_process": "how a disease damages the body",
}
#: Context prefixes: the feature after the prefix, and where it was found.
_CONTEXT = (
    ("LEAD_", "{} in the list's lead-in"),
    ("HEAD_", "{} in the heading above"),
    ("QUOTED_", "quoted {}"),
)
#: Function words that carry a claim inside a longer n-gram ("any cell", "no side effect");
#: alone they are never shown as evidence.
_CLAIM_FUNCTION_WORDS = frozenset(
    {"no", "not", "never", "any", "every", "all", "always", "without", "become", "everyone", "only", "own"}
)
#: Words of spaCy's stop list that are content words in clinic claims ("side effect", "serious risk").
_CONTENT_WORDS = frozenset({"side", "back", "full", "serious", "move", "show", "top", "first", "last"})
_STOP_WORDS = frozenset(STOP_WORDS) - _CONTENT_WORDS
_NEGATION_WORDS = frozenset({"no", "not", "never", "without", "nothing", "none", "zero"})


@dataclass(frozen=True)
class Qualifiers:
    """What the cues of a flagged sentence say about its claim.

    ``hedges`` and ``sources`` come from the sentence and the one after it,
    ``negations`` from the sentence. ``claim_words`` are the texts of the
    category's cue words in the sentence outside any negation scope,
    ``negated_claim_words`` those inside one: a negation "reverses" a claim
    only when it covers one of them. ``negated_phrases`` are the words inside
    each negation scope: where negating is itself the claim ("no side
    effects"), they are what is denied. ``cues`` are the sentence's cue kinds
    (``CUE_PERCENT``, ``CUE_ADULT_CELLS`` ...) and ``words`` its lower-case
    lemmas and its lower-case text; both select the sub-pattern.
    """

    hedges: list[str] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    claim_words: list[str] = field(default_factory=list)
    negated_claim_words: list[str] = field(default_factory=list)
    negated_phrases: list[str] = field(default_factory=list)
    cues: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    text: str = ""


@dataclass(frozen=True)
class Pattern:
    """One explanation template: a category, or a sub-pattern of it where the facts differ."""

    category: str
    id: str
    when: dict[str, tuple[str, ...]]
    why: str
    missing: str
    pointer: str
    fact: str
    negation: Literal["claim", "reverses"]
    negation_claim: str

    def applies(self, qualifiers: Qualifiers) -> bool:
        """Whether every condition of ``when`` holds for the sentence ``qualifiers`` describe."""
        found = {
            "words": lambda item: _has_words(qualifiers, item),
            "claim_words": lambda item: _among(item, qualifiers.claim_words),
            "negated": lambda item: _among(item, qualifiers.negated_claim_words),
            "cues": lambda item: item in qualifiers.cues,
        }
        for key, items in self.when.items():
            if key == "no_cues":
                if not qualifiers.cues.isdisjoint(items):
                    return False
            elif not any(found[key](item) for item in items):
                return False
        return True


def _among(item: str, cue_words: list[str]) -> bool:
    """Whether ``item`` is one of ``cue_words`` or a word of one of them (case-insensitive)."""
    return any(item == word.lower() or item in word.lower().split() for word in cue_words)


def _has_words(qualifiers: Qualifiers, item: str) -> bool:
    if item in qualifiers.words:
        return True
    return re.search(rf"(?<!\w){re.escape(item)}(?!\w)", qualifiers.text.lower()) is not None


_WHEN_KEYS = frozenset({"words", "claim_words", "negated", "cues", "no_cues"})


@cache
def _table() -> tuple[dict[str, str], dict[str, tuple[Pattern, ...]], dict[str, str]]:
    """The qualifier phrases, each category's patterns and each category's cue label."""
    from classifier.taxonomy import all_categories

    raw = json.loads(resources.files("classifier.data").joinpath("explanations.json").read_text("utf-8"))
    categories = all_categories()
    patterns: dict[str, tuple[Pattern, ...]] = {}
    labels: dict[str, str] = {}
    for name, entry in raw["categories"].items():
        category = categories[name]
        labels[name] = entry["label"]
        base = {key: value for key, value in entry.items() if key not in ("label", "patterns")}
        found = []
        for item in entry["patterns"]:
            merged: dict[str, Any] = {**base, **item}
            when = {key: tuple(values) for key, values in merged.get("when", {}).items()}
            unknown = set(when) - _WHEN_KEYS
            if unknown:
                raise ValueError(f"explanations.json, {name}/{merged['id']}: unknown conditions {unknown}")
            found.append(
                Pattern(
                    category=name,
                    id=merged["id"],
                    when=when,
                    why=merged["why"],
                    missing=merged.get("missing", ""),
                    pointer=merged["pointer"],
                    fact=merged.get("fact", category.fact),
                    negation=merged.get("negation", category.negation),
                    negation_claim=merged.get("negation_claim", ""),
                )
            )
        if found[-1].when:
            raise ValueError(f"explanations.json, {name}: the last pattern must have no 'when'")
        patterns[name] = tuple(found)
    missing = set(categories) - set(patterns)
    if missing:
        raise ValueError(f"explanations.json has no entry for {sorted(missing)}")
    return dict(raw["qualifiers"]), patterns, labels


def patterns_of(category: str) -> tuple[Pattern, ...]:
    """Every explanation pattern of ``category``, in the order they are tried."""
    return _table()[1][category]


def select_pattern(category: Category, qualifiers: Qualifiers | None) -> Pattern:
    """The first pattern of ``category`` whose conditions the sentence meets (the last always does)."""
    candidates = patterns_of(category.id)
    if qualifiers is None:
        return candidates[-1]
    return next(pattern for pattern in candidates if pattern.applies(qualifiers))


def check_explain_mode(mode: str) -> ExplainMode:
    """``mode`` if it is one of :data:`EXPLAIN_MODES`; else an InputError naming them."""
    if mode not in EXPLAIN_MODES:
        raise InputError(Errors.E015.format(value=mode, allowed=", ".join(EXPLAIN_MODES)))
    return mode  # type: ignore[return-value]


def _quote(items: list[str], limit: int = 2) -> str:
    """The first ``limit`` distinct items, quoted, each cut to _QUOTE_LIMIT characters."""
    distinct = list(dict.fromkeys(item.strip() for item in items if item.strip()))[:limit]
    cut = [item if len(item) <= _QUOTE_LIMIT else item[: _QUOTE_LIMIT - 1] + "…" for item in distinct]
    return " and ".join(f'"{item}"' for item in cut)


def qualifier_sentences(pattern: Pattern, qualifiers: Qualifiers) -> dict[str, str]:
    """What the sentence's cues say, by kind: ``negation`` (only where a negation covers one of the
    category's claim words), a ``hedge`` or ``source`` that is present, and otherwise ``missing``:
    what is missing and what it would take. In that order."""
    phrases = _table()[0]
    parts = {}
    if pattern.negation == "claim" and pattern.negation_claim:
        denied = qualifiers.negated_claim_words or qualifiers.negated_phrases
        if denied:
            parts["negation"] = pattern.negation_claim.format(negated=_quote(denied))
    elif pattern.negation == "reverses" and qualifiers.negated_claim_words:
        negated = _quote(qualifiers.negated_claim_words)
        parts["negation"] = phrases["negation_reverses"].format(negated=negated)
    if qualifiers.hedges:
        parts["hedge"] = phrases["hedge"].format(hedge=_quote(qualifiers.hedges))
    if qualifiers.sources:
        parts["source"] = phrases["source"].format(source=_quote(qualifiers.sources))
    elif pattern.missing:
        parts["missing"] = pattern.missing
    return parts


def explain(
    category: Category,
    qualifiers: Qualifiers | None,
    evidence: list[str],
    *,
    mode: ExplainMode = "short",
) -> str:
    """Plain-English explanation of one flag.

    ``short`` (the default): why it is risky, which qualifier was present or
    missing and what it would take, and a pointer to the fact; at most
    :data:`MAX_SHORT_LENGTH` characters (when quotes from the sentence make it
    longer, the pointer goes first, then a present hedge or source: why, the
    negation and what is missing always stay). ``full``: why, the qualifiers,
    the fact with its source, and what drove the model. ``qualifiers`` is None
    for document-level categories, which have no claim sentence.
    """
    pattern = select_pattern(category, qualifiers)
    qualifying = qualifier_sentences(pattern, qualifiers) if qualifiers is not None else {}
    if mode == "full":
        sentences = [pattern.why, *qualifying.values(), pattern.fact]
        if evidence:
            sentences.append("Flagged mainly because of " + ", ".join(evidence) + ".")
        return " ".join(sentences)
    kept = [text for kind, text in qualifying.items() if kind in ("negation", "missing")]
    candidates = [
        [pattern.why, *qualifying.values(), pattern.pointer],
        [pattern.why, *qualifying.values()],
        [pattern.why, *kept],
    ]
    for parts in candidates:
        text = " ".join(parts)
        if len(text) <= MAX_SHORT_LENGTH:
            break
    return text


def _word_evidence(name: str) -> str | None:
    """A word n-gram feature as reader-facing words, or None for stop words and number placeholders."""
    words = name.split(" ")
    negated = any(word.startswith(NEGATED_PREFIX) for word in words)
    plain = [word.removeprefix(NEGATED_PREFIX) for word in words]
    if "NUM" in plain:
        return None
    plain = ["100" if word == "NUM100" else word for word in plain]
    text = " ".join(plain).replace(" %", "%")
    if plain == ["100", "%"]:
        return text
    if any(not any(ch.isalpha() for ch in word) and word not in ("%", "100") for word in plain):
        return None
    content = [word for word in plain if any(ch.isalpha() for ch in word)]
    if not content or all(word in _STOP_WORDS for word in content):
        return None
    if len(content) == 1 and content[0] in _STOP_WORDS:
        return None
    if any(edge in _STOP_WORDS - _CLAIM_FUNCTION_WORDS for edge in (content[0], content[-1])):
        return None
    if plain[0] in ("%", "100") or plain[-1] == "100":
        return None
    if negated and plain[0] not in _NEGATION_WORDS:
        return f"{text}, negated"
    return text


def _claim_label(category: str) -> str:
    labels = _table()[2]
    return labels.get(category, category.replace("_", " ") + " wording")


@lru_cache(maxsize=65536)
def describe_feature(name: str) -> str | None:
    """A short reader-facing description of a model feature, or None for one not worth showing
    (stop words, number placeholders)."""
    if name in _CUE_WORDS:
        return _CUE_WORDS[name]
    _, bar, inner = name.partition("|")
    if bar:
        # The page's stance joined to a cue: the same driver as the cue itself, seen on this page.
        return describe_feature(inner)
    if name.startswith("ARG_"):
        claim, _, argument = name[len("ARG_") :].partition("&")
        first, second = describe_feature("CUE_" + claim), describe_feature("CUE_" + argument)
        return f"{first} with {second}" if first and second else None
    for prefix, wording in _CONTEXT:
        if name.startswith(prefix):
            inner = name[len(prefix) :]
            if prefix == "QUOTED_":
                return wording.format(_claim_label(inner))
            described = describe_feature(inner)
            return wording.format(described) if described else None
    if name.startswith("CUE_NEGCLAIM_"):
        return "negated " + _claim_label(name[len("CUE_NEGCLAIM_") :])
    if name.startswith("CUE_CLAIM_"):
        return _claim_label(name[len("CUE_CLAIM_") :])
    if name.startswith(("CUE_", "PAGE_", "LEAD_", "HEAD_", "PREV_", "NEXT_", "SENSE_")) or "\t" in name:
        return None
    return _word_evidence(name)


def format_evidence(drivers: list[tuple[str, float]], limit: int = 5) -> list[str]:
    """Evidence strings such as ``"pluripotent (+1.8)"``: the model features ``drivers``
    (name, weight), strongest first, described for readers; features that describe alike
    are merged (their weights summed), hidden ones dropped, at most ``limit`` kept."""
    merged: dict[str, float] = {}
    for name, weight in drivers:
        label = describe_feature(name)
        if label is None:
            continue
        merged[label] = merged.get(label, 0.0) + weight
    ranked = sorted(merged.items(), key=lambda pair: -pair[1])[:limit]
    return [f"{label} ({weight:+.{1 if weight >= 0.05 else 2}f})" for label, weight in ranked]

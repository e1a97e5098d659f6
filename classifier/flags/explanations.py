"""Explanations built from data: the category's facts, the qualifiers found
around the claim and the evidence that drove the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from classifier.model.features import NEGATED_PREFIX
from classifier.taxonomy import Category

__all__ = ["Qualifiers", "describe_feature", "explain"]

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
    "PAGE_PROMO": "a page that promotes a treatment",
    "PAGE_MIXED": "a page that mixes promotion and caution",
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
    ("QUOTED_", "a quoted {} cue word"),
)


@dataclass(frozen=True)
class Qualifiers:
    """Qualifier cues found in a claim's sentence and the sentence after it."""

    hedges: list[str] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@lru_cache(maxsize=65536)
def describe_feature(name: str) -> str:
    """A reader-facing description of a model feature name."""
    if name in _CUE_WORDS:
        return _CUE_WORDS[name]
    page, bar, inner = name.partition("|")
    if bar:
        return f"{describe_feature(inner)} on {describe_feature(page)}"
    if name.startswith("ARG_"):
        claim, _, argument = name[len("ARG_") :].partition("&")
        return f"{describe_feature('CUE_' + claim)} with {describe_feature('CUE_' + argument)}"
    for prefix, wording in _CONTEXT:
        if name.startswith(prefix):
            inner = name[len(prefix) :]
            if prefix == "QUOTED_":
                return wording.format(inner.replace("_", " "))
            return wording.format(describe_feature(inner))
    for prefix, wording in (("CUE_NEGCLAIM_", "a negated {} cue"), ("CUE_CLAIM_", "a {} cue word")):
        if name.startswith(prefix):
            return wording.format(name[len(prefix) :].replace("_", " "))
    words = name.split(" ")
    negated = any(word.startswith(NEGATED_PREFIX) for word in words)
    plain = " ".join(
        word.removeprefix(NEGATED_PREFIX).replace("NUM100", "100").replace("NUM", "#") for word in words
    )
    return f'"{plain}" (negated)' if negated else f'"{plain}"'


def _quote(items: list[str]) -> str:
    return ", ".join(f'"{item}"' for item in dict.fromkeys(items))


def _qualifier_sentence(category: Category, qualifiers: Qualifiers) -> str:
    parts = []
    if category.negation == "claim" and qualifiers.negations:
        parts.append(
            f"The negation ({_quote(qualifiers.negations)}) is itself the claim here: "
            "denying risk is what makes it misleading."
        )
    elif qualifiers.negations:
        parts.append(
            f"A negation ({_quote(qualifiers.negations)}) is present but does not reverse the claim."
        )
    if qualifiers.hedges:
        parts.append(
            f"A hedge ({_quote(qualifiers.hedges)}) is present; it lowers the risk but does not "
            "remove a promise made to patients."
        )
    else:
        parts.append('No hedge (such as "may" or "some patients") limits it.')
    if qualifiers.sources:
        parts.append(
            f"A source cue ({_quote(qualifiers.sources)}) is present, but it does not name a human "
            "trial with its size and comparator that supports this claim."
        )
    else:
        parts.append("No source (study, sample size or citation) is given in this sentence or the next.")
    return " ".join(parts)


def explain(category: Category, qualifiers: Qualifiers | None, evidence: list[str]) -> str:
    """Plain-English explanation: why it is risky, the fact behind that,
    which qualifier was present or missing, and what drove the decision.

    ``qualifiers`` is None for document-level categories, which have no claim sentence.
    """
    sentences = [category.why, category.fact]
    if qualifiers is not None:
        sentences.append(_qualifier_sentence(category, qualifiers))
    if evidence:
        sentences.append("Flagged mainly because of " + ", ".join(evidence) + ".")
    return " ".join(sentences)

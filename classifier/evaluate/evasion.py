"""The evasion suite: risky sentences rewritten the ways marketers dodge filters.

Each risky sentence of a split (one holding a gold span) is scored on its own,
as written and after each perturbation below; a (sentence, category) pair is
recalled when the model flags that category anywhere in the scored text.
The perturbations change the words of the gold spans, where the claim is:

- ``digits``: letters swapped for look-alike digits and signs ("n0 side eff3cts");
- ``homoglyphs``: Latin letters swapped for Cyrillic look-alikes;
- ``zero_width``: zero-width spaces inside words;
- ``hyphens_spaces``: a hyphen inside long words, spaced letters in short ones;
- ``capitals``: the whole sentence in capitals, with "!!!";
- ``synonyms``: trigger words replaced by synonyms and paraphrases from a table
  written for this suite (not from the model's lexicon);
- ``split``: the sentence cut in two just before the claim.

All choices are drawn from a seeded random generator, so a run is repeatable.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from classifier.api import Model
from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import split_sentences

__all__ = ["PERTURBATIONS", "RiskySentence", "evasion_suite", "format_evasion", "risky_sentences"]

_DIGITS = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "l": "1"}
_SIGNS = {"a": "@", "s": "$"}
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "y": "у", "i": "і"}
_ZERO_WIDTH = "\u200b"
#: Synonyms and paraphrases of trigger words, written for this suite.
SYNONYMS = {
    "cure": "heal for good",
    "cures": "heals for good",
    "cured": "healed for good",
    "curing": "healing for good",
    "reverse": "undo",
    "reverses": "undoes",
    "reversed": "undone",
    "safe": "harmless",
    "side effects": "adverse reactions",
    "side-effects": "unwanted reactions",
    "risk": "danger",
    "risks": "dangers",
    "guaranteed": "assured",
    "guarantee": "promise",
    "guarantees": "promises",
    "proven": "demonstrated",
    "clinically": "medically",
    "miracle": "marvel",
    "miraculous": "marvellous",
    "revolutionary": "ground-breaking",
    "breakthrough": "leap forward",
    "pluripotent": "able to become any cell",
    "approved": "endorsed",
    "fda": "federal regulators",
    "success rate": "rate of good results",
    "patients": "clients",
    "restore": "bring back",
    "restores": "brings back",
    "regenerate": "regrow",
    "regenerates": "regrows",
    "repair": "mend",
    "repairs": "mends",
    "eliminate": "get rid of",
    "eliminates": "gets rid of",
    "better than": "superior to",
    "surgery": "an operation",
    "hope": "promise",
    "potential": "promise",
    "all": "every one of the",
    "every": "each",
    "100%": "fully",
    "completely": "totally",
    "no": "zero",
}
_SYNONYM_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RiskySentence:
    """A sentence with gold spans (offsets relative to the sentence) and their categories."""

    document: str
    text: str
    spans: tuple[tuple[int, int, str], ...]

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(label for _, _, label in self.spans)


def risky_sentences(documents: Sequence[CorpusDocument]) -> list[RiskySentence]:
    """The sentences of ``documents`` that hold at least one whole gold span."""
    found = []
    for document, ranges in zip(documents, split_sentences([d.text for d in documents]), strict=True):
        for start, end in ranges:
            spans = tuple(
                (s.start - start, s.end - start, s.label)
                for s in document.spans
                if start <= s.start and s.end <= end
            )
            if spans:
                found.append(RiskySentence(document.id, document.text[start:end], spans))
    return found


def _map_span_words(sentence: RiskySentence, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every word of the gold spans, leaving the rest of the sentence."""
    text = sentence.text
    for start, end, _ in sorted(sentence.spans, reverse=True):
        inner = re.sub(r"[A-Za-z]+", lambda m: change(m.group(0)), text[start:end])
        text = text[:start] + inner + text[end:]
    return text


def _swap_letters(word: str, table: dict[str, str], rng: random.Random, count: int) -> str:
    positions = [i for i, c in enumerate(word) if c.lower() in table]
    chosen = set(rng.sample(positions, min(count, len(positions))))
    return "".join(table[c.lower()] if i in chosen else c for i, c in enumerate(word))


def _digits(sentence: RiskySentence, rng: random.Random) -> str:
    table = _DIGITS | (_SIGNS if rng.random() < 0.3 else {})
    return _map_span_words(sentence, lambda w: _swap_letters(w, table, rng, 1 + len(w) // 6))


def _homoglyphs(sentence: RiskySentence, rng: random.Random) -> str:
    return _map_span_words(sentence, lambda w: _swap_letters(w, _CYRILLIC, rng, 1 + len(w) // 4))


def _zero_width(sentence: RiskySentence, rng: random.Random) -> str:
    def insert(word: str) -> str:
        if len(word) < 2:
            return word
        cut = rng.randrange(1, len(word))
        return word[:cut] + _ZERO_WIDTH + word[cut:]

    return _map_span_words(sentence, insert)


def _hyphens_spaces(sentence: RiskySentence, rng: random.Random) -> str:
    def break_up(word: str) -> str:
        if len(word) <= 4:
            return " ".join(word) if len(word) >= 3 else word
        cut = rng.randrange(2, len(word) - 1)
        return word[:cut] + "-" + word[cut:]

    return _map_span_words(sentence, break_up)


def _capitals(sentence: RiskySentence, rng: random.Random) -> str:
    return sentence.text.upper().rstrip(".!") + "!!!"


def _synonyms(sentence: RiskySentence, rng: random.Random) -> str:
    def replace(match: re.Match[str]) -> str:
        synonym = SYNONYMS[match.group(0).lower()]
        return synonym.capitalize() if match.group(0)[0].isupper() else synonym

    text = sentence.text
    for start, end, _ in sorted(sentence.spans, reverse=True):
        text = text[:start] + _SYNONYM_PATTERN.sub(replace, text[start:end]) + text[end:]
    return text


def _split(sentence: RiskySentence, rng: random.Random) -> str:
    start = min(s for s, _, _ in sentence.spans)
    head, tail = sentence.text[:start].rstrip(" ,;:-"), sentence.text[start:]
    if len(head.split()) < 2:
        return sentence.text
    return f"{head}. {tail[0].upper()}{tail[1:]}"


PERTURBATIONS: dict[str, Callable[[RiskySentence, random.Random], str]] = {
    "digits": _digits,
    "homoglyphs": _homoglyphs,
    "zero_width": _zero_width,
    "hyphens_spaces": _hyphens_spaces,
    "capitals": _capitals,
    "synonyms": _synonyms,
    "split": _split,
}


def _recall(model: Model, sentences: Sequence[RiskySentence], texts: Sequence[str]) -> dict[str, Any]:
    hits, totals = Counter(), Counter()
    for sentence, report in zip(sentences, model.score_many(texts), strict=True):
        flagged = set(report.categories())
        for category in sentence.categories:
            totals[category] += 1
            hits[category] += category in flagged
    total = sum(totals.values())
    return {
        "recall": round(sum(hits.values()) / total, 4) if total else None,
        "per_category": {c: round(hits[c] / totals[c], 4) for c in sorted(totals)},
        "pairs": total,
    }


def evasion_suite(model: Model, documents: Sequence[CorpusDocument], *, seed: int = 0) -> dict[str, Any]:
    """Recall on the clean risky sentences of ``documents`` and on each perturbed copy."""
    sentences = risky_sentences(documents)
    clean = _recall(model, sentences, [s.text for s in sentences])
    result: dict[str, Any] = {"sentences": len(sentences), "clean": clean, "perturbed": {}}
    pooled_hits = pooled_pairs = 0
    for name, perturb in PERTURBATIONS.items():
        rng = random.Random(f"{seed}:{name}")
        texts = [perturb(s, rng) for s in sentences]
        measured = _recall(model, sentences, texts)
        measured["changed"] = sum(t != s.text for t, s in zip(texts, sentences, strict=True))
        measured["examples"] = [t for t, s in zip(texts, sentences, strict=True) if t != s.text][:3]
        result["perturbed"][name] = measured
        if measured["recall"] is not None:
            pooled_hits += round(measured["recall"] * measured["pairs"])
            pooled_pairs += measured["pairs"]
    perturbed_recall = pooled_hits / pooled_pairs if pooled_pairs else None
    result["perturbed_recall"] = None if perturbed_recall is None else round(perturbed_recall, 4)
    clean_recall = clean["recall"]
    result["ratio"] = (
        round(perturbed_recall / clean_recall, 4) if perturbed_recall is not None and clean_recall else None
    )
    return result


def format_evasion(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`evasion_suite` results."""
    clean = result["clean"]["recall"]
    lines = [
        f"Risky sentences: {result['sentences']} ({result['clean']['pairs']} sentence-category pairs)",
        "",
        "| text | recall | ratio to clean | sentences changed |",
        "|---|---|---|---|",
        f"| clean | {clean:.3f} | 1.000 | - |" if clean is not None else "| clean | n/a | n/a | - |",
    ]
    for name, measured in result["perturbed"].items():
        recall = measured["recall"]
        ratio = "n/a" if recall is None or not clean else f"{recall / clean:.3f}"
        lines.append(f"| {name} | {recall:.3f} | {ratio} | {measured['changed']} |")
    if result["perturbed_recall"] is not None:
        ratio = "n/a" if result["ratio"] is None else f"{result['ratio']:.3f}"
        lines.append(f"| **all perturbations** | {result['perturbed_recall']:.3f} | {ratio} | |")
    return "\n".join(lines)

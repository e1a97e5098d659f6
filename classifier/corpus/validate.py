"""Corpus validation: schema, offsets, labels, coverage minimums and split hygiene."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import spacy

from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import SHARED_RUN_WORDS, near_duplicates, shared_runs, split_sentences
from classifier.taxonomy import DOCUMENT_CATEGORIES, SPAN_CATEGORIES, get_category

__all__ = ["MINIMUMS", "Minimums", "validate_corpus", "vocabulary"]


@dataclass(frozen=True)
class Minimums:
    """Coverage the full corpus must reach (issue: a labelled corpus that teaches real-world claims)."""

    documents: int = 300
    sentences: int = 6000
    spans_per_category: int = 150
    spans_per_high_category: int = 300
    hard_negative_sentences: int = 2000
    genres: int = 15
    conditions: int = 25
    treatments: int = 10
    registers: int = 5


MINIMUMS = Minimums()


def vocabulary() -> dict[str, list[str]]:
    """Allowed values of genre, treatment, condition and register."""
    raw = json.loads(resources.files("classifier.data").joinpath("corpus_vocab.json").read_text("utf-8"))
    return {
        "genre": raw["genres"],
        "treatment": raw["treatments"],
        "condition": raw["conditions"],
        "register": raw["registers"],
    }


def _record_problems(documents: Sequence[CorpusDocument]) -> list[str]:
    problems = []
    allowed = vocabulary()
    tokenizer = spacy.blank("en").tokenizer
    seen: dict[str, str] = {}
    for document in documents:
        where = f"document {document.id}"
        if document.id in seen:
            problems.append(f"{where}: id appears twice (splits {seen[document.id]} and {document.split})")
        seen[document.id] = document.split
        for key, values in allowed.items():
            value = getattr(document, key)
            if value not in values:
                problems.append(f"{where}: {key} {value!r} is not one of {values}")
        starts, ends = set(), set()
        for token in tokenizer(document.text):
            starts.add(token.idx)
            ends.add(token.idx + len(token.text))
        previous_end = -1
        for span in sorted(document.spans, key=lambda s: s.start):
            phrase = document.text[span.start : span.end]
            if span.label not in SPAN_CATEGORIES:
                problems.append(f"{where}: span label {span.label!r} is not a span category")
            if span.start not in starts or span.end not in ends:
                problems.append(
                    f"{where}: span {span.start}-{span.end} {phrase!r} is not on token boundaries"
                )
            if span.start < previous_end:
                problems.append(
                    f"{where}: span {span.start}-{span.end} {phrase!r} overlaps the previous span"
                )
            previous_end = max(previous_end, span.end)
        for label in document.doc_labels:
            if label not in DOCUMENT_CATEGORIES:
                problems.append(f"{where}: document label {label!r} is not a document category")
        if "missing_disclosure" in document.doc_labels and not any(
            s.label in SPAN_CATEGORIES and get_category(s.label).severity == "high" for s in document.spans
        ):
            problems.append(f"{where}: missing_disclosure needs at least one high-severity span")
    return problems


def _split_problems(documents: Sequence[CorpusDocument]) -> list[str]:
    problems = [
        f"documents of different splits share a run of {SHARED_RUN_WORDS} words: {first.id} ({first.split}) "
        f"and {second.id} ({second.split}): {run.words!r}"
        for run in shared_runs([d.text for d in documents])
        if (first := documents[run.first]).split != (second := documents[run.second]).split
    ]
    ranges = split_sentences([d.text for d in documents])
    sentences = [[d.text[s:e] for s, e in spans] for d, spans in zip(documents, ranges, strict=True)]
    for pair in near_duplicates(sentences):
        first, second = documents[pair.first[0]], documents[pair.second[0]]
        if first.split != second.split:
            problems.append(
                f"near-duplicate sentences across splits ({pair.similarity}): {first.id} ({first.split}) "
                f"{sentences[pair.first[0]][pair.first[1]]!r} ~ {second.id} ({second.split}) "
                f"{sentences[pair.second[0]][pair.second[1]]!r}"
            )
    return problems


def _coverage_problems(documents: Sequence[CorpusDocument], stats: dict, minimums: Minimums) -> list[str]:
    problems = []
    checks = [
        ("documents", stats["documents"], minimums.documents),
        ("sentences", stats["sentences"], minimums.sentences),
        ("hard-negative sentences", stats["hard_negative_sentences"], minimums.hard_negative_sentences),
        ("genres", len(stats["genre"]), minimums.genres),
        ("conditions", len(stats["condition"]), minimums.conditions),
        ("treatments", len(stats["treatment"]), minimums.treatments),
        ("registers", len(stats["register"]), minimums.registers),
    ]
    for category in SPAN_CATEGORIES:
        high = get_category(category).severity == "high"
        need = minimums.spans_per_high_category if high else minimums.spans_per_category
        checks.append((f"{category} spans", stats["spans"].get(category, 0), need))
    for name, have, need in checks:
        if have < need:
            problems.append(f"coverage: {name} {have} < {need}")
    return problems


def validate_corpus(
    documents: Sequence[CorpusDocument], *, minimums: Minimums | None = MINIMUMS
) -> list[str]:
    """Every problem found, as one line each; an empty list means the corpus is valid.

    ``minimums=None`` skips the coverage checks (for small or partial corpora).
    """
    from classifier.corpus.stats import corpus_stats

    problems = _record_problems(documents)
    problems.extend(_split_problems(documents))
    if minimums is not None:
        problems.extend(_coverage_problems(documents, corpus_stats(documents), minimums))
    return problems

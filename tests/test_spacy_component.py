"""The whole classifier as a spaCy component."""

from __future__ import annotations

from pathlib import Path

import spacy


def test_add_pipe_on_blank_pipeline_writes_spans(tiny_model_dir: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("clinic_claims", config={"model": str(tiny_model_dir), "trust": True})
    doc = nlp("Our clinic's therapy cures autism in weeks. Risks include infection.")
    labels = [span.label_ for span in doc.spans["risk_flags"]]
    assert "cure_claim" in labels
    report = doc._.clinic_report
    assert [f.category for f in report.flags if f.category != "missing_disclosure"] == labels
    for span, flag in zip(
        doc.spans["risk_flags"], [f for f in report.flags if f.start != f.end], strict=True
    ):
        assert span.text == flag.text


def test_component_uses_existing_sentence_boundaries(tiny_model_dir: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("clinic_claims", config={"model": str(tiny_model_dir), "spans_key": "claims", "trust": True})
    docs = list(nlp.pipe(["Treatment has no side effects at all.", "Ask your doctor about surgery."]))
    assert [s.label_ for s in docs[0].spans["claims"]] == ["absolute_safety"]
    assert list(docs[1].spans["claims"]) == []

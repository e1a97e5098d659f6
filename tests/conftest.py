"""Shared fixtures: a tiny labelled corpus written here, a model trained on it, the bundled model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import classifier

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Short risky sentences, each with the phrase that carries its claim, and
# acceptable sentences on the same topics. Mixed into small documents below.
RISKY = [
    ("Our clinic's therapy cures autism in weeks.", "cures autism", "cure_claim"),
    ("These injections repair the spinal cord.", "repair the spinal cord", "cure_claim"),
    ("Treatment has no side effects at all.", "no side effects", "absolute_safety"),
    ("Because they are your own cells it is completely safe.", "completely safe", "absolute_safety"),
    (
        "Cord cells can turn into any cell in the body.",
        "can turn into any cell in the body",
        "pluripotency_misstatement",
    ),
    ("Our mesenchymal cells are pluripotent.", "are pluripotent", "pluripotency_misstatement"),
    ("We run an FDA-approved stem cell program.", "FDA-approved", "regulatory_misstatement"),
    ("The procedure is 100% legal and government certified.", "100% legal", "regulatory_misstatement"),
    ("Results are guaranteed for every patient.", "guaranteed for every patient", "guaranteed_outcome"),
    ("You will walk again, we promise.", "You will walk again", "guaranteed_outcome"),
    ("We report a success rate of 85% in our clinic.", "success rate of 85%", "unsourced_statistic"),
    (
        "Nine out of ten patients improve after treatment.",
        "Nine out of ten patients improve",
        "unsourced_statistic",
    ),
    ("The protocol is clinically proven to work.", "clinically proven", "unsupported_proof"),
    (
        "Stem cell treatment is effective in treating paralysis.",
        "is effective in treating paralysis",
        "unsupported_proof",
    ),
    ("We treat autism, ALS, MS, Parkinson's and COPD.", "autism, ALS, MS, Parkinson's and COPD", "cure_all"),
    (
        "Avoid knee replacement surgery with one injection.",
        "Avoid knee replacement surgery",
        "superiority_claim",
    ),
    ("It works better than physical therapy.", "better than physical therapy", "superiority_claim"),
    (
        "Maria walked again after two infusions.",
        "Maria walked again after two infusions",
        "testimonial_evidence",
    ),
    (
        "Thousands of satisfied patients prove it works.",
        "Thousands of satisfied patients",
        "testimonial_evidence",
    ),
    ("This miracle therapy is a revolutionary breakthrough.", "miracle", "hype_language"),
]
SAFE = [
    "Stem cells may secrete growth factors that support repair.",
    "Mesenchymal stromal cells are not pluripotent.",
    "Risks include infection, bleeding and immune reactions.",
    "This treatment is not approved by the FDA.",
    "In a randomised trial of 120 patients (Okafor 2021), 34% improved versus 30% on placebo.",
    "Results vary between patients and no outcome can be guaranteed.",
    "Ask your doctor about physiotherapy and surgery.",
    "The approach is being studied in clinical trials for stroke.",
    "Individual experiences vary and are not evidence that it works.",
    "Embryonic stem cells are pluripotent.",
]


def _document(index: int, split: str) -> dict:
    picks = [RISKY[(index * 3 + k) % len(RISKY)] for k in range(3)]
    safe = [SAFE[(index + k) % len(SAFE)] for k in range(3)]
    text, spans = "", []
    for (sentence, phrase, label), other in zip(picks, safe, strict=True):
        start = len(text) + sentence.index(phrase)
        spans.append({"start": start, "end": start + len(phrase), "label": label})
        text += sentence + " " + other + "\n"
    return {
        "id": f"t-{index:03d}",
        "genre": "faq",
        "treatment": "prp",
        "condition": "autism",
        "register": "clinical",
        "split": split,
        "text": text,
        "spans": spans,
        "doc_labels": [],
    }


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    splits = ["train"] * 7 + ["dev"] * 2 + ["test"]
    records = [_document(i, splits[i % 10]) for i in range(60)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classifier.model.training import train

    output = tmp_path_factory.mktemp("model") / "tiny"
    train(tiny_corpus, output)
    return output


@pytest.fixture(scope="session")
def tiny_plain_model_dir(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model without a context model (:mod:`classifier.model.context`), as models of
    earlier releases and ``TrainingConfig(context_model=False)`` are."""
    from classifier.model.training import TrainingConfig, train

    output = tmp_path_factory.mktemp("model") / "tiny_plain"
    train(tiny_corpus, output, config=TrainingConfig(context_model=False))
    return output


@pytest.fixture(scope="session")
def bundled() -> classifier.Model:
    return classifier.load()

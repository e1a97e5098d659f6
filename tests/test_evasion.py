"""The evasion suite: perturbations on written sentences, and the suite on the tiny model."""

from __future__ import annotations

import json
import random
from pathlib import Path

import classifier
from classifier.corpus import read_corpus
from classifier.evaluate.evasion import (
    PERTURBATIONS,
    RiskySentence,
    evasion_suite,
    format_evasion,
    risky_sentences,
)
from classifier.pipeline.normalization import normalize

SENTENCE = RiskySentence(
    document="x-1",
    text="Our treatment is completely safe and cures autism in weeks",
    spans=((17, 32, "absolute_safety"), (37, 49, "cure_claim")),
)


def _perturb(name: str, seed: int = 0) -> str:
    return PERTURBATIONS[name](SENTENCE, random.Random(seed))


def test_perturbations_change_the_claim_and_are_repeatable() -> None:
    for name in PERTURBATIONS:
        changed = _perturb(name)
        assert changed != SENTENCE.text, name
        assert changed == _perturb(name), name


def test_character_tricks_touch_only_the_claim_words() -> None:
    for name in ("digits", "homoglyphs", "zero_width", "hyphens_spaces", "synonyms"):
        changed = _perturb(name)
        assert changed.startswith("Our treatment is "), name
        assert " and " in changed, name


def test_normalisation_undoes_the_character_tricks() -> None:
    for name in ("homoglyphs", "zero_width"):
        assert normalize(_perturb(name)).text == SENTENCE.text, name
    assert _perturb("capitals").endswith("!!!")
    assert ". " in _perturb("split")


def test_risky_sentences_keep_whole_spans(tiny_corpus: Path) -> None:
    documents = read_corpus(tiny_corpus, splits=["dev"])
    found = risky_sentences(documents)
    assert found
    for sentence in found:
        for start, end, _ in sentence.spans:
            assert 0 <= start < end <= len(sentence.text)


def test_suite_reports_recall_per_perturbation(tiny_model_dir: Path, tiny_corpus: Path) -> None:
    documents = read_corpus(tiny_corpus, splits=["dev"])
    result = evasion_suite(classifier.load(tiny_model_dir, trust=True), documents)
    assert set(result["perturbed"]) == set(PERTURBATIONS)
    assert 0.0 < result["clean"]["recall"] <= 1.0
    for measured in result["perturbed"].values():
        assert 0.0 <= measured["recall"] <= 1.0
        assert measured["pairs"] == result["clean"]["pairs"]
    json.dumps(result)
    assert "| **all perturbations** |" in format_evasion(result)

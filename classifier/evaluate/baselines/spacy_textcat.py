"""spaCy baseline: ``textcat_multilabel`` with the bag-of-words architecture, trained by spaCy's
own training loop (``spacy.training.loop.train``) from a config, with per-category thresholds
chosen on dev as for the classifier."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_loop
from spacy.util import load_config_from_str, load_model_from_config

from classifier.evaluate.baselines.base import SentenceData
from classifier.model.training import choose_thresholds
from classifier.taxonomy import SPAN_CATEGORIES

__all__ = ["SpacyTextcatBaseline"]

CONFIG = """
[paths]
train = null
dev = null

[system]
seed = 0
gpu_allocator = null

[nlp]
lang = "en"
pipeline = ["textcat_multilabel"]
batch_size = 256

[components]

[components.textcat_multilabel]
factory = "textcat_multilabel"
threshold = 0.5

[components.textcat_multilabel.model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = false
ngram_size = 2
no_output_layer = false
length = 262144

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${paths.train}

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${paths.dev}

[training]
dev_corpus = "corpora.dev"
train_corpus = "corpora.train"
seed = ${system.seed}
max_epochs = 15
max_steps = 0
patience = 0
eval_frequency = 100
dropout = 0.1
accumulate_gradient = 1

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.001

[training.batcher]
@batchers = "spacy.batch_by_words.v1"
size = 1000
tolerance = 0.2

[training.score_weights]
cats_macro_f = 1.0

[initialize]
"""


def _docbin(data: SentenceData, path: Path) -> None:
    nlp = spacy.blank("en")
    docs = DocBin()
    for text, row in zip(data.texts, data.labels, strict=True):
        doc = nlp.make_doc(text)
        doc.cats = {c: float(v) for c, v in zip(SPAN_CATEGORIES, row, strict=True)}
        docs.add(doc)
    docs.to_disk(path)


class SpacyTextcatBaseline:
    name = "spacy_textcat_bow"

    def __init__(self, max_epochs: int = 15) -> None:
        self.max_epochs = max_epochs
        self.nlp: spacy.language.Language | None = None
        self.thresholds = np.full(len(SPAN_CATEGORIES), 0.5)

    def fit(self, train: SentenceData, dev: SentenceData) -> SpacyTextcatBaseline:
        with tempfile.TemporaryDirectory() as folder:
            paths = {name: Path(folder) / f"{name}.spacy" for name in ("train", "dev")}
            _docbin(train, paths["train"])
            _docbin(dev, paths["dev"])
            config = load_config_from_str(CONFIG).merge(
                {
                    "paths": {"train": str(paths["train"]), "dev": str(paths["dev"])},
                    "training": {"max_epochs": self.max_epochs},
                }
            )
            # Fill in spaCy's defaults for everything the config leaves out, then initialise.
            nlp = init_nlp(load_model_from_config(config, auto_fill=True).config)
            with open(Path(folder) / "log.txt", "w", encoding="utf-8") as log:
                train_loop(nlp, None, stdout=log, stderr=log)
        self.nlp = nlp
        chosen = choose_thresholds(dev.labels, self._probabilities(dev.texts), SPAN_CATEGORIES)
        self.thresholds = np.array([chosen[c] for c in SPAN_CATEGORIES])
        return self

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        if self.nlp is None:
            raise RuntimeError("fit the spaCy baseline before predicting")
        rows = [[doc.cats[c] for c in SPAN_CATEGORIES] for doc in self.nlp.pipe(texts, batch_size=256)]
        return np.asarray(rows, dtype=float).reshape(-1, len(SPAN_CATEGORIES))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self._probabilities(texts) >= self.thresholds).astype(np.int8)

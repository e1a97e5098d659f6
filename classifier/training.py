"""Training: corpus -> sentence examples -> fitted estimator -> thresholds on dev -> model directory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

from classifier.corpus.schema import CorpusDocument, read_corpus
from classifier.errors import CorpusError, Errors
from classifier.estimator import make_estimator
from classifier.features import document_features
from classifier.persistence import save_model, update_card
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.tokenizer import original_offsets
from classifier.taxonomy import SPAN_CATEGORIES
from classifier.weights import TrainedModel

__all__ = ["TrainingConfig", "choose_thresholds", "sentence_examples", "train"]

#: Threshold used for a category the dev split has no example of.
#: Grid steps on each side averaged when smoothing the dev F1 curve (0.05 of probability).
SMOOTHING = 5
FALLBACK_THRESHOLD = 0.5
_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


@dataclass(frozen=True)
class TrainingConfig:
    """Estimator settings; see :func:`classifier.estimator.make_estimator`."""

    ngram_max: int = 3
    min_df: int = 2
    C: float = 4.0
    calibration_folds: int = 3


def sentence_examples(
    nlp: Language, documents: Sequence[CorpusDocument], categories: Sequence[str] = SPAN_CATEGORIES
) -> tuple[list[str], np.ndarray]:
    """Feature strings of every sentence and its multi-label indicator row.

    A sentence carries a category when a gold span of it overlaps the sentence.
    """
    column = {name: i for i, name in enumerate(categories)}
    strings: list[str] = []
    rows: list[np.ndarray] = []
    for document, doc in zip(documents, nlp.pipe(d.text for d in documents), strict=True):
        for features in document_features(doc).sentences:
            start, end = original_offsets(doc, features.sentence.start_char, features.sentence.end_char)
            row = np.zeros(len(categories), dtype=np.int8)
            for span in document.spans:
                if span.start < end and start < span.end and span.label in column:
                    row[column[span.label]] = 1
            strings.append(features.as_string())
            rows.append(row)
    return strings, np.asarray(rows, dtype=np.int8).reshape(-1, len(categories))


def choose_thresholds(
    truth: np.ndarray, probabilities: np.ndarray, categories: Sequence[str]
) -> dict[str, float]:
    """Per category, the threshold on a 0.01 grid where F1 on the given (dev) data peaks.

    The F1 curve of a few hundred dev sentences is jagged: equal maxima can
    sit far apart (0.22 and 0.75 for one category of the 364-document
    corpus), and picking between them is then arbitrary. The curve is
    therefore smoothed with a moving average over +-``SMOOTHING`` grid steps
    before its peak is taken; of a flat peak, the middle is taken, so that a
    small shift in scores on new text does not cross the threshold.
    """
    thresholds = {}
    window = np.ones(2 * SMOOTHING + 1)
    for j, name in enumerate(categories):
        positives = truth[:, j].sum()
        if positives == 0:
            thresholds[name] = FALLBACK_THRESHOLD
            continue
        predicted = probabilities[:, j][:, None] >= _GRID[None, :]
        true_positive = (predicted & (truth[:, j][:, None] == 1)).sum(axis=0)
        f1 = 2 * true_positive / (predicted.sum(axis=0) + positives)
        # Moving average that averages only the grid points that exist at the edges.
        smoothed = np.convolve(f1, window, mode="same") / np.convolve(np.ones_like(f1), window, mode="same")
        best = np.flatnonzero(smoothed >= smoothed.max() - 1e-9)
        thresholds[name] = float(_GRID[best[len(best) // 2]])
    return thresholds


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(
    corpus: str | Path,
    output: str | Path,
    *,
    config: TrainingConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train on the train split, choose thresholds on dev, save to ``output``; returns the model card.

    The test split is never read.
    """
    config = config or TrainingConfig()
    say = progress or (lambda message: None)
    corpus = Path(corpus)
    documents = read_corpus(corpus, splits=("train", "dev"))
    by_split = {name: [d for d in documents if d.split == name] for name in ("train", "dev")}
    for name, members in by_split.items():
        if not members:
            raise CorpusError(Errors.E011.format(split=name, path=corpus))
    nlp = build_pipeline()
    say(f"preprocessing {len(by_split['train'])} train and {len(by_split['dev'])} dev documents")
    x_train, y_train = sentence_examples(nlp, by_split["train"])
    x_dev, y_dev = sentence_examples(nlp, by_split["dev"])
    positives = y_train.sum(axis=0)
    fewest = int(positives.min())
    if fewest < 2:
        scarce = [c for c, n in zip(SPAN_CATEGORIES, positives, strict=True) if n < 2]
        raise CorpusError(
            f"Categories {scarce} have fewer than 2 training sentences in {corpus}; "
            "calibration needs at least 2 per category. Add annotated documents to the train split."
        )
    folds = min(config.calibration_folds, fewest)
    if folds < config.calibration_folds:
        say(f"calibrating with {folds} folds: a category has only {fewest} training sentences")
        config = replace(config, calibration_folds=folds)
    say(f"fitting on {len(x_train)} sentences")
    estimator = make_estimator(**asdict(config)).fit(x_train, y_train)
    thresholds = choose_thresholds(y_dev, estimator.predict_proba(x_dev), SPAN_CATEGORIES)
    model = TrainedModel(estimator=estimator, categories=list(SPAN_CATEGORIES), thresholds=thresholds)
    card = {
        "training_data": {
            "path": corpus.name,
            "sha256": _sha256(corpus),
            "train_documents": len(by_split["train"]),
            "train_sentences": len(x_train),
            "dev_documents": len(by_split["dev"]),
            "dev_sentences": len(x_dev),
            "train_spans": {c: int(n) for c, n in zip(SPAN_CATEGORIES, y_train.sum(axis=0), strict=True)},
        },
        "config": asdict(config),
        "thresholds_chosen_on": "dev",
    }
    save_model(model, output, card)
    say("evaluating on dev")
    from classifier.evaluation import evaluate_model
    from classifier.model import load

    card["dev_metrics"] = evaluate_model(load(output), by_split["dev"])
    return update_card(output, dev_metrics=card["dev_metrics"])

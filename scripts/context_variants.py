"""Compare context-model variants in cross-validation over the train and dev documents.

Reproduces the figures in ``classifier/model/context.py`` and the README:
sentence micro F1 of the sentence model alone and of each variant of the
context model, thresholds and runner-up margin chosen on each one's own
cross-validated probabilities; and the same variants' micro F1 when each
sentence is scored as a text of its own (no neighbours, a page of one
sentence), at those thresholds. The test and realstyle splits are not read.

    python scripts/context_variants.py [datasets/corpus.jsonl [LEVER,...]]

The optional second argument leaves feature families out of the sentence
model (names of ``classifier.model.training.LEVERS``), as ``classifier train
--without`` does.

About six minutes on two cores: one 4-fold cross-validation of the sentence
model (seed 0), then, per variant, a 4-fold cross-validation of the context
regressions on those probabilities, for each of two random groupings.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from sklearn.model_selection import GroupKFold

from classifier.corpus.schema import read_corpus
from classifier.model.context import (
    SHORT_SENTENCE,
    _bounded_logistic,
    _log_odds,
    document_bounds,
    fit_context,
)
from classifier.model.training import (
    LEVERS,
    THRESHOLD_FOLDS,
    TrainingConfig,
    _estimator_settings,
    _examples_by_document,
    choose_runner_up_margin,
    choose_thresholds,
    cross_validated_probabilities,
    fit_page_model,
)
from classifier.model.weights import passing
from classifier.pipeline.build import build_pipeline
from classifier.taxonomy import SPAN_CATEGORIES

C = 0.1
GROUPINGS = (7, 8)
VARIANTS = (("log-odds", "free"), ("log-odds", "bounded"), ("classifier.model.context", "bounded"))


def log_odds_layout(probabilities: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The first layout tried: neighbours' log-odds (a missing one has probability 0) and the
    page's highest and mean probability, then whether the line is short."""
    previous = np.zeros_like(probabilities)
    previous[1:] = probabilities[:-1]
    following = np.zeros_like(probabilities)
    following[:-1] = probabilities[1:]
    short = (lengths <= SHORT_SENTENCE).astype(float)[:, np.newaxis]
    page_max = np.broadcast_to(probabilities.max(axis=0), probabilities.shape)
    page_mean = np.broadcast_to(probabilities.mean(axis=0), probabilities.shape)
    before = _log_odds(previous)
    blocks = (_log_odds(probabilities), before, _log_odds(following), page_max, page_mean, short * before)
    return np.hstack([*blocks, short])


def logistic(x: np.ndarray, y: np.ndarray, bounded: bool) -> np.ndarray:
    """The context model's regression (weights, then intercept); with ``bounded``, every weight but
    the last (whether the line is short) is zero or more, as in the module."""
    free = np.ones(x.shape[1], dtype=bool)
    if bounded:
        free[:-1] = False
    weights, bias = _bounded_logistic(x, y, free, C=C)
    return np.append(weights, bias)


def flagged(truth: np.ndarray, chosen_on: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Flags of ``probabilities`` at the thresholds and margin chosen on ``chosen_on``."""
    chosen = choose_thresholds(truth, chosen_on, SPAN_CATEGORIES)
    thresholds = np.array([chosen[c] for c in SPAN_CATEGORIES])
    margin = choose_runner_up_margin(truth, chosen_on, chosen, SPAN_CATEGORIES)
    return passing(probabilities, thresholds, margin)


def f1(truth: np.ndarray, flags: np.ndarray) -> float:
    tp = int((flags & (truth == 1)).sum())
    return 2 * tp / (int(flags.sum()) + int(truth.sum()))


def main(corpus: str = "datasets/corpus.jsonl", without: str = "") -> None:
    warnings.filterwarnings("ignore", category=UserWarning)
    dropped = {name for name in without.split(",") if name}
    config = TrainingConfig(levers=tuple(name for name in LEVERS if name not in dropped))
    documents = read_corpus(corpus, splits=("train", "dev"))
    nlp = build_pipeline()
    docs = list(nlp.pipe(d.text for d in documents))
    page = fit_page_model(docs, documents)
    pages = page[1] if page is not None else None
    strings, truth, groups, lengths = _examples_by_document(docs, documents, pages, config)
    print(f"{len(documents)} documents, {len(strings)} sentences, levers {list(config.levers)}", flush=True)
    (held_out,) = cross_validated_probabilities(
        strings, truth, groups, _estimator_settings(config), repeats=1
    ) or (None,)
    if held_out is None:
        raise SystemExit("too few documents for cross-validation")
    print(f"sentence model alone: micro F1 {f1(truth, flagged(truth, held_out, held_out)):.4f}", flush=True)
    groups_array, lengths_array = np.asarray(groups), np.asarray(lengths)
    bounds = document_bounds(groups_array)
    for name, signs in VARIANTS:
        scores = [
            variant(name, signs, held_out, truth, groups_array, lengths_array, bounds, seed)
            for seed in GROUPINGS
        ]
        print(
            f"{name} inputs, {signs} signs: micro F1 "
            + ", ".join(f"{in_context:.4f}" for in_context, _ in scores)
            + "; each sentence scored on its own: "
            + ", ".join(f"{alone:.4f}" for _, alone in scores),
            flush=True,
        )


def variant(
    name: str,
    signs: str,
    held_out: np.ndarray,
    truth: np.ndarray,
    groups: np.ndarray,
    lengths: np.ndarray,
    bounds: list[tuple[int, int]],
    seed: int,
) -> tuple[float, float]:
    """Micro F1 of one variant's cross-validated probabilities, in context and with each sentence
    scored as a text of its own (at the thresholds chosen in context)."""
    rescored, alone = np.zeros_like(held_out), np.zeros_like(held_out)
    folds = GroupKFold(THRESHOLD_FOLDS, shuffle=True, random_state=seed)
    if name == "classifier.model.context":
        for fit_rows, _ in folds.split(held_out, truth, groups):
            mask = np.zeros(len(truth), dtype=bool)
            mask[fit_rows] = True
            model = fit_context([held_out], truth, lengths, groups, C=C, rows=mask)
            for start, end in bounds:
                if not mask[start]:
                    rescored[start:end] = model.predict_proba(held_out[start:end], lengths[start:end])
                    for row in range(start, end):
                        alone[row] = model.predict_proba(held_out[row : row + 1], lengths[row : row + 1])[0]
    else:
        inputs = np.vstack([log_odds_layout(held_out[s:e], lengths[s:e]) for s, e in bounds])
        lone = np.vstack(
            [log_odds_layout(held_out[i : i + 1], lengths[i : i + 1]) for i in range(len(truth))]
        )
        for fit_rows, predict_rows in folds.split(held_out, truth, groups):
            mean, scale = inputs[fit_rows].mean(axis=0), inputs[fit_rows].std(axis=0)
            scale[scale == 0] = 1.0
            x, x_alone = (inputs - mean) / scale, (lone - mean) / scale
            for category in range(truth.shape[1]):
                w = logistic(x[fit_rows], truth[fit_rows, category].astype(float), signs == "bounded")
                for source, target in ((x, rescored), (x_alone, alone)):
                    target[predict_rows, category] = 1 / (
                        1 + np.exp(-(source[predict_rows] @ w[:-1] + w[-1]))
                    )
    return f1(truth, flagged(truth, rescored, rescored)), f1(truth, flagged(truth, rescored, alone))


if __name__ == "__main__":
    main(*sys.argv[1:])

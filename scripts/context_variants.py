"""Compare context-model variants in cross-validation over the train and dev documents.

Reproduces the figures in ``classifier/model/context.py`` and the README:
sentence micro F1 of the sentence model alone and of each variant of the
context model, thresholds and runner-up margin chosen on each one's own
cross-validated probabilities. The test and realstyle splits are not read.

    python scripts/context_variants.py [datasets/corpus.jsonl [LEVER,...]]

The optional second argument leaves feature families out of the sentence
model (names of ``classifier.model.training.LEVERS``), as ``classifier train
--without`` does.

About five minutes on two cores: one 4-fold cross-validation of the sentence
model (seed 0), then, per variant, a 4-fold cross-validation of the context
regressions on those probabilities, for each of two random groupings.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from classifier.corpus.schema import read_corpus
from classifier.model.context import FLOOR, SHORT_SENTENCE, document_bounds
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


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, FLOOR, 1 - FLOOR)
    return np.log(clipped / (1 - clipped))


def shifted(values: np.ndarray, bounds: list[tuple[int, int]], step: int) -> np.ndarray:
    """Each row's previous (step 1) or next (step -1) row within its document; zero at the edges."""
    result = np.zeros_like(values)
    for start, end in bounds:
        if step == 1:
            result[start + 1 : end] = values[start : end - 1]
        else:
            result[start : end - 1] = values[start + 1 : end]
    return result


def inputs(held_out: np.ndarray, lengths: np.ndarray, bounds: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    page_max, page_mean = np.zeros_like(held_out), np.zeros_like(held_out)
    for start, end in bounds:
        page_max[start:end] = held_out[start:end].max(axis=0)
        page_mean[start:end] = held_out[start:end].mean(axis=0)
    before = log_odds(shifted(held_out, bounds, 1))
    short = (lengths <= SHORT_SENTENCE).astype(float)[:, np.newaxis]
    return {
        "own": log_odds(held_out),
        "before": before,
        "after": log_odds(shifted(held_out, bounds, -1)),
        "page_max": page_max,
        "page_mean": page_mean,
        "short": short,
        "short_before": short * before,
    }


def variant_columns(name: str, parts: dict[str, np.ndarray], category: int) -> np.ndarray:
    own, short = parts["own"], parts["short"]
    same = [parts[key][:, [category]] for key in ("before", "after", "page_max", "page_mean", "short_before")]
    if name == "classifier.model.context: own log-odds, short, short x previous":
        return np.hstack([own, short, parts["short_before"][:, [category]]])
    if name == "own category's neighbours and page":
        return np.hstack([own, *same[:4], short, same[4]])
    if name == "every category's neighbours and page":
        keys = ("own", "before", "after", "page_max", "page_mean", "short", "short_before")
        return np.hstack([parts[key] for key in keys])
    raise ValueError(name)


def micro_f1(truth: np.ndarray, probabilities: np.ndarray) -> float:
    chosen = choose_thresholds(truth, probabilities, SPAN_CATEGORIES)
    thresholds = np.array([chosen[c] for c in SPAN_CATEGORIES])
    margin = choose_runner_up_margin(truth, probabilities, chosen, SPAN_CATEGORIES)
    flagged = passing(probabilities, thresholds, margin)
    tp = int((flagged & (truth == 1)).sum())
    fp = int((flagged & (truth == 0)).sum())
    fn = int((~flagged & (truth == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn)


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
    print(f"sentence model alone: micro F1 {micro_f1(truth, held_out):.4f}", flush=True)
    groups_array = np.asarray(groups)
    bounds = document_bounds(groups_array)
    parts = inputs(held_out, np.asarray(lengths), bounds)
    for name in (
        "classifier.model.context: own log-odds, short, short x previous",
        "own category's neighbours and page",
        "every category's neighbours and page",
    ):
        scores = []
        for seed in GROUPINGS:
            rescored = np.zeros_like(held_out)
            folds = GroupKFold(THRESHOLD_FOLDS, shuffle=True, random_state=seed)
            for fit_rows, predict_rows in folds.split(held_out, truth, groups_array):
                for category in range(truth.shape[1]):
                    x = variant_columns(name, parts, category)
                    mean, scale = x[fit_rows].mean(axis=0), x[fit_rows].std(axis=0) + 1e-9
                    x = (x - mean) / scale
                    model = LogisticRegression(C=C, max_iter=3000).fit(x[fit_rows], truth[fit_rows, category])
                    rescored[predict_rows, category] = model.predict_proba(x[predict_rows])[:, 1]
            scores.append(micro_f1(truth, rescored))
        print(f"{name}: micro F1 " + ", ".join(f"{s:.4f}" for s in scores), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])

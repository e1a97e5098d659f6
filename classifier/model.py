"""The library entry point: ``load()`` a model, then ``score`` texts."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language

from classifier.errors import Errors, InputError
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.claims import REPORT_EXTENSION, SPANS_KEY, ClinicClaims
from classifier.reports import Report

__all__ = ["Model", "load"]


class Model:
    """A loaded classifier: a spaCy pipeline ending in the ``clinic_claims`` component.

    Use :func:`load` to make one. ``nlp`` is the spaCy pipeline, for spaCy users
    who want ``doc.spans["risk_flags"]`` directly.
    """

    def __init__(self, nlp: Language, *, path: str, threshold: float | None, spacy_model: str | None) -> None:
        self.nlp = nlp
        self.path = path
        self.threshold = threshold
        self.spacy_model = spacy_model

    @property
    def card(self) -> dict[str, Any]:
        """The model card: categories, thresholds, training data hash, versions, dev metrics."""
        component: ClinicClaims = self.nlp.get_pipe("clinic_claims")
        return dict(component.card)

    @property
    def spans_key(self) -> str:
        return SPANS_KEY

    def score(self, text: str) -> Report:
        """Score one text; flag offsets index into ``text`` itself."""
        _check_text(text)
        return self.nlp(text)._.get(REPORT_EXTENSION)

    def score_many(self, texts: Iterable[str], n_jobs: int = 1, batch_size: int = 32) -> Iterator[Report]:
        """Score an iterable of texts lazily, yielding Reports in input order.

        With ``n_jobs > 1`` batches are scored in that many processes, each
        holding one copy of the model; at most ``2 * n_jobs`` batches are in
        flight, so memory stays bounded on long streams.
        """
        if n_jobs < 1:
            raise InputError(f"n_jobs must be 1 or more, got {n_jobs}.")
        checked = (_check_text(text) for text in texts)
        if n_jobs == 1:
            for doc in self.nlp.pipe(checked, batch_size=batch_size):
                yield doc._.get(REPORT_EXTENSION)
            return
        yield from self._score_parallel(checked, n_jobs, batch_size)

    def _score_parallel(self, texts: Iterator[str], n_jobs: int, batch_size: int) -> Iterator[Report]:
        global _WORKER_MODEL
        _WORKER_MODEL = self
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        settings = (self.path, self.threshold, self.spacy_model)
        with ProcessPoolExecutor(
            n_jobs, mp_context=context, initializer=_start_worker, initargs=settings
        ) as pool:
            pending: deque[Future[list[Report]]] = deque()
            while True:
                while len(pending) < 2 * n_jobs:
                    batch = list(islice(texts, batch_size))
                    if not batch:
                        break
                    pending.append(pool.submit(_score_batch, batch))
                if not pending:
                    return
                yield from pending.popleft().result()


_WORKER_MODEL: Model | None = None


def _start_worker(path: str, threshold: float | None, spacy_model: str | None) -> None:
    global _WORKER_MODEL
    if _WORKER_MODEL is None:
        _WORKER_MODEL = load(path or None, threshold=threshold, spacy_model=spacy_model)


def _score_batch(texts: list[str]) -> list[Report]:
    assert _WORKER_MODEL is not None
    return list(_WORKER_MODEL.score_many(texts, n_jobs=1, batch_size=len(texts)))


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(Errors.E008.format(type=type(text).__name__))
    return text


def load(
    path: str | Path | None = None,
    *,
    threshold: float | None = None,
    spacy_model: str | None = None,
) -> Model:
    """Load a model directory (default: the model bundled with the package).

    Parameters
    ----------
    path
        A directory written by ``classifier train``.
    threshold
        One decision threshold for every category, instead of the per-category
        thresholds chosen on the dev split.
    spacy_model
        An installed spaCy pipeline (e.g. ``"en_core_web_sm"``) to preprocess
        with, instead of the built-in blank English one.
    """
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError(Errors.E013.format(value=threshold))
    nlp = build_pipeline(spacy_model)
    nlp.add_pipe("clinic_claims", config={"model": str(path or ""), "threshold": threshold})
    return Model(nlp, path=str(path or ""), threshold=threshold, spacy_model=spacy_model)

"""Ordered, bounded parallel work over chunks, one model per process."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from classifier.model import Model

__all__ = ["ordered_map"]

T = TypeVar("T")
R = TypeVar("R")

_MODEL: Model | None = None


def _start(model: Model | None, settings: tuple[str, float | None, str | None]) -> None:
    global _MODEL
    if model is not None:
        _MODEL = model
    else:
        from classifier.model import load

        path, threshold, spacy_model = settings
        _MODEL = load(path or None, threshold=threshold, spacy_model=spacy_model)


def _call(work: Callable[[Model, list[T]], list[R]], chunk: list[T]) -> list[R]:
    assert _MODEL is not None, "worker started without a model"
    return work(_MODEL, chunk)


def ordered_map(
    work: Callable[[Model, list[T]], list[R]], model: Model, chunks: Iterable[list[T]], jobs: int
) -> Iterator[R]:
    """``work(model, chunk)`` for every chunk in ``jobs`` processes, results flattened in input order.

    ``work`` must be a module-level function. Processes are forked where the
    platform allows, so they share the loaded model instead of loading it
    again; elsewhere each loads it once. At most ``2 * jobs`` chunks are in
    flight, so memory stays bounded on long streams.
    """
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    settings = (model.path, model.threshold, model.spacy_model)
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start, initargs=(model if fork else None, settings)
    ) as pool:
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_call, work, chunk))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()

"""Ordered, bounded parallel work over chunks, one model per process."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol, TypeVar

__all__ = ["Scorer", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")


class Scorer(Protocol):
    """What parallel runs need of a model: a way to load the same model again in a new process."""

    def loader(self) -> Callable[[], Scorer]:
        """A picklable function that loads this model again."""
        ...


S = TypeVar("S", bound=Scorer)
_MODEL: Scorer | None = None


def _start(model: Scorer | None, loader: Callable[[], Scorer] | None) -> None:
    global _MODEL
    if model is not None:
        _MODEL = model
    else:
        assert loader is not None, "a spawned worker needs a loader"
        _MODEL = loader()


def _call(work: Callable[[Scorer, list[T]], list[R]], chunk: list[T]) -> list[R]:
    assert _MODEL is not None, "worker started without a model"
    return work(_MODEL, chunk)


def ordered_map(
    work: Callable[[S, list[T]], list[R]], model: S, chunks: Iterable[list[T]], jobs: int
) -> Iterator[R]:
    """``work(model, chunk)`` for every chunk in ``jobs`` processes, results flattened in input order.

    ``work`` must be a module-level function. Processes are forked where the
    platform allows, so they share the loaded model instead of loading it
    again; elsewhere each loads it once. At most ``2 * jobs`` chunks are in
    flight, so memory stays bounded on long streams.
    """
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    initargs = (model, None) if fork else (None, model.loader())
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=initargs) as pool:
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_call, work, chunk))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()

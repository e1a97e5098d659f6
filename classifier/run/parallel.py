"""Ordered, bounded parallel work over chunks, one model per process.

Workers die with their parent: on Linux the kernel sends them SIGKILL when it
exits (``PR_SET_PDEATHSIG``); elsewhere a thread in each worker watches for
the parent to go. A worker that dies ends the run with a :class:`WorkerError`.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeVar

from classifier.errors import Errors, WorkerError

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


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this process when the process ``parent`` ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent ended before the request took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start(parent: int, model: Scorer | None, loader: Callable[[], Scorer] | None) -> None:
    global _MODEL
    _die_with(parent)
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

    ``work`` must be picklable (a module-level function, or a partial of one). Processes are forked where the
    platform allows, so they share the loaded model instead of loading it
    again; elsewhere each loads it once. At most ``2 * jobs`` chunks are in
    flight, so memory stays bounded on long streams.
    """
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    initargs = (os.getpid(), model, None) if fork else (os.getpid(), None, model.loader())
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=initargs) as pool:
        pending: deque[Future[list[R]]] = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_call, work, chunk))
                if len(pending) >= 2 * jobs:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        except BrokenProcessPool as error:
            raise WorkerError(Errors.E054.format(detail=error)) from error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

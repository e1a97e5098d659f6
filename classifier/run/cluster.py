"""Scoring on a Dask cluster: the same records as ``classifier score``, from many machines.

Needs the ``dask`` extra (``pip install 'classifier[dask]'``). Three ways in:

- :func:`score_bag`: a ``dask.bag`` of texts or of ``(path, text)`` pairs ->
  a bag of output records, partition by partition, in the bag's order;
- :func:`score_frame`: a text column of a Dask DataFrame -> the same;
- :func:`score_on_cluster`: discovered files -> records in input order, with a
  bounded number of tasks in flight (what ``classifier score --scheduler`` runs).

Every function is handed a *loader*, a picklable function that loads the
model (``classifier.load().loader()``, or ``functools.partial(classifier.load,
"models/x")``). Only the loader travels with the tasks; each worker process
calls it once and keeps the model (:func:`worker_model`). A worker holds one
partition of texts and its records at a time, so memory per worker is bounded
by the partition size, which the caller chooses (``batch_size`` documents for
:func:`score_on_cluster`; ``bag.repartition`` for bags and frames).

A bad input fails only its own record: a value that is not text, a file that
cannot be read, a text the model raises on, or a file whose scoring keeps
killing the workers (see :func:`score_on_cluster`) gets a record with an
``error`` and the run goes on. A worker that dies has its tasks rerun by Dask
elsewhere; each task's result is taken once, so every input has exactly one
record.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any, Literal

from classifier.errors import Errors, InputError, RunError
from classifier.extras import require
from classifier.output.rendering import record
from classifier.read.inputs import MAX_BYTES, STDIN, Discovered, InputText, read_input
from classifier.run.batch import BatchScorer

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    from distributed import Client, Future

__all__ = ["connect", "score_bag", "score_frame", "score_on_cluster", "score_partition", "worker_model"]

Loader = Callable[[], BatchScorer]
Item = Discovered | InputText
#: Where files are read: by the workers (shared storage) or by the client (shipped in batches).
ReadOn = Literal["workers", "client"]
READ_ON: tuple[ReadOn, ...] = ("workers", "client")
_PURPOSE = "Scoring on a Dask cluster"

# One model per worker process, keyed by the loader's token; a process keeps at
# most two (two models used in turn on one cluster do not reload every task).
_MODELS: OrderedDict[str, BatchScorer] = OrderedDict()
_KEEP = 2
_LOCK = threading.Lock()


def _token(loader: Loader) -> str:
    from dask.base import tokenize

    return tokenize(loader)


def worker_model(loader: Loader) -> BatchScorer:
    """The model ``loader`` loads, loaded once in this process and kept for later tasks.

    Safe to call from several threads; they share one model and take turns
    (scoring holds the GIL, so a worker scales by processes, not threads).
    """
    key = _token(loader)
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = loader()
            while len(_MODELS) > _KEEP:
                _MODELS.popitem(last=False)
        _MODELS.move_to_end(key)
        return _MODELS[key]


def _failure(item: InputText, error: Exception) -> InputText:
    detail = " ".join(str(error).split()) or "no message"
    return InputText(item.path, None, f"cannot score {item.path}: {type(error).__name__}: {detail}")


def _score(model: BatchScorer, inputs: list[InputText], keep_text: bool) -> list[dict[str, Any]]:
    """Records of ``inputs``; if the batch raises, each text is scored alone so only bad ones fail."""
    texts = [i.text for i in inputs if i.text is not None]
    try:
        with _LOCK:
            reports = iter(list(model.score_many(texts)))
        return [record(i, next(reports) if i.text is not None else None, keep_text=keep_text) for i in inputs]
    except Exception:
        records = []
        for item in inputs:
            if item.text is None:
                records.append(record(item, None))
                continue
            try:
                with _LOCK:
                    (report,) = model.score_many([item.text])
                records.append(record(item, report, keep_text=keep_text))
            except Exception as error:
                records.append(record(_failure(item, error), None))
        return records


def _prepare(item: Item, max_bytes: int) -> InputText:
    if isinstance(item, InputText):
        return item
    if item.error:
        return InputText(item.path, None, item.error)
    return read_input(item.path, max_bytes=max_bytes)


def score_partition(
    loader: Loader,
    items: Iterable[Item],
    batch_size: int = 32,
    *,
    max_bytes: int = MAX_BYTES,
    keep_text: bool = False,
) -> list[dict[str, Any]]:
    """Read (where needed) and score ``items`` in this process, ``batch_size`` at a time; one record each.

    The task every worker runs: :class:`Discovered` paths are read here (at
    most ``max_bytes`` bytes each), :class:`InputText` items are scored as
    given. ``keep_text`` adds each text to its record, for the HTML report.
    """
    model = worker_model(loader)
    records: list[dict[str, Any]] = []
    batch: list[InputText] = []
    for item in items:
        batch.append(_prepare(item, max_bytes))
        if len(batch) >= batch_size:
            records.extend(_score(model, batch, keep_text))
            batch = []
    if batch:
        records.extend(_score(model, batch, keep_text))
    return records


_UNNAMED = "<text>"


def _as_input(element: object) -> InputText:
    if isinstance(element, str):
        return InputText(_UNNAMED, element)
    if isinstance(element, tuple | list) and len(element) == 2:
        path, text = str(element[0]), element[1]
        if isinstance(text, str):
            return InputText(path, text)
        return InputText(path, None, f"cannot score {path}: {Errors.E008.format(type=type(text).__name__)}")
    return InputText(
        _UNNAMED,
        None,
        f"cannot score {type(element).__name__}: expected a text (str) or a (path, text) pair",
    )


def _score_elements(elements: Iterable[object], loader: Loader, batch_size: int) -> list[dict[str, Any]]:
    records = score_partition(loader, (_as_input(e) for e in elements), batch_size)
    for item in records:
        if item["path"] == _UNNAMED:
            item["path"] = None
    return records


def score_bag(bag: dask.bag.Bag, loader: Loader, *, batch_size: int = 32) -> dask.bag.Bag:
    """A bag of the output records of ``bag``'s texts, in the same order (lazy: ``.compute()`` it).

    Parameters
    ----------
    bag
        Elements are texts (``str``; their record's ``path`` is ``None``) or
        ``(path, text)`` pairs. Any other element, or a pair whose text is not
        a ``str``, gets a record with an ``error``.
    loader
        A picklable function that loads the model, e.g. ``model.loader()``.
    batch_size
        Texts handed to the model at a time within a partition.

    Each record is ``{"path", "risk", "flags", "error", "encoding",
    "extracted_from_html"}``, as ``classifier score`` writes it. A worker holds
    one partition at a time: repartition a bag of long texts into small
    partitions (``bag.repartition(npartitions=...)``) to bound its memory.
    """
    require("dask.bag", extra="dask", purpose=_PURPOSE)
    if batch_size < 1:
        raise InputError(f"batch_size must be 1 or more, got {batch_size}.")
    return bag.map_partitions(_score_elements, loader, batch_size)


def score_frame(
    frame: dask.dataframe.DataFrame,
    loader: Loader,
    column: str = "text",
    *,
    path_column: str | None = None,
    batch_size: int = 32,
) -> dask.bag.Bag:
    """A bag of the output records of a Dask DataFrame's text ``column``, in row order.

    Each record's ``path`` is the row's ``path_column`` value, or its index
    (as a string) when ``path_column`` is None. A missing or non-text value
    fails only its own record. Partitions are the frame's: repartition
    (``frame.repartition(partition_size="16MB")``) to bound a worker's memory.
    """
    require("dask.dataframe", extra="dask", purpose=_PURPOSE)
    for name in (column, path_column):
        if name is not None and name not in frame.columns:
            raise InputError(
                f"The frame has no column '{name}'. Expected one of: {', '.join(map(str, frame.columns))}."
            )
    if path_column is None:
        pairs = frame[column].to_bag(index=True)
    else:
        pairs = frame[[path_column, column]].to_bag(index=False)
    return score_bag(pairs, loader, batch_size=batch_size)


def connect(address: str, *, timeout: float = 10.0, worker_timeout: float = 60.0) -> Client:
    """A client of the scheduler at ``address`` that has at least one worker, or InputError saying why not.

    ``address`` is a scheduler address (``tcp://host:8786``) or the JSON file
    that ``dask scheduler --scheduler-file FILE`` writes. The scheduler must
    answer within ``timeout`` seconds and have a worker within ``worker_timeout``.
    """
    distributed = require("distributed", extra="dask", purpose=_PURPOSE)
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    file = address.endswith(".json") and os.path.isfile(address)
    try:
        if not address.strip():
            raise ValueError("the address is empty")
        if not file:
            get_backend(parse_address(address)[0])
        client = distributed.Client(
            None if file else address,
            scheduler_file=address if file else None,
            timeout=timeout,
            set_as_default=False,
        )
    except (OSError, TimeoutError, ValueError, TypeError, KeyError) as error:
        detail = " ".join(str(error).split()) or type(error).__name__
        raise InputError(Errors.E061.format(address=address, detail=detail)) from error
    try:
        client.wait_for_workers(1, timeout=worker_timeout)
    except (OSError, TimeoutError) as error:
        client.close()
        detail = f"no worker joined it within {worker_timeout:g} s"
        raise InputError(Errors.E061.format(address=address, detail=detail)) from error
    return client


def _isolate(
    client: Client, loader: Loader, chunk: list[Item], options: dict[str, Any]
) -> list[dict[str, Any]]:
    """Score a chunk whose task kept killing workers one item per task; an item that still does fails."""
    from distributed import KilledWorker

    futures = [client.submit(score_partition, loader, [item], pure=False, **options) for item in chunk]
    records: list[dict[str, Any]] = []
    for item, future in zip(chunk, futures, strict=True):
        try:
            records.extend(future.result())
        except KilledWorker:
            path = item.path
            records.append(
                record(
                    InputText(path, None, f"cannot score {path}: it stopped every worker that scored it"),
                    None,
                )
            )
    return records


def score_on_cluster(
    client: Client,
    loader: Loader,
    items: Sequence[Discovered],
    *,
    read_on: ReadOn = "workers",
    batch_size: int = 32,
    in_flight: int | None = None,
    max_bytes: int = MAX_BYTES,
    keep_text: bool = False,
) -> Iterator[dict[str, Any]]:
    """One output record per item, in the order given, scored by the workers of ``client``.

    Parameters
    ----------
    client
        A ``distributed.Client`` (see :func:`connect`).
    loader
        A picklable function that loads the model; each worker calls it once.
    items
        Inputs from :func:`classifier.read.inputs.discover`.
    read_on
        ``"workers"``: each worker reads its own files, so every path must be
        readable under the same name on every worker (shared storage); a path
        a worker cannot read gets an error record. ``"client"``: this process
        reads and decodes the files (and extracts HTML text) and ships the
        texts. Standard input (``-``) is always read here.
    batch_size
        Inputs per task (and per model call).
    in_flight
        Tasks submitted ahead of the one being written; default twice the
        cluster's worker threads, at least 4. Memory on the client and the
        scheduler stays bounded by it on any number of inputs.
    max_bytes, keep_text
        As for :func:`classifier.run.batch.score_inputs`.

    A worker that dies has its tasks rerun by Dask on the others. A task that
    kills every worker it runs on (Dask gives up after
    ``distributed.scheduler.allowed-failures`` tries) is split into one task
    per input, and only an input that still kills its worker fails, with an
    error record. A cluster that stops answering (the scheduler gone) ends
    the run with a :class:`~classifier.errors.RunError`.
    """
    from distributed import KilledWorker

    if read_on not in READ_ON:
        raise InputError(f"read_on must be one of {', '.join(READ_ON)}, got {read_on!r}.")
    if batch_size < 1:
        raise InputError(f"batch_size must be 1 or more, got {batch_size}.")
    window = in_flight or max(4, 2 * sum(client.nthreads().values()))
    options = {"batch_size": batch_size, "max_bytes": max_bytes, "keep_text": keep_text}

    def prepared(chunk: Sequence[Discovered]) -> list[Item]:
        return [
            _prepare(item, max_bytes)
            if read_on == "client" or (item.path == STDIN and not item.error)
            else item
            for item in chunk
        ]

    pending: deque[tuple[list[Item], Future]] = deque()

    def take() -> list[dict[str, Any]]:
        chunk, future = pending.popleft()
        try:
            return future.result()
        except KilledWorker:
            return _isolate(client, loader, chunk, options)
        except (OSError, TimeoutError, CancelledError) as error:
            detail = " ".join(str(error).split()) or type(error).__name__
            raise RunError(Errors.E062.format(detail=detail)) from error

    try:
        for start in range(0, len(items), batch_size):
            chunk = prepared(items[start : start + batch_size])
            pending.append((chunk, client.submit(score_partition, loader, chunk, pure=False, **options)))
            if len(pending) >= window:
                yield from take()
        while pending:
            yield from take()
    finally:
        for _, future in pending:
            future.cancel()

"""Batch scoring: discovered inputs -> records, in input order, in one or more processes.

Workers read, decode and score their own inputs, so both cores share the
I/O and HTML extraction as well as the model; each process holds one model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from classifier.flags.report import Report
from classifier.output.rendering import record
from classifier.read.inputs import MAX_BYTES, STDIN, Discovered, InputText, read_input
from classifier.run.parallel import ordered_map

__all__ = ["BatchScorer", "Summary", "score_inputs"]

Item = Discovered | InputText


class BatchScorer(Protocol):
    """What a batch run needs of a model (``classifier.Model`` is one)."""

    def score_many(self, texts: Iterable[str]) -> Iterator[Report]: ...

    def loader(self) -> Callable[[], BatchScorer]: ...


@dataclass
class Summary:
    """What a batch run did."""

    inputs: int = 0
    errors: int = 0
    flagged: int = 0
    categories: Counter[str] = field(default_factory=Counter)

    def add(self, item: dict[str, Any]) -> None:
        self.inputs += 1
        if item["error"]:
            self.errors += 1
        elif item["flags"]:
            self.flagged += 1
            self.categories.update({f["category"] for f in item["flags"]})

    def line(self) -> str:
        text = (
            f"scored {self.inputs - self.errors} of {self.inputs} input(s); "
            f"{self.flagged} flagged; {self.errors} error(s)"
        )
        if self.categories:
            text += "; documents per category: " + ", ".join(
                f"{name} {count}" for name, count in sorted(self.categories.items())
            )
        return text


def _records(
    model: BatchScorer, items: list[Item], *, max_bytes: int = MAX_BYTES, keep_text: bool = False
) -> list[dict[str, Any]]:
    inputs = [
        item
        if isinstance(item, InputText)
        else InputText(item.path, None, item.error)
        if item.error
        else read_input(item.path, max_bytes=max_bytes)
        for item in items
    ]
    reports = iter(model.score_many([i.text for i in inputs if i.text is not None]))
    return [record(i, next(reports) if i.text is not None else None, keep_text=keep_text) for i in inputs]


def score_inputs(
    model: BatchScorer,
    items: Sequence[Discovered],
    *,
    jobs: int = 1,
    chunk_size: int = 32,
    max_bytes: int = MAX_BYTES,
    keep_text: bool = False,
) -> Iterator[dict[str, Any]]:
    """One output record per item, in the order given, scored in ``jobs`` processes.

    Inputs over ``max_bytes`` bytes, and anything but regular files, get an error record.
    ``keep_text`` adds each input's text (bounded) to its record, for the HTML report.
    """
    prepared: list[Item] = [
        read_input(STDIN, max_bytes=max_bytes) if d.path == STDIN and not d.error else d for d in items
    ]
    chunks = (prepared[i : i + chunk_size] for i in range(0, len(prepared), chunk_size))
    work = partial(_records, max_bytes=max_bytes, keep_text=keep_text)
    if jobs == 1:
        for chunk in chunks:
            yield from work(model, chunk)
        return
    yield from ordered_map(work, model, chunks, jobs)

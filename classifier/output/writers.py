"""Output files for batch runs: streamed, resumable, never half-written.

JSON Lines, CSV and text are appended one whole record at a time. HTML is a
single page, so its records go to a hidden JSON Lines file next to it while
the run lasts; the page is written (atomically) when the run completes.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from pathlib import Path
from typing import IO, Any

from classifier.errors import InputError
from classifier.files import write_atomic
from classifier.output.rendering import Writer, make_writer, render_html

__all__ = ["Output", "partial_path"]


def partial_path(output: Path) -> Path:
    """Where an HTML run keeps its records until the page is written."""
    return output.with_name(f".{output.name}.partial.jsonl")


def _complete_part(path: Path, end: bytes) -> bytes:
    """The file's bytes up to its last complete record (a torn tail is cut off the file)."""
    data = path.read_bytes()
    cut = data.rfind(end)
    keep = data[: cut + len(end)] if cut >= 0 else b""
    if len(keep) != len(data):
        with path.open("r+b") as handle:
            handle.truncate(len(keep))
    return keep


def _done(path: Path, name: str) -> Counter[str]:
    """How many times each path already has a record in an earlier run's output."""
    if name in ("jsonl", "html"):
        done: Counter[str] = Counter()
        # Records end at "\n" only: str.splitlines would also cut at U+2028, U+0085... inside a text.
        lines = _complete_part(path, b"\n").decode("utf-8").split("\n")[:-1]
        for number, line in enumerate(lines, 1):
            try:
                done[json.loads(line)["path"]] += 1
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise InputError(
                    f"Cannot resume: line {number} of '{path}' is not an output record ({error}). "
                    "Remove the file to start again."
                ) from error
        return done
    if name == "csv":
        rows = csv.DictReader(io.StringIO(_complete_part(path, b"\n").decode("utf-8")))
        done, previous = Counter(), None
        for row in rows:
            if row["path"] != previous or not row["category"]:
                done[row["path"]] += 1
            previous = row["path"] if row["category"] else None
        return done
    text = _complete_part(path, b"\n\n").decode("utf-8")
    return Counter(line[3:] for line in text.splitlines() if line.startswith("== "))


class Output:
    """Where records go: standard output or a file, optionally resuming an earlier run."""

    def __init__(self, path: Path | None, name: str, *, resume: bool = False) -> None:
        if resume and path is None:
            raise InputError("--resume needs an output file (-o OUT) written by an earlier run.")
        self.path = path
        self.name = name
        self.done: Counter[str] = Counter()
        target = partial_path(path) if path is not None and name == "html" else path
        self.target = target
        if target is None:
            self.stream: IO[bytes] = sys.stdout.buffer
            self.writer: Writer = make_writer("jsonl" if name == "html" else name, self.stream)
            self.collected: list[dict[str, Any]] | None = [] if name == "html" else None
            return
        self.collected = None
        target.parent.mkdir(parents=True, exist_ok=True)
        appending = resume and target.is_file()
        if appending:
            self.done = _done(target, name)
        self.stream = target.open("ab" if appending else "wb", buffering=0)
        self.writer = make_writer("jsonl" if name == "html" else name, self.stream, header=not appending)

    def write(self, item: dict[str, Any]) -> None:
        if self.collected is not None:
            self.collected.append(item)
        else:
            self.writer.write(item)

    def close(self, *, complete: bool) -> None:
        """Flush and close; a complete HTML run turns its records into the page."""
        self.writer.close()
        if self.target is None:
            if self.collected is not None and complete:
                sys.stdout.write(render_html(self.collected))
            return
        self.stream.close()
        if self.name == "html" and complete and self.path is not None:
            with self.target.open(encoding="utf-8") as lines:
                page = render_html(json.loads(line) for line in lines)
            write_atomic(self.path, page.encode("utf-8"))
            self.target.unlink()

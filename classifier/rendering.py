"""Rendering reports: JSON Lines, CSV and a plain-text report.

A flag is data; this module is the only place that turns it into output.
"""

from __future__ import annotations

import csv
import json
import textwrap
from typing import IO, Any, Protocol

from classifier.errors import Errors, InputError
from classifier.reports import Report

__all__ = ["FORMATS", "Writer", "make_writer", "record"]

FORMATS = ("jsonl", "csv", "text")
_CSV_COLUMNS = (
    "path",
    "risk",
    "error",
    "category",
    "severity",
    "score",
    "start",
    "end",
    "text",
    "sentence",
    "explanation",
    "evidence",
    "suggestion",
)


def record(path: str, report: Report | None, error: str | None = None) -> dict[str, Any]:
    """The output record of one input: ``{"path", "risk", "flags", "error"}``."""
    if report is None:
        return {"path": path, "risk": None, "flags": [], "error": error}
    return {"path": path, "risk": report.risk, "flags": [f.to_dict() for f in report.flags], "error": error}


class Writer(Protocol):
    def write(self, item: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, item: dict[str, Any]) -> None:
        self.stream.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class CsvWriter:
    """One row per flag; an input without flags (or with an error) gets one row with empty flag columns."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.writer = csv.DictWriter(stream, fieldnames=_CSV_COLUMNS)
        self.writer.writeheader()

    def write(self, item: dict[str, Any]) -> None:
        base = {"path": item["path"], "risk": item["risk"], "error": item["error"] or ""}
        if not item["flags"]:
            self.writer.writerow(base)
        for flag in item["flags"]:
            row = {**base, **{k: flag[k] for k in _CSV_COLUMNS if k in flag}}
            row["evidence"] = "; ".join(flag["evidence"])
            self.writer.writerow(row)
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class TextWriter:
    """A readable report: each document's risk, then each flag with its explanation."""

    def __init__(self, stream: IO[str], width: int = 100) -> None:
        self.stream = stream
        self.width = width

    def _wrap(self, text: str, indent: str) -> str:
        return textwrap.fill(text, self.width, initial_indent=indent, subsequent_indent=indent)

    def write(self, item: dict[str, Any]) -> None:
        lines = [f"== {item['path']}"]
        if item["error"]:
            lines.append(f"   ERROR: {item['error']}")
        else:
            lines.append(f"   risk {item['risk']:.2f}, {len(item['flags'])} flag(s)")
        for flag in item["flags"]:
            where = f'"{flag["text"]}"' if flag["text"] else "(whole document)"
            lines.append(f"   - {flag['category']} [{flag['severity']}, score {flag['score']:.2f}] {where}")
            if flag["sentence"]:
                lines.append(self._wrap(f"in: {flag['sentence']}", "       "))
            lines.append(self._wrap(f"why: {flag['explanation']}", "       "))
            lines.append(self._wrap(f"instead: {flag['suggestion']}", "       "))
        self.stream.write("\n".join(lines) + "\n\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


def make_writer(name: str, stream: IO[str]) -> Writer:
    """The writer for format ``name`` (one of :data:`FORMATS`)."""
    writers = {"jsonl": JsonlWriter, "csv": CsvWriter, "text": TextWriter}
    if name not in writers:
        raise InputError(Errors.E012.format(name=name, allowed=", ".join(FORMATS)))
    return writers[name](stream)

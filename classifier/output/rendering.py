"""Rendering records: JSON Lines, CSV and a plain-text report (the HTML report is in ``html_report``).

A flag is data; this module and ``html_report`` are the only places that turn it into output.
Every writer emits each record whole, with one write to an unbuffered file,
so a run that is stopped leaves only complete records behind.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from typing import IO, Any

from classifier.errors import Errors, InputError
from classifier.flags.report import Report
from classifier.output.html_report import document_passages, render_html
from classifier.read.inputs import InputText

__all__ = ["FORMATS", "Writer", "make_writer", "record", "render_html"]

FORMATS = ("jsonl", "csv", "text", "html")
CSV_COLUMNS = (
    "path",
    "risk",
    "error",
    "encoding",
    "extracted_from_html",
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


def record(item: InputText, report: Report | None, *, keep_text: bool = False) -> dict[str, Any]:
    """The output record of one input.

    ``{"path", "risk", "flags", "error", "encoding", "extracted_from_html"}``;
    when ``extracted_from_html`` is true, offsets refer to the extracted text.
    ``keep_text`` adds ``"document"``, the text the HTML report shows
    (:func:`~classifier.output.html_report.document_passages`); no other format has it.
    """
    flags = [f.to_dict() for f in report.flags] if report is not None else []
    result = {
        "path": item.path,
        "risk": report.risk if report is not None else None,
        "flags": flags,
        "error": item.error,
        "encoding": item.encoding,
        "extracted_from_html": item.extracted_from_html,
    }
    if keep_text and item.text is not None:
        result["document"] = document_passages(item.text, flags)
    return result


class Writer:
    """Base writer: ``write`` one record, ``close`` at the end. ``stream`` is binary."""

    def __init__(self, stream: IO[bytes], *, header: bool = True) -> None:
        self.stream = stream

    def render(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    def write(self, item: dict[str, Any]) -> None:
        data = self.render(item).encode("utf-8")
        view = memoryview(data)
        while view:
            written = self.stream.write(view)
            view = view[written if written is not None else len(view) :]
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class JsonlWriter(Writer):
    def render(self, item: dict[str, Any]) -> str:
        return json.dumps(item, ensure_ascii=False) + "\n"


class CsvWriter(Writer):
    """One row per flag; an input without flags (or with an error) gets one row with empty flag columns."""

    def __init__(self, stream: IO[bytes], *, header: bool = True) -> None:
        super().__init__(stream)
        if header:
            buffer = io.StringIO()
            csv.writer(buffer).writerow(CSV_COLUMNS)
            stream.write(buffer.getvalue().encode("utf-8"))

    def render(self, item: dict[str, Any]) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        base = {k: item[k] for k in ("path", "risk", "encoding", "extracted_from_html")}
        base["error"] = item["error"] or ""
        if not item["flags"]:
            writer.writerow(base)
        for flag in item["flags"]:
            writer.writerow(
                {
                    **base,
                    **{k: flag[k] for k in CSV_COLUMNS if k in flag},
                    "evidence": "; ".join(flag["evidence"]),
                }
            )
        return buffer.getvalue()


class TextWriter(Writer):
    """A readable report: each document's risk, then each flag with its explanation.

    A flag's severity (its category's) and its confidence (the model's calibrated
    probability) are shown apart: "high-severity category · confidence 0.62".
    """

    width = 100

    def _wrap(self, text: str, indent: str) -> str:
        return textwrap.fill(text, self.width, initial_indent=indent, subsequent_indent=indent)

    def render(self, item: dict[str, Any]) -> str:
        lines = [f"== {item['path']}"]
        if item["error"]:
            lines.append(f"   ERROR: {item['error']}")
        else:
            source = ", text extracted from HTML" if item["extracted_from_html"] else ""
            lines.append(f"   risk {item['risk']:.2f}, {len(item['flags'])} flag(s){source}")
        for flag in item["flags"]:
            where = f'"{flag["text"]}"' if flag["text"] else "(whole document)"
            lines.append(
                f"   - {flag['category']} · {flag['severity']}-severity category · "
                f"confidence {flag['score']:.2f}: {where}"
            )
            if flag["sentence"]:
                lines.append(self._wrap(f"in: {flag['sentence']}", "       "))
            lines.append(self._wrap(f"why: {flag['explanation']}", "       "))
            lines.append(self._wrap(f"instead: {flag['suggestion']}", "       "))
        return "\n".join(lines) + "\n\n"


def make_writer(name: str, stream: IO[bytes], *, header: bool = True) -> Writer:
    """The streaming writer for ``name`` (jsonl, csv or text); ``header=False`` when appending."""
    writers: dict[str, type[Writer]] = {"jsonl": JsonlWriter, "csv": CsvWriter, "text": TextWriter}
    if name not in writers:
        raise InputError(Errors.E012.format(name=name, allowed=", ".join(FORMATS)))
    return writers[name](stream, header=header)

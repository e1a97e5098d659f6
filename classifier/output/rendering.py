"""Rendering records: JSON Lines, CSV and a plain-text report (the HTML report is in ``html_report``).

A flag is data; this module and ``html_report`` are the only places that turn it into output.
Every writer emits each record whole, with one write to an unbuffered file,
so a run that is stopped leaves only complete records behind. No text from
an input can break a record or act on its reader: JSON escapes every line
separator, CSV cells that a spreadsheet would run as a formula get a leading
apostrophe, and the text report escapes control characters.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from typing import Any, Protocol

from classifier.errors import Errors, InputError
from classifier.flags.report import Report
from classifier.output.html_report import document_passages, render_html
from classifier.read.inputs import InputText, display_path

__all__ = [
    "FORMATS",
    "Sink",
    "Writer",
    "dumps_record",
    "make_writer",
    "neutralise_cell",
    "printable",
    "record",
    "render_html",
]

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


#: Characters escaped in the text report: C0 and C1 controls (ESC among them), DEL,
#: line and paragraph separators, and the bidirectional controls that reorder what is shown.
_OTHER_CONTROLS = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_UNPRINTABLE = {
    True: re.compile(f"[\x00-\x1f{_OTHER_CONTROLS}]"),
    False: re.compile(f"[\x00-\x08\x0b-\x1f{_OTHER_CONTROLS}]"),
}
#: JSON leaves these raw inside strings, but many line readers (``str.splitlines``) end a line at them.
_JSON_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")
#: A spreadsheet runs a cell that begins with one of these as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str, *, single_line: bool = True) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\u202e``).

    ``single_line=False`` keeps line breaks and tabs.
    """
    return _UNPRINTABLE[single_line].sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def neutralise_cell(value: object) -> object:
    """A CSV cell that cannot run as a formula: text beginning with ``= + - @``, a tab or a
    carriage return gets a leading apostrophe; other values are returned as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def dumps_record(item: dict[str, Any]) -> str:
    """One JSON Lines record: a single line whatever the text holds (U+2028, U+0085 escaped)."""
    line = json.dumps(item, ensure_ascii=False)
    return _JSON_LINE_BREAKS.sub(lambda m: f"\\u{ord(m[0]):04x}", line)


def record(item: InputText, report: Report | None, *, keep_text: bool = False) -> dict[str, Any]:
    """The output record of one input.

    ``{"path", "risk", "flags", "error", "encoding", "extracted_from_html", "html_extractor"}``;
    when ``extracted_from_html`` is true, offsets refer to the extracted text and
    ``html_extractor`` names the extractor that gave it (else it is null).
    File name bytes that are not UTF-8 show as U+FFFD in ``path`` and ``error``.
    ``keep_text`` adds ``"document"``, the text the HTML report shows
    (:func:`~classifier.output.html_report.document_passages`); no other format has it.
    """
    flags = [f.to_dict() for f in report.flags] if report is not None else []
    result = {
        "path": display_path(item.path),
        "risk": report.risk if report is not None else None,
        "flags": flags,
        "error": display_path(item.error) if item.error else item.error,
        "encoding": item.encoding,
        "extracted_from_html": item.extracted_from_html,
        "html_extractor": item.html_extractor,
    }
    if keep_text and item.text is not None:
        result["document"] = document_passages(item.text, flags)
    return result


class Sink(Protocol):
    """A binary stream a writer writes to: a raw file or standard output."""

    def write(self, data: bytes | memoryview, /) -> int | None: ...

    def flush(self) -> None: ...


class Writer:
    """Base writer: ``write`` one record, ``close`` at the end. ``stream`` is binary."""

    def __init__(self, stream: Sink, *, header: bool = True) -> None:
        self.stream = stream

    @staticmethod
    def key(path: str) -> str:
        """How ``path`` (as found) appears in this writer's output, to recognise records read back."""
        return display_path(path)

    def render(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    def write(self, item: dict[str, Any]) -> None:
        data = self.render(item).encode("utf-8", errors="replace")
        view = memoryview(data)
        while view:
            written = self.stream.write(view)
            view = view[written if written is not None else len(view) :]
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class JsonlWriter(Writer):
    def render(self, item: dict[str, Any]) -> str:
        return dumps_record(item) + "\n"


class CsvWriter(Writer):
    """One row per flag; an input without flags (or with an error) gets one row with empty flag columns.

    Cells that a spreadsheet would run as a formula get a leading apostrophe.
    """

    def __init__(self, stream: Sink, *, header: bool = True) -> None:
        super().__init__(stream)
        if header:
            buffer = io.StringIO()
            csv.writer(buffer).writerow(CSV_COLUMNS)
            stream.write(buffer.getvalue().encode("utf-8"))

    @staticmethod
    def key(path: str) -> str:
        return str(neutralise_cell(display_path(path)))

    @staticmethod
    def _row(base: dict[str, Any], flag: dict[str, Any]) -> dict[str, Any]:
        row = {**base, **{k: flag[k] for k in CSV_COLUMNS if k in flag}}
        row["evidence"] = "; ".join(flag["evidence"])
        return row

    def render(self, item: dict[str, Any]) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        base = {k: item[k] for k in ("path", "risk", "encoding", "extracted_from_html")}
        base["error"] = item["error"] or ""
        for row in [self._row(base, flag) for flag in item["flags"]] or [base]:
            writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
        return buffer.getvalue()


class TextWriter(Writer):
    """A readable report: each document's risk, then each flag with its explanation.

    A flag's severity (its category's) and its confidence (the model's calibrated
    probability) are shown apart: "high-severity category · confidence 0.62".
    Control characters from the inputs (terminal escapes among them) are shown
    as escapes, so the report is safe to print to a terminal; each record ends
    with a blank line and starts with ``== PATH``, the only line that does.
    """

    width = 100

    @staticmethod
    def key(path: str) -> str:
        return printable(display_path(path))

    def _wrap(self, text: str, indent: str) -> str:
        return textwrap.fill(
            printable(text, single_line=False), self.width, initial_indent=indent, subsequent_indent=indent
        )

    def render(self, item: dict[str, Any]) -> str:
        lines = [f"== {printable(item['path'])}"]
        if item["error"]:
            lines.append(f"   ERROR: {printable(item['error'])}")
        else:
            source = ", text extracted from HTML" if item["extracted_from_html"] else ""
            lines.append(f"   risk {item['risk']:.2f}, {len(item['flags'])} flag(s){source}")
        for flag in item["flags"]:
            where = f'"{printable(flag["text"])}"' if flag["text"] else "(whole document)"
            lines.append(
                f"   - {flag['category']} · {flag['severity']}-severity category · "
                f"confidence {flag['score']:.2f}: {where}"
            )
            if flag["sentence"]:
                lines.append(self._wrap(f"in: {flag['sentence']}", "       "))
            lines.append(self._wrap(f"why: {flag['explanation']}", "       "))
            lines.append(self._wrap(f"instead: {flag['suggestion']}", "       "))
        return "\n".join(lines) + "\n\n"


def make_writer(name: str, stream: Sink, *, header: bool = True) -> Writer:
    """The streaming writer for ``name`` (jsonl, csv or text); ``header=False`` when appending."""
    writers: dict[str, type[Writer]] = {"jsonl": JsonlWriter, "csv": CsvWriter, "text": TextWriter}
    if name not in writers:
        raise InputError(Errors.E012.format(name=name, allowed=", ".join(FORMATS)))
    return writers[name](stream, header=header)

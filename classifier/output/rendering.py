"""Rendering records: JSON Lines, CSV, a plain-text report and an HTML report.

A flag is data; this module is the only place that turns it into output.
Every writer emits each record whole, with one write to an unbuffered file,
so a run that is stopped leaves only complete records behind.
"""

from __future__ import annotations

import csv
import html
import io
import json
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import IO, Any

from classifier.errors import Errors, InputError
from classifier.flags.report import Report
from classifier.read.inputs import InputText
from classifier.taxonomy import all_categories

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


def record(item: InputText, report: Report | None) -> dict[str, Any]:
    """The output record of one input.

    ``{"path", "risk", "flags", "error", "encoding", "extracted_from_html", "html_extractor"}``;
    when ``extracted_from_html`` is true, offsets refer to the extracted text and
    ``html_extractor`` names the extractor that gave it (else it is null).
    """
    return {
        "path": item.path,
        "risk": report.risk if report is not None else None,
        "flags": [f.to_dict() for f in report.flags] if report is not None else [],
        "error": item.error,
        "encoding": item.encoding,
        "extracted_from_html": item.extracted_from_html,
        "html_extractor": item.html_extractor,
    }


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
    """A readable report: each document's risk, then each flag with its explanation."""

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
            lines.append(f"   - {flag['category']} [{flag['severity']}, score {flag['score']:.2f}] {where}")
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


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;line-height:1.45}
h1{font-size:1.5rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.doc{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.doc summary{cursor:pointer;font-weight:600}
.risk{display:inline-block;min-width:3.5rem;padding:0 .4rem;border-radius:4px;color:#fff}
.flag{margin:.6rem 0 .6rem 1rem;padding-left:.6rem;border-left:4px solid #bbb}.high{border-color:#c62828}
.medium{border-color:#ef6c00}.low{border-color:#9e9d24}mark{background:#ffe082;padding:0 .1rem}
.cat{font-family:monospace;font-weight:600}.why,.instead{margin:.2rem 0;font-size:.92rem}.error{color:#b71c1c}
.muted{color:#666;font-size:.9rem}
"""


def _risk_badge(risk: float | None) -> str:
    if risk is None:
        return '<span class="risk" style="background:#777">n/a</span>'
    hue = int(120 * (1 - risk))
    return f'<span class="risk" style="background:hsl({hue},65%,38%)">{risk:.2f}</span>'


def _highlight(flag: dict[str, Any]) -> str:
    sentence, phrase = flag["sentence"], flag["text"]
    position = sentence.find(phrase) if phrase else -1
    if position < 0:
        return html.escape(sentence)
    return (
        html.escape(sentence[:position])
        + f'<mark title="{html.escape(flag["category"])}">'
        + html.escape(phrase)
        + "</mark>"
        + html.escape(sentence[position + len(phrase) :])
    )


def render_html(records: Iterable[dict[str, Any]], *, title: str = "Clinic claims report") -> str:
    """A self-contained HTML report (no external assets): per-category summary,
    then every document, riskiest first, with its flagged phrases highlighted."""
    items = sorted(records, key=lambda r: (-(r["risk"] or 0.0), r["path"]))
    flags_per = Counter(f["category"] for r in items for f in r["flags"])
    docs_per = Counter(c for r in items for c in {f["category"] for f in r["flags"]})
    errors = sum(1 for r in items if r["error"])
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="muted">{len(items)} input(s), {sum(1 for r in items if r["flags"])} flagged, '
        f"{errors} could not be read.</p>",
        "<h2>Categories</h2><table><tr><th>category</th><th>severity</th><th>flags</th><th>documents</th>"
        "<th>definition</th></tr>",
    ]
    for category in all_categories().values():
        out.append(
            f'<tr><td class="cat">{category.id}</td><td>{category.severity}</td>'
            f"<td>{flags_per[category.id]}</td><td>{docs_per[category.id]}</td>"
            f"<td>{html.escape(category.definition)}</td></tr>"
        )
    out.append("</table><h2>Documents, riskiest first</h2>")
    for item in items:
        out.append(
            f'<details class="doc"{" open" if item["flags"] else ""}><summary>'
            f"{_risk_badge(item['risk'])} {html.escape(item['path'])} "
            f'<span class="muted">({len(item["flags"])} flag(s))</span></summary>'
        )
        if item["error"]:
            out.append(f'<p class="error">{html.escape(item["error"])}</p>')
        if item.get("extracted_from_html"):
            out.append('<p class="muted">Text extracted from HTML; offsets refer to the extracted text.</p>')
        for flag in item["flags"]:
            body = _highlight(flag) if flag["sentence"] else "<em>whole document</em>"
            out.append(
                f'<div class="flag {flag["severity"]}"><div><span class="cat">{flag["category"]}</span> '
                f'<span class="muted">{flag["severity"]}, score {flag["score"]:.2f}, '
                f"characters {flag['start']}-{flag['end']}</span></div><div>{body}</div>"
                f'<p class="why">{html.escape(flag["explanation"])}</p>'
                f'<p class="instead"><strong>Instead:</strong> {html.escape(flag["suggestion"])}</p></div>'
            )
        out.append("</details>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"

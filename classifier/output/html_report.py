"""The HTML report: one self-contained page for working through a batch.

Each document is shown in full with its flags highlighted in place (offsets
into the text that was scored: for HTML inputs, the extracted text).
Document-level flags are banners on their document. A side pane holds the
filters (category, severity, minimum confidence), the category table (each
category links to, and filters to, its flags), the details of the selected
flag and the keys. Everything taken from inputs is escaped; the page loads
nothing (a Content-Security-Policy allows only its own inline script and style).

The text reaches the page inside each record as ``record["document"]``
(:func:`document_passages`), only for HTML runs: the whole text when it is at
most :data:`DOCUMENT_TEXT_LIMIT` characters, otherwise the passages around its
flags. :func:`render_html` also stops showing text once the page holds
:data:`PAGE_TEXT_LIMIT` characters; later documents show their flags as a list.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from classifier.taxonomy import all_categories

__all__ = ["DOCUMENT_TEXT_LIMIT", "PAGE_TEXT_LIMIT", "document_passages", "render_html"]

#: Documents longer than this are shown as the passages around their flags.
DOCUMENT_TEXT_LIMIT = 100_000
#: Characters of document text one page shows at most; later documents list their flags.
PAGE_TEXT_LIMIT = 10_000_000
#: Characters shown either side of a flag in a long document.
CONTEXT = 300

SEVERITIES = ("high", "medium", "low")

# C0 and C1 control characters (except tab, newline, carriage return) become
# visible stand-ins, one character for one, so offsets into the text still hold.
_VISIBLE = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)}
_VISIBLE.update({0x7F: 0x2421, **{code: 0xFFFD for code in range(0x80, 0xA0)}})


_CONTROL = re.compile("[" + "".join(re.escape(chr(code)) for code in _VISIBLE) + "]")


def _esc(value: object) -> str:
    """``value`` as HTML text or attribute value: escaped, control characters made visible."""
    text = _CONTROL.sub(lambda found: chr(_VISIBLE[ord(found.group())]), str(value))
    return html.escape(text, quote=True)


def document_passages(
    text: str, flags: list[dict[str, Any]], *, limit: int = DOCUMENT_TEXT_LIMIT, context: int = CONTEXT
) -> dict[str, Any]:
    """The part of ``text`` the report shows: ``{"length", "passages": [[start, text], ...]}``.

    The whole text when it is at most ``limit`` characters; otherwise the
    passages of ``context`` characters around each flag, merged where they
    meet, in order, until they hold ``limit`` characters.
    """
    if len(text) <= limit:
        return {"length": len(text), "passages": [[0, text]]}
    windows: list[list[int]] = []
    for flag in sorted((f for f in flags if f["end"] > f["start"]), key=lambda f: f["start"]):
        start, end = max(0, flag["start"] - context), min(len(text), flag["end"] + context)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    passages, kept = [], 0
    for start, end in windows:
        end = min(end, start + limit - kept)
        if end <= start:
            break
        passages.append([start, text[start:end]])
        kept += end - start
    return {"length": len(text), "passages": passages}


_NOSCRIPT = "<noscript><style>.infos{display:block}.infos .info{margin:.4rem 0}</style></noscript>"


@cache
def _assets() -> tuple[str, str, str]:
    """The page's style, its script, and a Content-Security-Policy that lets only that script run."""
    data = files("classifier.data")
    style = data.joinpath("report.css").read_text(encoding="utf-8")
    script = data.joinpath("report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    return style, script, policy


def _severity(flag: dict[str, Any]) -> str:
    return flag["severity"] if flag.get("severity") in SEVERITIES else "low"


def _is_document_level(flag: dict[str, Any]) -> bool:
    return flag["end"] <= flag["start"]


def _risk_badge(risk: float | None) -> str:
    if risk is None:
        return '<span class="risk" style="background:#777">n/a</span>'
    hue = int(120 * (1 - float(risk)))
    return f'<span class="risk" style="background:hsl({hue},65%,34%)">{float(risk):.2f}</span>'


def _evidence(items: object) -> str:
    """Evidence as text, whether words, ``{"word", "weight"}`` dicts or ``[word, weight]`` pairs."""
    if not isinstance(items, list):
        return str(items or "")
    parts = []
    for item in items:
        if isinstance(item, dict):
            parts.append(" ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in item.values()))
        elif isinstance(item, list | tuple):
            parts.append(" ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in item))
        else:
            parts.append(str(item))
    return ", ".join(parts)


class _Page:
    """The parts of the page, built document by document; flags are numbered across the page."""

    def __init__(self) -> None:
        self.number = 0
        self.definitions = {c.id: c.definition for c in all_categories().values()}
        self.first_flag: dict[str, int] = {}

    def _attributes(self, flag: dict[str, Any], number: int) -> str:
        severity = _severity(flag)
        return (
            f'data-f="{number}" data-cat="{_esc(flag["category"])}" data-sev="{severity}" '
            f'data-score="{float(flag["score"]):.4f}"'
        )

    def _label(self, flag: dict[str, Any]) -> str:
        return f"{flag['category']} · {_severity(flag)} · {float(flag['score']):.2f}"

    def _open(self, flag: dict[str, Any], number: int, *, first: bool) -> str:
        severity = _severity(flag)
        parts = [
            f'<mark class="hl sev-{severity}{" flag" if first else ""}" {self._attributes(flag, number)}'
        ]
        if first:
            parts.append(
                f' id="flag-{number}" tabindex="0" role="button" '
                f'title="{_esc(flag["category"])}: {severity}-severity category, '
                f'confidence {float(flag["score"]):.2f}"'
            )
        return "".join(parts) + ">"

    def highlight(self, start: int, text: str, flags: list[tuple[int, dict[str, Any]]]) -> str:
        """``text`` (found at offset ``start`` of the document) with ``flags`` marked in place.

        Overlapping flags nest; a flag that crosses the end of another is split
        into pieces. The first piece takes focus, the last carries the label.
        """
        stop = start + len(text)
        spans = sorted(
            (
                (max(f["start"], start), min(f["end"], stop), n, f)
                for n, f in flags
                if f["start"] < stop and f["end"] > start
            ),
            key=lambda s: (s[0], -s[1], s[2]),
        )
        starting: dict[int, list[tuple[int, int, int, dict[str, Any]]]] = {}
        for span in spans:
            starting.setdefault(span[0], []).append(span)
        points = sorted({p for s in spans for p in s[:2]} | {start, stop})
        out: list[str] = []
        stack: list[tuple[int, int, int, dict[str, Any]]] = []
        tag_at: dict[int, int] = {}
        opened: set[int] = set()

        def push(span: tuple[int, int, int, dict[str, Any]]) -> None:
            tag_at[span[2]] = len(out)
            out.append(self._open(span[3], span[2], first=span[2] not in opened))
            opened.add(span[2])
            stack.append(span)

        previous = start
        for point in points:
            out.append(_esc(text[previous - start : point - start]))
            previous = point
            reopen = []
            while any(s[1] == point for s in stack):
                span = stack.pop()
                out.append("</mark>")
                if span[1] == point:
                    label = f' data-label="{_esc(self._label(span[3]))}">'
                    out[tag_at[span[2]]] = out[tag_at[span[2]]][:-1] + label
                else:
                    reopen.append(span)
            for span in reversed(reopen):
                push(span)
            for span in starting.get(point, []):
                push(span)
        return "".join(out)

    def info(self, flag: dict[str, Any], number: int, path: str) -> str:
        """The details of one flag, shown in the side pane when it is selected."""
        severity = _severity(flag)
        if _is_document_level(flag):
            where = "Whole document"
        else:
            where = f"Characters {int(flag['start'])}–{int(flag['end'])}"
        phrase = ""
        if flag.get("text") and not _is_document_level(flag):
            phrase = f'<p class="phrase">“{_esc(flag["text"])}”</p>'
        definition = self.definitions.get(flag["category"], "")
        evidence = _evidence(flag.get("evidence"))
        return "".join(
            [
                f'<div class="info" id="info-{number}"><p><span class="cat">{_esc(flag["category"])}</span> ',
                f"{severity}-severity category · confidence {float(flag['score']):.2f}</p>",
                f'<p class="muted">{_esc(definition)}</p>' if definition else "",
                phrase,
                f"<p>{_esc(flag.get('explanation', ''))}</p>",
                f"<p><strong>Instead:</strong> {_esc(flag['suggestion'])}</p>"
                if flag.get("suggestion")
                else "",
                f'<p class="muted">Evidence: {_esc(evidence)}</p>' if evidence else "",
                f'<p class="muted">{where} of {_esc(path)}</p></div>',
            ]
        )

    def banner(self, flag: dict[str, Any], number: int, *, listed: bool) -> str:
        """A flag not shown in the text: a document-level flag, or one outside the passages shown."""
        severity = _severity(flag)
        kind = "listed" if listed else "banner"
        what = f"“{_esc(flag.get('text', ''))}”" if listed else "<strong>Whole document</strong>"
        tag = "span" if listed else "div"
        return (
            f'<{tag} class="{kind} flag sev-{severity}" id="flag-{number}" tabindex="0" role="button" '
            f"{self._attributes(flag, number)}>{what} · {_esc(flag['category'])} · "
            f"{severity}-severity category · confidence {float(flag['score']):.2f}</{tag}>"
        )

    def document(self, index: int, item: dict[str, Any], shown: dict[str, Any] | None) -> str:
        """One document: its banners, its text with the flags in place, the flags it could not place."""
        flags = []
        for flag in item["flags"]:
            self.number += 1
            self.first_flag.setdefault(flag["category"], self.number)
            flags.append((self.number, flag))
        path = item["path"]
        source = " · text extracted from HTML" if item.get("extracted_from_html") else ""
        if item.get("error"):
            source += ' · <span class="error">could not be read</span>'

        out = [
            f'<details class="doc" id="doc-{index}"{" open" if flags else ""}><summary>'
            f"{_risk_badge(item['risk'])} {_esc(path)} "
            f'<span class="muted"><span class="shown">{len(flags)} flag(s)</span>{source}</span></summary>'
            '<div class="body">'
        ]
        if item.get("error"):
            out.append(f'<p class="error">{_esc(item["error"])}</p>')
        out.extend(self.banner(f, n, listed=False) for n, f in flags if _is_document_level(f))
        in_text = [(n, f) for n, f in flags if not _is_document_level(f)]
        placed: set[int] = set()
        if shown is not None:
            passages = shown["passages"]
            whole = len(passages) == 1 and passages[0][0] == 0 and len(passages[0][1]) == shown["length"]
            if not whole:
                out.append(
                    f'<p class="muted">This document has {shown["length"]:,} characters; only the passages '
                    f"around its flags are shown (the report shows documents of up to "
                    f"{DOCUMENT_TEXT_LIMIT:,} characters in full).</p>"
                )
            body = []
            for number, (start, text) in enumerate(passages):
                if not whole and (number or start):
                    body.append(
                        f'<span class="gap" aria-label="text left out">… character {start:,} …</span>'
                    )
                body.append(self.highlight(start, text, in_text))
                placed.update(n for n, f in in_text if f["start"] >= start and f["end"] <= start + len(text))
            out.append(f'<div class="text">{"".join(body)}</div>')
        elif not item.get("error"):
            out.append(
                f'<p class="muted">The text is not part of this report (it holds at most '
                f"{PAGE_TEXT_LIMIT:,} characters of text); the flags are listed.</p>"
            )
        rest = [(n, f) for n, f in in_text if n not in placed]
        if rest:
            if shown is not None:
                out.append('<p class="muted">Flags outside the passages shown:</p>')
            out.append(
                "<ul>" + "".join(f"<li>{self.banner(f, n, listed=True)}</li>" for n, f in rest) + "</ul>"
            )
        out.append('<div class="infos">' + "".join(self.info(f, n, path) for n, f in flags) + "</div>")
        out.append("</div></details>")
        return "".join(out)


def _within_budget(records: Iterable[dict[str, Any]], limit: int) -> list[tuple[dict[str, Any], Any]]:
    """Each record with the document text it may show, until the page holds ``limit`` characters."""
    kept, total = [], 0
    for item in records:
        shown = item.pop("document", None)
        if shown is not None:
            size = sum(len(text) for _, text in shown["passages"])
            if total + size > limit:
                shown = None
            else:
                total += size
        kept.append((item, shown))
    return kept


def render_html(
    records: Iterable[dict[str, Any]],
    *,
    title: str = "Clinic claims report",
    page_text_limit: int = PAGE_TEXT_LIMIT,
) -> str:
    """A self-contained HTML page of ``records`` (riskiest document first).

    Records with a ``document`` (:func:`document_passages`) show their text with
    the flags in place; others list their flags.
    """
    items = _within_budget(records, page_text_limit)
    items.sort(key=lambda pair: (-(pair[0]["risk"] or 0.0), pair[0]["path"]))
    flags_per = Counter(f["category"] for item, _ in items for f in item["flags"])
    docs_per = Counter(c for item, _ in items for c in {f["category"] for f in item["flags"]})
    errors = sum(1 for item, _ in items if item["error"])
    flagged = sum(1 for item, _ in items if item["flags"])
    style, script, policy = _assets()
    page = _Page()
    documents = [page.document(index, item, shown) for index, (item, shown) in enumerate(items, 1)]
    table = [(c.id, c.severity, c.definition) for c in all_categories().values()]
    table += [(name, "", "") for name in sorted(set(flags_per) - {row[0] for row in table})]
    rows = []
    for name, severity, definition in table:
        label = _esc(name)
        if flags_per[name]:
            label = (
                f'<a class="catlink" href="#flag-{page.first_flag[name]}" data-cat="{_esc(name)}" '
                f'title="Show only {_esc(name)} flags and go to the first">{_esc(name)}</a>'
            )
        rows.append(
            f'<tr title="{_esc(definition)}"><td><input type="checkbox" name="cat" value="{_esc(name)}" '
            f'checked aria-label="show {_esc(name)}"> {label}</td><td>{severity}</td>'
            f'<td class="n">{flags_per[name]}</td><td class="n">{docs_per[name]}</td></tr>'
        )
    severities = "".join(
        f'<label><input type="checkbox" name="sev" value="{s}" checked> {s}</label>' for s in SEVERITIES
    )
    side = f"""<aside>
<h1>{_esc(title)}</h1>
<p class="muted">{len(items)} input(s), {flagged} flagged, {errors} could not be read.
<span id="count">{page.number} flag(s)</span>.</p>
<h2 id="selected">Selected flag</h2>
<section id="panel" tabindex="-1" aria-live="polite"><p class="muted">Click a highlight, Tab to it, or press
<kbd>j</kbd>, to see why it was flagged.</p></section>
<template id="panel-empty"><p class="muted">No flag selected.</p></template>
<fieldset><legend>Severity of the category</legend>{severities}</fieldset>
<fieldset><legend>Minimum confidence</legend><input type="range" id="min" min="0" max="1" step="0.05"
value="0" aria-label="minimum confidence"> <output id="min-out" for="min">0.00</output></fieldset>
<fieldset><legend>Categories</legend><table><tr><th>category</th><th>severity</th><th>flags</th><th>docs</th></tr>
{"".join(rows)}</table>
<label><input type="checkbox" id="hide-empty"> hide documents without a shown flag</label><br>
<button type="button" id="reset">Show all flags</button> <button type="button" id="only-flagged">Open only
documents with shown flags</button></fieldset>
<h2>Keys</h2>
<ul class="keys"><li><kbd>j</kbd> or <kbd>n</kbd>: next flag; <kbd>k</kbd> or <kbd>p</kbd>: previous flag
(shown flags only, across documents)</li>
<li><kbd>Tab</kbd>: also moves from flag to flag; <kbd>Enter</kbd>: read the selected flag's details,
<kbd>Esc</kbd> to go back</li><li><kbd>o</kbd>: close or open the selected flag's document</li>
<li><kbd>Esc</kbd> elsewhere: show all flags again</li></ul>
<p class="muted">Highlights read <em>category · severity of the category · confidence</em>. Severity
belongs to the category; confidence is the model's calibrated probability for this flag. Offsets refer to
the text that was scored (for HTML inputs, the extracted text). The filters are kept in the page address.</p>
</aside>"""
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{_esc(title)}</title><style>{style}</style>{_NOSCRIPT}</head><body>",
                '<div class="layout">',
                side,
                '<main aria-label="documents, riskiest first">',
                *documents,
                "</main></div>",
                f"<script>{script}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )

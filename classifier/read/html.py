"""Extracting the visible text of an HTML page, within a time and depth budget.

trafilatura finds a page's main text (or, failing that, all its visible
text). It works on an lxml tree, and libxml2 stops building the tree at 256
nested elements: everything of a deeper page is lost and trafilatura returns
nothing. Its run time also grows faster than the page on some pages (one
paragraph of many inline elements). So:

- a page nested deeper than libxml2 builds (the parser reports it), a page of
  more than :data:`MAX_MAIN_MARKUP` characters of markup, and a page that
  takes trafilatura more than :data:`TIME_BUDGET` seconds are read with the
  flat extractor instead;
- so is a non-empty page where trafilatura finds no text at all.

The flat extractor walks the markup once, left to right, without building a
tree: it drops tags, comments and the content of ``script``, ``style``,
``noscript`` and ``template``, starts a new line at block elements and
unescapes entities. Its time is linear in the markup and nesting depth
costs nothing. :class:`ExtractedText` says which extractor gave the text.
"""

from __future__ import annotations

import html
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = [
    "EXTRACTORS",
    "MAX_MAIN_MARKUP",
    "TIME_BUDGET",
    "ExtractedText",
    "extract_html",
    "flat_text",
    "html_to_text",
]

#: Pages with more characters of markup than this skip trafilatura.
MAX_MAIN_MARKUP = 3_000_000
#: Seconds trafilatura may spend on one page (main thread only, where a timer signal can stop it;
#: the signal is handled between Python steps, so one long call into lxml can overrun it).
TIME_BUDGET = 20.0
#: Values of :attr:`ExtractedText.extractor`.
EXTRACTORS = ("trafilatura", "trafilatura_all_text", "flat", "none")

_RAW_TEXT = ("script", "style", "noscript", "template")
_BLOCK = frozenset(
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section summary table tbody td tfoot "
    "th thead title tr ul".split()
)
# A start or end tag: "<" then a name, up to the next ">" with no "<" before it,
# so a failed match costs no more than the text up to the next "<" (possessive: no backtracking).
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]*+)[^<>]*+>")
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW_TEXT}
_SPACES = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class ExtractedText:
    """The text of a page and the extractor that gave it (one of :data:`EXTRACTORS`)."""

    text: str
    extractor: str


class _OverBudget(BaseException):
    """Raised by the timer inside trafilatura; a BaseException, so no ``except Exception`` there keeps it."""


def flat_text(markup: str) -> str:
    """All visible text of ``markup``, in one linear pass (see the module docstring)."""
    parts: list[str] = []
    position = 0
    size = len(markup)
    while position < size:
        opening = markup.find("<", position)
        if opening < 0:
            parts.append(markup[position:])
            break
        parts.append(markup[position:opening])
        if markup.startswith("<!--", opening):
            closing = markup.find("-->", opening + 4)
            if closing < 0:
                break  # an unclosed comment runs to the end of the page
            position = closing + 3
            continue
        if markup.startswith("<!", opening) or markup.startswith("<?", opening):
            closing = markup.find(">", opening)
            if closing < 0:
                break
            position = closing + 1
            continue
        tag = _TAG.match(markup, opening)
        if tag is None:
            parts.append("<")
            position = opening + 1
            continue
        position = tag.end()
        name = tag.group(2).lower()
        if name in _BLOCK:
            parts.append("\n")
        if name in _RAW_END and not tag.group(1):
            end = _RAW_END[name].search(markup, position)
            if end is None:
                break  # an unclosed script runs to the end of the page
            closing = markup.find(">", end.end() - 1)
            position = size if closing < 0 else closing + 1
    text = html.unescape("".join(parts))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _too_deep(markup: str) -> bool:
    """Whether libxml2 stops building ``markup``'s tree (too deeply nested) or cannot parse it."""
    from lxml import etree
    from lxml.html import HTMLParser, document_fromstring

    # The parser settings of trafilatura's own parse of a page.
    parser = HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
    )
    try:
        document_fromstring(markup.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return True
    return any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log)


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_OverBudget` in the block after ``seconds`` (when a timer signal can be used)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _trafilatura(markup: str) -> ExtractedText | None:
    import trafilatura

    text = trafilatura.extract(
        markup, favor_recall=True, include_tables=True, include_comments=False, deduplicate=False
    )
    if text:
        return ExtractedText(text, "trafilatura")
    text = trafilatura.html2txt(markup)
    return ExtractedText(text, "trafilatura_all_text") if text else None


def extract_html(
    markup: str, *, time_budget: float | None = TIME_BUDGET, max_main_markup: int = MAX_MAIN_MARKUP
) -> ExtractedText:
    """The visible main text of an HTML page: trafilatura's, within the budgets, else the flat text.

    Parameters
    ----------
    markup
        The page.
    time_budget
        Seconds trafilatura may take (``None``: no limit). The limit needs a
        timer signal, so it holds in a process's main thread only.
    max_main_markup
        Pages with more characters than this go straight to the flat extractor.
    """
    if not markup.strip():
        return ExtractedText("", "none")
    if len(markup) <= max_main_markup and not _too_deep(markup):
        try:
            with _deadline(time_budget):
                found = _trafilatura(markup)
        except _OverBudget:
            found = None
        if found is not None:
            return found
    text = flat_text(markup)
    return ExtractedText(text, "flat" if text else "none")


def html_to_text(markup: str) -> str:
    """The text of :func:`extract_html`."""
    return extract_html(markup).text

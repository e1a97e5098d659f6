"""Authoring format for corpus documents: inline ``[[label: phrase]]`` markup.

Writers produce documents as blocks::

    ### doc
    id: a-001
    genre: clinic_landing_page
    treatment: umbilical_cord_msc
    condition: autism
    register: hard_sell
    missing_disclosure: true
    text:
    Our cells [[cure_claim: reverse autism]] in weeks.
    ### end

``parse_markup`` turns such a file into plain documents whose spans carry
character offsets into the unmarked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["MarkupDocument", "MarkupError", "parse_markup"]

_SPAN = re.compile(r"\[\[\s*([a-z_]+)\s*:\s*(.+?)\]\]", re.DOTALL)
_META_KEYS = ("id", "genre", "treatment", "condition", "register", "missing_disclosure")


class MarkupError(ValueError):
    """A block of authoring markup could not be read."""


@dataclass
class MarkupDocument:
    meta: dict[str, str]
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)


def _strip_markup(body: str, where: str) -> tuple[str, list[tuple[int, int, str]]]:
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    cursor = 0
    length = 0
    for match in _SPAN.finditer(body):
        before = body[cursor : match.start()]
        parts.append(before)
        length += len(before)
        label, phrase = match.group(1), match.group(2).strip()
        if "[[" in phrase:
            raise MarkupError(f"{where}: nested markup inside {match.group(0)[:60]!r}")
        spans.append((length, length + len(phrase), label))
        parts.append(phrase)
        length += len(phrase)
        cursor = match.end()
    rest = body[cursor:]
    if "[[" in rest or "]]" in rest:
        raise MarkupError(f"{where}: unbalanced '[[' or ']]' near {rest[rest.find('[') :][:60]!r}")
    parts.append(rest)
    return "".join(parts), spans


def parse_markup(source: str, origin: str = "<string>") -> list[MarkupDocument]:
    """Parse every ``### doc`` ... ``### end`` block of ``source``."""
    documents = []
    blocks = re.findall(r"^### doc\s*\n(.*?)^### end\s*$", source, flags=re.DOTALL | re.MULTILINE)
    if not blocks:
        raise MarkupError(f"{origin}: no '### doc' ... '### end' blocks found")
    for number, block in enumerate(blocks, 1):
        head, sep, body = block.partition("\ntext:\n")
        if not sep:
            raise MarkupError(f"{origin} block {number}: missing a 'text:' line")
        meta = {}
        for line in head.strip().splitlines():
            key, colon, value = line.partition(":")
            if not colon:
                raise MarkupError(f"{origin} block {number}: metadata line {line!r} has no ':'")
            meta[key.strip()] = value.strip()
        missing = [key for key in _META_KEYS if key not in meta]
        if missing:
            raise MarkupError(f"{origin} block {number}: missing metadata {missing}")
        text, spans = _strip_markup(body.strip("\n"), f"{origin} block {number} ({meta['id']})")
        documents.append(MarkupDocument(meta=meta, text=text, spans=spans))
    return documents

"""Text normalisation that survives evasion while keeping every offset.

Clinics (and copy-pasted web pages) hide words from filters with look-alike
characters, zero-width characters, HTML entities and odd punctuation. The
normaliser rewrites those to plain text and records, for every character of
the normalised text, which range of the original text it came from, so that
anything found in the normalised text maps back to the exact original slice.
"""

from __future__ import annotations

import html
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalizedText", "normalize"]

# Cyrillic and Greek letters that look like Latin ones; replaced only when they
# stand next to a Latin letter, i.e. inside a word written in Latin script.
_CONFUSABLES = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "к": "k",
    "м": "m",
    "т": "t",
    "н": "h",
    "в": "b",
    "ԁ": "d",
    "ɡ": "g",
    "ո": "n",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "α": "a",
    "ο": "o",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Χ": "X",
    "Υ": "Y",
    "Ζ": "Z",
}
_PUNCTUATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2026": "...",
}
_SPECIAL = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f]"
    r"|([!?])\1+"
    r"|\.{4,}"
    r"|[^\x00-\x7f]"
)


@lru_cache(maxsize=4096)
def _translate(char: str) -> str:
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    folded = unicodedata.normalize("NFKC", char)
    return "".join(_PUNCTUATION.get(c, c) for c in folded)


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text with a map back to the original.

    ``starts[i]`` and ``ends[i]`` give the original range that normalised
    character ``i`` came from; both are ``None`` when nothing changed.
    """

    text: str
    original: str
    starts: array | None = None
    ends: array | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised range ``[start, end)`` to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def _replacement(match: re.Match[str], text: str) -> str:
    token = match.group(0)
    if token.startswith("&"):
        return "".join(_translate(c) if not c.isascii() else c for c in html.unescape(token))
    if token.startswith("."):
        return "..."
    if token[0] in "!?":
        return token[0]
    if unicodedata.category(token[0]) in ("Cf", "Mn") and len(token) == 1:
        return ""
    if token in _CONFUSABLES:
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
            return _CONFUSABLES[token]
        return token
    return _translate(token)


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` (NFKC, zero-width characters, look-alike letters,
    curly quotes and dashes, HTML entities, repeated ``!`` and ``?``)."""
    pieces: list[str] = []
    starts = array("l")
    ends = array("l")
    cursor = 0
    changed = False
    for match in _SPECIAL.finditer(text):
        replacement = _replacement(match, text)
        if replacement == match.group(0):
            continue
        changed = True
        plain = text[cursor : match.start()]
        pieces.append(plain)
        starts.extend(range(cursor, match.start()))
        ends.extend(range(cursor + 1, match.start() + 1))
        pieces.append(replacement)
        starts.extend([match.start()] * len(replacement))
        ends.extend([match.end()] * len(replacement))
        cursor = match.end()
    if not changed:
        return NormalizedText(text=text, original=text)
    pieces.append(text[cursor:])
    starts.extend(range(cursor, len(text)))
    ends.extend(range(cursor + 1, len(text) + 1))
    return NormalizedText(text="".join(pieces), original=text, starts=starts, ends=ends)

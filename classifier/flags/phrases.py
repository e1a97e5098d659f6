"""Flags: one risky phrase, its category, score and explanation, as data.

Also holds the phrase locator, which turns per-word contributions of the
model's features into the shortest phrase that carries the claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Flag", "locate_phrase", "sentence_bounds"]

#: What may stand before a sentence's first word: spaces and list markers ("•", "-", "1.", "a)").
_LEADING_MARKERS = re.compile(r"(?:\s|[•*·–—▪●✓✔→>-]+(?=\s)|(?:\d{1,2}[.)]|[a-z]\))(?=\s))*")


@dataclass(frozen=True, slots=True)
class Flag:
    """A risky phrase (or, for document categories, the whole text).

    ``text == input[start:end]`` for the text given to ``score``; document-level
    flags have ``start == end == 0`` and empty ``text`` and ``sentence``.
    """

    category: str
    start: int
    end: int
    text: str
    sentence: str
    score: float
    severity: str
    explanation: str
    evidence: list[str] = field(default_factory=list)
    suggestion: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of every field."""
        return asdict(self)


def locate_phrase(
    contributions: Sequence[float],
    anchors: list[int],
    *,
    relative_floor: float = 0.2,
    max_words: int = 10,
) -> tuple[int, int]:
    """The word range ``[start, end)`` around the strongest evidence.

    Parameters
    ----------
    contributions
        One value per word: how much the features covering it raised the category.
    anchors
        Word positions of lexicon cues of the category; a phrase grows to
        include an anchor next to it, and falls back to the anchors when no
        word contributes positively.
    """
    values = list(contributions)
    n = len(values)
    if n == 0:
        return 0, 0
    top = max(values)
    peak = values.index(top)  # the first of equal maxima
    if top <= 0:
        if anchors:
            return min(anchors), max(anchors) + 1
        return 0, n
    floor = top * relative_floor
    start, end = peak, peak + 1

    def strong(i: int) -> bool:
        return 0 <= i < n and (values[i] >= floor or i in anchors)

    while end - start < max_words:
        if strong(end) or (strong(end + 1) and end + 1 < n):
            end += 1
        elif strong(start - 1) or strong(start - 2):
            start -= 1
        else:
            break
    return start, end


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` of ``text`` without the spaces at either edge and list markers before it.

    Only whitespace and bullets or list numbers ("•", "-", "1.", "a)") are cut:
    the sentence keeps its first word (a leading "The" too) and its final
    punctuation. A range that holds nothing else is returned whitespace-trimmed.
    """
    marker = _LEADING_MARKERS.match(text, start, end)
    first = marker.end() if marker is not None else start
    last = end
    while last > first and text[last - 1].isspace():
        last -= 1
    if last > first:
        return first, last
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

"""Reading inputs: files, directories and standard input, as texts to score.

Every input becomes one :class:`InputText`; an input that cannot be read
carries a one-line ``error`` instead of text, so a batch never stops at a bad file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["SUFFIXES", "InputText", "iter_inputs", "read_path"]

#: File endings searched for in directories.
SUFFIXES = (".txt", ".md", ".html", ".htm")
STDIN = "-"


@dataclass(frozen=True)
class InputText:
    """One input: its path (``-`` for standard input) and its text, or an error."""

    path: str
    text: str | None
    error: str | None = None


class _VisibleText(HTMLParser):
    _HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "section",
            "article",
            "header",
            "footer",
            "ul",
            "ol",
            "table",
            "blockquote",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML page, one block element per line."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes); expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 at byte {error.start}; convert the file to UTF-8") from error


def read_path(path: str) -> InputText:
    """Read one file (HTML is reduced to its visible text)."""
    try:
        text = _decode(Path(path).read_bytes(), path)
    except (OSError, ValueError) as error:
        detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return InputText(path, None, f"cannot read {path}: {detail}")
    if path.lower().endswith((".html", ".htm")):
        text = html_to_text(text)
    return InputText(path, text)


def _walk(directory: Path) -> list[str]:
    found = []
    for root, _, files in os.walk(directory, followlinks=False):
        found.extend(os.path.join(root, name) for name in files if name.lower().endswith(SUFFIXES))
    return sorted(found)


def iter_inputs(paths: Iterable[str]) -> Iterator[InputText]:
    """Inputs in the order given; directories are searched recursively, in sorted order."""
    for path in paths:
        if path == STDIN:
            yield InputText(STDIN, sys.stdin.read())
        elif os.path.isdir(path):
            for file in _walk(Path(path)):
                yield read_path(file)
        elif os.path.exists(path):
            yield read_path(path)
        else:
            yield InputText(path, None, f"cannot read {path}: no such file or directory")

"""Reading inputs: discovering paths, decoding bytes, extracting text from HTML.

Every input becomes one :class:`InputText`; an input that cannot be read
carries a one-line ``error`` instead of text, so a batch never stops at a bad file.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.read.html import extract_html

__all__ = ["STDIN", "SUFFIXES", "Discovered", "InputText", "decode", "discover", "read_input"]

#: File endings searched for in directories (unless --include says otherwise).
SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
STDIN = "-"
_BINARY_PROBE = 8192


@dataclass(frozen=True)
class Discovered:
    """A path to read, or a problem found while looking for paths."""

    path: str
    error: str | None = None


@dataclass(frozen=True)
class InputText:
    """One input: its text (or an error), the encoding it was read with, and
    whether the text was extracted from HTML (flag offsets then refer to it),
    and by which extractor (see :data:`classifier.read.html.EXTRACTORS`)."""

    path: str
    text: str | None
    error: str | None = None
    encoding: str | None = None
    extracted_from_html: bool = False
    html_extractor: str | None = None


def _matches(path: str, patterns: Sequence[str], root: str) -> bool:
    relative = os.path.relpath(path, root) if root else path
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _walk(root: str, include: Sequence[str], exclude: Sequence[str]) -> Iterator[Discovered]:
    """Files below ``root`` in sorted order, following links, reporting loops and broken links."""
    seen: set[tuple[int, int]] = set()

    def visit(directory: str) -> Iterator[Discovered]:
        try:
            status = os.stat(directory)
        except OSError as error:
            yield Discovered(directory, f"cannot read {directory}: {error.strerror}")
            return
        key = (status.st_dev, status.st_ino)
        if key in seen:
            yield Discovered(
                directory, f"skipped {directory}: directory loop (a link leads back to a folder already read)"
            )
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            yield Discovered(directory, f"cannot read {directory}: {error.strerror}")
            return
        for entry in entries:
            path = entry.path
            if entry.is_symlink() and not os.path.exists(path):
                if _matches(path, include, root) and not _matches(path, exclude, root):
                    yield Discovered(path, f"cannot read {path}: broken symbolic link to {os.readlink(path)}")
                continue
            if entry.is_dir():
                if not _matches(path, exclude, root):
                    yield from visit(path)
            elif _matches(path, include, root) and not _matches(path, exclude, root):
                yield Discovered(path)

    yield from visit(root)


def discover(
    paths: Iterable[str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Iterator[Discovered]:
    """Inputs in the order given; directories are searched recursively, in sorted order.

    ``include`` and ``exclude`` are glob patterns matched against the path
    relative to the directory searched and against the file name; files named
    directly are always read. ``-`` stands for standard input.
    """
    patterns = tuple(include) or tuple(f"*{suffix}" for suffix in SUFFIXES)
    for path in paths:
        if path == STDIN:
            yield Discovered(STDIN)
        elif os.path.isdir(path):
            yield from _walk(path, patterns, tuple(exclude))
        elif os.path.islink(path) and not os.path.exists(path):
            yield Discovered(path, f"cannot read {path}: broken symbolic link to {os.readlink(path)}")
        else:
            yield Discovered(path)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of ``data``; raises ValueError for binary data.

    UTF-8 is tried first; otherwise charset-normalizer detects the encoding. Bytes
    it cannot place are decoded as UTF-8 with replacement characters, so no
    input stops a run.
    """
    if data.startswith((b"\xef\xbb\xbf",)):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and b"\x00" in data[:_BINARY_PROBE]:
        raise ValueError("binary file (contains NUL bytes); expected text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8 (undecodable bytes replaced)"
    return str(best), best.encoding


def read_input(path: str) -> InputText:
    """Read and decode one input (``-`` is standard input); HTML is reduced to its text."""
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
        text, encoding = decode(data)
    except (OSError, ValueError) as error:
        detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return InputText(path, None, f"cannot read {path}: {detail}")
    if path.lower().endswith(HTML_SUFFIXES):
        page = extract_html(text)
        return InputText(
            path, page.text, encoding=encoding, extracted_from_html=True, html_extractor=page.extractor
        )
    return InputText(path, text, encoding=encoding)

"""Reading inputs: discovering paths, decoding bytes, extracting text from HTML.

Every input becomes one :class:`InputText`; an input that cannot be read
carries a one-line ``error`` instead of text, so a batch never stops at a bad file.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from classifier.read.html import extract_html

__all__ = [
    "MAX_BYTES",
    "STDIN",
    "SUFFIXES",
    "Discovered",
    "InputText",
    "decode",
    "discover",
    "display_path",
    "read_input",
]

#: File endings searched for in directories (unless --include says otherwise).
SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
STDIN = "-"
#: Inputs larger than this many bytes get an error record instead of being read (``--max-bytes``).
MAX_BYTES = 100_000_000
_BINARY_PROBE = 8192
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
#: BOM-less wide encodings, each with its unit size and the place of its high byte in a unit:
#: text in these has its NUL bytes there (spaces, Latin letters), and hardly ever at the low byte.
_WIDE = (("utf-32-le", 4, 3), ("utf-32-be", 4, 0), ("utf-16-le", 2, 1), ("utf-16-be", 2, 0))
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def display_path(name: str) -> str:
    """``name`` as shown in outputs: bytes that are not UTF-8 become U+FFFD.

    File names are kept losslessly inside a run (``os.fsdecode`` maps undecodable
    bytes to lone surrogates, which open the right file); outputs are UTF-8, so
    they show each such byte as a replacement character.
    """
    if name.isascii():
        return name
    try:
        return os.fsencode(name).decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return name.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")


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


def _looks_like_text(text: str) -> bool:
    """No NUL, and at most 1% control, private-use or unassigned characters."""
    if "\x00" in text:
        return False
    odd = sum(
        1 for c in text if unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs") and c not in "\t\n\r\f\v"
    )
    return odd <= len(text) // 100


def _wide_encoding(data: bytes) -> str | None:
    """The BOM-less UTF-16 or UTF-32 encoding ``data`` is written in, judged by where its NUL bytes fall."""
    probe = data[:_BINARY_PROBE]
    for name, unit, high in _WIDE:
        usable = len(probe) - len(probe) % unit
        if usable < unit:
            continue
        highs = probe[high:usable:unit]
        lows = probe[unit - 1 - high : usable : unit]
        if not highs.count(0) or lows.count(0) * 100 > len(lows):
            continue
        try:
            if _looks_like_text(probe[:usable].decode(name)):
                return name
        except UnicodeDecodeError:
            continue
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of ``data``; raises ValueError for binary data.

    A byte-order mark decides first; UTF-16 or UTF-32 without one is recognised
    by the pattern of its NUL bytes; then UTF-8 is tried, and otherwise
    charset-normalizer detects the encoding. Bytes it cannot place are decoded
    as UTF-8 with replacement characters, so no input stops a run.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name.rsplit("-", 1)[0]
    if b"\x00" in data[:_BINARY_PROBE]:
        wide = _wide_encoding(data)
        if wide is None:
            raise ValueError(
                "binary file (contains NUL bytes that fit neither UTF-16 nor UTF-32 text); expected text"
            )
        return data.decode(wide, errors="replace"), f"{wide} (no byte-order mark)"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8 (undecodable bytes replaced)"
    return str(best), best.encoding


def _kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def _check_regular(status: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(f"{_kind(status.st_mode)}, not a regular file; only regular files are read")
    if status.st_size > max_bytes:
        raise ValueError(_too_large(f"{status.st_size:,} bytes", max_bytes))


def _too_large(size: str, max_bytes: int) -> str:
    return f"{size}, over the limit of {max_bytes:,} bytes; raise --max-bytes to read it"


def _read_file(path: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else raises ValueError.

    The file is opened without blocking, so a named pipe with no writer cannot
    hang the run, and checked again once open, so a file swapped for a device
    between the two looks is still refused; at most ``max_bytes + 1`` bytes are read.
    """
    _check_regular(os.stat(path), max_bytes)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as stream:
        _check_regular(os.fstat(fd), max_bytes)
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(_too_large(f"more than {max_bytes:,} bytes (it grew while read)", max_bytes))
    return data


def read_input(path: str, *, max_bytes: int = MAX_BYTES) -> InputText:
    """Read and decode one input (``-`` is standard input); HTML is reduced to its text.

    Only regular files (and standard input) of at most ``max_bytes`` bytes are read;
    anything else gets an error record.
    """
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ValueError(_too_large(f"more than {max_bytes:,} bytes", max_bytes))
        else:
            data = _read_file(path, max_bytes)
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

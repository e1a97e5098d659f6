"""Output files for batch runs: streamed, resumable, never half-written, never someone else's file.

Beside an output file OUT a run keeps three files of its own:

- ``.OUT.partial``: the records, each appended whole with one write, as each
  input finishes (in OUT's format; JSON Lines for an HTML report). When the
  run completes it is renamed to OUT (an HTML page is rendered from it and
  written atomically), so OUT is always either the previous file or the
  complete new one.
- ``.OUT.run.json``: what the run was (format, inputs, the model card's
  sha256, threshold, spaCy pipeline) and, once complete, the sha256 of OUT.
  ``--resume`` continues only an output this record proves this tool wrote,
  for the same run; anything else is refused and left untouched.
- ``.OUT.lock``: held (``flock``) while the run lasts, so a second run on the
  same OUT is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from classifier.errors import Errors, InputError, OutputBusyError, OutputError, ResumeError
from classifier.files import AppendFile, FileLock, LockHeldError, write_atomic
from classifier.output.rendering import Sink, Writer, make_writer, render_html

__all__ = ["Output", "lock_path", "partial_path", "run_files", "sidecar_path"]

#: What a resumed run must share with the run that wrote the file, and how a difference is named.
_SAME_RUN = {
    "format": "another --format",
    "inputs": "other inputs",
    "model_sha256": "another model",
    "threshold": "another --threshold",
    "spacy_model": "another --spacy-model",
}


def partial_path(output: Path) -> Path:
    """Where a run keeps its records until it completes."""
    return output.with_name(f".{output.name}.partial")


def sidecar_path(output: Path) -> Path:
    """The record of the run that wrote ``output``."""
    return output.with_name(f".{output.name}.run.json")


def lock_path(output: Path) -> Path:
    """The lock a run holds on ``output`` while it lasts."""
    return output.with_name(f".{output.name}.lock")


def run_files(output: Path) -> tuple[Path, ...]:
    """Every file a run on ``output`` writes: the output and its partial, sidecar and lock files."""
    return (output, partial_path(output), sidecar_path(output), lock_path(output))


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _complete_part(path: Path, end: bytes) -> str:
    """The text of this tool's partial file up to its last complete record; a torn tail is cut off."""
    data = path.read_bytes()
    cut = data.rfind(end)
    keep = data[: cut + len(end)] if cut >= 0 else b""
    if len(keep) != len(data):
        with path.open("r+b") as handle:
            handle.truncate(len(keep))
    return keep.decode("utf-8", errors="replace")


def _done(path: Path, name: str) -> tuple[Counter[str], Counter[str]]:
    """How many records each path already has in a partial file, and how many of them are errors.

    Raises ValueError for a line that is not a record.
    """
    done: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    if name == "jsonl":
        lines = _complete_part(path, b"\n").split("\n")[:-1]
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                done[item["path"]] += 1
                failed[item["path"]] += bool(item["error"])
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"line {number} of '{path}' is not an output record ({error})") from error
    elif name == "csv":
        previous = None
        for row in csv.DictReader(io.StringIO(_complete_part(path, b"\n"), newline="")):
            if row["path"] != previous or not row["category"]:
                done[row["path"]] += 1
                failed[row["path"]] += bool(row["error"])
            previous = row["path"] if row["category"] else None
    else:
        current = None
        for line in _complete_part(path, b"\n\n").split("\n"):
            if line.startswith("== "):
                current = line[3:]
                done[current] += 1
            elif current is not None and line.startswith("   ERROR: "):
                failed[current] += 1
    return done, failed


class Output:
    """Where records go: standard output or a file, optionally resuming an earlier run.

    ``run`` describes this run for the sidecar (``inputs``, ``model_sha256``,
    ``threshold``, ``spacy_model``); ``done`` and ``failed`` count, per path as
    written (see ``key``), the records and error records already in the file.
    """

    def __init__(
        self, path: Path | None, name: str, *, resume: bool = False, run: dict[str, Any] | None = None
    ) -> None:
        if resume and path is None:
            raise InputError("--resume needs an output file (-o OUT) written by an earlier run.")
        self.path = path
        self.name = name
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.note: str | None = None
        self.run = {"tool": "classifier", "format": name, **(run or {})}
        records_format = "jsonl" if name == "html" else name
        if path is None:
            self.stream: Sink = sys.stdout.buffer
            self.writer: Writer = make_writer(records_format, self.stream)
            self.collected: list[dict[str, Any]] | None = [] if name == "html" else None
            return
        self.collected = None
        self.partial = partial_path(path)
        self.sidecar = sidecar_path(path)
        self.lock = FileLock(lock_path(path))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except LockHeldError as error:
            raise OutputBusyError(Errors.E051.format(path=path, lock=self.lock.path)) from error
        except OSError as error:
            raise self._error(error, started=False) from error
        try:
            appending = self._continue() if resume else False
            if appending:
                try:
                    self.done, self.failed = _done(self.partial, records_format)
                except ValueError as error:
                    raise self._refuse(str(error)) from error
            write_atomic(self.sidecar, self._describe(state="running"))
            self.stream = self.file = AppendFile(self.partial, truncate=not appending)
            self.writer = make_writer(records_format, self.stream, header=not appending)
        except OSError as error:
            self.lock.release()
            raise self._error(error, started=False) from error
        except BaseException:
            self.lock.release()
            raise

    def _describe(self, **extra: Any) -> bytes:
        return (json.dumps({**self.run, **extra}, indent=2) + "\n").encode("utf-8")

    def _refuse(self, detail: str) -> ResumeError:
        return ResumeError(Errors.E050.format(path=self.path, detail=detail, sidecar=self.sidecar.name))

    def _continue(self) -> bool:
        """Prove the earlier output is this tool's, for this run; True when its records are continued.

        Leaves every file as it was when it refuses.
        """
        assert self.path is not None
        try:
            recorded = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if self.path.exists() or self.partial.exists():
                raise self._refuse("there is no record of a run of this tool that wrote it") from None
            return False
        except (OSError, ValueError) as error:
            raise self._refuse(f"the record of the run that wrote it is unreadable ({error})") from error
        if not isinstance(recorded, dict) or recorded.get("tool") != "classifier":
            raise self._refuse("the record beside it is not one this tool wrote")
        differences = [text for key, text in _SAME_RUN.items() if recorded.get(key) != self.run.get(key)]
        if differences:
            raise self._refuse(f"it was written by a run with {' and '.join(differences)}")
        if recorded.get("state") == "running" and self.partial.is_file():
            return True
        if not self.path.exists():
            return False
        if recorded.get("state") != "complete" or recorded.get("sha256") != _sha256(self.path):
            raise self._refuse("it was changed after this tool wrote it (its sha256 differs from the record)")
        if self.name == "html":
            self.note = (
                f"{self.path} is a finished HTML report, which cannot be read back: scoring every input again"
            )
            return False
        shutil.copyfile(self.path, self.partial)
        return True

    def _error(self, error: OSError, *, started: bool = True) -> OutputError:
        detail = error.strerror or str(error)
        if error.filename and str(error.filename) != str(self.path):
            detail += f" ({error.filename})"
        kept = (
            f" The records written so far are kept in '{self.partial}'."
            if started and self.path is not None
            else ""
        )
        return OutputError(
            Errors.E053.format(
                path=self.path or "standard output",
                detail=detail,
                kept=kept,
                resume=" with --resume" if kept else "",
            )
        )

    def key(self, path: str) -> str:
        """How ``path`` appears in this output, as ``done`` and ``failed`` count it."""
        return self.writer.key(path)

    def write(self, item: dict[str, Any]) -> None:
        if self.collected is not None:
            self.collected.append(item)
            return
        try:
            self.writer.write(item)
        except OSError as error:
            raise self._error(error) from error

    def close(self, *, complete: bool) -> None:
        """Flush and close; a complete run renames its records into place (an HTML run renders its page)."""
        try:
            self.writer.close()
            if self.path is None:
                if self.collected is not None and complete:
                    sys.stdout.write(render_html(self.collected))
                    sys.stdout.flush()
                return
            if complete:
                self.file.sync()
            self.file.close()
            if complete:
                self._finish()
        except OSError as error:
            raise self._error(error) from error
        finally:
            if self.path is not None:
                self.lock.release()

    def _finish(self) -> None:
        assert self.path is not None
        if self.name == "html":
            lines = self.partial.read_text(encoding="utf-8").split("\n")
            write_atomic(self.path, render_html(json.loads(line) for line in lines if line).encode("utf-8"))
            self.partial.unlink()
        else:
            self.partial.replace(self.path)
        write_atomic(self.sidecar, self._describe(state="complete", sha256=_sha256(self.path)))

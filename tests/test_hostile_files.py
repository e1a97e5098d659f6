"""Hostile files and hostile runs (issue 11): no user file is destroyed, every input gets one record,
outputs cannot be turned against their reader, and failures end in one line with their own exit status.

Each finding of the issue is one case with an id. Cases that could hang or exhaust memory run the
real command in a subprocess with a timeout, so a regression fails instead of blocking the suite.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.files import FileLock
from classifier.output.rendering import neutralise_cell, printable
from classifier.output.writers import lock_path, partial_path, sidecar_path
from classifier.run import batch

from .conftest import REPO

PROMO = "Our stem cells are pluripotent and cure paralysis. The treatment has no side effects.\n"
TIMEOUT = 180


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def command(*args: str | bytes, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    """The real command line, in a fresh process of this tree, killed if it outlives ``timeout``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "classifier", *args], capture_output=True, timeout=timeout, env=env
    )


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.split("\n") if line]


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- User files destroyed ------------------------------------------------------------------------

USER_FILES = {
    "json": ("notes.json", b'{"path": "mine", "kept": true}\n{"torn'),
    "jsonl": ("data.jsonl", b'{"path": "a.txt", "risk": 0.1, "flags": [], "error": null}\n{"path": "b'),
    "csv": ("table.csv", b"path,risk,error\nmine.txt,0.5,\nno newline at the end"),
    "text": ("diary.txt", b"== my own heading\nDear diary, no blank line at the end"),
    "html": ("page.html", b"<html><body>my page</body></html>"),
}


@pytest.mark.parametrize("kind", list(USER_FILES), ids=[f"resume-refuses-user-{k}" for k in USER_FILES])
def test_resume_refuses_a_file_this_tool_did_not_write(tmp_path: Path, kind: str) -> None:
    name, content = USER_FILES[kind]
    (tmp_path / "in.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / name
    out.write_bytes(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("score", str(tmp_path / "in.txt"), "-o", str(out), "--resume", "-q")
    assert result.exit_code == 2, result.output
    assert "Cannot resume" in result.output and "untouched" in result.output
    assert out.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "change",
    ["edited", "other-model-threshold", "other-inputs", "other-format"],
    ids=[
        "resume-refuses-edited-output",
        "resume-refuses-other-threshold",
        "resume-refuses-other-inputs",
        "resume-refuses-other-format",
    ],
)
def test_resume_refuses_an_output_of_another_run(tmp_path: Path, change: str) -> None:
    (tmp_path / "a.txt").write_text(PROMO, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("score", str(tmp_path / "a.txt"), "-o", str(out), "-q").exit_code == 0
    args = ["score", str(tmp_path / "a.txt"), "-o", str(out), "--resume", "-q"]
    if change == "edited":
        out.write_bytes(out.read_bytes() + b'{"path": "forged"}\n')
    elif change == "other-model-threshold":
        args += ["--threshold", "0.2"]
    elif change == "other-inputs":
        args[1] = str(tmp_path / "b.txt")
    else:
        args += ["--format", "csv"]
    content = out.read_bytes()
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Cannot resume" in result.output
    assert out.read_bytes() == content


def test_resume_of_a_finished_output_scores_only_new_inputs(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run("score", str(docs), "-o", str(out), "-q").exit_code == 0
    (docs / "b.txt").write_text(PROMO, encoding="utf-8")
    result = run("score", str(docs), "-o", str(out), "--resume")
    assert result.exit_code == 0, result.output
    assert "scored 1 of 1 input(s)" in result.stderr and "(1 already done)" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [Path(p).name for p in dict.fromkeys(r["path"] for r in rows)] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("name", ["x.txt", "x.html"], ids=["output-is-input-txt", "output-is-input-html"])
def test_an_output_that_is_an_input_is_refused(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_text(PROMO, encoding="utf-8")
    result = run("score", str(source), "-o", str(source), "-q")
    assert result.exit_code == 2
    assert "is also an input" in result.output
    assert source.read_text(encoding="utf-8") == PROMO
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_output_that_is_a_directory_is_refused_before_scoring(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PROMO, encoding="utf-8")
    result = run("score", str(tmp_path / "a.txt"), "-o", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_an_output_that_is_an_input_through_a_link_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "x.txt"
    source.write_text(PROMO, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(source)
    result = run("score", str(tmp_path / "link.txt"), "-o", str(source), "-q")
    assert result.exit_code == 2 and source.read_text(encoding="utf-8") == PROMO


def test_an_output_inside_a_scanned_folder_is_skipped_and_said_so(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(PROMO, encoding="utf-8")
    out = docs / "report.txt"
    assert run("score", str(docs), "-o", str(out), "-q").exit_code == 0
    assert out.read_text(encoding="utf-8").count("== ") == 1
    again = run("score", str(docs), "-o", str(out), "--include", "*")
    assert again.exit_code == 0, again.output
    assert "skipped 2 file(s) that are this run's output" in again.stderr  # the report and its run record
    report = out.read_text(encoding="utf-8")
    assert report.count("== ") == 1 and "report.txt" not in report


def test_a_second_run_on_the_same_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    lock = FileLock(lock_path(out))
    lock.acquire()
    try:
        result = run("score", str(tmp_path / "a.txt"), "-o", str(out), "-q")
    finally:
        lock.release()
    assert result.exit_code == 2
    assert "Another run is writing" in result.output
    assert not out.exists() and not partial_path(out).exists()


def test_a_lock_file_left_by_a_killed_run_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    lock_path(out).write_bytes(b"")  # the file remains, but no process holds the lock
    assert run("score", str(tmp_path / "a.txt"), "-o", str(out), "-q").exit_code == 0
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 1
    assert not lock_path(out).exists() and sidecar_path(out).exists()


def test_two_real_runs_on_one_output_never_interleave(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(300):
        (docs / f"d{i:03d}.txt").write_text(PROMO * 20, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(
        [sys.executable, "-m", "classifier", "score", str(docs), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not partial_path(out).exists():
            time.sleep(0.05)
        second = command("score", str(docs), "-o", str(out), "-q")
        assert second.returncode == 2
        assert "Another run is writing" in one_line_error(second.stderr.decode())
        assert first.wait(timeout=TIMEOUT) == 0
    finally:
        first.kill()
        first.wait()
    paths = [r["path"] for r in jsonl(out.read_text(encoding="utf-8"))]
    assert len(paths) == len(set(paths)) == 300


# --- One input stops or hangs the whole run ------------------------------------------------------


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.txt"
    os.mkfifo(path)
    return path


def _urandom(folder: Path) -> Path:
    path = folder / "random.txt"
    path.symlink_to("/dev/urandom")
    return path


def _socket(folder: Path) -> Path:
    path = folder / "sock.txt"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and sockets are POSIX")
@pytest.mark.parametrize(
    ("make", "kind"),
    [(_fifo, "named pipe"), (_urandom, "character device"), (_socket, "socket")],
    ids=["fifo-does-not-hang", "dev-urandom-does-not-exhaust-memory", "socket-gets-an-error"],
)
def test_only_regular_files_are_read(tmp_path: Path, make, kind: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(PROMO, encoding="utf-8")
    special = make(folder)
    result = command("score", str(folder), "--format", "jsonl", "-q")
    assert result.returncode == 1, result.stderr
    by_name = {Path(r["path"]).name: r for r in jsonl(result.stdout.decode())}
    assert by_name["a.txt"]["flags"] and by_name["a.txt"]["error"] is None
    assert kind in by_name[special.name]["error"] and "not a regular file" in by_name[special.name]["error"]


def test_an_input_over_the_size_cap_gets_an_error_record(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(PROMO * 10, encoding="utf-8")
    (tmp_path / "small.txt").write_text("Fine.\n", encoding="utf-8")
    result = run("score", str(tmp_path), "--max-bytes", "100", "--format", "jsonl", "-q")
    assert result.exit_code == 1
    big, small = jsonl(result.stdout)
    assert "over the limit of 100 bytes" in big["error"] and "--max-bytes" in big["error"]
    assert small["error"] is None


def test_standard_input_over_the_size_cap_gets_an_error_record() -> None:
    result = CliRunner().invoke(app, ["score", "-", "--max-bytes", "10", "--format", "jsonl"], input=PROMO)
    assert result.exit_code == 1
    [item] = jsonl(result.stdout)
    assert "more than 10 bytes" in item["error"]


NON_UTF8 = b"caf\xe9-\xff.txt"


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
@pytest.mark.parametrize("name", ["jsonl", "csv", "text", "html"], ids=lambda n: f"non-utf8-name-{n}")
def test_a_file_name_that_is_not_utf8_works_in_every_format_and_on_resume(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), NON_UTF8), "wb") as stream:
        stream.write(PROMO.encode())
    (folder / "plain.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / f"out.{'txt' if name == 'text' else name}"
    first = command("score", str(folder), "-o", str(out), "--format", name, "-q")
    assert first.returncode == 0, first.stderr
    content = out.read_text(encoding="utf-8")
    assert "caf\ufffd-\ufffd.txt" in content
    if name == "jsonl":
        assert [r["error"] for r in jsonl(content)] == [None, None]
    resumed = command("score", str(folder), "-o", str(out), "--format", name, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    if name != "html":  # a finished HTML page cannot be read back, so it is scored again
        assert b"scored 0 of 0 input(s)" in resumed.stderr and b"(2 already done)" in resumed.stderr
    assert out.read_text(encoding="utf-8").count("caf\ufffd-\ufffd.txt") == content.count(
        "caf\ufffd-\ufffd.txt"
    )


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_a_from_file_list_keeps_names_byte_for_byte(tmp_path: Path) -> None:
    target = os.path.join(os.fsencode(tmp_path), NON_UTF8)
    with open(target, "wb") as stream:
        stream.write(PROMO.encode())
    listing = tmp_path / "list"
    listing.write_bytes(target + b"\n")
    result = command("score", "--from-file", str(listing), "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    [item] = jsonl(result.stdout.decode())
    assert item["error"] is None and item["flags"]


@pytest.mark.parametrize(
    "separator", ["\u2028", "\u2029", "\x85"], ids=["u2028-in-text", "u2029-in-text", "u0085-in-text"]
)
def test_line_separators_in_a_text_never_break_a_record(tmp_path: Path, separator: str) -> None:
    text = f"Our stem cells{separator}cure paralysis.{separator}The treatment has no side effects.\n"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(PROMO, encoding="utf-8")
    page = tmp_path / "out.html"
    result = run("score", str(folder), "-o", str(page), "-q")
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    out = tmp_path / "out.jsonl"
    assert run("score", str(folder), "-o", str(out), "-q").exit_code == 0
    data = out.read_text(encoding="utf-8")
    assert separator not in data and len(data.splitlines()) == 2
    assert any(separator in f["sentence"] for f in jsonl(data)[0]["flags"])
    resumed = run("score", str(folder), "-o", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "(2 already done)" in resumed.stderr


def test_an_interrupted_html_run_with_line_separators_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Our cells cure\u2028paralysis.\x85No side effects.\n", encoding="utf-8")
    for i in range(40):  # more than one chunk of 32, so the first chunk's records are written
        (folder / f"b{i:02d}.txt").write_text(PROMO, encoding="utf-8")
    page = tmp_path / "out.html"
    original = batch.read_input

    def interrupted(path: str, **options):
        if path.endswith("b39.txt"):
            raise KeyboardInterrupt
        return original(path, **options)

    monkeypatch.setattr(batch, "read_input", interrupted)
    stopped = run("score", str(folder), "-o", str(page), "-q")
    monkeypatch.undo()
    assert stopped.exit_code == 130
    assert not page.exists() and partial_path(page).read_text(encoding="utf-8").count("\n") == 32
    resumed = run("score", str(folder), "-o", str(page), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "(32 already done)" in resumed.stderr
    content = page.read_text(encoding="utf-8")
    assert "a.txt" in content and "b39.txt" in content and not partial_path(page).exists()


@pytest.mark.parametrize(
    "encoding",
    ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
    ids=lambda e: f"bomless-{e}",
)
@pytest.mark.parametrize(
    "text", [PROMO, "Наши стволовые клетки излечивают паралич.\n"], ids=["latin", "cyrillic"]
)
def test_utf16_and_utf32_without_a_bom_are_decoded(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(text.encode(encoding))
    result = run("score", str(path), "--format", "jsonl", "-q")
    assert result.exit_code == 0, result.output
    [item] = jsonl(result.stdout)
    assert item["error"] is None and item["encoding"].startswith(encoding)
    if text == PROMO:
        assert {f["category"] for f in item["flags"]} >= {"absolute_safety"}


def test_binary_data_is_still_called_binary(tmp_path: Path) -> None:
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02\x03PK\x03\x04" + bytes(range(256)))
    result = run("score", str(tmp_path / "blob.txt"), "--format", "jsonl", "-q")
    assert result.exit_code == 1 and "binary" in jsonl(result.stdout)[0]["error"]


# --- Injection into outputs ----------------------------------------------------------------------

FORMULA_TEXTS = {
    "csv-phrase-plus": "+95% of patients walk again after one injection.\n",
    "csv-sentence-equals": "=95% of our patients are cured of paralysis.\n",
    "csv-sentence-at": "@everyone: our stem cells cure autism.\n",
    "csv-sentence-minus": "-Our stem cells cure paralysis with no side effects.\n",
}


@pytest.mark.parametrize("case", list(FORMULA_TEXTS), ids=list(FORMULA_TEXTS))
def test_csv_cells_never_start_a_formula(tmp_path: Path, case: str) -> None:
    (tmp_path / "=HYPERLINK(x).txt").write_text(FORMULA_TEXTS[case], encoding="utf-8")
    out = tmp_path / "out" / "flags.csv"
    result = run("score", str(tmp_path / "=HYPERLINK(x).txt"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and any(r["category"] for r in rows)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (case, cell)
    assert any(
        cell.startswith(("'=", "'+", "'-", "'@")) for r in rows for k, cell in r.items() if k != "path"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+95% of patients", "'+95% of patients"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        (0.5, 0.5),
        ("", ""),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return", "plain", "number", "empty"],
)
def test_neutralise_cell(value: object, expected: object) -> None:
    assert neutralise_cell(value) == expected


def test_terminal_escapes_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "\x1b[2J\x1b]0;owned\x07evil.txt"
    (tmp_path / name).write_text(
        "\x1b[31mOur stem cells cure paralysis.\x1b[0m The treatment has \u202eno side effects.\x9b1m\n",
        encoding="utf-8",
    )
    result = run("score", str(tmp_path), "--format", "text", "-q")
    assert result.exit_code == 0, result.output
    for control in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert control not in result.stdout
    assert "\\x1b[2J" in result.stdout and "\\u202e" in result.stdout
    assert result.stdout.count("\n== ") + result.stdout.startswith("== ") == 1


@pytest.mark.parametrize(
    ("text", "single_line", "expected"),
    [
        ("a\x1b[0mb", True, "a\\x1b[0mb"),
        ("line\nnext\ttab", True, "line\\x0anext\\x09tab"),
        ("line\nnext\ttab", False, "line\nnext\ttab"),
        ("\x85\u2028\u202e\x7f", False, "\\x85\\u2028\\u202e\\x7f"),
        ("café ünïcode", True, "café ünïcode"),
    ],
    ids=["escape", "single-line", "multi-line-keeps-breaks", "c1-separators-bidi-del", "plain-unicode"],
)
def test_printable(text: str, single_line: bool, expected: str) -> None:
    assert printable(text, single_line=single_line) == expected


def test_error_messages_escape_control_characters_in_file_names(tmp_path: Path) -> None:
    listing = tmp_path / "\x1b[31mlist"
    result = run("score", "--from-file", str(listing))
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b[31mlist" in result.output


# --- Crashes with tracebacks ---------------------------------------------------------------------


def test_a_read_only_output_folder_exits_3_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(PROMO, encoding="utf-8")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse as it would anyone else
        real_open = os.open

        def refusing(path, *args, **kwargs):
            if os.fspath(path).startswith(str(folder)):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing)
    try:
        result = run("score", str(tmp_path / "a.txt"), "-o", str(folder / "out.jsonl"))
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 3
    assert "Permission denied" in one_line_error(result.stderr)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["jsonl", "csv", "text", "html"], ids=lambda n: f"disk-full-{n}")
def test_a_full_disk_exits_3_and_leaves_no_half_written_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):
        (docs / f"d{i}.txt").write_text(PROMO, encoding="utf-8")
    out = tmp_path / f"out.{'txt' if name == 'text' else name}"
    out.write_text("the previous report\n", encoding="utf-8")
    real_write = os.write
    writes = []

    def full_disk(fd: int, data) -> int:
        writes.append(fd)
        if len(writes) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    result = run("score", str(docs), "-o", str(out), "--format", name)
    monkeypatch.undo()
    assert result.exit_code == 3, result.output
    message = one_line_error(result.stderr)
    assert "No space left on device" in message and "--resume" in message
    assert out.read_text(encoding="utf-8") == "the previous report\n"
    resumed = run("score", str(docs), "-o", str(out), "--format", name, "--resume", "-q")
    assert resumed.exit_code == 0, resumed.output
    assert out.read_text(encoding="utf-8") != "the previous report\n"


def test_a_worker_that_dies_exits_3_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(40):
        (docs / f"d{i:02d}.txt").write_text(PROMO, encoding="utf-8")
    (docs / "d39.txt").write_text("kill me", encoding="utf-8")
    original = batch.read_input

    def dying(path: str, **options):
        if path.endswith("d39.txt"):
            os._exit(9)  # a worker killed mid-chunk (out of memory, kill -9)
        return original(path, **options)

    monkeypatch.setattr(batch, "read_input", dying)  # forked workers inherit the patch
    out = tmp_path / "out.jsonl"
    result = run("score", str(docs), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 3, result.output
    assert "worker process stopped" in one_line_error(result.stderr)
    assert not out.exists()


@pytest.mark.skipif(sys.platform != "linux", reason="reads children from /proc")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(2000):
        (docs / f"d{i:04d}.txt").write_text(PROMO * 30, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-m", "classifier", "score", str(docs), "-o", str(out), "--jobs", "2", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            children = [
                int(p) for p in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
            ]
            if len(children) >= 2 and partial_path(out).exists() and partial_path(out).stat().st_size:
                break
            time.sleep(0.1)
        assert len(children) >= 2
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    def alive(pid: int) -> bool:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        return "State:\tZ" not in status

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.1)
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors


@pytest.mark.parametrize("name", ["jsonl", "csv", "text"], ids=lambda n: f"resume-keeps-exit-1-{n}")
def test_a_resumed_run_exits_1_when_an_earlier_input_failed(tmp_path: Path, name: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(PROMO, encoding="utf-8")
    (docs / "b.txt").write_bytes(b"\x00\x01binary")
    out = tmp_path / f"out.{'txt' if name == 'text' else name}"
    assert run("score", str(docs), "-o", str(out), "-q").exit_code == 1
    resumed = run("score", str(docs), "-o", str(out), "--resume")
    assert resumed.exit_code == 1, resumed.output
    assert "(2 already done, 1 of them with errors)" in resumed.stderr

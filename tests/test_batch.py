"""Batch scoring on real-world input: bad files, encodings, HTML, long texts, formats,
parallel runs, and a run killed part way through then resumed."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import classifier
from classifier.api import split_text
from classifier.cli import app
from classifier.read.inputs import decode, read_input
from classifier.run import batch

PROMO = "Our stem cells are pluripotent and cure paralysis. The treatment has no side effects.\n"
CAREFUL = "Mesenchymal cells are not pluripotent. Risks include infection and bleeding.\n"
COMMAND = Path(sys.executable).with_name("classifier")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    folder = tmp_path / "crawl"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(PROMO, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03PK")
    (folder / "latin1.txt").write_bytes(
        "Caf\u00e9 \u00abmiracle\u00bb: our cells cure autism.\n".encode("latin-1")
    )
    (folder / "utf16.txt").write_text(PROMO, encoding="utf-16")
    (folder / "page.html").write_text(
        "<html><body><nav>Home</nav><article><p>"
        + PROMO
        + "</p></article><script>track()</script></body></html>",
        encoding="utf-8",
    )
    (folder / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "sub" / "loop").symlink_to(folder)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    return folder


def test_every_bad_input_gets_its_own_error_and_the_run_goes_on(messy: Path) -> None:
    result = run("score", str(messy), "--format", "jsonl", "--quiet")
    assert result.exit_code == 1
    by_name = {Path(r["path"]).name: r for r in records(result.stdout)}
    assert set(by_name) == {
        "a.txt",
        "empty.txt",
        "binary.txt",
        "latin1.txt",
        "utf16.txt",
        "page.html",
        "broken.txt",
        "loop",
    }
    assert "binary" in by_name["binary.txt"]["error"]
    assert "broken symbolic link" in by_name["broken.txt"]["error"]
    assert "directory loop" in by_name["loop"]["error"]
    assert by_name["empty.txt"] == {**by_name["empty.txt"], "error": None, "risk": 0.0, "flags": []}
    assert by_name["a.txt"]["flags"] and by_name["a.txt"]["error"] is None
    for line in result.stdout.splitlines():
        assert "\n" not in line
        assert set(json.loads(line)) == {
            "path", "risk", "flags", "error", "encoding", "extracted_from_html", "html_extractor"
        }  # fmt: skip


def test_encodings_are_detected_and_reported(messy: Path) -> None:
    result = run("score", str(messy / "latin1.txt"), str(messy / "utf16.txt"), "--format", "jsonl", "-q")
    latin, utf16 = records(result.stdout)
    assert latin["encoding"] not in (None, "utf-8")
    assert utf16["encoding"].replace("-", "_").startswith("utf_16")
    assert (
        read_input(str(messy / "latin1.txt")).text
        == "Caf\u00e9 \u00abmiracle\u00bb: our cells cure autism.\n"
    )
    assert read_input(str(messy / "utf16.txt")).text == PROMO
    assert {f["category"] for f in utf16["flags"]} >= {"absolute_safety"}


def test_undecodable_bytes_never_crash() -> None:
    text, encoding = decode(bytes(range(128, 256)) * 3)
    assert isinstance(text, str) and encoding


def test_html_text_is_extracted_and_the_record_says_so(messy: Path) -> None:
    [item] = records(run("score", str(messy / "page.html"), "--format", "jsonl", "-q").stdout)
    assert item["extracted_from_html"] is True
    assert item["flags"] and all("track()" not in f["sentence"] for f in item["flags"])


def test_unreadable_and_vanishing_files(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = batch.read_input

    def flaky(path: str, **options):
        if path.endswith("a.txt"):
            Path(path).unlink()
        if path.endswith("latin1.txt"):
            raise_permission = PermissionError(13, "Permission denied")
            monkeypatch.setattr(os, "open", lambda *args, **kwargs: (_ for _ in ()).throw(raise_permission))
            try:
                return original(path, **options)
            finally:
                monkeypatch.undo()
        return original(path, **options)

    monkeypatch.setattr(batch, "read_input", flaky)
    result = run("score", str(messy / "a.txt"), str(messy / "latin1.txt"), "--format", "jsonl", "-q")
    vanished, unreadable = records(result.stdout)
    assert result.exit_code == 1
    assert "No such file" in vanished["error"]
    assert "Permission denied" in unreadable["error"]


def test_globs_and_path_lists(messy: Path, tmp_path: Path) -> None:
    only_html = records(run("score", str(messy), "--include", "*.html", "--format", "jsonl", "-q").stdout)
    assert [Path(r["path"]).name for r in only_html] == ["page.html", "loop"]
    no_subfolders = records(
        run("score", str(messy), "--exclude", "sub", "--exclude", "b*", "--format", "jsonl", "-q").stdout
    )
    assert "loop" not in {Path(r["path"]).name for r in no_subfolders}
    assert not {"binary.txt", "broken.txt"} & {Path(r["path"]).name for r in no_subfolders}
    listing = tmp_path / "list.txt"
    listing.write_text(f"{messy / 'a.txt'}\n\n{messy / 'empty.txt'}\n", encoding="utf-8")
    listed = records(run("score", "--from-file", str(listing), "--format", "jsonl", "-q").stdout)
    assert [Path(r["path"]).name for r in listed] == ["a.txt", "empty.txt"]


def test_long_texts_are_scored_in_pieces_with_whole_text_offsets(bundled: classifier.Model) -> None:
    text = (PROMO + CAREFUL + "\n") * 40
    pieces = list(split_text(text, 500))
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= 500 and text[o : o + len(piece)] == piece for o, piece in pieces)
    whole = bundled.score(text)
    bundled.piece_size = 500
    try:
        cut = bundled.score(text)
    finally:
        bundled.piece_size = classifier.Model.piece_size
    assert all(text[f.start : f.end] == f.text for f in cut.flags)
    span_flags = [f for f in whole.flags if f.start != f.end]
    matched = {(f.start, f.category) for f in cut.flags} & {(f.start, f.category) for f in span_flags}
    assert len(matched) >= 0.9 * len(span_flags)


def test_text_longer_than_spacy_max_length(bundled: classifier.Model) -> None:
    text = (PROMO + "\n") * 12_500
    assert len(text) > 1_000_000
    report = bundled.score(text)
    assert report.flags[-1].start > 1_000_000
    assert all(text[f.start : f.end] == f.text for f in report.flags)


@pytest.mark.parametrize("name", ["jsonl", "csv", "text", "html"])
def test_each_output_format(messy: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / f"report.{name if name != 'text' else 'txt'}"
    result = run("score", str(messy / "a.txt"), str(messy / "empty.txt"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    content = out.read_text(encoding="utf-8")
    if name == "jsonl":
        assert [Path(r["path"]).name for r in records(content)] == ["a.txt", "empty.txt"]
    elif name == "csv":
        rows = list(csv.DictReader(io.StringIO(content)))
        assert rows[-1]["category"] == "" and Path(rows[-1]["path"]).name == "empty.txt"
        assert {r["category"] for r in rows[:-1]} >= {"absolute_safety"}
    elif name == "text":
        assert content.count("== ") == 2 and "why:" in content
    else:
        assert content.startswith("<!DOCTYPE html>") and "<mark" in content
        assert "src=" not in content and "http" not in content.lower().replace("http-equiv", "")
        assert content.index("a.txt") < content.index("empty.txt")
        assert not list(tmp_path.glob(".*partial*"))


def test_two_jobs_give_the_same_output_as_one(messy: Path) -> None:
    one = run("score", str(messy), "--format", "jsonl", "-q", "--jobs", "1")
    two = run("score", str(messy), "--format", "jsonl", "-q", "--jobs", "2")
    assert one.stdout == two.stdout and one.exit_code == two.exit_code == 1


def test_resume_needs_an_output_file() -> None:
    result = run("score", "x.txt", "--resume")
    assert result.exit_code == 2
    assert "--resume needs an output file" in result.output


def _folder(path: Path, count: int) -> Path:
    path.mkdir()
    for i in range(count):
        body = PROMO if i % 2 else CAREFUL
        (path / f"doc{i:04d}.txt").write_text(f"Document {i}.\n" + body * 30, encoding="utf-8")
    return path


@pytest.fixture
def many(tmp_path: Path) -> Path:
    return _folder(tmp_path / "many", 150)


@pytest.fixture
def very_many(tmp_path: Path) -> Path:
    """Too many to finish between the first lines written and the signal, even on a fast machine."""
    return _folder(tmp_path / "very_many", 2000)


@pytest.mark.parametrize("name", ["jsonl", "csv", "html"])
def test_killed_run_leaves_a_valid_file_that_resume_completes(many: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / f"out.{name}"
    growing = tmp_path / f".{out.name}.partial"  # records go here until the run completes
    process = subprocess.Popen(
        [str(COMMAND), "score", str(many), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if growing.exists() and growing.read_bytes().count(b"\n") >= 12:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not out.exists()  # a stopped run never leaves a half-written output
    if name == "csv":
        rows = list(csv.DictReader(io.StringIO(growing.read_text(encoding="utf-8"))))
        first = len({r["path"] for r in rows})
    else:
        # A kill during the one write of a large record may tear it; --resume cuts a torn tail off.
        complete_lines = growing.read_text(encoding="utf-8").split("\n")[:-1]
        first = len(records("\n".join(complete_lines)))
    assert 0 < first < 150
    resumed = subprocess.run(
        [str(COMMAND), "score", str(many), "-o", str(out), "--resume"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"({first} already done)" in resumed.stderr
    expected = sorted(str(p) for p in many.iterdir())
    if name == "jsonl":
        paths = [r["path"] for r in records(out.read_text(encoding="utf-8"))]
    elif name == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        paths = list(dict.fromkeys(r["path"] for r in rows))
        assert len(rows) >= len(paths)
    else:
        content = out.read_text(encoding="utf-8")
        paths = sorted(p for p in expected if p in content)
    assert not growing.exists()
    assert sorted(paths) == expected and len(paths) == len(set(paths))


def test_interrupt_exits_130_with_a_valid_file(very_many: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    partial = tmp_path / ".out.jsonl.partial"
    process = subprocess.Popen(
        [str(COMMAND), "score", str(very_many), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # A shell's background job starts with SIGINT ignored, and so would the command (Python
        # keeps an ignored SIGINT ignored): give it the default a terminal gives, as a user has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (partial.exists() and partial.read_bytes().count(b"\n") >= 5):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "--resume" in stderr
    assert not out.exists()
    assert all(json.loads(line) for line in partial.read_text(encoding="utf-8").split("\n")[:-1])

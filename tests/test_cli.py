"""The command line, through Typer's test runner and as an installed command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier import __version__
from classifier.cli import app

RISKY = "Our stem cells are pluripotent and cure paralysis. The treatment has no side effects.\n"
CAREFUL = "Mesenchymal cells are not pluripotent. Risks include infection and bleeding.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "nested").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text(RISKY, encoding="utf-8")
    (tmp_path / "docs" / "nested" / "b.md").write_text(CAREFUL, encoding="utf-8")
    (tmp_path / "docs" / "page.html").write_text(
        f"<html><head><style>p {{}}</style></head><body><p>{RISKY}</p><script>x()</script></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "ignored.pdf").write_bytes(b"%PDF")
    return tmp_path / "docs"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"classifier {__version__}"


def test_score_directory_as_jsonl(folder: Path) -> None:
    result = run("score", str(folder), "--format", "jsonl", "--quiet")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == ["a.txt", "b.md", "page.html"]
    assert all(r["error"] is None for r in records)
    assert records[0]["risk"] > records[1]["risk"]
    assert "absolute_safety" in {f["category"] for f in records[0]["flags"]}
    html_flags = records[2]["flags"]
    assert html_flags and all("x()" not in f["sentence"] for f in html_flags)


def test_missing_and_binary_inputs_get_error_records_and_exit_1(folder: Path, tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    result = run(
        "score",
        str(folder / "a.txt"),
        str(tmp_path / "missing.txt"),
        str(binary),
        "--format",
        "jsonl",
        "--quiet",
    )
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["error"] is None for r in records] == [True, False, False]
    assert "no such file" in records[1]["error"].lower()
    assert "binary" in records[2]["error"]


def test_stdin_and_text_report() -> None:
    result = run("score", "-", "--format", "text", "--quiet", stdin=RISKY)
    assert result.exit_code == 0
    assert result.stdout.startswith("== -")
    assert "why:" in result.stdout and "instead:" in result.stdout


def test_output_file_csv_and_summary(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "flags.csv"
    result = run("score", str(folder), "-o", str(out))
    assert result.exit_code == 0
    assert "scored 3 of 3 input(s)" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {Path(r["path"]).name for r in rows} == {"a.txt", "b.md", "page.html"}
    assert not list(out.parent.glob(".*partial"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "x.txt", "--format", "pdf"], "unknown format 'pdf'"),
        (["score", "x.txt", "--threshold", "2"], "--threshold must be in [0, 1]"),
        (["score", "x.txt", "--model", "/nonexistent/model"], "No model found"),
        (["score"], "no inputs: give PATH arguments or --from-file LIST"),
    ],
    ids=["format", "threshold", "model", "no-paths"],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_train_and_evaluate_commands(tiny_corpus: Path, tmp_path: Path) -> None:
    model = tmp_path / "m"
    trained = run("train", "--corpus", str(tiny_corpus), "--output", str(model))
    assert trained.exit_code == 0, trained.output
    assert "Dev split" in trained.stdout and "| cure_claim |" in trained.stdout
    assert f"classifier score --model {model} --trust-model" in trained.stderr
    metrics_file = tmp_path / "metrics.json"
    evaluated = run(
        "evaluate",
        "--model",
        str(model),
        "--trust-model",
        "--corpus",
        str(tiny_corpus),
        "--split",
        "test",
        "--json",
        str(metrics_file),
        "--markdown",
        str(tmp_path / "metrics.md"),
    )
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads(metrics_file.read_text())
    assert metrics["split"] == "test"
    assert {"confusion", "calibration", "document_risk"} <= set(metrics)
    assert (tmp_path / "metrics.md").read_text() == evaluated.stdout
    assert set(metrics["sentence"]["per_category"]) >= {"cure_claim", "hype_language"}


def test_evaluate_unknown_split_exits_2(tiny_corpus: Path) -> None:
    result = run("evaluate", "--corpus", str(tiny_corpus), "--split", "holdout")
    assert result.exit_code == 2
    assert "No split named 'holdout'" in result.output

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

from .conftest import REPO

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


# The CLI for users (reviewer-grade flags issue, "CLI"): help written for users,
# refused output endings, train that never replaces a model by accident, and a
# corpus found outside a clone.


@pytest.mark.parametrize(
    "command", [[], ["score"], ["train"], ["evaluate"], ["corpus", "build"], ["model", "pin"]]
)
def test_help_is_written_for_users(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Typer" not in result.output and "thin" not in result.output
    assert "<bool>" not in result.output and "<list[" not in result.output and "<path>" not in result.output


def test_top_level_and_score_help_show_examples() -> None:
    for command in ([], ["score"]):
        text = run(*command, "--help").output
        assert "Examples:" in text
        assert "classifier score site/ -o report.html" in text


@pytest.mark.parametrize("name", ["report.pdf", "report", "flags.xlsx"])
def test_unknown_output_ending_is_refused(folder: Path, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    result = run("score", str(folder), "-o", str(target))
    assert result.exit_code == 2
    assert "cannot tell the output format" in result.output and "--format" in result.output
    assert not target.exists()
    assert list(tmp_path.glob(f".{name}*")) == []


def test_unknown_ending_with_format_is_written(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "records.out"
    result = run("score", str(folder), "-o", str(target), "--format", "jsonl", "--quiet")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [Path(r["path"]).name for r in records] == ["a.txt", "b.md", "page.html"]


def test_train_needs_an_output_directory(tiny_corpus: Path) -> None:
    result = run("train", "--corpus", str(tiny_corpus))
    assert result.exit_code == 2
    assert "--output" in result.output


def test_train_never_replaces_a_model_without_overwrite(tiny_model_dir: Path, tiny_corpus: Path) -> None:
    card = tiny_model_dir / "model_card.json"
    before = card.read_bytes()
    result = run("train", "--corpus", str(tiny_corpus), "--output", str(tiny_model_dir))
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert card.read_bytes() == before


def test_train_refuses_the_bundled_model_without_overwrite(tiny_corpus: Path) -> None:
    from classifier.pipeline.claims import default_model_path

    bundled = Path(str(default_model_path()))
    before = (bundled / "model_card.json").read_bytes()
    result = run("train", "--corpus", str(tiny_corpus), "--output", str(bundled))
    assert result.exit_code == 2
    assert "the bundled model" in result.output
    assert (bundled / "model_card.json").read_bytes() == before


def test_commands_outside_a_clone_name_the_corpus_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import classifier.corpus.schema as schema

    # As outside a clone, with no corpus installed either.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(schema, "default_corpus", lambda: None)
    monkeypatch.setattr("classifier.corpus.default_corpus", lambda: None)
    for command in (["evaluate"], ["train", "--output", str(tmp_path / "m")]):
        result = run(*command)
        assert result.exit_code == 2
        assert "no corpus found" in result.output and "--corpus FILE" in result.output


def test_default_corpus_is_the_clone_one_or_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifier.corpus import default_corpus

    monkeypatch.chdir(REPO)
    assert default_corpus() == Path("datasets/corpus.jsonl")
    monkeypatch.chdir(tmp_path)
    found = default_corpus()
    # Installed from a wheel the corpus comes with the package; an editable install may not map it.
    assert found is None or (found.name == "corpus.jsonl" and found.is_file())


def test_train_help_names_every_lever() -> None:
    # The help text is written out (importing training at start-up would slow every command).
    from classifier.model.training import LEVERS

    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert all(name in flat for name in LEVERS), flat

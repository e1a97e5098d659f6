"""Acceptance on the real-world article in ../shared/examples, through the installed command.

Runs only where ../shared exists beside the repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SHARED

ARTICLE = SHARED / "examples" / "stem_cell_paralysis_article.txt"
EXPECTED = SHARED / "examples" / "stem_cell_paralysis_article.expected.json"

pytestmark = pytest.mark.skipif(
    not ARTICLE.is_file(), reason="../shared/examples is not beside the repository"
)


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> dict:
    command = Path(sys.executable).with_name("classifier")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = subprocess.run(
        [str(command), "score", str(ARTICLE), "--format", "jsonl", "--quiet"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = result.stdout.splitlines()
    return json.loads(line)


def _expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def _on_sentence(record: dict, fragment: str) -> list[dict]:
    return [
        f for f in record["flags"] if f["start"] != f["end"] and fragment in " ".join(f["sentence"].split())
    ]


@pytest.mark.parametrize(
    "entry", _expected()["must_flag"] if EXPECTED.is_file() else [], ids=lambda e: e["fragment"][:40]
)
def test_must_flag(record: dict, entry: dict) -> None:
    categories = {f["category"] for f in _on_sentence(record, entry["fragment"])}
    assert categories & set(entry["any_of"]), f"flags on this sentence: {sorted(categories)}"


@pytest.mark.parametrize(
    "entry", _expected()["must_not_flag"] if EXPECTED.is_file() else [], ids=lambda e: e["fragment"][:40]
)
def test_must_not_flag(record: dict, entry: dict) -> None:
    assert [f["category"] for f in _on_sentence(record, entry["fragment"])] == []


def test_document_level(record: dict) -> None:
    raised = {f["category"] for f in record["flags"] if f["start"] == f["end"]}
    assert not raised & set(_expected()["document"]["must_not"])


def test_offsets_index_the_file(record: dict) -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    for flag in record["flags"]:
        assert text[flag["start"] : flag["end"]] == flag["text"]

"""The README's promises: its two set-up commands, and the main job on examples/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

COMMAND = Path(sys.executable).with_name("classifier")


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.splitlines() if line.startswith("    ")]
    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && classifier score examples/",
        "pip install '.[test]' && pytest",
    ]
    assert re.search(r"pip install '\.\[test\]' && pytest", (REPO / ".ci" / "run").read_text())


def test_main_job_scores_every_example() -> None:
    examples = sorted(p for p in (REPO / "examples").iterdir() if p.suffix in (".txt", ".md"))
    assert len(examples) >= 6
    result = subprocess.run(
        [str(COMMAND), "score", "examples/", "--format", "jsonl"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == [p.name for p in examples]
    assert all(r["error"] is None for r in records)
    assert f"scored {len(examples)} of {len(examples)} input(s)" in result.stderr

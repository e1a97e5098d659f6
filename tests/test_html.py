"""HTML extraction (issue 11): deep nesting, the fallback extractor, the size and time budgets."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.read import html
from classifier.read.html import extract_html, flat_text
from classifier.read.inputs import read_input

CLAIM = "Our stem cell therapy cures arthritis."


def nested(depth: int, tag: str = "div") -> str:
    return f"<html><body>{f'<{tag}>' * depth}<p>{CLAIM}</p>{f'</{tag}>' * depth}</body></html>"


@pytest.mark.parametrize("depth", [10, 255, 260, 1_000, 100_000], ids=lambda d: f"depth-{d}")
def test_deeply_nested_text_is_extracted(depth: int) -> None:
    # Before: 260 or more levels extracted as empty, with 0 flags and no error.
    page = extract_html(nested(depth))
    assert page.text == CLAIM
    assert page.extractor == ("trafilatura" if depth < 255 else "flat")


@pytest.mark.parametrize("tag", ["div", "span", "b", "section", "li"])
def test_nesting_beyond_the_parser_falls_back_whatever_the_element(tag: str) -> None:
    assert CLAIM in extract_html(nested(300, tag)).text


def test_a_page_trafilatura_finds_nothing_in_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    monkeypatch.setattr(trafilatura, "html2txt", lambda *args, **kwargs: "")
    page = extract_html(f"<html><body><p>{CLAIM}</p></body></html>")
    assert (page.text, page.extractor) == (CLAIM, "flat")


def test_trafilatura_over_its_time_budget_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def slow(*args: object, **kwargs: object) -> str:
        time.sleep(30)
        return "never"

    monkeypatch.setattr(trafilatura, "extract", slow)
    page = extract_html(f"<html><body><p>{CLAIM}</p></body></html>", time_budget=0.05)
    assert (page.text, page.extractor) == (CLAIM, "flat")


def test_a_page_over_the_size_budget_skips_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("trafilatura should not run")

    monkeypatch.setattr(trafilatura, "extract", refuse)
    markup = f"<html><body><p>{CLAIM}</p></body></html>"
    page = extract_html(markup, max_main_markup=len(markup) - 1)
    assert (page.text, page.extractor) == (CLAIM, "flat")


def test_an_empty_page_is_empty() -> None:
    assert extract_html("  \n").extractor == "none"
    assert extract_html("<html><body><script>x()</script></body></html>").text == ""


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>a</p><p>b</p>", "a\nb"),
        ("stem<b>cell</b>s &amp; PRP&nbsp;x", "stemcells & PRP x"),
        ("<script>if (a < b) { x() }</script>seen", "seen"),
        ("<STYLE>p {}</STYLE><noscript>no</noscript><template>t</template>seen", "seen"),
        ("a<!-- hidden <p> -->b", "ab"),
        ("a<!-- never closed", "a"),
        ("<!DOCTYPE html><?xml x?>a<br>b", "a\nb"),
        ("3 < 4 and 5 > 2", "3 < 4 and 5 > 2"),
        ("<a href='x'\n title=\"y\">link</a>  text", "link text"),
        ("<script>never closed", ""),
    ],
    ids=[
        "blocks",
        "inline-and-entities",
        "script",
        "raw-text-elements",
        "comment",
        "unclosed-comment",
        "doctype-and-pi",
        "bare-angle-brackets",
        "attributes",
        "unclosed-script",
    ],
)
def test_flat_text(markup: str, text: str) -> None:
    assert flat_text(markup) == text


_SHAPES = """
import sys
sys.path.insert(0, sys.argv[1])
from classifier.read.html import extract_html
size = int(sys.argv[2])
for unit in ("<", "<a", "<!--", "&", "<a href='x", "<![CDATA[", "</", "<script>", "<b>x",
             "<table><tr><td>x", "<p>" + "x" * 40, "<div><b>stem</b> cells cure ",
             "<" + "a" * 40):
    extract_html(unit * (size // len(unit)))
"""


def test_hostile_markup_extracts_in_bounded_time() -> None:
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", _SHAPES, str(root), str(2**20)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_one_paragraph_of_many_inline_elements_does_not_grow_quadratically() -> None:
    # trafilatura's time on this shape grows with the square of the page (4 s at 2 MB,
    # minutes at 30 MB); over the size budget the linear extractor reads it.
    sentence = "<b>Our stem cell therapy cures arthritis, number {}.</b> "
    markup = "<html><body><p>" + "".join(sentence.format(i) for i in range(150_000)) + "</p></body></html>"
    assert len(markup) > html.MAX_MAIN_MARKUP
    page = extract_html(markup)
    assert page.extractor == "flat"
    assert page.text.count("cures arthritis") == 150_000


def test_the_record_names_the_extractor(tmp_path: Path) -> None:
    deep = tmp_path / "deep.html"
    deep.write_text(nested(300), encoding="utf-8")
    shallow = tmp_path / "shallow.html"
    shallow.write_text(nested(3), encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text(CLAIM, encoding="utf-8")
    assert read_input(str(deep)).html_extractor == "flat"
    assert read_input(str(shallow)).html_extractor == "trafilatura"
    assert read_input(str(plain)).html_extractor is None
    result = CliRunner().invoke(app, ["score", str(deep), str(plain), "--format", "jsonl", "--quiet"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["html_extractor"] for r in records] == ["flat", None]
    deep_record = records[0]
    assert deep_record["extracted_from_html"] is True
    assert any(f["category"] == "cure_claim" for f in deep_record["flags"])

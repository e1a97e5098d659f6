"""The HTML report: documents in full with flags in place, filters, keys, escaping, and a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.output.html_report import DOCUMENT_TEXT_LIMIT, document_passages, render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium) to open the report in"
)

TEXT = (
    "The treatment is 100% safe. Our stem cells cure autism and repair the brain.\n"
    "Thousands of satisfied patients prove it works."
)


def _flag(category: str, start: int, end: int, score: float, severity: str = "high", **extra: object) -> dict:
    text = TEXT[start:end] if end > start else ""
    return {
        "category": category,
        "start": start,
        "end": end,
        "text": text,
        "sentence": text,
        "score": score,
        "severity": severity,
        "explanation": f"Why {category} is risky.",
        "evidence": ["cure"],
        "suggestion": f"Say {category} carefully.",
        **extra,
    }


def _record(path: str, text: str, flags: list[dict], risk: float = 0.9, **extra: object) -> dict:
    return {
        "path": path,
        "risk": risk,
        "flags": flags,
        "error": None,
        "encoding": "utf-8",
        "extracted_from_html": False,
        "document": document_passages(text, flags),
        **extra,
    }


def _span(phrase: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    return start, start + len(phrase)


CURE = _span("cure autism and repair the brain")
REPAIR = _span("repair the brain")  # nested inside CURE
CROSS = _span("autism and repair the brain.\nThousands")  # crosses CURE's end
SAFE = _span("100% safe")


def _flags() -> list[dict]:
    return [
        _flag("missing_disclosure", 0, 0, 0.71, "medium"),
        _flag("absolute_safety", *SAFE, 0.95),
        _flag("cure_claim", *CURE, 0.62),
        _flag("unsupported_proof", *CROSS, 0.4, "medium"),
        _flag("cure_claim", *REPAIR, 0.8),
    ]


class Page(HTMLParser):
    """Elements, attributes and, for each flag number, the text inside its highlighted pieces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.pieces: dict[str, str] = {}
        self.text: dict[str, str] = {}
        self.in_text = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self.open.append((tag, attributes))
        if "text" in (attributes.get("class") or "").split():
            self.in_text = len(self.open)
            self.current_doc = str(len(self.text))
            self.text[self.current_doc] = ""

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            if len(self.open) == self.in_text:
                self.in_text = 0
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.in_text:
            self.text[self.current_doc] += data
            for _, attributes in self.open:
                if attributes.get("data-f"):
                    number = str(attributes["data-f"])
                    self.pieces[number] = self.pieces.get(number, "") + data

    def all(self, tag: str | None = None, cls: str | None = None) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if (tag is None or t == tag) and (cls is None or cls in (a.get("class") or "").split())
        ]


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    return parser


def test_document_is_shown_whole_with_each_flag_at_its_offsets() -> None:
    flags = _flags()
    page = parse(render_html([_record("a.txt", TEXT, flags)]))
    assert list(page.text.values()) == [TEXT]
    marks = {a["data-f"]: a for a in page.all("mark", "flag")}
    # Flags are numbered in record order; the document-level one (1) is a banner, not a highlight.
    assert sorted(marks, key=int) == ["2", "3", "4", "5"]
    for number, flag in zip(["2", "3", "4", "5"], flags[1:], strict=True):
        assert page.pieces[number] == TEXT[flag["start"] : flag["end"]], flag["category"]
        assert marks[number]["data-cat"] == flag["category"]
        assert marks[number]["tabindex"] == "0"


def test_a_flag_crossing_another_is_split_with_one_focusable_piece_and_one_label() -> None:
    page = parse(render_html([_record("a.txt", TEXT, _flags())]))
    crossing = [a for a in page.all("mark") if a.get("data-f") == "4"]
    assert len(crossing) == 2
    assert sum("tabindex" in a for a in crossing) == 1
    assert [a.get("data-label") for a in crossing] == [None, "unsupported_proof · medium · 0.40"]


def test_document_level_flag_is_a_banner_not_characters_0_0() -> None:
    content = render_html([_record("a.txt", TEXT, _flags())])
    page = parse(content)
    [banner] = page.all(cls="banner")
    assert banner["data-cat"] == "missing_disclosure" and banner["tabindex"] == "0"
    assert "characters 0-0" not in content.lower() and "characters 0–0" not in content.lower()
    assert "Whole document of a.txt" in content


def test_confidence_is_presented_apart_from_severity() -> None:
    content = render_html([_record("a.txt", TEXT, _flags())])
    assert "cure_claim</span> high-severity category · confidence 0.62" in content
    assert "score 0.62" not in content and "high, score" not in content


def test_the_category_table_links_to_each_category_s_first_flag() -> None:
    page = parse(render_html([_record("a.txt", TEXT, _flags())]))
    links = {a["data-cat"]: a["href"] for a in page.all("a", "catlink")}
    assert links == {
        "missing_disclosure": "#flag-1",
        "absolute_safety": "#flag-2",
        "cure_claim": "#flag-3",
        "unsupported_proof": "#flag-4",
    }
    ids = {a.get("id") for _, a in page.tags}
    assert all(href[1:] in ids for href in links.values())
    boxes = {a["value"] for a in page.all("input") if a.get("name") == "cat"}
    assert {"cure_claim", "hype_language", "missing_disclosure"} <= boxes


def test_a_long_document_shows_the_passages_around_its_flags_and_says_so() -> None:
    filler = "Plain words about the clinic's opening hours. " * 4000
    text = filler + TEXT + filler
    offset = len(filler)
    flags = [_flag("cure_claim", CURE[0] + offset, CURE[1] + offset, 0.9)]
    flags[0]["text"] = text[flags[0]["start"] : flags[0]["end"]]
    shown = document_passages(text, flags, limit=DOCUMENT_TEXT_LIMIT)
    assert len(text) > DOCUMENT_TEXT_LIMIT
    assert sum(len(t) for _, t in shown["passages"]) < 1000
    assert all(text[s : s + len(t)] == t for s, t in shown["passages"])
    page_text = render_html([{**_record("long.txt", text, flags), "document": shown}])
    assert f"This document has {len(text):,} characters" in page_text
    assert parse(page_text).pieces["1"] == "cure autism and repair the brain"


def test_past_the_page_budget_documents_list_their_flags() -> None:
    records = [_record(f"{i}.txt", TEXT, _flags(), risk=1 - i / 10) for i in range(3)]
    content = render_html(records, page_text_limit=len(TEXT) * 2)
    page = parse(content)
    assert len(page.text) == 2
    assert len(page.all(cls="listed")) == 4
    assert "the flags are listed" in content


# How the page shows control characters: a visible stand-in for each, so offsets hold.
VISIBLE = {c: 0x2400 + c for c in range(0x20) if c not in (9, 10, 13)} | {0x7F: 0x2421, 0x85: 0xFFFD}

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</style><style>body{display:none}</style>",
    "</textarea></template></noscript><b>x",
    "line\u2028separator\u2029paragraph",
    "control\x00\x01\x08\x0b\x1b\x7f\x85 characters",
    "&lt;already escaped&gt; &amp;",
]


def _hostile_page(hostile: str) -> tuple[str, str]:
    """A page where every field taken from inputs holds ``hostile``, and the document's text."""
    text = f"Our stem cells {hostile} cure autism.\nMore {hostile} text."
    start, end = text.index(hostile), text.index("cure") + len("cure autism")
    flag = {
        "category": hostile,
        "start": start,
        "end": end,
        "text": text[start:end],
        "sentence": hostile,
        "score": 0.5,
        "severity": hostile,
        "explanation": hostile,
        "evidence": [hostile, {"word": hostile, "weight": 0.3}],
        "suggestion": hostile,
    }
    error = {"error": f"cannot read {hostile}", "risk": None, "document": None}
    records = [_record(f"dir/{hostile}.txt", text, [flag]), {**_record(f"{hostile}.html", "", []), **error}]
    return render_html(records, title=hostile), text


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_everything_from_inputs_is_escaped(hostile: str) -> None:
    content, text = _hostile_page(hostile)
    page = parse(content)
    # The same elements and attribute names as a page of harmless words: nothing was injected.
    plain = parse(_hostile_page("plain words")[0])
    assert [(t, sorted(a)) for t, a in page.tags] == [(t, sorted(a)) for t, a in plain.tags]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", content)
    # The text itself is shown, control characters as visible stand-ins, one for one.
    visible = VISIBLE
    assert next(iter(page.text.values())) == text.translate(visible)
    assert page.pieces["1"] == text[text.index(hostile) : text.index("cure") + 11].translate(visible)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x1c"], ids=repr)
def test_an_interrupted_html_run_with_line_separators_in_its_text_resumes(
    tmp_path: Path, separator: str
) -> None:
    from classifier.output.writers import Output

    text = f"Our stem cells cure autism.{separator}No side effects."
    out = tmp_path / "report.html"
    first = Output(out, "html")
    first.write(_record("a.txt", text, []))
    first.close(complete=False)
    again = Output(out, "html", resume=True)
    assert again.done == {"a.txt": 1}
    again.write(_record("b.txt", TEXT, []))
    again.close(complete=True)
    assert sorted(parse(out.read_text(encoding="utf-8")).text.values()) == sorted(
        [text.translate(VISIBLE), TEXT]
    )


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def _inputs(folder: Path, count: int) -> Path:
    folder.mkdir()
    bodies = [
        "Our stem cells cure autism. The treatment has no side effects. We are FDA approved.",
        "Mesenchymal cells are not pluripotent. Risks include infection and bleeding.",
        "Results are guaranteed for every patient. 95% of patients walk again.",
        "This miracle therapy is a revolutionary breakthrough that repairs damaged joints.",
    ]
    for i in range(count):
        (folder / f"doc{i}.txt").write_text(
            f"Clinic {i}\n\n" + bodies[i % len(bodies)] + "\n", encoding="utf-8"
        )
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Eight short documents scored by the bundled model, as an HTML report and as JSON Lines."""
    root = tmp_path_factory.mktemp("report")
    inputs = _inputs(root / "in", 8)
    page = root / "report.html"
    result = CliRunner().invoke(app, ["score", str(inputs), "-o", str(page), "-q"])
    assert result.exit_code == 0, result.output
    return page, inputs


def test_an_html_run_shows_each_input_s_text_and_jsonl_does_not_carry_it(report: tuple[Path, Path]) -> None:
    page, inputs = report
    parsed = parse(page.read_text(encoding="utf-8"))
    texts = sorted(parsed.text.values())
    assert texts == sorted(p.read_text(encoding="utf-8") for p in inputs.iterdir())
    assert parsed.all("mark", "flag")
    result = CliRunner().invoke(app, ["score", str(inputs), "--format", "jsonl", "-q"])
    assert all("document" not in r for r in _records(result.stdout))


def _chromium(url: str, tmp_path: Path, *extra: str) -> tuple[str, str]:
    """``--dump-dom`` of ``url`` after its scripts ran, and chromium's log (console messages included)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1000",
            *extra,
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def _console(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_the_page_s_script_runs_in_chromium_under_its_policy_and_filters_from_the_address(
    report: tuple[Path, Path], tmp_path: Path
) -> None:
    page, _ = report
    parsed = parse(page.read_text(encoding="utf-8"))
    flags = parsed.all(cls="flag")
    high = [f for f in flags if f["data-sev"] == "high" and float(str(f["data-score"])) >= 0.5]
    dom, log = _chromium(f"{page.as_uri()}#filter:cat=all;sev=high;min=0.50", tmp_path)
    assert 'data-js="ready"' in dom, _console(log)
    assert _console(log) == []
    # "cat=all" names no category, so the address must hold real ones: nothing is shown.
    assert f'id="count">0 of {len(flags)} flag(s) shown' in dom
    categories = ",".join(sorted({str(f["data-cat"]) for f in flags}))
    dom, log = _chromium(f"{page.as_uri()}#filter:cat={categories};sev=high;min=0.50", tmp_path)
    assert f'id="count">{len(high)} of {len(flags)} flag(s) shown' in dom
    assert len(re.findall(r'class="hl sev-high flag[^"]*"', dom)) == len(high)


PROBE = """
<script>
(function () {
  var out = {errors: []};
  window.addEventListener("error", function (e) { out.errors.push(String(e.message)); });
  function shown() { return document.querySelectorAll(".flag:not(.off)").length; }
  function key(k) { document.body.dispatchEvent(new KeyboardEvent("keydown", {key: k, bubbles: true})); }
  var panel = document.getElementById("panel");
  out.ready = document.documentElement.getAttribute("data-js");
  out.total = document.querySelectorAll(".flag").length;
  out.height = document.documentElement.scrollHeight;
  key("j"); out.first = document.activeElement.id; out.firstPanel = panel.textContent;
  key("j"); out.second = document.activeElement.id;
  key("k"); out.back = document.activeElement.id;
  document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  out.enterFocus = document.activeElement.id;
  document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
  out.escapeFocus = document.activeElement.id;
  var link = document.querySelector("a.catlink[data-cat=absolute_safety]");
  link.click();
  out.linkShown = shown(); out.linkFocus = document.activeElement.getAttribute("data-cat");
  out.linkPanel = panel.textContent;
  key("Escape"); out.afterReset = shown();
  var min = document.getElementById("min"); min.value = "0.9"; min.dispatchEvent(new Event("input"));
  out.minShown = shown(); out.minScores = Array.prototype.map.call(
    document.querySelectorAll(".flag:not(.off)"), function (f) { return parseFloat(f.dataset.score); });
  key("Escape");
  var high = document.querySelector("input[name=sev][value=high]"); high.click();
  out.noHigh = Array.prototype.map.call(
    document.querySelectorAll(".flag:not(.off)"), function (f) { return f.dataset.sev; });
  key("Escape");
  document.getElementById("probe").textContent = JSON.stringify(out);
})();
</script>
"""


@needs_chromium
def test_keys_links_and_filters_work_in_chromium(report: tuple[Path, Path], tmp_path: Path) -> None:
    page, _ = report
    content = page.read_text(encoding="utf-8")
    parsed = parse(content)
    flags = parsed.all(cls="flag")
    # A copy of the page with a probe script after its own (the page's policy admits only its own).
    probe = tmp_path / "probe.html"
    probe.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", content).replace(
            "</body>", '<pre id="probe"></pre>' + PROBE + "</body>"
        ),
        encoding="utf-8",
    )
    dom, log = _chromium(probe.as_uri(), tmp_path)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), _console(log)
    out = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert out["errors"] == [] and _console(log) == []
    assert out["ready"] == "ready" and out["total"] == len(flags)
    first, second = (str(f["id"]) for f in flags[:2])
    assert (out["first"], out["second"], out["back"]) == (first, second, first)
    assert "confidence" in out["firstPanel"] and "-severity category" in out["firstPanel"]
    assert out["enterFocus"] == "panel" and out["escapeFocus"] == first
    assert out["linkFocus"] == "absolute_safety" and "absolute_safety" in out["linkPanel"]
    assert out["linkShown"] == sum(f["data-cat"] == "absolute_safety" for f in flags)
    assert out["afterReset"] == len(flags)
    assert out["minShown"] == sum(float(str(f["data-score"])) >= 0.9 for f in flags)
    assert all(score >= 0.9 for score in out["minScores"])
    assert out["noHigh"] and "high" not in out["noHigh"]
    # Eight short documents make a page a reviewer can take in (the old report was ~7,800 px).
    assert out["height"] < 3000, out["height"]


@needs_chromium
def test_hostile_inputs_inject_nothing_in_chromium(tmp_path: Path) -> None:
    # (No NUL: the reader refuses a file with NUL bytes as binary.)
    hostile = " ".join(HOSTILE).replace("\x00", "")
    text = f"Our stem cells cure autism. {hostile}\nThe treatment has no side effects."
    (tmp_path / "in").mkdir()
    name = tmp_path / "in" / "x\"><img src=x onerror=alert(1)>'.txt"
    name.write_text(text, encoding="utf-8")
    page = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["score", str(tmp_path / "in"), "-o", str(page), "-q"])
    assert result.exit_code == 0, result.output
    dom, log = _chromium(page.as_uri(), tmp_path)
    assert 'data-js="ready"' in dom and _console(log) == []
    parsed = parse(dom)
    assert [t for t, _ in parsed.tags].count("script") == 1
    assert not parsed.all("img") and not parsed.all("svg") and not parsed.all("b")
    assert not [a for _, a in parsed.tags for name in a if name.startswith("on")]

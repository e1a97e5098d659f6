"""Pathological-text benchmark (issue 11). Not a test.

Times 1, 4 and 16 MB (MB = 2**20 characters) of each shape the hostile-input
probe found slow, each measurement in a fresh process so its peak resident
memory is its own:

- ``spaced-letters``: ``a a a ...`` (100 KB took 84 s and 12.2 GB before);
- ``cyrillic-run``: Cyrillic letters, look-alikes among them, with no space
  (20,000 took 60 s, 1 MB never finished);
- ``letters-digits``: ``a1a1...`` (1/4 MB took 55 s);
- ``punctuation-run``: ``=+(...`` with no space (spaCy's tokenizer alone was quadratic);

each through ``normalize()`` and through ``Model.score``; and

- ``html-deep``: one sentence nested in as many ``<div>`` as fit (260 or more
  levels extracted as empty before);
- ``html-article``: a page of sections, headings, paragraphs and lists;
- ``html-inline``: one paragraph of many ``<b>`` elements (trafilatura's time
  on it grows with the square of the page);

each through the file reader (``read_input``: decoding and HTML extraction).
Prints seconds and peak resident memory (ru_maxrss of the process, which
includes the interpreter and, for ``score``, the loaded model: the
``baseline`` row is a process that only loads).

    python benchmarks/pathological.py [--sizes 1 4 16] [--only SHAPE ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MB = 2**20
TEXT_SHAPES = ("spaced-letters", "cyrillic-run", "letters-digits", "punctuation-run")
HTML_SHAPES = ("html-deep", "html-article", "html-inline")

# Run in a fresh interpreter: build the input, time one call, report time and peak memory.
_CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
shape, path_name, size = sys.argv[2], sys.argv[3], int(sys.argv[4])

def make(shape, n):
    if shape == "spaced-letters":
        return ("a " * (n // 2 + 1))[:n]
    if shape == "cyrillic-run":
        return ("\u0436\u0430\u0431\u0435\u0440\u043e\u0441" * (n // 7 + 1))[:n]
    if shape == "letters-digits":
        return ("a1" * (n // 2 + 1))[:n]
    if shape == "punctuation-run":
        return ("=+(),;$%" * (n // 8 + 1))[:n]
    if shape == "html-deep":
        sentence = "<p>Our stem cell therapy cures arthritis.</p>"
        depth = max(1, (n - len(sentence)) // 11)
        return "<html><body>" + "<div>" * depth + sentence + "</div>" * depth + "</body></html>"
    if shape == "html-article":
        parts, total, i = [], 0, 0
        while total < n:
            part = (f"<div class='c{i % 7}'><h2>Section {i}</h2><p>Our stem cell therapy number {i} "
                    f"cures arthritis and is completely safe for patient {i * 7}.</p>"
                    f"<ul><li>item {i}</li><li>other {i}</li></ul></div>\n")
            parts.append(part); total += len(part); i += 1
        body = "".join(parts)
        return f"<html><head><title>x</title></head><body><article>{body}</article></body></html>"
    if shape == "html-inline":
        parts, total, i = [], 0, 0
        while total < n:
            part = f"<b>Our stem cell therapy number {i} cures arthritis.</b> "
            parts.append(part); total += len(part); i += 1
        return "<html><body><p>" + "".join(parts) + "</p></body></html>"
    raise SystemExit(f"unknown shape {shape}")

result = {}
if path_name == "baseline":
    import classifier
    classifier.load()
    seconds = 0.0
else:
    text = make(shape, size)
    if path_name == "normalize":
        from classifier.pipeline.normalization import normalize
        start = time.perf_counter(); normalized = normalize(text); seconds = time.perf_counter() - start
        begin, end = normalized.to_original(0, len(normalized.text))
        assert (begin, end) == (0, len(text))
    elif path_name == "score":
        import classifier
        model = classifier.load()
        start = time.perf_counter(); report = model.score(text); seconds = time.perf_counter() - start
        assert all(f.text == text[f.start:f.end] for f in report.flags)
        result["flags"] = len(report.flags)
    else:
        from classifier.read.inputs import read_input
        with tempfile.NamedTemporaryFile("w", suffix=".html", encoding="utf-8", delete=False) as page:
            page.write(text)
        start = time.perf_counter(); item = read_input(page.name); seconds = time.perf_counter() - start
        result["extractor"] = item.html_extractor
        result["extracted_characters"] = len(item.text or "")
result["seconds"] = round(seconds, 3)
result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(result))
"""


def measure(shape: str, path: str, size: int, timeout: float) -> dict[str, Any]:
    row: dict[str, Any] = {"shape": shape, "path": path, "megabytes": size / MB}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(REPO), shape, path, str(size)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {**row, "error": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {**row, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return {**row, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="sizes in MB")
    parser.add_argument("--only", nargs="+", choices=TEXT_SHAPES + HTML_SHAPES, help="shapes to run")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per measurement")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    shapes = args.only or list(TEXT_SHAPES + HTML_SHAPES)
    rows = [measure("-", "baseline", 0, args.timeout)]
    print(f"baseline (load the model only): peak {rows[0].get('peak_rss_mb')} MB", flush=True)
    for shape in shapes:
        paths = ("normalize", "score") if shape in TEXT_SHAPES else ("read",)
        for path in paths:
            for megabytes in args.sizes:
                row = measure(shape, path, int(megabytes * MB), args.timeout)
                rows.append(row)
                shown = row.get("error") or f"{row['seconds']:8.2f} s  peak {row['peak_rss_mb']:7.1f} MB"
                extra = f"  ({row['extractor']})" if "extractor" in row else ""
                print(f"{shape:16} {path:9} {megabytes:5g} MB  {shown}{extra}", flush=True)
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores_available": len(os.sched_getaffinity(0)),
    }
    if args.json:
        payload = {"machine": machine, "results": rows}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

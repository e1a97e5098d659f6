"""HTML report check: a screenshot of the report of examples/ in headless Chromium, and its size.

Not a test. Scores the project's examples/ into an HTML report, opens a copy of
it in headless Chromium with a script that presses ``j`` (next flag) a few
times as a reviewer would, and saves a screenshot with that flag's details
showing. Prints the page height, the number of flags and the file size.

    python benchmarks/html_report.py [--presses 4] [--out benchmarks/results/html_report.png]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PRESS = """<pre id="probe" hidden></pre><script>
(function () {
  for (var i = 0; i < %d; i += 1) {
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "j", bubbles: true}));
  }
  window.scrollTo(0, 0);
  document.getElementById("probe").textContent = JSON.stringify({
    height: document.documentElement.scrollHeight,
    flags: document.querySelectorAll(".flag").length,
    selected: document.activeElement.id
  });
})();
</script></body>"""


def chromium(*args: str, profile: Path) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        sys.exit("no chromium on PATH: apt-get install chromium")
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=4, help="how many times to press j before the shot")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "html_report.png")
    parser.add_argument("--size", default="1400,1000", help="window size, WIDTH,HEIGHT")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        report = work / "report.html"
        subprocess.run(
            [sys.executable, "-m", "classifier", "score", "examples/", "-o", str(report), "-q"],
            check=True,
            cwd=REPO,
        )
        page = report.read_text(encoding="utf-8")
        # The page's policy admits only its own script; the copy drops it to run the key presses.
        copy = work / "pressed.html"
        copy.write_text(
            re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace(
                "</body>", PRESS % options.presses
            ),
            encoding="utf-8",
        )
        dom = chromium("--window-size=" + options.size, "--dump-dom", copy.as_uri(), profile=work / "p")
        found = re.search(r'<pre id="probe" hidden="">(.*?)</pre>', dom, re.S)
        probe = json.loads(found.group(1)) if found else {}
        options.out.parent.mkdir(parents=True, exist_ok=True)
        chromium(
            "--window-size=" + options.size, f"--screenshot={options.out}", copy.as_uri(), profile=work / "p"
        )
        print(
            json.dumps(
                {
                    "report_bytes": len(page.encode("utf-8")),
                    "page_height_px": probe.get("height"),
                    "flags": probe.get("flags"),
                    "selected": probe.get("selected"),
                    "window": options.size,
                    "screenshot": str(options.out.resolve()),
                }
            )
        )


if __name__ == "__main__":
    main()

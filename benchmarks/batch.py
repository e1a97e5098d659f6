"""Batch benchmark: files per second for `classifier score` with --jobs 1 and 2, and peak memory.

Not a test. Builds a fixed input in a temporary folder:
- 10,000 text files of about 500 words, made by drawing sentences (seeded) from
  datasets/corpus.jsonl, so they read like clinic pages;
- one 50 MB file made the same way.
Then runs the installed command on each and prints throughput and the peak
resident memory of the run (its largest process).

    python benchmarks/batch.py [--files 10000] [--big-mb 50]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = Path(sys.executable).with_name("classifier")


def sentences(corpus: Path) -> list[str]:
    from classifier.corpus.sentences import split_sentences

    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    found = []
    for text, ranges in zip(texts, split_sentences(texts), strict=True):
        found.extend(text[s:e] for s, e in ranges)
    return found


def make_text(pool: list[str], words: int, rng: random.Random) -> str:
    parts, count = [], 0
    while count < words:
        sentence = rng.choice(pool)
        parts.append(sentence)
        count += len(sentence.split())
        if rng.random() < 0.2:
            parts.append("\n\n")
    return " ".join(parts)


def run(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (MiB) of the largest process of one run, measured in a fresh child."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    seconds, rss_kib, code = out.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"classifier exited {code}")
    return float(seconds), int(rss_kib) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--corpus", type=Path, default=REPO / "datasets" / "corpus.jsonl")
    options = parser.parse_args()
    rng = random.Random(20261124)
    pool = sentences(options.corpus)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = root / "files"
        files.mkdir()
        for i in range(options.files):
            (files / f"page{i:05d}.txt").write_text(make_text(pool, options.words, rng), encoding="utf-8")
        big = root / "big.txt"
        with big.open("w", encoding="utf-8") as handle:
            while handle.tell() < options.big_mb * 1_000_000:
                handle.write(make_text(pool, 5_000, rng) + "\n\n")
        print(
            f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
            f"Python {platform.python_version()}, {len(__import__('os').sched_getaffinity(0))} cores"
        )
        print(
            f"input: {options.files} files of ~{options.words} words; "
            f"one file of {big.stat().st_size / 1e6:.1f} MB"
        )
        results = {}
        for jobs in (1, 2):
            seconds, peak = run(
                [
                    str(COMMAND),
                    "score",
                    str(files),
                    "-o",
                    str(root / f"out{jobs}.jsonl"),
                    "--quiet",
                    "--jobs",
                    str(jobs),
                ]
            )
            results[jobs] = options.files / seconds
            print(f"--jobs {jobs}: {seconds:.1f} s, {results[jobs]:.1f} files/s, peak memory {peak} MiB")
        print(f"speed-up with 2 jobs: {results[2] / results[1]:.2f}x")
        seconds, peak = run([str(COMMAND), "score", str(big), "-o", str(root / "big.jsonl"), "--quiet"])
        print(f"{options.big_mb} MB file: {seconds:.1f} s, peak memory {peak} MiB")


if __name__ == "__main__":
    main()

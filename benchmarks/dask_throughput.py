"""Dask benchmark: documents per second of `classifier score --scheduler` with one and two
workers, against local `--jobs 1` and `--jobs 2` on the same files, and where the time goes.

Not a test. Builds a fixed input in a temporary folder (text files of about
500 words drawn, seeded, from the sentences of datasets/corpus.jsonl, as
benchmarks/batch.py does), then:

- runs `python -m classifier score DIR -o OUT --quiet --jobs N` for N = 1, 2;
- starts `dask scheduler` and `dask worker --nworkers W --nthreads 1` on
  127.0.0.1 for W = 1, 2 and runs the same command with `--scheduler` twice:
  first with fresh workers (each loads the model on its first task), then
  again on the warm workers, files read by the workers; and once with
  `--read-on client` (warm);
- times a run on one file (start-up: imports, model load, connecting);
- times, in this process, the steps one worker does per document: reading
  and decoding the files, and scoring them (`score_many`), so the cluster's own
  cost (scheduling, serialising records, the client writing them) is what is left.

Every run's output is checked to be byte-identical to the `--jobs 1` output.
Wall times include each command's start-up (import, model load on the client).

    python benchmarks/dask_throughput.py [--files 2000] [--json benchmarks/results/dask_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DASK = Path(sys.executable).with_name("dask")
ENV = {**os.environ, "PYTHONPATH": str(REPO)}

from benchmarks.batch import make_text, sentences  # noqa: E402


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}: {result.stderr}")
    return seconds


@contextmanager
def dask_cluster(workers: int, folder: Path):
    """`dask scheduler` and `dask worker --nworkers WORKERS` on 127.0.0.1; yields the address."""
    from distributed import Client

    file = folder / f"scheduler{workers}.json"
    log = (folder / f"dask{workers}.log").open("wb")
    common = {"stdout": log, "stderr": log, "env": ENV, "cwd": folder, "start_new_session": True}
    processes = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        address = None
        while address is None and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                address = json.loads(file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                continue
        processes.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    address,
                    "--nworkers",
                    str(workers),
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **common,
            )
        )
        with Client(address, timeout=30) as probe:
            probe.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def steps(files: Path) -> dict[str, float]:
    """Seconds one process spends reading all the files, and scoring their texts."""
    import classifier
    from classifier.read.inputs import discover, read_input

    paths = [d.path for d in discover([str(files)])]
    start = time.perf_counter()
    texts = [read_input(path).text or "" for path in paths]
    read = time.perf_counter() - start
    model = classifier.load()
    list(model.score_many(texts[:64]))
    start = time.perf_counter()
    for _ in model.score_many(texts):
        pass
    return {"read_seconds": round(read, 2), "score_seconds": round(time.perf_counter() - start, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=REPO / "datasets" / "corpus.jsonl")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    options = parser.parse_args()
    rng = random.Random(20261124)
    pool = sentences(options.corpus)
    command = [sys.executable, "-m", "classifier", "score"]
    rows = []
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        files = root / "files"
        files.mkdir()
        for i in range(options.files):
            (files / f"page{i:05d}.txt").write_text(make_text(pool, options.words, rng), encoding="utf-8")
        reference = root / "jobs1.jsonl"

        first = str(files / "page00000.txt")

        def start_up(label: str, args: list[str]) -> None:
            seconds = timed([*command, first, "-o", str(root / "one.jsonl"), "--quiet", *args], root)
            rows.append({"run": f"{label}, one file (start-up)", "seconds": round(seconds, 2)})
            print(f"{label}, one file: {seconds:.1f} s", flush=True)

        def measure(label: str, args: list[str], out: Path, **extra: object) -> None:
            seconds = timed([*command, str(files), "-o", str(out), "--quiet", *args], root)
            if out != reference and out.read_bytes() != reference.read_bytes():
                raise SystemExit(f"{label}: the records differ from the --jobs 1 run")
            row = {
                "run": label,
                "seconds": round(seconds, 2),
                "documents_per_second": round(options.files / seconds, 1),
            }
            rows.append(row | extra)
            print(f"{label}: {seconds:.1f} s, {row['documents_per_second']} documents/s", flush=True)

        load_before = os.getloadavg()[0]
        start_up("local", [])
        for jobs in (1, 2):
            measure(f"local --jobs {jobs}", ["--jobs", str(jobs)], root / f"jobs{jobs}.jsonl", processes=jobs)
        for workers in (1, 2):
            with dask_cluster(workers, root) as address:
                scheduler = ["--scheduler", address]
                for state in ("fresh", "warm"):
                    measure(
                        f"dask, {workers} worker(s), {state}, read on workers",
                        scheduler,
                        root / f"dask{workers}{state}.jsonl",
                        processes=workers,
                    )
                start_up(f"dask, {workers} worker(s), warm", scheduler)
                measure(
                    f"dask, {workers} worker(s), warm, read on client",
                    [*scheduler, "--read-on", "client"],
                    root / f"dask{workers}client.jsonl",
                    processes=workers,
                )
        one_process = steps(files)
        load_after = os.getloadavg()[0]
    words = options.words
    per_process = options.files / one_process["score_seconds"]
    print(f"one process: reading {one_process['read_seconds']} s, scoring {one_process['score_seconds']} s "
          f"({per_process:.1f} documents/s)")  # fmt: skip
    result = {
        "machine": {
            "platform": platform.platform(),
            "cores": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "load_average_before_after": [round(load_before, 2), round(load_after, 2)],
        },
        "input": {"files": options.files, "words_per_file": words},
        "runs": rows,
        "one_process_steps": one_process | {"scoring_documents_per_second": round(per_process, 1)},
        "command": "python benchmarks/dask_throughput.py"
        + (f" --files {options.files}" if options.files != 2000 else "")
        + (f" --json {options.json}" if options.json else ""),
    }
    if options.json:
        options.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

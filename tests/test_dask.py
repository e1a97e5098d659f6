"""Scoring on Dask: the records a cluster gives are the records a local run gives.

A LocalCluster of two worker processes scores the examples and a generated
set of a few hundred documents (bags, a DataFrame column, files read by the
workers or by the client); `classifier score --scheduler` runs against a
scheduler and workers started with `dask scheduler` / `dask worker`; a worker
killed part way through still leaves every record exactly once.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

import classifier
from classifier.cli import app
from classifier.errors import MissingExtraError
from classifier.extras import require
from classifier.output.rendering import make_writer, record
from classifier.read.inputs import InputText, discover
from classifier.run.batch import score_inputs

from .conftest import REPO, RISKY, SAFE

HAVE_DASK = find_spec("distributed") is not None and find_spec("pandas") is not None
needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="needs the dask extra (pip install '.[dask]'); the test extra carries it"
)
EXAMPLES = REPO / "examples"
DASK = Path(sys.executable).with_name("dask")
EXTRA = [
    "Call us today to book your consultation.",
    "Our team has twenty years of experience in sports medicine.",
    "Parking is available behind the building.",
    "The clinic is open on Saturdays from nine to one.",
    "Patients say they feel more energetic after a session.",
]


def _text(rng: random.Random) -> str:
    sentences = [s for s, _, _ in RISKY] + SAFE + EXTRA
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        paragraphs.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 5))))
    return "\n\n".join(paragraphs) + "\n"


def _generate(folder: Path, count: int, seed: int = 14) -> list[str]:
    """``count`` varied short documents under ``folder`` (texts, Markdown, HTML, and a few bad files)."""
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        text = _text(rng)
        texts.append(text)
        kind = i % 10
        if kind == 7:
            body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            (folder / f"page{i:03d}.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
        else:
            (folder / f"page{i:03d}.{'md' if kind == 3 else 'txt'}").write_text(text, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Thérapie garantie, sans aucun risque.".encode("latin-1"))
    (folder / "broken.txt").symlink_to(folder / "missing.txt")
    return texts


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    _generate(folder, 200)
    return folder


@pytest.fixture(scope="module")
def items(generated: Path) -> list:
    return list(discover([str(EXAMPLES), str(generated)]))


@pytest.fixture(scope="module")
def local_records(bundled: classifier.Model, items: list) -> list[dict]:
    """What local `classifier score` writes for the same inputs."""
    return list(score_inputs(bundled, items))


@pytest.fixture(scope="module")
def client() -> Iterator:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


def _expected(model: classifier.Model, pairs: list[tuple[str | None, str]]) -> list[dict]:
    reports = model.score_many([text for _, text in pairs])
    return [
        record(InputText("", text), report) | {"path": path}
        for (path, text), report in zip(pairs, reports, strict=True)
    ]


@needs_dask
def test_files_on_a_local_cluster_give_the_records_of_a_local_run(
    client, bundled: classifier.Model, items: list, local_records: list[dict]
) -> None:
    from classifier.run.cluster import score_on_cluster, worker_model

    assert len(items) > 200
    assert any(r["error"] for r in local_records) and any(r["flags"] for r in local_records)
    got = list(score_on_cluster(client, bundled.loader(), items, batch_size=16))
    assert got == local_records
    shipped = list(score_on_cluster(client, bundled.loader(), items[-80:], read_on="client", batch_size=16))
    assert shipped == local_records[-80:]
    # Each worker process holds one model, loaded once: a second run finds the same object.
    first = client.run(lambda: id(worker_model(classifier.load().loader())))
    assert len(first) == 2
    list(score_on_cluster(client, bundled.loader(), items[:40], batch_size=4))
    assert client.run(lambda: id(worker_model(classifier.load().loader()))) == first


@needs_dask
def test_bags_and_frames_give_the_records_of_score_many(
    client, bundled: classifier.Model, generated: Path
) -> None:
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd

    from classifier.run.cluster import score_bag, score_frame

    pairs = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(generated.glob("page*.txt"))]
    expected = _expected(bundled, pairs)
    loader = bundled.loader()
    assert score_bag(db.from_sequence(pairs, npartitions=7), loader).compute() == expected
    texts = [text for _, text in pairs]
    unnamed = [r | {"path": None} for r in expected[:50]]
    assert score_bag(db.from_sequence(texts[:50], npartitions=5), loader, batch_size=8).compute() == unnamed

    frame = pd.DataFrame({"url": [p for p, _ in pairs], "body": texts})
    parts = dd.from_pandas(frame, npartitions=6)
    assert score_frame(parts, loader, "body", path_column="url").compute() == expected
    by_index = score_frame(parts.head(40, npartitions=-1, compute=False), loader, "body").compute()
    assert by_index == [r | {"path": str(i)} for i, r in enumerate(expected[:40])]


@needs_dask
def test_a_bad_element_fails_only_its_own_record(client, bundled: classifier.Model) -> None:
    import dask.bag as db

    from classifier.run.cluster import score_bag

    good = [("a", RISKY[0][0]), ("b", SAFE[0]), ("c", RISKY[2][0])]
    bag = db.from_sequence([good[0], ("bad", None), good[1], 42, good[2]], npartitions=2)
    got = score_bag(bag, bundled.loader()).compute()
    assert [r["path"] for r in got] == ["a", "bad", "b", None, "c"]
    assert [got[i] for i in (0, 2, 4)] == _expected(bundled, good)
    assert got[1]["risk"] is None
    assert "Expected text as a str, got NoneType" in got[1]["error"]
    assert "expected a text (str) or a (path, text) pair" in got[3]["error"]


@needs_dask
def test_a_text_the_model_raises_on_fails_only_its_own_record(bundled: classifier.Model) -> None:
    from classifier.run.cluster import score_partition

    texts = [RISKY[0][0], "the poisoned one", SAFE[1]]
    got = score_partition(_poisoned_loader, [InputText(f"t{i}", t) for i, t in enumerate(texts)])
    assert [r["path"] for r in got] == ["t0", "t1", "t2"]
    assert got[1]["error"] == "cannot score t1: RuntimeError: the model cannot take this text"
    expected = _expected(bundled, [("t0", texts[0]), ("t2", texts[2])])
    assert [got[0], got[2]] == expected


class _Poisoned:
    def __init__(self) -> None:
        self.model = classifier.load()

    def score_many(self, texts):
        if "poisoned" in " ".join(texts):
            raise RuntimeError("the model cannot take\nthis text")
        return self.model.score_many(texts)

    def loader(self):
        return _poisoned_loader


def _poisoned_loader() -> _Poisoned:
    return _Poisoned()


@needs_dask
def test_a_worker_killed_part_way_still_leaves_every_record_exactly_once(
    client, bundled: classifier.Model, items: list, local_records: list[dict]
) -> None:
    from classifier.run.cluster import score_on_cluster

    client.wait_for_workers(2)
    pids = client.run(os.getpid)
    stream = score_on_cluster(client, bundled.loader(), items, batch_size=8)
    got = [next(stream)]
    busy = [address for address, keys in client.processing().items() if keys]
    assert busy, "no worker had a task in flight"
    os.kill(pids[busy[0]], signal.SIGKILL)
    got.extend(stream)
    assert len(got) == len(items)
    assert got == local_records
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new worker process
    assert pids[busy[0]] not in client.run(os.getpid).values()


@pytest.fixture
def dask_processes(tmp_path: Path) -> Iterator[str]:
    """A scheduler and two workers started with Dask's own commands on 127.0.0.1; yields the address."""
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    log = (tmp_path / "dask.log").open("wb")
    started: list[subprocess.Popen] = []

    def start(*args: str) -> None:
        started.append(
            subprocess.Popen([str(DASK), *args], stdout=log, stderr=log, cwd=REPO, start_new_session=True)
        )

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(scheduler_file))  # fmt: skip
        deadline = time.monotonic() + 60
        address = None
        while address is None and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                address = json.loads(scheduler_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                continue
        assert address, f"dask scheduler did not start: {(tmp_path / 'dask.log').read_text()}"
        start("worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
              "--host", "127.0.0.1")  # fmt: skip
        with Client(address, timeout=30) as probe:
            probe.wait_for_workers(2, timeout=60)
        yield address
    finally:
        # Each command runs in its own process group, with the processes it started (the nannies' workers).
        for process in reversed(started):
            os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(started):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log.close()


def _score_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "classifier", "score", *args, "--quiet"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )


@needs_dask
def test_score_command_against_dask_scheduler_and_worker_processes(
    dask_processes: str, generated: Path, local_records: list[dict], tmp_path: Path
) -> None:
    lines = []
    for item in local_records:
        buffer = io.BytesIO()
        make_writer("jsonl", buffer).write(item)
        lines.append(buffer.getvalue())
    out = tmp_path / "out.jsonl"
    run = _score_command(str(EXAMPLES), str(generated), "-o", str(out), "--scheduler", dask_processes)
    assert run.returncode == 1, run.stderr.decode()  # the generated set holds unreadable files
    assert out.read_bytes() == b"".join(lines)
    examples = len(list(discover([str(EXAMPLES)])))
    run = _score_command(
        str(EXAMPLES), "--format", "jsonl", "--scheduler", dask_processes, "--read-on", "client"
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout == b"".join(lines[:examples])


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--jobs sets local processes"),
        (["--read-on", "client"], "--read-on applies only with --scheduler"),
        (["--scheduler", "tcp://127.0.0.1:8786", "--read-on", "nodes"], "--read-on takes workers or client"),
    ],
    ids=["jobs", "read-on-alone", "read-on-unknown"],
)
def test_score_refuses_options_that_do_not_fit_a_cluster(args: list[str], message: str) -> None:
    result = _cli("score", str(EXAMPLES), *args)
    assert result.exit_code == 2
    assert message in result.output


@needs_dask
def test_a_wrong_scheduler_address_is_a_usage_error_and_writes_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _cli("score", str(EXAMPLES), "-o", str(out), "--scheduler", "nonsense://host")
    assert result.exit_code == 2
    assert "Cannot use the Dask scheduler at 'nonsense://host': unknown address scheme" in result.output
    assert not out.exists()


def test_a_missing_optional_package_names_the_extra_to_install() -> None:
    with pytest.raises(MissingExtraError, match=r"pip install 'classifier\[dask\]'") as caught:
        require("no_such_module_for_this_test", extra="dask", purpose="Scoring on a Dask cluster")
    assert isinstance(caught.value, ModuleNotFoundError)
    assert "Scoring on a Dask cluster needs the optional package 'no_such_module_for_this_test'" in str(
        caught.value
    )

"""Extraction on a Dask cluster: a real scheduler and two real workers on 127.0.0.1
ingest the real corpus and the sample set with the same records as a local ingest,
and a worker killed mid-run loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from archive.config import Config, IngestConfig
from archive.reader import IndexReader
from archive.store import Store
from ingest.pipeline import PIPELINE_VERSION
from ingest.runs import ingest_paths

distributed = pytest.importorskip("distributed", reason="the cluster extra (distributed) is not installed")

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`dask scheduler` and `dask worker` processes, as an operator would start them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.root)

    def start(self, workers: int) -> None:
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", port,
                                     "--dashboard-address", ":0", "--no-show")
        for i in range(workers):
            # The first as `dask worker` starts by default, under a nanny (whose worker process
            # is daemonic); the others without one, so that a test can kill a worker outright.
            nanny = () if i == 0 else ("--no-nanny",)
            self.workers.append(self._start(
                f"worker{i}", "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                *nanny, "--dashboard-address", ":0", "--local-directory", str(self.root / f"w{i}")))
        self.wait_for(workers)

    def wait_for(self, workers: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with distributed.Client(self.address, timeout=5, set_as_default=False) as client:
                    client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    logs = {p.name: p.read_text()[-2000:] for p in self.root.glob("*.log")}
                    raise AssertionError(f"the cluster did not start: {logs}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            if process is None:
                continue
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def cluster(tmp_path: Path):
    root = tmp_path / "cluster"
    root.mkdir()
    c = Cluster(root)
    try:
        c.start(2)
        yield c
    finally:
        c.stop()


#: Left out of the cluster runs: 61 pages that take 25 s alone to read, four times over
#: (test_corpus.py and test_extract.py read it); the rest of the real corpus is kept.
LONGEST = "police_hertfordshire_hospital_crimes_attachment.pdf"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config, Any]:
    """The real corpus and the generated sample set in one folder, and a local ingest of it
    that each cluster run is compared with (made once: it does not change)."""
    from samplegen.letters import write_samples
    from tests.conftest import CORPUS

    if not (CORPUS / "docs").is_dir():
        pytest.skip(f"the real corpus is not beside the checkout ({CORPUS / 'docs'} is missing)")
    root = tmp_path_factory.mktemp("cluster-baseline")
    folder = root / "in"
    shutil.copytree(CORPUS / "docs", folder / "corpus", ignore=shutil.ignore_patterns(LONGEST))
    write_samples(folder / "samples", count=20)
    local = Config.for_directory(root / "local", ingest=IngestConfig(workers=2, timeout=20, memory_mb=1024))
    here = ingest_paths(local, [str(folder)])
    assert here.new + here.failed == _responses(folder)
    return folder, local, here


def _responses(folder: Path) -> int:
    """The files an ingest takes: all but the sample set's JSON side file."""
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.suffix != ".json")


def _archive(tmp_path: Path, config: Config, name: str, scheduler: str = "") -> Config:
    fresh = Config.for_directory(tmp_path / name, ingest=config.ingest)
    return replace(fresh, ingest=replace(fresh.ingest, scheduler=scheduler))


def _comparable(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records as two runs can be compared. pdfminer orders some PDFs' text boxes
    differently from one process to the next (local runs differ too): the lines are
    compared as a multiset. A round robin's group is named after whichever member was
    recorded first, which depends on which worker finished first: compared as its members."""
    members: dict[str, set[str]] = {}
    for doc_id, record in records.items():
        if record.get("group"):
            members.setdefault(record["group"], set()).add(doc_id)
    out = {}
    for doc_id, record in records.items():
        record = dict(record)
        if "text" in record:
            record["text"] = sorted((record["text"] or "").splitlines())
        if record.get("group"):
            record["group"] = sorted(members[record["group"]])
        out[doc_id] = record
    return out


def _index_fields(config: Config) -> dict[str, dict[str, Any]]:
    """Every stored field of every indexed document but the time it was ingested."""
    reader = IndexReader(config.index_path)
    try:
        with reader.searcher() as s:
            rows = [dict(f) for f in s.all_stored_fields()]
    finally:
        reader.close()
    ids = Counter(row["id"] for row in rows)
    assert [i for i, n in ids.items() if n > 1] == []  # each document once
    return _comparable({row["id"]: {k: v for k, v in row.items() if k != "ingested"} for row in rows})


def _catalogue(config: Config) -> dict[str, Any]:
    """Each document's extraction record and version record, as the store keeps them."""
    with Store(config.store_path) as store:
        out = {}
        for doc in store.documents():
            extraction = store.extraction(doc.sha256, PIPELINE_VERSION)
            out[doc.id] = {"sha256": doc.sha256, "extraction": (extraction["status"], extraction["reason"], extraction["detail"]),
                           **store.version_record(doc.id, doc.sha256)}
        return _comparable(out)


def test_a_cluster_ingest_gives_the_records_of_a_local_one(tmp_path: Path, config: Config,
                                                           baseline: tuple[Path, Config, Any],
                                                           cluster: Cluster) -> None:
    inputs, local, here = baseline
    remote = _archive(tmp_path, config, "remote", cluster.address)
    files = _responses(inputs)

    there = ingest_paths(remote, [str(inputs)])

    assert (there.new, there.failed, there.unchanged) == (here.new, here.failed, here.unchanged)
    assert here.new + here.failed == files
    assert _catalogue(remote) == _catalogue(local)
    fields = _index_fields(remote)
    assert len(fields) == files
    assert fields == _index_fields(local)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path: Path, config: Config,
                                                              baseline: tuple[Path, Config, Any],
                                                              cluster: Cluster) -> None:
    inputs, local, _ = baseline
    remote = _archive(tmp_path, config, "remote", cluster.address)
    files = _responses(inputs)
    victim = cluster.workers[-1]  # the one without a nanny, which would restart it

    def progress(done: int, total: int, name: str) -> None:
        if done == total // 3 and victim.poll() is None:
            os.kill(victim.pid, signal.SIGKILL)  # tasks it held go to the other worker

    first = ingest_paths(remote, [str(inputs)], progress=progress)

    assert victim.wait(10) == -signal.SIGKILL
    assert first.new + first.failed == files
    assert _index_fields(remote) == _index_fields(local)  # every document, once
    assert _catalogue(remote) == _catalogue(local)

    second = ingest_paths(remote, [str(inputs)])  # on the one worker left
    assert (second.new, second.changed, second.unchanged, second.failed) == (0, 0, files, 0)
    assert _index_fields(remote) == _index_fields(local)


def test_ingest_scheduler_says_what_to_install_without_the_extra(tmp_path: Path, monkeypatch) -> None:
    import importlib.util

    from cli.main import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "in"), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output == "Error: ingest --scheduler needs Dask distributed: install foi-archive[cluster]\n"


def test_a_task_whose_workers_keep_dying_is_a_crashed_outcome() -> None:
    from ingest.infra.cluster import ClusterPool

    class Lost:
        released = False

        def result(self) -> None:
            raise distributed.KilledWorker("process_data-1", SimpleNamespace(address="tcp://127.0.0.1:1"), 3)

        def release(self) -> None:
            self.released = True

    pool = object.__new__(ClusterPool)
    pool._distributed = distributed
    future = Lost()
    outcome = pool._outcome(future, 7)
    assert (outcome.key, outcome.reason, outcome.value) == (7, "crashed", None)
    assert outcome.detail.startswith("the workers running it died: Attempted to run task "
                                     "'process_data-1' on 4 different workers")
    assert future.released

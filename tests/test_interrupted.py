"""Interrupted runs lose little (docs/reliability.md, "Interrupted runs"): commits every
commit_documents documents or commit_seconds of work, and between them the work log, so
that a run killed before its commit is not extracted again. The same on the real corpus,
with OCR, is in tests/test_recovery.py and bench/interrupt.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.store import Store
from ingest.infra.worklog import WorkLog, text_digest
from ingest.pipeline import Ingester
from ingest.runs import ingest_paths
from ingest.tasks.verify import verify
from samplegen.letters import write_samples
from tests.archives import index_fields
from tests.conftest import ROOT


def test_a_dead_runs_log_gives_back_its_outcomes_and_what_it_had_begun(tmp_path: Path) -> None:
    store = tmp_path / "store"
    dead = WorkLog(store)
    dead.started("a" * 64)
    dead.done("a" * 64, "7.3", {"text": "Taser figures", "title": "T", "meta": {}}, seconds=2.5)
    dead.started("b" * 64)
    dead.done("c" * 64, "7.3", None, reason="encrypted", detail="a password", seconds=0.1)
    dead.started("d" * 64)
    path = next((store / "work").glob("run-*.jsonl"))
    with open(path, "ab") as fh:
        fh.write(b'{"event": "done", "sha256": "dddd')  # cut short by the kill
    dead._fh.close()  # the process dies: its lock goes with it  # type: ignore[union-attr]

    texts = {"a" * 64: "Taser figures"}
    after = WorkLog(store)
    value, kept = after.take("a" * 64, "7.3", texts.get)
    assert value == {"text": "Taser figures", "title": "T", "meta": {}} and kept.seconds == 2.5
    assert after.take("a" * 64, "7.4", texts.get) is None  # another pipeline version: redo
    failed = after.take("c" * 64, "7.3", texts.get)
    assert failed is not None and failed[0] is None and failed[1].reason == "encrypted"
    assert after.was_started("b" * 64) and after.was_started("d" * 64)
    assert not after.was_started("a" * 64)
    texts["a" * 64] = "Taser fig"  # the text file did not survive whole
    assert after.take("a" * 64, "7.3", texts.get) is None
    after.close(finished=True)
    assert list((store / "work").iterdir()) == []


def test_a_live_runs_log_is_not_read_as_a_dead_ones(tmp_path: Path) -> None:
    live = WorkLog(tmp_path / "store")
    live.done("a" * 64, "7.3", {"text": "x"})
    other = WorkLog(tmp_path / "store")  # a second ingest while the first runs
    assert other.interrupted.kept == {} and other.interrupted.logs == []
    other.close(finished=True)
    assert len(list((tmp_path / "store" / "work").iterdir())) == 1  # the live one's stays
    live.close(finished=True)
    assert text_digest("x") == text_digest("x") != text_digest("y")


def _samples(folder: Path, count: int) -> Path:
    write_samples(folder, count=count)
    (folder / "samples.json").unlink(missing_ok=True)
    return folder


def test_commits_come_every_so_many_documents_or_seconds(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _samples(tmp_path / "samples", 10)
    commits: list[int] = []
    real = Ingester._commit

    def counting(self: Ingester) -> None:
        commits.append(self._since_commit)
        real(self)

    monkeypatch.setattr(Ingester, "_commit", counting)
    by_count = Config.for_directory(tmp_path / "a", ingest=IngestConfig(workers=2, timeout=30,
                                                                        commit_documents=4))
    assert ingest_paths(by_count, [str(folder)]).new == 10
    assert commits == [4, 4, 2]  # two of four, and the end's
    commits.clear()
    by_time = Config.for_directory(tmp_path / "b", ingest=IngestConfig(workers=2, timeout=30,
                                                                       commit_seconds=1e-9))
    assert ingest_paths(by_time, [str(folder)]).new == 10
    assert commits == [1] * 10 + [0]  # each document's work is older than the limit


@pytest.mark.slow
def test_a_run_killed_before_its_commit_is_not_extracted_again(tmp_path: Path) -> None:
    """SIGKILL (the whole process group) once a dozen outcomes are in the work log and
    none committed: the next run takes them as they were, indexes every document once,
    and the archive is as an uninterrupted run's."""
    folder = _samples(tmp_path / "samples", 40)
    conf = tmp_path / "archive" / "config.toml"
    conf.parent.mkdir()
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n'
                    "[ingest]\nworkers = 2\ntimeout = 30\ncommit_documents = 1000\ncommit_seconds = 1000\n")
    proc = subprocess.Popen([sys.executable, "-c", "from cli import main; main()", "ingest",
                             str(folder), "--config", str(conf)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = tmp_path / "archive" / "store" / "work"
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        done = sum(line.count(b'"event": "done"') for p in work.glob("run-*.jsonl") for line in [p.read_bytes()])
        if done >= 12:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done >= 12, "the run ended before it could be killed"
    config = Config.for_directory(tmp_path / "archive",
                                  ingest=IngestConfig(workers=2, timeout=30))
    with Store(config.store_path) as store:
        assert store.count_documents() == 0  # nothing committed: all of it in the work log
    summary = ingest_paths(config, [str(folder)])
    assert summary.new == 40 and summary.failed == 0
    assert summary.kept >= 12 and summary.kept + summary.redone <= 40
    # At most what the two workers had begun, and what they had finished and the parent
    # had not yet written down (a freed worker starts its next file first).
    assert summary.redone <= 4
    fields = index_fields(config.index_path)  # asserts no id twice
    assert len(fields) == 40
    assert verify(config).ok
    assert list((config.store_path / "work").iterdir()) == []

    calm = Config.for_directory(tmp_path / "calm", ingest=IngestConfig(workers=2, timeout=30))
    ingest_paths(calm, [str(folder)])
    expected = index_fields(calm.index_path)

    def comparable(f: dict) -> dict:
        return {k: v for k, v in f.items() if k not in ("ingested", "source_url", "id", "group")}

    by_sha = {f["sha256"]: comparable(f) for f in expected.values()}
    assert {f["sha256"]: comparable(f) for f in fields.values()} == by_sha
    line = json.dumps(summary.line())
    assert f"from an interrupted run: {summary.kept} kept" in line

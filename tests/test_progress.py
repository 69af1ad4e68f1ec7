"""Long runs say where they are: a progress line every [ingest] progress_seconds, in the
text and the JSON log formats, from ingest and rebuild run without a terminal."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from archive import logs
from ingest.infra.progress import ProgressLog, duration
from samplegen.letters import write_samples
from tests.conftest import ROOT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_line_at_most_every_so_often_with_rate_and_time_left(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    said = ProgressLog("ingest", 30, clock=clock)
    caplog.set_level(logging.INFO, "foi_archive.progress")
    clock.now += 10
    assert said.tick(20, 200) is False  # not yet 30 s
    clock.now += 20
    assert said.tick(60, 200, failed=2) is True
    clock.now += 5
    assert said.tick(70, 200) is False
    [record] = caplog.records
    assert record.getMessage() == "ingest: 60 of 200 done, 2 failed, 2.0 a second, about 1 min 10 s left"
    assert record.fields == {"event": "progress", "task": "ingest", "done": 60, "failed": 2,  # type: ignore[attr-defined]
                             "rate": 2.0, "elapsed_seconds": 30.0, "total": 200, "eta_seconds": 70}
    line = json.loads(logs.JsonFormatter().format(record))
    assert (line["message"], line["done"], line["eta_seconds"]) == (record.getMessage(), 60, 70)


def test_no_total_no_time_left_and_zero_is_never(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    caplog.set_level(logging.INFO, "foi_archive.progress")
    said = ProgressLog("rebuild", 30, clock=clock)
    clock.now += 40
    said.tick(8)
    assert [r.getMessage() for r in caplog.records] == ["rebuild: 8 done, 0 failed, 0.2 a second"]
    never = ProgressLog("ingest", 0, clock=clock)
    clock.now += 1000
    assert never.tick(5, 10) is False


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (35.4, "35 s"), (250, "4 min 10 s"),
                                           (7500, "2 h 05 min")])
def test_durations_read_as_a_person_writes_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_ingest_and_rebuild_without_a_terminal_log_progress(tmp_path: Path, fmt: str) -> None:
    """As a timer or a service runs them: another process, no -v, no terminal, the
    configured log format."""
    write_samples(tmp_path / "samples", count=6)
    (tmp_path / "samples" / "samples.json").unlink(missing_ok=True)
    conf = tmp_path / "config.toml"
    conf.write_text('[store]\npath = "data/store"\n[index]\npath = "data/index"\n'
                    f'[ingest]\nprogress_seconds = 0.000001\nlog_format = "{fmt}"\n')

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", "from cli import main; main()", *args,
                               "--config", str(conf)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stderr

    for task, total, err in (("ingest", 6, run("ingest", str(tmp_path / "samples"))),
                             ("rebuild", 6, run("rebuild"))):
        lines = [line for line in err.splitlines() if "progress" in line]
        assert lines, err
        if fmt == "json":
            records = [json.loads(line) for line in lines]
            assert {(r["logger"], r["event"], r["task"]) for r in records} == {
                ("foi_archive.progress", "progress", task)}
            last = records[-1]
            assert (last["done"], last["total"], last["failed"]) == (total, total, 0)
            assert last["eta_seconds"] == 0 and last["rate"] > 0
        else:
            assert all(line.startswith(f"INFO foi_archive.progress: {task}: ") for line in lines)
            assert lines[-1].startswith(f"INFO foi_archive.progress: {task}: {total} of {total} done, "
                                        "0 failed, "), lines[-1]

"""Faults of issue-sized scale (docs/reliability.md, "Faults"): an index commit killed at
random moments, 20 times over, and a store and index on a filesystem that fills up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.config import load as load_config
from archive.index import IndexWriter
from ingest.tasks.verify import verify
from tests.archives import index_fields
from tests.conftest import make_doc
from tests.test_integrity import ROOT, _assert_intact, _config_file, _ingest, _run

pytestmark = pytest.mark.slow

TRIALS = 10  # python -m bench.interrupt kills a whole ingest twenty times (docs/reliability.md)
BATCH = 120  # documents in the commit that is killed


def _commit_batch(path: str) -> None:  # runs in a child process
    writer = IndexWriter(Path(path))
    for n in range(BATCH):
        writer.update(make_doc(1000 + n, title=f"batch {n}", text=" ".join(f"w{n}x{i}" for i in range(300))))
    print("committing", flush=True)
    started = time.monotonic()
    writer.commit()
    print(f"committed {time.monotonic() - started:.3f}", flush=True)


def _child(index: Path) -> subprocess.Popen:
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.test_faults import _commit_batch; "
            f"_commit_batch({str(index)!r})")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_a_commit_killed_at_random_moments_leaves_a_whole_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    writer = IndexWriter(index)
    for n in range(10):
        writer.update(make_doc(n, title=f"before {n}", text="the generation before"))
    writer.commit()
    before = index_fields(index)

    # How long the commit itself takes, measured on a copy.
    probe = tmp_path / "probe"
    probe_writer = IndexWriter(probe)
    probe_writer.update(make_doc(1, title="x", text="x"))
    probe_writer.commit()
    out, _ = _child(probe).communicate(timeout=300)
    commit_seconds = float(out.split("committed ")[1])

    rng = random.Random(18)
    counts = []
    for _ in range(TRIALS):
        proc = _child(index)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "committing"
        time.sleep(rng.uniform(0, commit_seconds * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        fields = index_fields(index)  # opens whole; fails on duplicates
        counts.append(len(fields))
        assert len(fields) in (len(before), len(before) + BATCH), counts
        assert all(fields[k] == v for k, v in before.items())
    print(f"commit {commit_seconds:.2f} s; documents after each kill: {counts}")
    out, _ = _child(index).communicate(timeout=300)  # the next run completes
    assert "committed" in out
    assert len(index_fields(index)) == len(before) + BATCH


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root to mount; the EFBIG test in test_integrity.py stands in")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {proc.stderr.strip()}")


def _big_letters(folder: Path, count: int, words: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir()
    for n in range(count):
        text = " ".join(f"q{rng.randrange(10**9):x}" for _ in range(words))
        (folder / f"letter-{seed}-{n}.txt").write_text(f"Kent Police\nWe do not hold it. {text}\n")


def test_a_full_filesystem_loses_nothing_and_the_next_run_completes(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "16m")
    try:
        conf = _config_file(disk / "archive")
        first, second = tmp_path / "first", tmp_path / "second"
        _big_letters(first, 5, 300, seed=1)
        _big_letters(second, 40, 3_000, seed=2)  # 1.2 MB of new words, an index beyond the disk
        _run(conf, first)
        before = _assert_intact(conf.parent)
        assert before == 5

        proc = _ingest(conf, second)
        _, err = proc.communicate(timeout=300)
        assert b"No space left" in err or b"Errno 28" in err, err[-2000:]
        # The previous generation opens while the disk is still full ...
        assert len(index_fields(conf.parent / "index")) in (before, before + 40)
        subprocess.run(["mount", "-o", "remount,size=200m", str(disk)], check=True)
        # ... and nothing is half-written (SQLite needs room to open its log to be read).
        assert _assert_intact(conf.parent) in (before, before + 40)
        _run(conf, second)
        assert _assert_intact(conf.parent) == before + 40
        assert verify(load_config(conf), clean_temp=True).ok
        assert verify(load_config(conf), clean_temp=False).ok
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)

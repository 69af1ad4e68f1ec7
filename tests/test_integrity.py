"""Index and store faults: killed ingests (W1, D2), a full disk (W2), a second writer (W3),
one document per id (W6), a reader during a merge (W7)."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.index import LockError

from archive.config import Config
from archive.index import IndexWriter
from archive.reader import IndexReader
from archive.search import SearchParams, search
from archive.store import SHA256_RE, Store
from ingest.tasks.verify import file_sha256, verify
from tests.archives import index_fields
from tests.conftest import make_doc

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from cli import main; main()"]
KILLS = 6  # bounded: each kill is one ingest subprocess


def _config_file(root: Path) -> Path:
    conf = root / "config.toml"
    root.mkdir(parents=True, exist_ok=True)
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n'
                    '[ingest]\nworkers = 2\ntimeout = 30\n')
    return conf


def _ingest(conf: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "ingest", str(folder), "--config", str(conf), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own group: the children die with it


def _assert_intact(root: Path) -> int:
    """Nothing half-written: the index opens whole, every original is what its name says."""
    store_path = root / "store"
    objects = store_path / "objects"
    if objects.is_dir():
        for path in objects.rglob("*"):
            if path.is_file():
                if SHA256_RE.match(path.name):
                    assert file_sha256(path) == path.name, f"half-written original {path}"
                else:
                    assert path.name.startswith(".tmp-"), f"stray file {path}"
    if not whoosh_index.exists_in(str(root / "index"), indexname="MAIN"):
        return 0
    fields = index_fields(root / "index")  # reads every stored field; fails on duplicates
    if (store_path / "catalogue.sqlite").exists():
        with Store(store_path, readonly=True) as store:
            for row in store.documents():
                assert (objects / row.sha256[:2] / row.sha256[2:4] / row.sha256).exists() or \
                    store.parts(row.id, row.sha256), f"{row.id} points at a missing original"
    return len(fields)


def _run(conf: Path, folder: Path) -> float:
    started = time.monotonic()
    proc = _ingest(conf, folder)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()  # type: ignore[union-attr]
    return time.monotonic() - started


def _wait_for_index_write(folder: Path, proc: subprocess.Popen) -> None:
    """Return as soon as the ingest writes its first new file into the index."""
    known = {p.name for p in folder.iterdir()}
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if {p.name for p in folder.iterdir()} - known:
            return
        time.sleep(0.002)


@pytest.mark.slow
def test_a_killed_ingest_leaves_everything_intact_and_the_next_run_completes(tmp_path: Path) -> None:
    from samplegen.letters import write_samples

    samples = tmp_path / "samples"
    write_samples(samples, count=40)
    (samples / "samples.json").unlink()
    first, second = tmp_path / "first", tmp_path / "second"  # what is in the index; the batch
    for n, path in enumerate(sorted(samples.iterdir())):
        (first if n < 20 else second).mkdir(exist_ok=True)
        path.rename((first if n < 20 else second) / path.name)
    reference = _config_file(tmp_path / "reference")
    _run(reference, first)
    full = _run(reference, second)

    victim = _config_file(tmp_path / "victim")
    _run(victim, first)
    before = _assert_intact(victim.parent)
    rng = random.Random(7)
    # Spread over the run of the batch: start-up, reading and storing, extracting, and the
    # commit at its end (a run commits every 200 documents and when it ends), in random order.
    moments: list[float | None] = [full * (f + rng.uniform(-0.04, 0.04))
                                   for f in (0.1, 0.3, 0.5, 0.7, 0.9)]
    rng.shuffle(moments)
    moments.insert(rng.randrange(len(moments)), None)  # None: as the index commit begins
    counts = []
    for moment in moments[:KILLS]:
        proc = _ingest(victim, second)
        if moment is None:
            _wait_for_index_write(victim.parent / "index", proc)
        else:
            time.sleep(moment)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        counts.append(_assert_intact(victim.parent))
        # The previous generation, or the previous one plus the whole batch: nothing between.
        assert counts[-1] in (before, before + 20), counts
        if counts[-1] == before + 20:
            break  # the batch got in before the kill: nothing left to interrupt
    print(f"batch run {full:.1f} s; documents after each kill: {counts}")
    _run(victim, second)
    _assert_intact(victim.parent)

    # The same end state as a run never interrupted.
    ref_fields, got_fields = index_fields(reference.parent / "index"), index_fields(victim.parent / "index")
    assert set(got_fields) == set(ref_fields)
    for doc_id, fields in ref_fields.items():
        ignore = ("ingested", "group")  # when it came; a group is named after its founder
        assert {k: v for k, v in got_fields[doc_id].items() if k not in ignore} == \
            {k: v for k, v in fields.items() if k not in ignore}
    ref_objects = sorted(p.name for p in (reference.parent / "store/objects").rglob("*") if SHA256_RE.match(p.name))
    got_objects = sorted(p.name for p in (victim.parent / "store/objects").rglob("*") if SHA256_RE.match(p.name))
    assert got_objects == ref_objects
    config = Config.for_directory(victim.parent)
    assert verify(config, clean_temp=False).ok


def _commit_under_fsize_limit(path: str, limit: int) -> None:  # runs in a child process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, not death
    writer = IndexWriter(Path(path))
    for n in range(200):
        # Words that do not repeat: the segment's files cannot be compressed under the limit.
        writer.update(make_doc(1000 + n, title=f"big {n}",
                               text=" ".join(f"w{n}x{i}" for i in range(1000))))
    try:
        writer.commit()
    except OSError as exc:
        print(f"OSError {exc.errno}")
        sys.exit(3)
    sys.exit(0)


def test_a_full_disk_during_commit_leaves_the_previous_generation(small_archive) -> None:
    """W2: the write fails with EFBIG, the commit raises, the old index is untouched."""
    before = index_fields(small_archive.index_path)
    gen = whoosh_index.open_dir(str(small_archive.index_path), indexname="MAIN").latest_generation()
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.test_integrity import "
            f"_commit_under_fsize_limit as f; f({str(small_archive.index_path)!r}, 256 * 1024)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    assert b"OSError 27" in proc.stdout  # EFBIG
    ix = whoosh_index.open_dir(str(small_archive.index_path), indexname="MAIN")
    assert ix.latest_generation() == gen
    assert index_fields(small_archive.index_path) == before
    writer = IndexWriter(small_archive.index_path)  # the lock was released with the process
    writer.update(make_doc(77, title="after", text="after the full disk"))
    writer.commit()
    assert len(index_fields(small_archive.index_path)) == len(before) + 1


def test_a_second_writer_gets_lock_error_at_once(small_archive) -> None:
    """W3: one writer at a time; the second does not wait forever."""
    first = IndexWriter(small_archive.index_path).ix.writer()
    try:
        second = IndexWriter(small_archive.index_path, timeout=0.2)
        second.update(make_doc(78, title="second", text="second writer"))
        with pytest.raises(LockError):
            second.commit()
    finally:
        first.cancel()


def test_one_document_per_id_in_a_batch_and_across_runs(small_archive) -> None:
    """W6: the same id twice in one batch, and again in the next, is one document."""
    writer = IndexWriter(small_archive.index_path)
    for text in ("first words", "second words"):
        writer.update(make_doc(1, title="Facial recognition spending", text=text))
    writer.commit()
    writer.update(make_doc(1, title="Facial recognition spending", text="third words"))
    writer.commit()
    fields = index_fields(small_archive.index_path)  # asserts no id twice
    assert fields[f"{1:016x}"]["text"] == "third words"


def test_a_reader_survives_a_merge_and_the_reopened_view_has_no_duplicates(small_archive) -> None:
    """W7: another process optimizes while a searcher is open."""
    reader = IndexReader(small_archive.index_path)
    assert search(reader, SearchParams()).total == 6
    with reader.searcher() as old:
        for n in range(3):  # several segments, then one merge
            writer = IndexWriter(small_archive.index_path)
            writer.update(make_doc(200 + n, title=f"extra {n}", text="merge me"))
            writer.commit()
        code = (f"from whoosh import index; ix = index.open_dir({str(small_archive.index_path)!r}, "
                f"indexname='MAIN'); ix.optimize()")
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
        assert old.doc_count() == 6  # the open searcher still reads its files
        assert len(list(old.all_stored_fields())) == 6
    result = search(reader, SearchParams(per_page=50))
    ids = [hit.id for hit in result.hits]
    assert result.total == 9 and len(ids) == len(set(ids)) == 9
    reader.close()

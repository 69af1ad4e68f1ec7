"""A consistent, checked copy of what the site reads, for replicas (docs/deploy.md, Replicas).

``snapshot(config, dest)`` copies the current index generation, the catalogue and the
originals into ``dest`` while ingest may be committing:

    dest/generations/<time>-g<N>/   one index generation, files copied whole
    dest/index -> generations/...   a symlink, replaced in one atomic rename
    dest/store/catalogue.sqlite     SQLite's online backup, replaced atomically
    dest/store/objects/...          originals, copied once (content-addressed, never change)
    dest/snapshot.json              what was copied: generation, documents, time

A generation is its TOC file and the segment files it names. Every one of them is opened
before any is copied: a commit that lands meanwhile may delete merged-away segments, but
an open file stays readable (POSIX), so the copy is of exactly one generation; if a file
is gone before it could be opened, the newest generation is tried again. The copy is
opened and counted before it is swapped in, and the catalogue is taken after the index,
so every document the copied index holds has its catalogue rows and its original.
``foi-archive serve`` on a snapshot notices the new symlink target on its next request
(archive/reader.py keys its searcher on the index folder's real path): no restart.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from whoosh.filedb.filestore import FileStorage

from archive.config import Config
from archive.index import INDEX_NAME
from archive.segments import generation_files
from archive.store import Store, fsync_dir

#: Tries to catch a generation whose files are all still there (each try is one TOC read).
ATTEMPTS = 20


class SnapshotError(Exception):
    """The snapshot could not be taken or did not check out."""


@dataclass
class SnapshotResult:
    dest: Path
    generation: int
    documents: int
    index_files: int
    index_bytes: int
    objects_copied: int
    objects_kept: int
    seconds: float
    removed: list[Path] = field(default_factory=list)


def _open_generation(index_dir: Path) -> tuple[int, int, dict[str, IO[bytes]]]:
    """The newest generation, its document count, and every one of its files open."""
    storage = FileStorage(str(index_dir), supports_mmap=False)
    for _ in range(ATTEMPTS):
        generation, documents, names = generation_files(storage.open_index(INDEX_NAME), storage)
        handles: dict[str, IO[bytes]] = {}
        try:
            for name in names:
                handles[name] = open(index_dir / name, "rb")
        except FileNotFoundError:  # merged away by a commit since the TOC was read
            for handle in handles.values():
                handle.close()
            time.sleep(0.05)
            continue
        return generation, documents, handles
    raise SnapshotError(f"the index at {index_dir} changed under every one of {ATTEMPTS} tries")


def _copy_file(source: IO[bytes], target: Path) -> int:
    with open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())
        return out.tell()


def _copy_index(index_dir: Path, generations: Path, previous: Path | None
                ) -> tuple[Path, int, int, int, int]:
    generation, documents, handles = _open_generation(index_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = generations / f"{stamp}-g{generation}"
    work = generations / f".{final.name}.tmp"
    work.mkdir(parents=True)
    size = 0
    try:
        for name, handle in handles.items():
            # A segment file never changes once written and its name is unique: one the
            # previous snapshot holds at the same size is linked, not copied again.
            same = previous / name if previous is not None and name.endswith(".seg") else None
            if same is not None and same.is_file() and same.stat().st_size == os.fstat(handle.fileno()).st_size:
                os.link(same, work / name)
                size += same.stat().st_size
                continue
            size += _copy_file(handle, work / name)
    finally:
        for handle in handles.values():
            handle.close()
    fsync_dir(work)
    copied = FileStorage(str(work), supports_mmap=False).open_index(INDEX_NAME)
    with copied.searcher() as searcher:
        found = searcher.doc_count()
    if copied.latest_generation() != generation or found != documents:
        shutil.rmtree(work, ignore_errors=True)
        raise SnapshotError(f"the copy of generation {generation} holds {found} documents, "
                            f"not {documents}: not swapped in")
    os.rename(work, final)
    fsync_dir(generations)
    return final, generation, documents, len(handles), size


def _copy_catalogue(store_dir: Path, target_dir: Path) -> Path:
    """SQLite's online backup: one consistent copy, taken while ingest may be writing."""
    target_dir.mkdir(parents=True, exist_ok=True)
    work = target_dir / ".catalogue.sqlite.tmp"
    work.unlink(missing_ok=True)
    source = sqlite3.connect(store_dir / "catalogue.sqlite")
    copy = sqlite3.connect(work)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file: a replica only reads it
    finally:
        copy.close()
        source.close()
    final = target_dir / "catalogue.sqlite"
    os.replace(work, final)
    fsync_dir(target_dir)
    return final


def _copy_objects(source: Store, target: Store) -> tuple[int, int]:
    """Originals the copy lacks, each written under a temporary name and renamed."""
    copied = kept = 0
    for sha256, _ in target.iter_objects():  # the copied catalogue names what is needed
        path = target.object_path(sha256)
        if path.exists():
            kept += 1
            continue
        origin = source.object_path(sha256)
        if not origin.exists():
            continue  # verify reports a missing original; a snapshot copies what there is
        path.parent.mkdir(parents=True, exist_ok=True)
        work = path.with_name(f".{sha256}.tmp")
        with open(origin, "rb") as handle:
            _copy_file(handle, work)
        os.replace(work, path)
        copied += 1
    return copied, kept


def _point(link: Path, target: Path) -> None:
    """Make ``link`` a symlink to ``target`` in one atomic rename."""
    work = link.with_name(f".{link.name}.tmp")
    if work.is_symlink() or work.exists():
        work.unlink()
    os.symlink(os.path.relpath(target, link.parent), work)
    os.replace(work, link)
    fsync_dir(link.parent)


def snapshot(config: Config, dest: Path, *, keep: int = 2) -> SnapshotResult:
    """Copy the current index generation, the catalogue and the originals into ``dest``,
    check the copy, and point ``dest/index`` at it; keep the ``keep`` newest generations."""
    started = time.monotonic()
    dest = Path(dest)
    index_dir = Path(os.path.realpath(config.index_path))
    if not (config.store_path / "catalogue.sqlite").exists():
        raise SnapshotError(f"no store at {config.store_path}: run `foi-archive ingest` first")
    if not index_dir.is_dir() or not FileStorage(str(index_dir)).index_exists(INDEX_NAME):
        raise SnapshotError(f"no index at {config.index_path}: run `foi-archive ingest` first")
    link = dest / "index"
    if link.exists() and not link.is_symlink():
        raise SnapshotError(f"{link} is not a snapshot's link: choose an empty folder or an earlier snapshot")
    generations = dest / "generations"
    generations.mkdir(parents=True, exist_ok=True)
    previous = Path(os.path.realpath(link)) if link.is_symlink() else None
    final, generation, documents, files, size = _copy_index(index_dir, generations, previous)
    _copy_catalogue(config.store_path, dest / "store")
    with Store(config.store_path, readonly=True) as source, Store(dest / "store", readonly=True) as target:
        copied, kept = _copy_objects(source, target)
    _point(link, final)
    manifest: dict[str, Any] = {
        "generation": generation, "documents": documents, "index": f"generations/{final.name}",
        "taken": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_index": str(config.index_path), "source_store": str(config.store_path),
    }
    work = dest / ".snapshot.json.tmp"
    work.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(work, dest / "snapshot.json")
    removed = _prune(generations, final, keep)
    return SnapshotResult(dest, generation, documents, files, size, copied, kept,
                          round(time.monotonic() - started, 2), removed)


def _prune(generations: Path, current: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest generations (never the current one): a replica's
    worker mid-request on the previous one still finds it."""
    names = sorted((p for p in generations.iterdir() if p.is_dir() and not p.name.startswith(".")),
                   key=lambda p: p.name, reverse=True)
    removed = []
    for old in names[max(keep, 1):]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed

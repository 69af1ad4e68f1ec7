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
from archive.segments import generation_files, holds_id
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


def _copy_index(index_dir: Path, generations: Path, previous: Path | None, hidden: set[str]
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
        withdrawn = _held(searcher.reader(), hidden)
    if withdrawn:
        shutil.rmtree(work, ignore_errors=True)
        raise _still_held(withdrawn)
    if copied.latest_generation() != generation or found != documents:
        shutil.rmtree(work, ignore_errors=True)
        raise SnapshotError(f"the copy of generation {generation} holds {found} documents, "
                            f"not {documents}: not swapped in")
    os.rename(work, final)
    fsync_dir(generations)
    return final, generation, documents, len(handles), size


def _held(reader: Any, ids: set[str]) -> list[str]:
    """The ids an index still holds a copy of, live or deleted but not rewritten out."""
    return sorted(i for i in ids if holds_id(reader, i))


def _still_held(ids: list[str]) -> SnapshotError:
    # A takedown whose index change failed, or made before takedowns rewrote the segment:
    # its text is still in the index's files, and a replica must not get them.
    return SnapshotError(f"{len(ids)} document(s) taken down are still in the index's files "
                         f"({', '.join(ids[:3])}): run `foi-archive takedown ID` for each again "
                         "(or `foi-archive rebuild`), then take the snapshot")


def _copy_catalogue(store_dir: Path, target_dir: Path) -> tuple[Path, set[str], set[str]]:
    """SQLite's online backup: one consistent copy, taken while ingest may be writing, into
    a work file, without what was taken down; returns it, the originals no longer wanted,
    and the ids taken down as the copy says (``_install`` puts it in place)."""
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
    gone, hidden = _withdraw(work)
    return work, gone, hidden


def _install(work: Path) -> None:
    os.replace(work, work.with_name("catalogue.sqlite"))
    fsync_dir(work.parent)


def _withdraw(catalogue: Path) -> tuple[set[str], set[str]]:
    """Take every trace of a taken-down document out of a replica's catalogue: its versions,
    parts, provenance (by id, by original and by address), corrections and the takedown's
    reason, and its originals' rows, then VACUUM so no freed page keeps their bytes. Its
    documents row stays as a stub (no source, address or version) that says hidden, so a
    replica still refuses the page while its index is the older copy. A replica only
    serves, and serves nothing of them (docs/reliability.md, "Takedowns"); the source store
    keeps all of it, for a restore. Returns the originals no longer wanted, and the ids."""
    db = sqlite3.connect(catalogue)
    try:
        hidden = {row[0] for row in db.execute("SELECT id FROM documents WHERE hidden")}
        if not hidden:
            return set(), set()
        db.execute("CREATE TEMP TABLE gone_docs (id TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO gone_docs VALUES (?)", [(i,) for i in hidden])
        owned = "SELECT sha256 FROM {t} WHERE {c} {op} (SELECT id FROM gone_docs)"

        def shas(op: str) -> set[str]:
            return {row[0] for table, column in (("documents", "id"), ("versions", "doc_id"),
                                                 ("parts", "doc_id"))
                    for row in db.execute(owned.format(t=table, c=column, op=op))}
        gone = shas("IN") - shas("NOT IN")
        db.execute("""DELETE FROM provenance WHERE doc_id IN (SELECT id FROM gone_docs)
                      OR (source, locator) IN (SELECT source, locator FROM documents
                                               WHERE id IN (SELECT id FROM gone_docs))""")
        for table, column in (("versions", "doc_id"), ("parts", "doc_id"), ("corrections", "id"),
                              ("takedowns", "id")):
            db.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM gone_docs)")
        for table in ("objects", "extractions", "fixity", "provenance"):
            db.executemany(f"DELETE FROM {table} WHERE sha256 = ?", [(sha,) for sha in gone])
        db.execute("""UPDATE documents SET source = 'withdrawn', locator = 'withdrawn:' || id,
                      sha256 = '' WHERE id IN (SELECT id FROM gone_docs)""")
        db.commit()
        db.execute("VACUUM")
        return gone, hidden
    finally:
        db.close()


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
    with Store(config.store_path, readonly=True) as source:
        hidden = source.hidden_ids()
    final, generation, documents, files, size = _copy_index(index_dir, generations, previous, hidden)
    work, gone, hidden_now = _copy_catalogue(config.store_path, dest / "store")
    if hidden_now - hidden:  # taken down while the index was copied: check the copy again
        copied = FileStorage(str(final), supports_mmap=False).open_index(INDEX_NAME)
        with copied.reader() as reader:
            late = _held(reader, hidden_now - hidden)
        if late:
            shutil.rmtree(final, ignore_errors=True)
            work.unlink(missing_ok=True)
            raise _still_held(late)
    hidden = hidden_now
    _install(work)
    with Store(config.store_path, readonly=True) as source, Store(dest / "store", readonly=True) as target:
        copied, kept = _copy_objects(source, target)
        for sha256 in gone:  # copied by an earlier snapshot, before the takedown
            target.object_path(sha256).unlink(missing_ok=True)
    _point(link, final)
    manifest: dict[str, Any] = {
        "generation": generation, "documents": documents, "index": f"generations/{final.name}",
        "taken": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_index": str(config.index_path), "source_store": str(config.store_path),
    }
    work = dest / ".snapshot.json.tmp"
    work.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(work, dest / "snapshot.json")
    removed = _prune(generations, final, keep, hidden)
    return SnapshotResult(dest, generation, documents, files, size, copied, kept,
                          round(time.monotonic() - started, 2), removed)


def _prune(generations: Path, current: Path, keep: int, hidden: set[str]) -> list[Path]:
    """Remove all but the ``keep`` newest generations (never the current one): a replica's
    worker mid-request on the previous one still finds it (an open file stays readable);
    and any older generation that holds a document taken down since."""
    names = sorted((p for p in generations.iterdir() if p.is_dir() and not p.name.startswith(".")),
                   key=lambda p: p.name, reverse=True)
    removed = []
    for n, old in enumerate(names):
        if old != current and (n >= max(keep, 1) or _holds_any(old, hidden)):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def _holds_any(index_dir: Path, ids: set[str]) -> bool:
    """Whether an index (a copied generation) holds any of ``ids``; True if it cannot be read."""
    if not ids:
        return False
    try:
        ix = FileStorage(str(index_dir), supports_mmap=False).open_index(INDEX_NAME)
        with ix.reader() as reader:
            return bool(_held(reader, ids))
    except Exception:  # damaged or half-copied: not worth keeping either
        return True

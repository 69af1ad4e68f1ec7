"""Rebuild the index from the store, check it, and swap it in while the site serves.

The index is disposable (docs/reliability.md, I4): everything in it comes from
the stored version records and extracted text. A rebuild writes a complete new
index into a new folder beside the live one, checks it against the store (the
same document ids, each document's stored fields, canary queries), and only
then swaps it in.

The configured index path is a symlink to a versioned folder::

    data/index -> index.v20250101T120000123456Z
    data/index.v20250101T120000123456Z/
    data/index.v20241201T090000000000Z/     the one before: kept for a grace period

The swap replaces the symlink with ``os.replace`` (one atomic rename), so a
reader sees either the old index or the new one, never neither. The first
rebuild of a plain folder exchanges the folder and the symlink in one
``renameat2(RENAME_EXCHANGE)`` where Linux offers it. Site workers notice the
new folder on their next request and open a new searcher; the folder before is
kept until the next rebuild, so a searcher still reading it is not cut off.

The live index's write lock is held from the start of the build until after the
swap: an ingest that wants to commit meanwhile waits, then fails with
``LockError`` and redoes its batch on its next run, instead of committing into
an index that is about to be replaced.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.util.filelock import FileLock

from archive.config import Config
from archive.index import INDEX_NAME, IndexWriter
from archive.models import Document
from archive.store import DocumentRow, Store
from ingest.document import document_from_store, name_of, stored_document
from ingest.extract import EXTRACTOR_VERSION
from ingest.grouping import Grouper
from ingest.infra.progress import ProgressLog
from ingest.pipeline import PIPELINE_VERSION, make_pool
from ingest.tasks.indexcheck import Expected, IndexCheck, compare, expect

log = logging.getLogger(__name__)

BATCH = 500
LOCK_TIMEOUT = 60.0  # seconds to wait for a running ingest to finish its commit


class RebuildError(Exception):
    """The new index was not swapped in; the live one is untouched."""


Progress = Callable[[int, int], None]


# -- one document from the store ----------------------------------------------------------


def reread_metadata(text: str, title: str | None, hints: dict[str, Any],
                    filename: str) -> dict[str, Any]:
    """Read the metadata of stored text again (runs in a limited child process)."""
    from ingest.metadata import enrich

    return enrich(text, title=title, hints=hints, filename=filename).to_dict()


# -- the report ------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    path: Path  # the new versioned folder
    documents: int
    reread: int  # documents whose metadata was read again from their text
    skipped: list[str]  # stored documents with no version record
    old_text: int  # documents whose text is from an older extractor (re-run ingest)
    check: IndexCheck
    previous: Path | None  # what the index path pointed to before
    removed: list[Path]  # older folders deleted
    compared: dict[str, int] | None = None  # against the index that was live, if readable


# -- building and checking -------------------------------------------------------------------


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def version_pattern(index_path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(index_path.name)}\.(v|old-)\d{{8}}T\d{{12}}Z$")


def documents_to_index(store: Store, *, reread_all: bool, config: Config,
                       report: dict[str, Any], as_stored: dict[str, Document] | None = None) -> Iterator[Document]:
    """Every visible stored document as an index document, in the order first seen: what a
    rebuild writes (before grouping), and so what verify expects of the live index.
    ``report`` collects "skipped", "old_text" and "reread" counts.

    Metadata made by an older reader (or all of it, if asked) is read again from
    the stored text, by the same code as at ingest, in the same limited children;
    ``as_stored`` collects those documents as their stored metadata has them.
    """
    rows = sorted(store.documents(include_hidden=False), key=lambda r: (r.first_seen, r.id))
    stale: list[tuple[DocumentRow, dict[str, Any], str]] = []
    for row in rows:
        record = store.version_record(row.id, row.sha256)
        if record is None:
            report["skipped"].append(row.id)
            continue
        # Only the stale ones' text is read here; the rest is read once, below.
        has_text = store.text_path(row.sha256, EXTRACTOR_VERSION).exists()
        if not has_text and record.get("text"):
            report["old_text"] += 1
        current = store.extraction(row.sha256, PIPELINE_VERSION) is not None
        readable = record.get("status") not in ("failed", "needs_ocr")
        if readable and (reread_all or not current):
            stale.append((row, record, store.read_text(row.sha256, EXTRACTOR_VERSION)))
    metas: dict[str, dict[str, Any]] = {}
    if stale:
        pool = make_pool(config, reread_metadata)
        tasks = [(n, (text if text is not None else record.get("text") or "", record.get("title"),
                      record.get("hints") or {}, name_of(row, record)))
                 for n, (row, record, text) in enumerate(stale)]
        said = ProgressLog("rebuild: metadata read again", config.ingest.progress_seconds)
        with pool:
            for n, outcome in enumerate(pool.run(tasks), 1):
                said.tick(n, len(tasks), n - report["reread"] - 1)
                row = stale[outcome.key][0]
                if outcome.ok:
                    metas[row.id] = outcome.value
                    report["reread"] += 1
                else:
                    log.warning("%s: metadata not re-read (%s %s); the stored one is kept",
                                row.id, outcome.reason, outcome.detail)
    skipped = set(report["skipped"])
    kept = {row.id: (record, text) for row, record, text in stale}  # already read above
    for row in rows:
        if row.id in kept:
            record, text = kept[row.id]
            if as_stored is not None and row.id in metas:
                as_stored[row.id] = stored_document(row, record, text, store.corrections(row.id))
            yield stored_document(row, record, text, store.corrections(row.id), metas.get(row.id))
        elif row.id not in skipped:
            doc = document_from_store(store, row)
            if doc is not None:
                yield doc


def build(config: Config, store: Store, dest: Path, *, reread_all: bool = False,
          progress: Progress | None = None) -> tuple[dict[str, Expected], dict[str, Any]]:
    """Write a new index at ``dest``; return what was written per id, and the counts."""
    report: dict[str, Any] = {"skipped": [], "old_text": 0, "reread": 0}
    writer = IndexWriter(dest, limitmb=128)
    # Round robins are grouped again as at ingest, in the order the documents came.
    grouper = Grouper(writer.ix)
    written: dict[str, Expected] = {}
    total = store.count_documents()
    said = ProgressLog("rebuild", config.ingest.progress_seconds)
    try:
        for doc in documents_to_index(store, reread_all=reread_all, config=config, report=report):
            grouper.assign(doc)
            writer.update(doc)
            written[doc.id] = expect(doc)
            if len(written) % BATCH == 0:
                writer.commit()
                grouper.committed()
            if progress:
                progress(len(written), total)
            said.tick(len(written), total)
        writer.commit()
    finally:
        grouper.close()
    writer.optimize()  # one segment: the fastest to search, and nothing to merge later
    return written, report


def compare_with(live: Path, written: dict[str, Expected]) -> dict[str, int] | None:
    """How the index that was live differs from the new one (None if unreadable)."""
    try:
        ix = whoosh_index.open_dir(str(live), indexname=INDEX_NAME)
        with ix.searcher() as searcher:
            old = {f.get("id") for f in searcher.all_stored_fields()}
    except Exception as exc:  # a broken index is why one rebuilds: say so, go on
        log.warning("the live index could not be read (%s: %s)", type(exc).__name__, exc)
        return None
    return {"only_in_old": len(old - set(written)), "only_in_new": len(set(written) - old),
            "in_both": len(old & set(written))}


# -- the lock and the swap -------------------------------------------------------------------


@contextmanager
def hold_write_lock(index_path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the live index's write lock, as a writer would, for the whole rebuild."""
    if not index_path.is_dir():
        yield
        return
    from whoosh.util.filelock import try_for

    lock = FileLock(str(index_path / f"{INDEX_NAME}_WRITELOCK"))
    if not try_for(lock.acquire, timeout=timeout, delay=0.25):
        raise RebuildError(f"the index at {index_path} is being written (an ingest is running); "
                           f"waited {timeout:.0f} s")
    try:
        yield
    finally:
        lock.release()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(index_path: Path, new_dir: Path) -> Path | None:
    """Point ``index_path`` at ``new_dir`` in one atomic step; return what it pointed at."""
    parent = index_path.parent
    tmp = parent / f".{index_path.name}.swap-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(new_dir.name, tmp)  # relative: the data folder can be moved whole
    previous: Path | None = None
    if index_path.is_symlink():
        previous = (parent / os.readlink(index_path)).resolve()
        os.replace(tmp, index_path)
    elif index_path.is_dir():
        # A plain folder from before the first rebuild: exchange it with the symlink.
        previous = parent / f"{index_path.name}.old-{_stamp()}"
        if _exchange(tmp, index_path):
            os.rename(tmp, previous)
        else:  # no renameat2: two renames, a moment with no index (readers get a 503)
            log.warning("renameat2 unavailable: the index is missing for a moment during the swap")
            os.rename(index_path, previous)
            os.replace(tmp, index_path)
    else:
        os.replace(tmp, index_path)
    _fsync_dir(parent)
    return previous


def remove_old(index_path: Path, keep: set[Path]) -> list[Path]:
    """Delete versioned folders other than ``keep`` (the live one and the one before)."""
    pattern = version_pattern(index_path)
    keep = {p.resolve() for p in keep}
    removed = []
    for path in sorted(index_path.parent.iterdir()):
        if pattern.match(path.name) and path.is_dir() and path.resolve() not in keep:
            shutil.rmtree(path)
            removed.append(path)
    return removed


def rebuild(config: Config, *, reread_all: bool = False, swap: bool = True,
            lock_timeout: float = LOCK_TIMEOUT, progress: Progress | None = None) -> RebuildReport:
    """Build a new index from the store, check it, and swap it in."""
    index_path = Path(config.index_path)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    new_dir = index_path.parent / f"{index_path.name}.v{_stamp()}"
    with hold_write_lock(index_path, lock_timeout):
        with Store(config.store_path, readonly=True) as store:
            try:
                written, counts = build(config, store, new_dir, reread_all=reread_all,
                                        progress=progress)
                check = compare(new_dir, written)
                # What the store holds now (an ingest may have committed before we locked).
                visible = {row.id for row in store.documents(include_hidden=False)}
                late = sorted(visible - set(written) - set(counts["skipped"]))
            except BaseException:
                shutil.rmtree(new_dir, ignore_errors=True)
                raise
        check.missing = sorted(set(check.missing) | set(late))
        if not check.ok:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise RebuildError("the new index did not match the store, nothing swapped: "
                               + "; ".join(check.problems()))
        compared = compare_with(index_path, written) if index_path.is_dir() else None
        previous = swap_in(index_path, new_dir) if swap else None
    removed = remove_old(index_path, {new_dir} | ({previous} if previous else set())) if swap else []
    return RebuildReport(path=new_dir, documents=len(written), reread=counts["reread"],
                         skipped=counts["skipped"], old_text=counts["old_text"], check=check,
                         previous=previous, removed=removed, compared=compared)

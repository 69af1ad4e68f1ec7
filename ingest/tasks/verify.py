"""Check the archive: re-hash every stored original, and compare the index with the store.

Fixity is about the bytes we stored (docs/reliability.md D3): each file
under ``objects/`` is named by the sha256 of its bytes, so re-hashing it says
whether it is still what was fetched. A mismatch is reported with the expected
and actual digests and the documents that depend on it, and recorded in the
``fixity`` table; nothing is repaired or deleted here.

The index is compared with the store's visible documents: ids missing from it,
ids it should not have (including taken-down ones), ids indexed twice, and ids
whose indexed version is not the store's current one. An index that cannot be
read at all (a truncated TOC, a lost segment: W8) is reported as such;
``foi-archive rebuild`` makes a new one from the store.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from archive.config import Config
from archive.index import INDEX_NAME
from archive.store import SHA256_RE, Store

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"  # what archive.store writes before its atomic rename
STALE_TEMP_SECONDS = 3600  # older than this, no running write can still own a temp file


@dataclass
class BadObject:
    sha256: str  # what the file is named, and what its bytes hashed to when stored
    status: str  # mismatch | missing
    actual: str | None  # what its bytes hash to now
    dependents: list[str]  # documents with a version (or part) made of it


@dataclass
class IndexCheck:
    error: str | None = None  # the index could not be read
    generation: int | None = None
    documents: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    taken_down: list[str] = field(default_factory=list)  # hidden in the store, still indexed
    duplicates: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # indexed version is not the current one

    @property
    def ok(self) -> bool:
        return not (self.error or self.missing or self.extra or self.taken_down
                    or self.duplicates or self.stale)

    def problems(self) -> list[str]:
        return problem_lines([("missing from the index", self.missing),
                              ("in the index but not in the store", self.extra),
                              ("taken down but still in the index", self.taken_down),
                              ("indexed more than once", self.duplicates),
                              ("indexed at an old version", self.stale)], limit=20)


@dataclass
class VerifyReport:
    objects: int = 0
    bad: list[BadObject] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # object files the catalogue lacks
    temp_files: list[Path] = field(default_factory=list)
    removed_temp: list[Path] = field(default_factory=list)
    index: IndexCheck | None = None

    @property
    def ok(self) -> bool:
        return not self.bad and (self.index is None or self.index.ok)


def problem_lines(pairs: list[tuple[str, list[str]]], limit: int = 10) -> list[str]:
    """"3 missing from the index: a, b, c" for each (label, ids) that has any ids."""
    return [f"{len(ids)} {label}: {', '.join(ids[:limit])}{' …' if len(ids) > limit else ''}"
            for label, ids in pairs if ids]


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def check_objects(store: Store, report: VerifyReport, *, clean_temp: bool = False) -> None:
    """Re-hash every original; record and report the ones whose bytes changed or vanished."""
    listed = {sha for sha, _ in store.iter_objects()}
    on_disk: set[str] = set()
    now = time.time()
    for path in store.object_files():
        if not SHA256_RE.match(path.name):
            report.temp_files.append(path)
            if clean_temp and path.name.startswith(TEMP_PREFIX) and \
                    now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                path.unlink()
                report.removed_temp.append(path)
            continue
        on_disk.add(path.name)
        report.objects += 1
        actual = file_sha256(path)
        if actual == path.name and path == store.object_path(actual):
            store.record_fixity(path.name, "ok")
            continue
        store.record_fixity(path.name, "mismatch", actual)
        report.bad.append(BadObject(path.name, "mismatch", actual, store.dependents(path.name)))
        log.error("original %s has changed: its bytes now hash to %s", path.name, actual)
    for sha in sorted(listed - on_disk):
        store.record_fixity(sha, "missing")
        report.bad.append(BadObject(sha, "missing", None, store.dependents(sha)))
        log.error("original %s is missing from the store", sha)
    report.unlisted = sorted(on_disk - listed)
    store.commit()


def check_index(config: Config, store: Store) -> IndexCheck:
    """Compare the index's documents with the store's visible ones."""
    check = IndexCheck()
    rows = list(store.documents())
    hidden = {row.id for row in rows if row.hidden}
    expected = {row.id: row.sha256 for row in rows
                if not row.hidden and store.version_record(row.id, row.sha256) is not None}
    seen: dict[str, int] = {}
    indexed_sha: dict[str, str] = {}
    try:
        ix = whoosh_index.open_dir(str(config.index_path), indexname=INDEX_NAME)
        try:
            check.generation = ix.latest_generation()
            with ix.searcher() as searcher:
                check.documents = searcher.doc_count()
                for stored in searcher.all_stored_fields():
                    doc_id = stored.get("id", "")
                    seen[doc_id] = seen.get(doc_id, 0) + 1
                    indexed_sha[doc_id] = stored.get("sha256", "")
                for _ in searcher.reader().all_terms():  # read every term block once
                    pass
        finally:
            ix.close()
    except Exception as exc:  # whatever Whoosh raises on a damaged index, say what it was
        check.error = f"{type(exc).__name__}: {exc}"
        return check
    check.duplicates = sorted(i for i, n in seen.items() if n > 1)
    check.missing = sorted(set(expected) - set(seen))
    extra = set(seen) - set(expected)
    check.taken_down = sorted(extra & hidden)
    check.extra = sorted(extra - hidden)
    check.stale = sorted(i for i in set(seen) & set(expected) if indexed_sha[i] != expected[i])
    return check


def verify(config: Config, *, objects: bool = True, index: bool = True,
           clean_temp: bool = False) -> VerifyReport:
    """Check the originals and the index; change nothing but the fixity log."""
    report = VerifyReport()
    with Store(config.store_path) as store:
        if objects:
            check_objects(store, report, clean_temp=clean_temp)
        if index:
            report.index = check_index(config, store)
    return report

"""Check the archive: re-hash every stored original, and compare the index with the store.

Fixity is about the bytes we stored (docs/reliability.md D3): each file
under ``objects/`` is named by the sha256 of its bytes, so re-hashing it says
whether it is still what was fetched. A mismatch is reported with the expected
and actual digests and the documents that depend on it, and recorded in the
``fixity`` table; nothing is repaired or deleted here.

The index is compared with what a rebuild from the store would write, by the check
rebuild makes of its own index (ingest/tasks/indexcheck.py): ids missing from it, ids
it should not have (including taken-down ones), ids indexed twice, ids whose indexed
version is not the store's current one, stored fields other than the store says, and
canary queries. So verify fails wherever a rebuild would, and more: an index that
cannot be read at all (a truncated TOC, a lost segment: W8) is reported as such;
``foi-archive rebuild`` makes a new one from the store.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.config import Config
from archive.models import Document
from archive.store import SHA256_RE, Store
from ingest.grouping import read_request
from ingest.tasks.indexcheck import IndexCheck, compare, expect
from ingest.tasks.rebuild import documents_to_index

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
    """Compare the live index with what a rebuild from the store would write: the same ids,
    each document's stored fields (``ingest/tasks/indexcheck.py``, the check rebuild makes of
    the index it builds), and canary queries."""
    report: dict[str, Any] = {"skipped": [], "old_text": 0, "reread": 0}
    expected = {}
    as_stored: dict[str, Document] = {}
    for doc in documents_to_index(store, reread_all=False, config=config, report=report, as_stored=as_stored):
        group_known = doc.group is not None
        read_request(doc)
        expected[doc.id] = expect(doc, group_known=group_known or not doc.request)
    # Read by an older reader and not rebuilt since: the index may hold the stored reading.
    for doc_id, doc in as_stored.items():
        group_known = doc.group is not None
        read_request(doc)
        expected[doc_id].older = expect(doc, group_known=group_known or not doc.request).digest
    return compare(config.index_path, expected, hidden=store.hidden_ids())


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

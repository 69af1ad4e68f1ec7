"""The archive's store: originals write-once by sha256, their extracted text, and a
catalogue of documents, versions and provenance.

Layout under the store folder::

    objects/ab/cd/<sha256>          the original bytes, never overwritten
    text/ab/cd/<sha256>.v<N>.txt    text extracted by extractor version N
    catalogue.sqlite                documents, versions, provenance, extractions

The index is disposable: everything needed to rebuild it is here. Only the
ingest side calls the writing methods; the site opens the store read-only.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT,
    stored_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    locator     TEXT NOT NULL,          -- URL, or file:// path, the document is known by
    sha256      TEXT NOT NULL,          -- the current version
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    source_status TEXT NOT NULL DEFAULT 'present',   -- present | gone
    hidden      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, locator)
);
-- every ingested file is looked up by its bytes (the same response under another name)
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS versions (
    doc_id      TEXT NOT NULL REFERENCES documents(id),
    sha256      TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    record      TEXT NOT NULL,          -- JSON: the extracted and enriched record
    PRIMARY KEY (doc_id, sha256)
);
CREATE TABLE IF NOT EXISTS parts (    -- the originals a bundle version is made of
    doc_id      TEXT NOT NULL,
    version     TEXT NOT NULL,          -- the bundle's (manifest's) sha256
    sha256      TEXT NOT NULL,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (doc_id, version, position)
);
CREATE INDEX IF NOT EXISTS parts_sha ON parts(sha256);
CREATE TABLE IF NOT EXISTS provenance (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT,
    sha256      TEXT,
    source      TEXT NOT NULL,
    locator     TEXT NOT NULL,
    final_url   TEXT,
    at          TEXT NOT NULL,
    event       TEXT NOT NULL,          -- stored | changed | also_at | not_modified | gone | failed
    status      INTEGER,
    headers     TEXT,                   -- JSON
    size        INTEGER,
    crawler     TEXT,                   -- the fetcher's version (ingest.fetch.CRAWLER_VERSION)
    robots      TEXT,                   -- the robots.txt decision the fetch went ahead on
    redirects   TEXT                    -- JSON: the URLs redirected through, in order
);
CREATE INDEX IF NOT EXISTS provenance_doc ON provenance(doc_id);
CREATE TABLE IF NOT EXISTS extractions (
    sha256      TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT NOT NULL,          -- ok | failed
    reason      TEXT,
    detail      TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (sha256, version)
);
CREATE TABLE IF NOT EXISTS takedowns (  -- every takedown and restore, never deleted
    n           INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,          -- the document
    action      TEXT NOT NULL,          -- takedown | restore
    reason      TEXT NOT NULL,
    time        TEXT NOT NULL,
    user        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS corrections (  -- metadata fixed by hand; never deleted
    n           INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,          -- the document
    field       TEXT NOT NULL,          -- one of archive.models.CORRECTABLE
    action      TEXT NOT NULL,          -- correct | clear (the correction withdrawn)
    value       TEXT,                   -- JSON: the value in force (NULL for clear)
    reason      TEXT NOT NULL,
    time        TEXT NOT NULL,
    user        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_doc ON corrections(id, field, n);
CREATE TABLE IF NOT EXISTS fixity (     -- the last re-hash of each original (foi-archive verify)
    sha256      TEXT PRIMARY KEY,
    checked_at  TEXT NOT NULL,
    status      TEXT NOT NULL,          -- ok | mismatch | missing
    actual      TEXT                    -- the sha256 the bytes have now, when not ok
);
"""


def utcnow() -> str:
    """The current UTC time as an ISO string, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_id(source: str, locator: str) -> str:
    """The stable id of the document a source knows by ``locator``."""
    return hashlib.sha256(f"{source}\n{locator}".encode()).hexdigest()[:16]


class StoreError(Exception):
    """The store is missing, or asked for something it does not hold."""


@dataclass
class DocumentRow:
    id: str
    source: str
    locator: str
    sha256: str
    first_seen: str
    last_seen: str
    source_status: str
    hidden: bool


@dataclass
class ProvenanceRow:
    source: str
    locator: str
    final_url: str | None
    at: str
    event: str
    status: int | None
    sha256: str | None
    size: int | None
    crawler: str | None = None
    robots: str | None = None
    redirects: str | None = None  # JSON list


#: Provenance columns newer than the first catalogues (reliability.md I2).
PROVENANCE_ADDED = ("crawler", "robots", "redirects")


def fsync_dir(path: Path) -> None:
    """Make the names just created or replaced in the folder ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _replacing(tmp: str, path: Path | str) -> Iterator[None]:
    """Move ``tmp`` onto ``path`` once the block has written it; remove it if the block fails."""
    try:
        yield
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` durably, so that a crash leaves either nothing or all of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with _replacing(tmp, path), os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(path.parent)


def _private(path: str, flags: int) -> int:
    """Open a new file readable by its owner only, as mkstemp makes them."""
    return os.open(path, flags, 0o600)


_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _syncfs(path: Path) -> None:
    """Make everything written to the file system holding ``path`` durable: Linux's
    syncfs(2), one call for a batch of files and their folders (four fsyncs a document
    cost 6 ms here); elsewhere os.sync()."""
    if _libc is None or not hasattr(_libc, "syncfs"):
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


class Store:
    """Originals, text and the catalogue under one folder."""

    def __init__(self, path: Path, *, readonly: bool = False, batched: bool = False) -> None:
        """``batched``: originals and texts are written at once but made durable together
        by the next ``commit()``, before the catalogue that names them commits (ingest)."""
        self.path = Path(path)
        self.readonly = readonly
        self.batched = batched
        self._unsynced = False
        self._folders: set[str] = set()  # made already (batched writes)
        self._tables: set[str] = set()  # known to exist (tables are never dropped)
        self.objects = self.path / "objects"
        self.texts = self.path / "text"
        db = self.path / "catalogue.sqlite"
        if readonly:
            if not db.exists():
                raise StoreError(f"no store at {self.path}: run `foi-archive ingest` first")
            self.db = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(db)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            self.add_columns("provenance", PROVENANCE_ADDED)
        self.db.row_factory = sqlite3.Row

    def add_columns(self, table: str, columns: tuple[str, ...], kind: str = "TEXT") -> None:
        """Columns added since a catalogue was made, added to it on open."""
        have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- originals -------------------------------------------------------------

    def object_path(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise StoreError(f"not a sha256: {sha256!r}")
        return self.objects / sha256[:2] / sha256[2:4] / sha256

    def put_object(self, data: bytes, media_type: str | None = None) -> str:
        """Keep ``data`` write-once under its sha256 and return the digest."""
        digest = sha256_hex(data)
        path = self.object_path(digest)
        if not path.exists() or (not self._catalogued(digest) and not self._intact(path, digest)):
            self._write(path, data)
        self.db.execute(
            "INSERT OR IGNORE INTO objects (sha256, size, media_type, stored_at) VALUES (?, ?, ?, ?)",
            (digest, len(data), media_type, utcnow()),
        )
        return digest

    def _write(self, path: Path, data: bytes) -> None:
        if not self.batched:
            _atomic_write(path, data)
            return
        # Batched (ingest): no fsync here, folders made once, a temporary name of our own
        # (one writer at a time holds the index lock): a fifth of mkstemp's cost.
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{os.path.basename(path)}")
        # Until the next commit's syncfs a crash can leave the name with short content,
        # which put_object checks for before trusting a file it has not catalogued.
        with _replacing(tmp, path), open(tmp, "wb", opener=_private) as fh:
            fh.write(data)
        self._unsynced = True

    def _catalogued(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM objects WHERE sha256 = ?", (sha256,)).fetchone() is not None

    @staticmethod
    def _intact(path: Path, sha256: str) -> bool:
        """Whether a file the catalogue does not name yet (a run cut short) holds its bytes."""
        try:
            return sha256_hex(path.read_bytes()) == sha256
        except OSError:
            return False

    def has_object(self, sha256: str) -> bool:
        return self.object_path(sha256).exists()

    def read_object(self, sha256: str) -> bytes:
        path = self.object_path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"no original {sha256}") from None

    def iter_objects(self) -> Iterator[tuple[str, int]]:
        for row in self.db.execute("SELECT sha256, size FROM objects ORDER BY sha256"):
            yield row["sha256"], row["size"]

    # -- extracted text --------------------------------------------------------

    def text_path(self, sha256: str, version: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise StoreError(f"not a sha256: {sha256!r}")
        return self.texts / sha256[:2] / sha256[2:4] / f"{sha256}.v{version}.txt"

    def put_text(self, sha256: str, version: str, text: str) -> None:
        self._write(self.text_path(sha256, version), text.encode("utf-8"))

    def read_text(self, sha256: str, version: str) -> str | None:
        """The text as written, byte for byte: no newline translation (a Word document's
        text holds carriage returns, which text mode would turn into new lines)."""
        try:
            return self.text_path(sha256, version).read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return None

    # -- extraction outcomes ---------------------------------------------------

    def record_extraction(self, sha256: str, version: str, status: str,
                          reason: str | None = None, detail: str | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO extractions (sha256, version, status, reason, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (sha256, version, status, reason, detail, utcnow()),
        )

    def extraction(self, sha256: str, version: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM extractions WHERE sha256 = ? AND version = ?", (sha256, version)
        ).fetchone()

    def failures(self, version: str | None = None) -> list[sqlite3.Row]:
        """Extractions that failed, with the documents they belong to."""
        sql = (
            "SELECT e.sha256, e.version, e.reason, e.detail, e.at,"
            " d.id AS doc_id, d.locator, d.source"
            " FROM extractions e LEFT JOIN documents d ON d.sha256 = e.sha256"
            " WHERE e.status = 'failed'"
        )
        args: tuple[Any, ...] = ()
        if version is not None:
            sql += " AND e.version = ?"
            args = (version,)
        return list(self.db.execute(sql + " ORDER BY e.at", args))

    # -- documents, versions, provenance ---------------------------------------

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _document_row(row) if row else None

    def document_by_locator(self, source: str, locator: str) -> DocumentRow | None:
        row = self.db.execute(
            "SELECT * FROM documents WHERE source = ? AND locator = ?", (source, locator)
        ).fetchone()
        return _document_row(row) if row else None

    def document_by_sha256(self, sha256: str) -> DocumentRow | None:
        """The first document whose current version has these bytes."""
        row = self.db.execute(
            "SELECT * FROM documents WHERE sha256 = ? ORDER BY first_seen, id LIMIT 1", (sha256,)
        ).fetchone()
        return _document_row(row) if row else None

    def documents(self, *, include_hidden: bool = True) -> Iterator[DocumentRow]:
        sql = "SELECT * FROM documents"
        if not include_hidden:
            sql += " WHERE hidden = 0"
        for row in self.db.execute(sql + " ORDER BY id"):
            yield _document_row(row)

    def hidden_ids(self) -> set[str]:
        """The ids of the documents taken down (withdrawn from the site)."""
        return {row[0] for row in self.db.execute("SELECT id FROM documents WHERE hidden = 1")}

    def count_documents(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def save_version(self, doc_id: str, source: str, locator: str, sha256: str,
                     record: dict[str, Any], at: str | None = None) -> str:
        """Make ``sha256`` the current version of a document; say 'stored' or 'changed'.
        ``at`` (default now) is the time recorded: a new document's first_seen."""
        now = at or utcnow()
        existing = self.document(doc_id)
        if existing is None:
            self.db.execute(
                "INSERT INTO documents (id, source, locator, sha256, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (doc_id, source, locator, sha256, now, now),
            )
            event = "stored"
        else:
            self.db.execute(
                "UPDATE documents SET sha256 = ?, last_seen = ?, source_status = 'present'"
                " WHERE id = ?",
                (sha256, now, doc_id),
            )
            event = "stored" if existing.sha256 == sha256 else "changed"
        self.db.execute(
            "INSERT INTO versions (doc_id, sha256, seen_at, record) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (doc_id, sha256) DO UPDATE SET record = excluded.record",
            (doc_id, sha256, now, json.dumps(record, ensure_ascii=False)),
        )
        for position, part in enumerate(record.get("parts") or []):
            self.db.execute(
                "INSERT OR REPLACE INTO parts (doc_id, version, sha256, name, position)"
                " VALUES (?, ?, ?, ?, ?)", (doc_id, sha256, part["sha256"], part["name"], position))
        return event

    def set_group(self, doc_id: str, sha256: str, group: str) -> None:
        """Keep the round-robin group a version was given after it was stored (a document
        restored or corrected before it was ever indexed), so that a rebuild gives the same."""
        record = self.version_record(doc_id, sha256)
        if record is None or record.get("group") == group:
            return
        record["group"] = group
        self.db.execute("UPDATE versions SET record = ? WHERE doc_id = ? AND sha256 = ?",
                        (json.dumps(record, ensure_ascii=False), doc_id, sha256))

    def parts(self, doc_id: str, version: str) -> list[tuple[str, str]]:
        """The (name, sha256) of each original a bundle version is made of, in order."""
        return [(r["name"], r["sha256"]) for r in self.db.execute(
            "SELECT name, sha256 FROM parts WHERE doc_id = ? AND version = ? ORDER BY position",
            (doc_id, version))]

    def document_for_object(self, sha256: str) -> DocumentRow | None:
        """A document that has these bytes as its current version or as one of its parts."""
        row = self.document_by_sha256(sha256)
        if row is not None:
            return row
        found = self.db.execute(
            "SELECT d.* FROM parts p JOIN documents d ON d.id = p.doc_id AND d.sha256 = p.version"
            " WHERE p.sha256 = ? ORDER BY d.hidden, d.id LIMIT 1", (sha256,)).fetchone()
        return _document_row(found) if found else None

    def version_record(self, doc_id: str, sha256: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT record FROM versions WHERE doc_id = ? AND sha256 = ?", (doc_id, sha256)
        ).fetchone()
        return json.loads(row["record"]) if row else None

    def versions(self, doc_id: str) -> list[sqlite3.Row]:
        return list(self.db.execute(
            "SELECT sha256, seen_at FROM versions WHERE doc_id = ? ORDER BY rowid", (doc_id,)
        ))

    def touch(self, doc_id: str) -> None:
        self.db.execute("UPDATE documents SET last_seen = ? WHERE id = ?", (utcnow(), doc_id))

    def add_provenance(self, *, source: str, locator: str, event: str, doc_id: str | None = None,
                       sha256: str | None = None, final_url: str | None = None,
                       status: int | None = None, headers: dict[str, str] | None = None,
                       size: int | None = None, crawler: str | None = None,
                       robots: str | None = None, redirects: list[str] | None = None,
                       at: str | None = None) -> None:
        """Record where bytes came from; ``at`` is when they were captured (now, unless
        they come from a web archive made earlier)."""
        self.db.execute(
            "INSERT INTO provenance (doc_id, sha256, source, locator, final_url, at, event,"
            " status, headers, size, crawler, robots, redirects)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, sha256, source, locator, final_url, at or utcnow(), event, status,
             json.dumps(headers) if headers else None, size, crawler, robots,
             json.dumps(redirects) if redirects else None),
        )

    def provenance(self, doc_id: str) -> list[ProvenanceRow]:
        rows = self.db.execute(
            "SELECT source, locator, final_url, at, event, status, sha256, size, crawler, robots,"
            " redirects FROM provenance WHERE doc_id = ? ORDER BY id", (doc_id,)
        )
        return [ProvenanceRow(**dict(r)) for r in rows]

    # -- takedown ----------------------------------------------------------------

    def set_hidden(self, doc_id: str, hidden: bool, *, reason: str, user: str) -> None:
        """Hide (or show again) a document, and log who did it and why."""
        if self.document(doc_id) is None:
            raise StoreError(f"no document {doc_id}")
        self.db.execute("UPDATE documents SET hidden = ? WHERE id = ?", (int(hidden), doc_id))
        self.db.execute(
            "INSERT INTO takedowns (id, action, reason, time, user) VALUES (?, ?, ?, ?, ?)",
            (doc_id, "takedown" if hidden else "restore", reason, utcnow(), user))

    def takedowns(self, doc_id: str | None = None) -> list[sqlite3.Row]:
        sql, args = "SELECT * FROM takedowns", ()
        if doc_id is not None:
            sql, args = sql + " WHERE id = ?", (doc_id,)
        return list(self.db.execute(sql + " ORDER BY n", args))

    # -- corrections -------------------------------------------------------------

    def add_correction(self, doc_id: str, field: str, value: Any, *, clear: bool = False,
                       reason: str, user: str) -> None:
        """Log a hand correction of one field (or, with ``clear``, its withdrawal)."""
        if self.document(doc_id) is None:
            raise StoreError(f"no document {doc_id}")
        self.db.execute(
            "INSERT INTO corrections (id, field, action, value, reason, time, user)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc_id, field, "clear" if clear else "correct",
             None if clear else json.dumps(value, ensure_ascii=False), reason, utcnow(), user))

    def corrections(self, doc_id: str | None = None, *, history: bool = False) -> list[sqlite3.Row]:
        """The corrections in force (the latest row of each document's field, unless it
        withdrew the correction), oldest first; with ``history``, every row ever logged."""
        if not self._has_table("corrections"):  # a catalogue from before, opened read-only
            return []
        where, args = [], []
        if doc_id is not None:
            where.append("c.id = ?")
            args.append(doc_id)
        if not history:
            where.append("c.action = 'correct' AND c.n = (SELECT MAX(n) FROM corrections"
                         " WHERE id = c.id AND field = c.field)")
        sql = "SELECT c.* FROM corrections c" + (" WHERE " + " AND ".join(where) if where else "")
        return list(self.db.execute(sql + " ORDER BY c.n", args))

    def _has_table(self, name: str) -> bool:
        if name not in self._tables and self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone():
            self._tables.add(name)
        return name in self._tables

    # -- fixity ------------------------------------------------------------------

    def dependents(self, sha256: str) -> list[str]:
        """Ids of the documents any of whose versions has these bytes, whole or as a part."""
        return [r[0] for r in self.db.execute(
            "SELECT doc_id FROM versions WHERE sha256 = ? UNION"
            " SELECT doc_id FROM parts WHERE sha256 = ? OR version = ? ORDER BY 1",
            (sha256, sha256, sha256))]

    def record_fixity(self, sha256: str, status: str, actual: str | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO fixity (sha256, checked_at, status, actual) VALUES (?, ?, ?, ?)",
            (sha256, utcnow(), status, actual))

    def object_files(self) -> Iterator[Path]:
        """Every file under objects/, named by a sha256 or not (leftover temp files)."""
        if self.objects.is_dir():
            for dirpath, _, names in os.walk(self.objects):
                for name in sorted(names):
                    yield Path(dirpath) / name

    def commit(self) -> None:
        """Commit the catalogue, the files it names made durable first."""
        if self._unsynced:
            _syncfs(self.path)
            self._unsynced = False
        self.db.commit()


def _document_row(row: sqlite3.Row) -> DocumentRow:
    data = dict(row)
    data["hidden"] = bool(data["hidden"])
    return DocumentRow(**data)

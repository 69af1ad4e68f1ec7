"""The whole archive as data: one SQLite file with full-text search, or one CSV file a table.

Documents come from one searcher, so the export is one index generation; the catalogue,
opened read-only, says which documents were withdrawn (they are left out) and where each
was found. Rows are streamed in batches: the archive is never held in memory at once.
The tables and their columns are described here once, and in docs/api.md.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from whoosh.searching import Searcher

from archive.config import Config
from archive.groups import group_sizes
from archive.reader import IndexReader
from archive.search import ANSWER_LABELS, DocumentView, document_from_stored
from archive.serialize import LIST_SEPARATOR, csv_row, exemption_dict
from archive.store import Store, StoreError, fsync_dir

BATCH = 500  # rows of a table sent to SQLite at once
FTS_TABLE = "documents_fts"  # <table>_fts: the name Datasette looks for


class ExportError(Exception):
    """The export could not be made; nothing was written where it was asked for."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the SQLite type and constraints
    about: str


def _columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


_DOC = "TEXT NOT NULL REFERENCES documents(id)"

#: Every table, its columns in order, and (after the columns) its table constraints.
TABLES: dict[str, tuple[Column, ...]] = {
    "documents": _columns(
        ("id", "TEXT PRIMARY KEY", "the archive's id of the response"),
        ("title", "TEXT", "what the response is about"),
        ("authority", "TEXT", "the public body that answered"),
        ("authority_type", "TEXT", "police, council, nhs, central_gov or other"),
        ("force", "TEXT", "the police force, when the body is one"),
        ("regime", "TEXT", "FOIA, EIR or FOISA"),
        ("reference", "TEXT", "the body's reference for the request"),
        ("date", "TEXT", "the response's date (ISO 8601)"),
        ("received", "TEXT", "when the body received the request (ISO 8601)"),
        ("working_days", "INTEGER", "working days from receipt to response (archive/workdays.py); "
                                    "null when the letter does not give both dates"),
        ("year", "TEXT", "the year of date"),
        ("outcome", "TEXT", "disclosed_in_full, partially_disclosed, refused, "
                            "neither_confirm_nor_deny, not_held or mixed; null when not read"),
        ("outcome_label", "TEXT", "the outcome in words"),
        ("outcome_evidence", "TEXT", "the sentence the outcome was read from"),
        ("outcome_confidence", "REAL", "how sure the stated outcome is, 0 to 1 (docs/metadata.md, How sure)"),
        ("outcome_unstated", "TEXT", "an outcome read but below the confidence to state it (outcome is then null)"),
        ("authority_confidence", "REAL", "how sure the authority is, 0 to 1"),
        ("reference_confidence", "REAL", "how sure the reference is, 0 to 1"),
        ("date_confidence", "REAL", "how sure the date is, 0 to 1"),
        ("date_source", "TEXT", "where date came from: response, received or source"),
        ("corrected", "TEXT", "the fields a person corrected, separated by '; '"),
        ("format", "TEXT", "the original's format: pdf, docx, doc, html, eml, txt ..."),
        ("status", "TEXT", "ok, ocr, truncated, needs_ocr or failed"),
        ("truncated", "INTEGER NOT NULL", "1 when the text was cut at ingest's limit"),
        ("source", "TEXT", "the source it came from: files, or a configured source's name"),
        ("source_url", "TEXT", "where it was found (a URL, or a file:// path)"),
        ("sha256", "TEXT", "the sha256 of the current original (/originals/<sha256>)"),
        ("ingested", "TEXT", "when the archive first stored it (ISO 8601)"),
        ("group_id", "TEXT REFERENCES groups(id)", "its round robin, when it has other members"),
        ("url", "TEXT NOT NULL", "its page on the site: /documents/<id>"),
        ("text", "TEXT", "the whole extracted text"),
    ),
    "exemptions": _columns(
        ("document_id", _DOC, "the response"),
        ("n", "INTEGER NOT NULL", "its place in the response's citations, from 1"),
        ("code", "TEXT NOT NULL", "the provision as cited: FOIA s.40(2)"),
        ("section", "TEXT NOT NULL", "its section: FOIA s.40"),
        ("label", "TEXT", "the section in words: s.40 Personal information"),
        ("sentence", "TEXT", "the sentence it was read from"),
        ("offset", "INTEGER", "where the citation starts in documents.text (-1: not known)"),
        ("confidence", "REAL", "how sure the reader is that the body relied on it, 0 to 1"),
        ("PRIMARY KEY", "(document_id, n)", ""),
    ),
    "questions": _columns(
        ("document_id", _DOC, "the response"),
        ("n", "INTEGER NOT NULL", "its place in the request, from 1"),
        ("number", "TEXT", "the number the request gives it: 1, a, Q3"),
        ("question", "TEXT", "the question as asked"),
        ("answer", "TEXT", "released, partly_released, not_held, withheld, cost, ncnd or "
                           "not_answered"),
        ("answer_label", "TEXT", "the answer in words"),
        ("exemptions", "TEXT", "the provisions relied on for this question, separated by '; '"),
        ("evidence", "TEXT", "the sentence of the reply the answer was read from"),
        ("evidence_offset", "INTEGER", "where that sentence starts in documents.text"),
        ("PRIMARY KEY", "(document_id, n)", ""),
    ),
    "topics": _columns(
        ("document_id", _DOC, "the response"),
        ("topic", "TEXT NOT NULL", "one of its topics"),
        ("PRIMARY KEY", "(document_id, topic)", ""),
    ),
    "provenance": _columns(
        ("document_id", _DOC, "the response"),
        ("n", "INTEGER NOT NULL", "its place in the response's history, from 1"),
        ("at", "TEXT NOT NULL", "when (UTC, ISO 8601)"),
        ("event", "TEXT NOT NULL", "stored, changed, also_at, not_modified, gone or failed"),
        ("source", "TEXT NOT NULL", "the source"),
        ("locator", "TEXT NOT NULL", "the URL or file:// path asked for"),
        ("final_url", "TEXT", "the URL answered from, after redirects"),
        ("redirects", "TEXT", "the URLs redirected through (a JSON list)"),
        ("status", "INTEGER", "the HTTP status"),
        ("sha256", "TEXT", "the sha256 of the bytes found"),
        ("size", "INTEGER", "their size in bytes"),
        ("crawler", "TEXT", "the fetcher's version"),
        ("robots", "TEXT", "the robots.txt decision the fetch went ahead on"),
        ("PRIMARY KEY", "(document_id, n)", ""),
    ),
    "groups": _columns(
        ("id", "TEXT PRIMARY KEY", "the round robin's id"),
        ("request", "TEXT", "the request, as its earliest response quotes it"),
        ("size", "INTEGER NOT NULL", "how many responses it has in this export"),
        ("url", "TEXT NOT NULL", "its page on the site: /groups/<id>"),
    ),
}

#: The columns a reader facets or joins on.
INDEXES = {
    "documents": ("authority", "authority_type", "force", "regime", "year", "outcome", "format",
                  "status", "source", "group_id"),
    "exemptions": ("code", "section"),
    "questions": ("answer",),
    "topics": ("topic",),
    "provenance": ("event", "sha256"),
}


@cache
def columns(table: str) -> tuple[str, ...]:
    """The names of a table's columns, in order."""
    return tuple(c.name for c in TABLES[table] if c.name != "PRIMARY KEY")


@dataclass
class ExportSummary:
    """What an export wrote: rows per table, and how many documents are withdrawn (all left out)."""

    documents: int = 0
    exemptions: int = 0
    questions: int = 0
    topics: int = 0
    provenance: int = 0
    groups: int = 0
    withdrawn: int = 0
    written: list[Path] = field(default_factory=list)

    def count(self, table: str) -> None:
        setattr(self, table, getattr(self, table) + 1)

    def line(self) -> str:
        counts = ", ".join(f"{getattr(self, f.name):,} {f.name}" for f in fields(self)
                           if f.name in TABLES)
        return f"{counts}; {self.withdrawn:,} withdrawn left out"


class Sink(Protocol):
    def add(self, table: str, row: Mapping[str, Any]) -> None: ...
    def finish(self) -> None: ...
    def abort(self) -> None: ...


# -- the rows -----------------------------------------------------------------------------


def document_row(doc: DocumentView, group_id: str | None) -> dict[str, Any]:
    evidence = doc.outcome_evidence or {}
    return {
        "id": doc.id, "title": doc.title, "authority": doc.authority,
        "authority_type": doc.authority_type, "force": doc.force, "regime": doc.regime,
        "reference": doc.reference, "date": doc.date, "received": doc.received,
        "working_days": doc.working_days, "year": doc.date[:4] if doc.date else None, "outcome": doc.outcome,
        "outcome_label": doc.outcome_label, "outcome_evidence": evidence.get("sentence"),
        "outcome_confidence": doc.confidence.get("outcome"),
        "outcome_unstated": (doc.unstated.get("outcome") or {}).get("value"),
        "authority_confidence": doc.confidence.get("authority"),
        "reference_confidence": doc.confidence.get("reference"), "date_confidence": doc.confidence.get("date"),
        "date_source": doc.date_source, "corrected": LIST_SEPARATOR.join(doc.corrected) or None,
        "format": doc.format, "status": doc.status, "truncated": int(bool(doc.truncated)),
        "source": doc.source, "source_url": doc.source_url, "sha256": doc.sha256 or None,
        "ingested": doc.ingested, "group_id": group_id, "url": f"/documents/{doc.id}",
        "text": doc.text,
    }


def exemption_rows(doc: DocumentView) -> Iterator[dict[str, Any]]:
    for n, e in enumerate(doc.exemptions, start=1):
        yield {"document_id": doc.id, "n": n, **exemption_dict(e)}


def question_rows(doc: DocumentView) -> Iterator[dict[str, Any]]:
    for n, q in enumerate(doc.questions, start=1):
        evidence = q.get("evidence") or {}
        answer = q.get("answer")
        yield {"document_id": doc.id, "n": n, "number": q.get("number") or None,
               "question": q.get("text"), "answer": answer,
               "answer_label": ANSWER_LABELS.get(answer or ""),
               "exemptions": LIST_SEPARATOR.join(q.get("exemptions") or []) or None,
               "evidence": evidence.get("sentence"), "evidence_offset": evidence.get("offset")}


def topic_rows(doc: DocumentView) -> Iterator[dict[str, Any]]:
    for topic in dict.fromkeys(doc.topics):
        yield {"document_id": doc.id, "topic": topic}


def provenance_rows(store: Store, doc_id: str) -> Iterator[dict[str, Any]]:
    # The stored HTTP headers stay in the catalogue: the site does not publish them either.
    for n, p in enumerate(store.provenance(doc_id), start=1):
        yield {"document_id": doc_id, "n": n, "at": p.at, "event": p.event, "source": p.source,
               "locator": p.locator, "final_url": p.final_url, "redirects": p.redirects,
               "status": p.status, "sha256": p.sha256, "size": p.size, "crawler": p.crawler,
               "robots": p.robots}


@dataclass
class _Founder:
    """Whose request a group is shown with: its founder's, else its earliest member's."""

    request: str
    rank: tuple[bool, str]  # (not the founder, date): the least wins


def _write_all(searcher: Searcher, store: Store, sinks: list[Sink]) -> ExportSummary:
    summary = ExportSummary()

    def add(table: str, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            for sink in sinks:
                sink.add(table, row)
            summary.count(table)

    # Read after the searcher was opened: a takedown marks the catalogue before it deletes
    # from the index, so whatever this generation still holds that was withdrawn is known.
    hidden = store.hidden_ids()
    summary.withdrawn = len(hidden)
    hidden_docnums = frozenset(n for n in (searcher.document_number(id=i) for i in hidden)
                               if n is not None)
    sizes = group_sizes(searcher, hidden_docnums)
    founders: dict[str, _Founder] = {}
    for stored in searcher.all_stored_fields():
        if stored["id"] in hidden:
            continue
        doc = document_from_stored(stored)
        group = stored.get("group")
        group_id = group if group in sizes else None
        if group_id:
            _note_founder(founders, group_id, doc, stored.get("request") or "")
        add("documents", [document_row(doc, group_id)])
        add("exemptions", exemption_rows(doc))
        add("questions", question_rows(doc))
        add("topics", topic_rows(doc))
        add("provenance", provenance_rows(store, doc.id))
    add("groups", ({"id": g, "request": founders[g].request, "size": sizes[g], "url": f"/groups/{g}"}
                   for g in sorted(sizes)))
    return summary


def _note_founder(founders: dict[str, _Founder], group_id: str, doc: DocumentView,
                  request: str) -> None:
    rank = (doc.id != group_id, doc.date or "9999")
    known = founders.get(group_id)
    if known is None or rank < known.rank:
        founders[group_id] = _Founder(request, rank)


# -- SQLite ------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: str) -> str:
    """The table's CREATE TABLE, each column's description kept in it as a comment
    (SQLite keeps the statement as written; Datasette shows it on the table's page)."""
    specs = TABLES[table]
    lines = []
    for i, c in enumerate(specs):
        comma = "," if i < len(specs) - 1 else ""
        name = c.name if c.name == "PRIMARY KEY" else _quote(c.name)
        about = f"  -- {c.about}" if c.about else ""
        lines.append(f"  {name} {c.type}{comma}{about}")
    return f"CREATE TABLE {_quote(table)} (\n" + "\n".join(lines) + "\n)"


def check_fts5() -> None:
    """Fail clearly when this Python's SQLite was built without FTS5."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError as exc:
        raise ExportError(f"this Python's SQLite ({sqlite3.sqlite_version}) has no FTS5 "
                          f"({exc}): the SQLite export needs it") from None
    finally:
        db.close()


class SqliteSink:
    """Writes the tables into a temporary file beside ``path``, renamed onto it at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        self.tmp = Path(tmp)
        self.db = sqlite3.connect(self.tmp, isolation_level=None)
        # A file nobody reads until it is renamed into place needs no journal: a crash
        # leaves only the temporary file.
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("BEGIN")
        for table in TABLES:
            self.db.execute(create_table_sql(table))
        self.batches: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        batch = self.batches[table]
        batch.append(tuple(row[name] for name in columns(table)))
        if len(batch) >= BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        names = columns(table)
        self.db.executemany(
            f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))})"
            f" VALUES ({', '.join('?' * len(names))})", self.batches[table])
        self.batches[table].clear()

    def finish(self) -> None:
        for table in TABLES:
            self._flush(table)
        for table, indexed in INDEXES.items():
            for name in indexed:
                self.db.execute(f"CREATE INDEX {_quote(f'{table}_{name}')}"
                                f" ON {_quote(table)} ({_quote(name)})")
        self._full_text()
        self.db.execute("COMMIT")
        self.db.close()
        _durable_rename(self.tmp, self.path)

    def _full_text(self) -> None:
        # External content: the text is held once, in documents. content=[documents] is the
        # spelling Datasette (and sqlite-utils' enable_fts) recognise for its search box.
        self.db.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, text,"
                        " content=[documents], tokenize='porter unicode61')")
        self.db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        self.db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")

    def abort(self) -> None:
        self.db.close()
        self.tmp.unlink(missing_ok=True)


# -- CSV ---------------------------------------------------------------------------------


class CsvSink:
    """One UTF-8 CSV file a table, each written under a temporary name and renamed at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, tuple[Path, Any, Any]] = {}
        for table in TABLES:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{table}.", suffix=".csv.tmp")
            fh = open(fd, "w", encoding="utf-8", newline="")
            writer = csv.DictWriter(fh, fieldnames=columns(table))
            writer.writeheader()
            self.files[table] = (Path(tmp), fh, writer)

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        self.files[table][2].writerow(csv_row(dict(row)))

    def finish(self) -> None:
        for table, (tmp, fh, _) in self.files.items():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.chmod(tmp, 0o644)  # mkstemp's are private; an export is for sharing
            os.replace(tmp, self.folder / f"{table}.csv")
        fsync_dir(self.folder)

    def abort(self) -> None:
        for tmp, fh, _ in self.files.values():
            fh.close()
            tmp.unlink(missing_ok=True)


def csv_paths(folder: Path) -> list[Path]:
    return [folder / f"{table}.csv" for table in TABLES]


# -- files -------------------------------------------------------------------------------


def _durable_rename(tmp: Path, path: Path) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _refuse_overwrite(paths: list[Path], force: bool) -> None:
    there = [str(p) for p in paths if p.exists()]
    if there and not force:
        raise ExportError(f"{', '.join(there)} already exists: give --force to replace it")


# -- the export ----------------------------------------------------------------------------


def export(config: Config, *, sqlite_path: Path | None = None, csv_dir: Path | None = None,
           force: bool = False) -> ExportSummary:
    """Write the archive (withdrawn documents left out) as a SQLite file, CSV files, or both,
    in one pass over the index. An existing file is replaced only with ``force``; a run
    that fails leaves the files asked for as they were (temporary files are removed)."""
    if sqlite_path is None and csv_dir is None:
        raise ExportError("give a SQLite file, a CSV folder or both")
    targets = ([sqlite_path] if sqlite_path else []) + (csv_paths(csv_dir) if csv_dir else [])
    _refuse_overwrite(targets, force)
    if sqlite_path is not None:
        check_fts5()
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(config.store_path, readonly=True)
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    reader = IndexReader(config.index_path)
    sinks: list[Sink] = []
    try:
        if sqlite_path is not None:
            sinks.append(SqliteSink(sqlite_path))
        if csv_dir is not None:
            sinks.append(CsvSink(csv_dir))
        with reader.searcher() as searcher:
            summary = _write_all(searcher, store, sinks)
        for sink in sinks:
            sink.finish()
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    finally:
        reader.close()
        store.close()
    summary.written = targets
    return summary


def export_sqlite(config: Config, path: Path, *, force: bool = False) -> ExportSummary:
    return export(config, sqlite_path=path, force=force)


def export_csv(config: Config, folder: Path, *, force: bool = False) -> ExportSummary:
    return export(config, csv_dir=folder, force=force)

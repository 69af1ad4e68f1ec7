"""The Whoosh index: its schema, the one writer, and a searcher cached per process.

The ingest side writes through ``IndexWriter`` (one at a time: a second writer
waits, then gets ``LockError``). The site opens the index through
``IndexReader``, which keeps one searcher per process and opens a new one when
the index generation changes; it never calls ``Searcher.refresh()``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.analysis import RegexTokenizer, LowercaseFilter, StemmingAnalyzer
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter as WhooshWriter

from archive import law
from archive.models import Document

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"

#: Fields a user can filter and facet on (URL parameter = field name).
FACET_FIELDS = ("force", "authority", "exemption", "topic", "outcome", "year")
#: Other exact-value fields that can be named in a query as ``field:value``.
KEYWORD_FIELDS = ("authority_type", "regime", "provision", "source", "format", "status")

_reference_analyzer = RegexTokenizer(r"[A-Za-z0-9]+") | LowercaseFilter()


def make_schema() -> fields.Schema:
    """The index schema; field names are the project's one vocabulary."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        sha256=fields.ID(stored=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True, field_boost=2.0),
        # spelling=True keeps the unstemmed words too, for "did you mean".
        text=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True, spelling=True),
        reference=fields.TEXT(analyzer=_reference_analyzer, stored=True, field_boost=3.0),
        authority=fields.ID(stored=True),
        authority_type=fields.ID(stored=True),
        force=fields.ID(stored=True),
        regime=fields.ID(stored=True),
        outcome=fields.ID(stored=True),
        # Section level ("FOIA s.40", "EIR reg.12(5)(b)"): what facets group by.
        exemption=fields.KEYWORD(commas=True, stored=True, scorable=False),
        # As cited ("FOIA s.40(2)").
        provision=fields.KEYWORD(commas=True, stored=True, scorable=False),
        topic=fields.KEYWORD(commas=True, stored=True, scorable=False),
        date=fields.DATETIME(stored=True, sortable=True),
        # A four-digit string: exact facet values, and year:[2018 TO 2020] still works.
        year=fields.ID(stored=True),
        received=fields.STORED(),
        source=fields.ID(stored=True),
        source_url=fields.STORED(),
        format=fields.ID(stored=True),
        status=fields.ID(stored=True),
        ingested=fields.STORED(),
        exemptions_json=fields.STORED(),  # each exemption with its sentence and offset
        # Round robins (ingest/groups.py): the group id, the request as quoted, and the
        # MinHash LSH band keys a new document looks its near-duplicates up by.
        group=fields.ID(stored=True),
        request=fields.STORED(),
        lsh=fields.KEYWORD(scorable=False),
    )


class IndexMissing(Exception):
    """There is no index yet at the configured path."""


def _join(values: Iterable[str]) -> str:
    # KEYWORD(commas=True) splits on commas: a value must not hold one.
    return ",".join(v.replace(",", " ") for v in values if v)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:10])
    except ValueError:
        return None


def to_fields(doc: Document) -> dict[str, Any]:
    """The Whoosh fields of one document."""
    meta = doc.meta
    codes = [e.code for e in meta.exemptions]
    sections = list(dict.fromkeys(law.section_of(c) for c in codes))
    date = _parse_date(meta.date)
    values: dict[str, Any] = {
        "id": doc.id,
        "sha256": doc.sha256,
        "title": doc.title or "",
        "text": doc.text or "",
        "reference": meta.reference or "",
        "authority": meta.authority or "",
        "authority_type": meta.authority_type or "",
        "force": meta.force or "",
        "regime": meta.regime or "",
        "outcome": meta.outcome or "",
        "exemption": _join(sections),
        "provision": _join(dict.fromkeys(codes)),
        "topic": _join(meta.topics),
        "received": meta.received,
        "source": doc.source,
        "source_url": doc.source_url,
        "format": doc.format,
        "status": doc.status,
        "ingested": doc.ingested,
        "exemptions_json": json.dumps([e.to_dict() for e in meta.exemptions], ensure_ascii=False),
        "group": doc.group or "",
        "request": doc.request or "",
        "lsh": " ".join(doc.request_bands),
    }
    if date is not None:
        values["date"] = date
        values["year"] = f"{date.year:04d}"
    # Whoosh rejects empty strings for ID fields poorly in facets: leave them out.
    return {k: v for k, v in values.items() if v not in ("", None)}


def open_or_create(path: Path) -> index.FileIndex:
    """Open the index at ``path``, creating an empty one if there is none."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if index.exists_in(str(path), indexname=INDEX_NAME):
        return index.open_dir(str(path), indexname=INDEX_NAME)
    return index.create_in(str(path), make_schema(), indexname=INDEX_NAME)


class IndexWriter:
    """The one writer: buffers a batch, de-duplicates it by id, commits once."""

    def __init__(self, path: Path, *, timeout: float = 30.0, limitmb: int = 256) -> None:
        self.ix = open_or_create(path)
        self._timeout = timeout
        self._limitmb = limitmb
        self._pending: dict[str, dict[str, Any] | None] = {}

    def update(self, doc: Document) -> None:
        """Add or replace a document (the last call for an id in a batch wins)."""
        self._pending[doc.id] = to_fields(doc)

    def delete(self, doc_id: str) -> None:
        self._pending[doc_id] = None

    def commit(self) -> int:
        """Write the batch in one commit; returns how many documents it touched."""
        if not self._pending:
            return 0
        # update_document twice for one id inside one writer makes two documents
        # (its docstring says so): the dict above keeps one entry per id.
        writer: WhooshWriter = self.ix.writer(timeout=self._timeout, limitmb=self._limitmb)
        try:
            # Replace by hand rather than with update_document, which opens a reader
            # over every segment for each document (16 ms a document at 2k, growing
            # with the index): one searcher finds every old copy of the batch.
            with writer.searcher() as searcher:
                for doc_id in self._pending:
                    for docnum in searcher.document_numbers(id=doc_id):
                        writer.delete_document(docnum)
            for values in self._pending.values():
                if values is not None:
                    writer.add_document(**values)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        n = len(self._pending)
        self._pending.clear()
        return n

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def ids(self) -> set[str]:
        with self.ix.searcher() as s:
            return {f["id"] for f in s.all_stored_fields()}


@dataclass
class FacetColumns:
    """Per-generation map from document number to its facet values."""

    values: dict[str, list[tuple[str, ...]]]
    # lower-case value -> value as indexed, per field (for case-insensitive filters)
    canonical: dict[str, dict[str, str]]


class IndexReader:
    """Read access for one process: a cached searcher, reopened on a new generation."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ix: index.FileIndex | None = None
        self._searcher: Searcher | None = None
        self._generation: int | None = None
        self._columns: FacetColumns | None = None
        self._users = 0
        self._retired: list[Searcher] = []

    def _open_index(self) -> index.FileIndex:
        if not index.exists_in(str(self.path), indexname=INDEX_NAME):
            raise IndexMissing(f"no index at {self.path}: run `foi-archive ingest` first")
        return index.open_dir(str(self.path), indexname=INDEX_NAME)

    def generation(self) -> int:
        if self._ix is None:
            self._ix = self._open_index()
        return self._ix.latest_generation()

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The current searcher; a new one is opened when the index has changed."""
        with self._lock:
            gen = self.generation()
            if self._searcher is None or gen != self._generation:
                self._ix = self._open_index()
                new = self._ix.searcher()
                if self._searcher is not None:
                    self._retired.append(self._searcher)
                self._searcher = new
                self._generation = self._ix.latest_generation()
                self._columns = None
            self._users += 1
            current = self._searcher
        try:
            yield current
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._retired:
                    for old in self._retired:
                        old.close()
                    self._retired.clear()

    def facet_columns(self, searcher: Searcher) -> FacetColumns:
        """The facet values of every document, built once per index generation."""
        with self._lock:
            if self._columns is not None and searcher is self._searcher:
                return self._columns
        columns = build_facet_columns(searcher)
        with self._lock:
            if searcher is self._searcher:
                self._columns = columns
        return columns

    def close(self) -> None:
        with self._lock:
            for s in [self._searcher, *self._retired]:
                if s is not None:
                    s.close()
            self._searcher = None
            self._retired.clear()


def build_facet_columns(searcher: Searcher) -> FacetColumns:
    """Un-invert every facet field once: document number -> values."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    values: dict[str, list[tuple[str, ...]]] = {}
    canonical: dict[str, dict[str, str]] = {}
    for name in FACET_FIELDS + KEYWORD_FIELDS:
        per_doc: list[list[str]] = [[] for _ in range(size)]
        field = searcher.schema[name]
        names: dict[str, str] = {}
        if name in reader.indexed_field_names():
            for btext in reader.lexicon(name):
                text = field.from_bytes(btext)
                names[text.lower()] = text
                for docnum in reader.postings(name, btext).all_ids():
                    per_doc[docnum].append(text)
        values[name] = [tuple(v) for v in per_doc]
        canonical[name] = names
    return FacetColumns(values=values, canonical=canonical)

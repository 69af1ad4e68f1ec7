"""The index: its schema (the project's one vocabulary of fields) and the one writer.

The ingest side writes through ``IndexWriter`` (one at a time: a second writer
waits, then gets ``LockError``); the site reads through ``archive.reader``. Only
the ingest side writes the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.filedb.filestore import FileStorage

from archive import law, workdays
from archive.models import NOT_READ, Document
from archive.segments import TIDY_MIN, BulkWriter, index_segments, rewriting, tiers_to_merge

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"

#: Fields a user can filter and facet on (URL parameter = field name).
FACET_FIELDS = ("force", "authority", "exemption", "topic", "outcome", "year")
#: Other exact-value fields that can be named in a query as ``field:value``.
KEYWORD_FIELDS = ("authority_type", "regime", "provision", "source", "format", "status")
#: Fields whose postings are scored (the free-text fields a query searches).
SCORED_FIELDS = ("title", "text", "reference")

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
        ingested=fields.STORED(),  # when the archive first stored it, as an ISO timestamp
        # The same moment as a sortable column: feeds list what the archive got most recently,
        # not what is dated latest (a 2019 response found today is news to a feed reader).
        ingested_at=fields.DATETIME(sortable=True),
        # Working days from receipt to response (archive/workdays.py), -1 where either date
        # is unknown: a column only, for the bodies' statistics (archive/statistics.py).
        working_days=fields.COLUMN(columns.NumericColumn("i", default=NO_DAYS)),
        # A number made from the id: documents that rank or sort equal come in this order,
        # the same in every index of the same documents (a rebuild, a restore, a replica),
        # instead of in the order they happened to be written (docs/reliability.md).
        tiebreak=fields.COLUMN(columns.NumericColumn("q", default=0)),
        exemptions_json=fields.STORED(),  # each exemption with its sentence and offset
        # What the page shows beside the facets: the questions and their answers, the
        # outcome's evidence, where the date came from, the fields a person corrected.
        details_json=fields.STORED(),
        # Round robins (ingest/grouping.py): the group id, the request as quoted, and the
        # MinHash LSH band keys a new document looks its near-duplicates up by.
        group=fields.ID(stored=True),
        request=fields.STORED(),
        lsh=fields.KEYWORD(scorable=False),
    )


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


def utc_time(value: str | None) -> datetime | None:
    """An ISO timestamp as naive UTC (how Whoosh's DATETIME columns hold times)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


#: The working_days column's value for a document whose time taken is not known.
NO_DAYS = -1


def tiebreak(doc_id: str) -> int:
    """The ``tiebreak`` column's value: 56 bits of a hash of the id, never 0 (an index made
    before the column reads 0 for every document, and ties fall back to the write order)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=7).digest(), "big") or 1


def to_fields(doc: Document) -> dict[str, Any]:
    """The Whoosh fields of one document: what is indexed, with ``_stored_<name>`` where the
    stored value is another (``stored_fields`` says what a reader gets back)."""
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
        "outcome": meta.outcome or NOT_READ,  # stored as null, below
        "exemption": _join(sections),
        "provision": _join(dict.fromkeys(codes)),
        "topic": _join(meta.topics),
        "received": meta.received,
        "source": doc.source,
        "source_url": doc.source_url,
        "format": doc.format,
        "status": doc.status,
        "ingested": doc.ingested,
        "ingested_at": utc_time(doc.ingested),
        "working_days": workdays.time_taken(meta.received, meta.date, meta.date_source, meta.regime),
        "tiebreak": tiebreak(doc.id),
        # An exemption's confidence only where it was computed: older records keep their fields.
        "exemptions_json": json.dumps([{k: v for k, v in e.to_dict().items() if k != "confidence" or v is not None}
                                       for e in meta.exemptions], ensure_ascii=False),
        "details_json": json.dumps({**details(meta), "truncated": doc.truncated}, ensure_ascii=False),
        "group": doc.group or "",
        "request": doc.request or "",
        "lsh": " ".join(doc.request_bands),
    }
    if date is not None:
        values["date"] = date
        values["year"] = f"{date.year:04d}"
    # Whoosh rejects empty strings for ID fields poorly in facets: leave them out.
    out = {k: _storable(v) for k, v in values.items() if v not in ("", None)}
    if meta.outcome is None:
        out["_stored_outcome"] = None  # indexed as "not_read" for the facet, null in the record
    return out


#: The fields whose values a reader gets back (``searcher.stored_fields``).
STORED_FIELDS = frozenset(make_schema().stored_names())
#: The "did you mean" word lists Whoosh keeps beside a field: not fields anyone may search.
SPELLING_FIELDS = frozenset(field.spelling_fieldname(name) for name, field in make_schema().items()
                            if field.separate_spelling())


def stored_fields(doc: Document) -> dict[str, Any]:
    """Exactly what the index gives back as the stored fields of ``doc``: the one rule for
    every stored field, which ingest and rebuild write and verify and rebuild check.

    Derived from ``to_fields`` as Whoosh stores them: a field's ``_stored_<name>`` value in
    place of the indexed one, and a field whose stored value is None left out.
    """
    values = to_fields(doc)
    out = {}
    for name, value in values.items():
        if name in STORED_FIELDS:
            value = values.get(f"_stored_{name}", value)
            if value is not None:
                out[name] = value
    return out


#: The keys of Metadata kept whole in ``details_json`` (read back by archive/search.py).
DETAIL_KEYS = ("questions", "outcome_evidence", "date_source", "corrected", "voice", "confidence", "unstated")


#: Keys added since the first release, left out when empty: a record read before them keeps the
#: stored fields it had (verify and rebuild compare them; docs/reliability.md).
_LATER_DETAILS = ("voice", "confidence", "unstated")


def details(meta: Any) -> dict[str, Any]:
    """The parts of a document's metadata the page shows but nothing filters on."""
    data = meta.to_dict()
    return {k: data[k] for k in DETAIL_KEYS if data[k] or k not in _LATER_DETAILS}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """A lone surrogate (a broken ToUnicode map in a PDF can make one) cannot be written
    as UTF-8: Whoosh's commit would fail for the whole batch. It becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def open_or_create(path: Path) -> index.FileIndex:
    """Open the index at ``path``, creating an empty one if there is none.

    Without mmap, so that a searcher opened on it (the writer's own, for
    replacing documents, or ingest's) reads the files instead of copying every
    postings file into memory: that copy grew the ingest process with the index.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    storage = FileStorage(str(path), supports_mmap=False)
    if storage.index_exists(INDEX_NAME):
        ix = storage.open_index(INDEX_NAME)
        _add_new_fields(ix)
        return ix
    return storage.create_index(make_schema(), indexname=INDEX_NAME)


def _add_new_fields(ix: index.FileIndex) -> None:
    """Give an index made by an earlier version the fields added since (stored ones:
    documents written before simply lack them), in one commit of Whoosh's own writer."""
    schema = make_schema()
    missing = [name for name in schema.names() if name not in ix.schema]
    if not missing:
        return
    writer = ix.writer()
    for name in missing:
        writer.add_field(name, schema[name])
    writer.commit()
    log.info("index: added the fields %s", ", ".join(missing))


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

    def commit(self, purge: Iterable[str] = ()) -> int:
        """Write the batch in one commit; returns how many documents it touched.

        ``purge``: ids whose deleted copies must leave the index's files in this commit (a
        takedown): each segment holding one is rewritten without it (docs/reliability.md,
        "Takedowns"); deleted is otherwise only marked until the segment is next merged."""
        purge = list(purge)
        if not self._pending and not purge:
            return 0
        # update_document twice for one id inside one writer makes two documents
        # (its docstring says so): the dict above keeps one entry per id.
        writer = BulkWriter(self.ix, timeout=self._timeout, limitmb=self._limitmb)
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
        if purge:
            writer.commit(mergetype=rewriting(purge))
        else:
            writer.commit()
        n = len(self._pending)
        self._pending.clear()
        return n

    def tidy(self) -> bool:
        """At the end of an ingest run: merge the small segments it left, from TIDY_MIN of
        them (archive/segments.py), so searches look in fewer. False if there was nothing to do."""
        if self._pending or not tiers_to_merge(index_segments(self.ix), TIDY_MIN):
            return False
        self._merge(tidy=True)
        return True

    def optimize(self) -> None:
        """Merge every segment into one (archive/segments.py): the fastest index to search."""
        self._merge(optimize=True)

    def _merge(self, *, tidy: bool = False, optimize: bool = False) -> None:
        """A commit with no new documents, for its merges."""
        writer = BulkWriter(self.ix, timeout=self._timeout, limitmb=self._limitmb)
        writer.tidy = tidy
        try:
            writer.commit(optimize=optimize)
        except BaseException:
            writer.cancel()
            raise

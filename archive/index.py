"""The Whoosh index: its schema, the one writer, and a searcher cached per process.

The ingest side writes through ``IndexWriter`` (one at a time: a second writer
waits, then gets ``LockError``). The site opens the index through
``IndexReader``, which keeps one searcher per process and opens a new one when
the index generation changes; it never calls ``Searcher.refresh()``.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields, index
from whoosh.analysis import RegexTokenizer, LowercaseFilter, StemmingAnalyzer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermsReader
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from archive import law
from archive.models import NOT_READ, Document
from archive.segments import TIDY_MIN, BulkWriter, term_blocks, tiers_to_merge

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
        # What the page shows beside the facets: the questions and their answers, the
        # outcome's evidence, where the date came from, the fields a person corrected.
        details_json=fields.STORED(),
        # Round robins (ingest/groups.py): the group id, the request as quoted, and the
        # MinHash LSH band keys a new document looks its near-duplicates up by.
        group=fields.ID(stored=True),
        request=fields.STORED(),
        lsh=fields.KEYWORD(scorable=False),
    )


class IndexMissing(Exception):
    """There is no index yet at the configured path."""


class IndexUnavailable(IndexMissing):
    """The index is there but cannot be read (a truncated TOC, a missing or damaged
    segment: Whoosh has no checksums). The site answers 503; `foi-archive rebuild`
    makes a new one from the store (reliability.md W8)."""


#: What Whoosh raises on a damaged index: EOFError for a truncated TOC, OSError for a
#: missing segment file, the rest for bytes that do not decode.
DAMAGE = (EOFError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError,
          pickle.UnpicklingError, struct.error, zlib.error)


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
        "exemptions_json": json.dumps([e.to_dict() for e in meta.exemptions], ensure_ascii=False),
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


#: The keys of Metadata kept whole in ``details_json`` (read back by archive/search.py).
DETAIL_KEYS = ("questions", "outcome_evidence", "date_source", "corrected")


def details(meta: Any) -> dict[str, Any]:
    """The parts of a document's metadata the page shows but nothing filters on."""
    data = meta.to_dict()
    return {k: data[k] for k in DETAIL_KEYS}


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

    def commit(self) -> int:
        """Write the batch in one commit; returns how many documents it touched."""
        if not self._pending:
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
        writer.commit()
        n = len(self._pending)
        self._pending.clear()
        return n

    def tidy(self) -> bool:
        """At the end of an ingest run: merge the small segments it left, from TIDY_MIN of
        them (archive/segments.py), so searches look in fewer. False if there was nothing to do."""
        if self._pending or not tiers_to_merge(self.ix._segments(), TIDY_MIN):
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


#: Fields whose postings are scored (the free-text fields a query searches).
SCORED_FIELDS = ("title", "text", "reference")
POSITION_SHIFT = 24  # a phrase key is docnum << 24 | position
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _block_weights(raw: Any, n: int) -> np.ndarray:
    """A block's weights as W3 stores them (None: all 1.0; one float: all that) as an array."""
    if raw is None:
        return np.ones(n)
    if isinstance(raw, float):
        return np.full(n, raw)
    return np.asarray(raw, dtype=np.float64)


def _leaf_postings(reader: Any, fieldname: str, btext: bytes, values: bool,
                   wanted: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """(ids, weights, values) of one segment's postings for a term, block by block.

    Whoosh's matchers hand out one posting per Python call; reading the blocks
    whole (ids delta-coded, weights None, one float or one per posting) is what
    makes counting a 50,000-document result cheap. Deleted documents are not
    removed here: the caller masks them. With ``wanted`` (ascending document numbers
    of this segment), blocks holding none of them are skipped undecoded.
    """
    terms = getattr(reader, "_terms", None)
    if type(terms) is W3TermsReader:  # the blocks straight from the term's extent
        try:
            info = terms.term_info(fieldname, btext)
        except TermNotFound:
            return
        if info.is_inlined():  # a lone posting kept in the term info (archive/segments.py)
            ids, weights, inlined = info.inlined_postings()
            yield (np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64),
                   list(inlined) if values else None)
            return
        def needed(first: int, last: int) -> bool:
            at = int(np.searchsorted(wanted, first))
            return at < len(wanted) and wanted[at] <= last

        blocks = term_blocks(terms._postfile, info, None if wanted is None else needed)
        for n, raw_ids, raw_weights, raw_values in blocks:
            yield (np.cumsum(np.asarray(raw_ids, dtype=np.int64)), _block_weights(raw_weights, n),
                   raw_values if values else None)
        return
    # Another codec: Whoosh's matcher, a posting a call.
    if (fieldname, btext) not in reader:
        return
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: masked by the caller
        matcher = matcher.child
    ids_list, weight_list, value_list = [], [], []
    while matcher.is_active():
        ids_list.append(matcher.id())
        weight_list.append(matcher.weight())
        if values:
            value_list.append(matcher.value())
        matcher.next()
    if ids_list:
        yield (np.asarray(ids_list, dtype=np.int64), np.asarray(weight_list, dtype=np.float64),
               value_list if values else None)


def first_doc_numbers(leaves: Iterable[tuple[Any, int]], fieldname: str, btext: bytes,
                      limit: int) -> list[int]:
    """The first ``limit`` live documents holding a term, in the order a matcher over the
    leaves gives them, read a block at a time instead of a Python call a posting."""
    out: list[int] = []
    for reader, offset in leaves:
        deleted = np.fromiter(reader._perdoc.deleted_docs(), dtype=np.int64) \
            if reader.has_deletions() else None
        for ids, _, _ in _leaf_postings(reader, fieldname, btext, values=False):
            if deleted is not None and len(deleted):
                ids = ids[~np.isin(ids, deleted)]
            out += (ids + offset).tolist()
            if len(out) >= limit:
                return out[:limit]
    return out


def _decode_positions(raw: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """How many positions each posting has, and all of them, from Whoosh's Positions values."""
    # A value is a 4-byte count and a pickled list of position deltas, its final STOP
    # usually left off. The pickles are joined between a MARK and a LIST opcode so that
    # one loads() call unpickles them all, as a list of lists.
    body = b"".join(v[4:-1] if v.endswith(b".") else v[4:] for v in raw)
    lists = pickle.loads(b"\x80\x02(" + body + b"l.")
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    positions = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    nonempty = counts > 0
    restart = np.zeros(len(lists), dtype=np.int64)
    restart[nonempty] = positions[starts[nonempty]] - deltas[starts[nonempty]]
    return counts, positions - np.repeat(restart, counts)


def intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values of ascending, duplicate-free ``a`` that are also in ascending ``b``."""
    if not len(a) or not len(b):
        return a[:0]
    at = np.searchsorted(b, a)
    return a[b[np.minimum(at, len(b) - 1)] == a]


class Postings:
    """Each term's postings as numpy arrays, for one index generation.

    Arrays are read on first use and kept, least recently used first out, up to
    ``budget`` postings, so a worker's memory is bounded however varied the queries.
    """

    def __init__(self, searcher: Searcher, live: np.ndarray, budget: int = 8_000_000) -> None:
        self.searcher = searcher
        self.live = live
        self.budget = budget
        self._held = 0
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def _leaves(self) -> list[tuple[Any, int]]:
        return list(self.searcher.reader().leaf_readers())

    def get(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The live documents holding a term, ascending, and the term's weight in each."""
        key = (fieldname, btext)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        return self._read(fieldname, btext, values=False)[:2]

    def _read(self, fieldname: str, btext: bytes, values: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes]]:
        """Read a term's postings once: (live ids, weights) are kept; all ids and values returned."""
        id_parts, weight_parts, raw = [], [], []
        for reader, offset in self._leaves():
            for ids, weights, block_values in _leaf_postings(reader, fieldname, btext, values):
                id_parts.append(ids + offset)
                weight_parts.append(weights)
                if values:
                    raw.extend(block_values)
        if id_parts:
            all_ids, weights = np.concatenate(id_parts), np.concatenate(weight_parts)
            keep = self.live[all_ids]
            # Kept small: 8 bytes a posting (the index's own weights are 32-bit floats).
            ids, weights = all_ids[keep].astype(np.int32), weights[keep].astype(np.float32)
        else:
            all_ids = np.zeros(0, dtype=np.int64)
            ids, weights = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        with self._lock:
            if (fieldname, btext) not in self._cache:
                self._cache[(fieldname, btext)] = (ids, weights)
                self._held += len(ids)
            while self._held > self.budget and len(self._cache) > 1:
                _, (old, _) = self._cache.popitem(last=False)
                self._held -= len(old)
        return ids, weights, all_ids, raw

    def positions(self, fieldname: str, btext: bytes, wanted: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and encoded positions of a term's postings, from the blocks that hold any of
        ``wanted`` (ascending document numbers): a phrase reads only its candidates' blocks."""
        id_parts, raw = [], []
        for reader, offset in self._leaves():
            lo, hi = np.searchsorted(wanted, [offset, offset + reader.doc_count_all()])
            if lo == hi:
                continue
            local = wanted[lo:hi] - offset
            for ids, _, block_values in _leaf_postings(reader, fieldname, btext, True, local):
                id_parts.append(ids + offset)
                raw.extend(block_values)
        all_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int64)
        return all_ids, raw


def position_keys(all_ids: np.ndarray, raw: list[bytes], candidates: np.ndarray) -> np.ndarray:
    """``docnum << 24 | position`` of every occurrence of a term in the candidate documents.

    Only candidates' positions are decoded (a phrase's candidates are the
    documents holding all its words).
    """
    chosen = np.flatnonzero(candidates[all_ids])
    if not len(chosen):
        return np.zeros(0, dtype=np.int64)
    counts, positions = _decode_positions([raw[i] for i in chosen])
    return (np.repeat(all_ids[chosen], counts) << POSITION_SHIFT) | positions


@dataclass
class FacetColumns:
    """Per-generation arrays: each facet value by ordinal, and (document, ordinal) pairs.

    Built once per index generation; counting a facet over a result set is then
    one ``numpy.bincount`` over the pairs whose document matched.
    """

    size: int  # document numbers run 0 .. size-1 (deleted ones included)
    live: np.ndarray  # bool per document: not deleted
    names: dict[str, list[str]]  # per facet field: value by ordinal
    docs: dict[str, np.ndarray]  # per facet field: the document of each pair
    ords: dict[str, np.ndarray]  # per facet field: the value ordinal of each pair
    # lower-case value -> value as indexed, per field (for case-insensitive filters)
    canonical: dict[str, dict[str, str]]
    lengths: dict[str, np.ndarray]  # per scored field: each document's length, as Whoosh scores it
    sort_dates: np.ndarray  # the date column, as Whoosh sorts it
    postings: Postings
    #: answers computed for this generation (e.g. a phrase's documents), by key
    memo: OrderedDict[Any, Any] = field(default_factory=OrderedDict)

    def counts(self, name: str, mask: np.ndarray) -> np.ndarray:
        """How many documents in ``mask`` have each value of a facet, by ordinal."""
        return np.bincount(self.ords[name][mask[self.docs[name]]], minlength=len(self.names[name]))

    def having(self, name: str, values: Iterable[str]) -> np.ndarray:
        """A mask of the documents with any of ``values`` in a facet."""
        index = {v: i for i, v in enumerate(self.names[name])}
        wanted = [index[v] for v in values if v in index]
        mask = np.zeros(self.size, dtype=bool)
        if wanted:
            mask[self.docs[name][np.isin(self.ords[name], wanted)]] = True
        return mask

    def remember(self, key: Any, compute: Any, limit: int = 64) -> Any:
        """A value computed once per generation (bounded: least recently used goes first)."""
        if key in self.memo:
            self.memo.move_to_end(key)
            return self.memo[key]
        value = compute()
        self.memo[key] = value
        if len(self.memo) > limit:
            self.memo.popitem(last=False)
        return value


class _Generation:
    """One opened index generation: its searcher and, built on first use, its columns."""

    def __init__(self, key: tuple[str, int], ix: index.FileIndex) -> None:
        self.key = key
        self.ix = ix
        self.searcher = ix.searcher()
        self.columns: FacetColumns | None = None
        self.users = 0


class IndexReader:
    """Read access for one process: a cached searcher, reopened on a new generation.

    The cache is keyed on the index directory's real path *and* its generation,
    so a rebuild swapped in by renaming a symlink is noticed even when the new
    index happens to have the same generation number as the old.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self._retired: list[_Generation] = []

    def _open(self, real: str) -> index.FileIndex:
        if not index.exists_in(real, indexname=INDEX_NAME):
            raise IndexMissing(f"no index at {self.path}: run `foi-archive ingest` first")
        # Without mmap: Whoosh would otherwise copy every postings and terms file into
        # each worker's memory (1.1 GB a worker at 100k letters; 70 MB this way, for
        # 5-10% slower first reads of a term: docs/performance.md).
        return FileStorage(real, supports_mmap=False).open_index(INDEX_NAME)

    def _key(self) -> tuple[str, index.FileIndex, int]:
        real = os.path.realpath(self.path)
        current = self._current
        if current is not None and current.key[0] == real:
            return real, current.ix, current.ix.latest_generation()
        ix = self._open(real)
        return real, ix, ix.latest_generation()

    def generation(self) -> int:
        with self._lock:
            try:
                return self._key()[2]
            except DAMAGE as exc:
                raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> IndexUnavailable:
        log.error("the index at %s cannot be read: %s: %s", self.path, type(exc).__name__, exc)
        return IndexUnavailable(f"the index cannot be read ({type(exc).__name__}); "
                                "`foi-archive rebuild` makes a new one from the store")

    def _enter(self) -> _Generation:
        try:
            return self._enter_current()
        except IndexMissing:
            raise
        except DAMAGE as exc:
            raise self._unavailable(exc) from exc

    def _enter_current(self) -> _Generation:
        with self._lock:
            real, ix, gen = self._key()
            current = self._current
            if current is None or current.key != (real, gen):
                if current is not None and ix is current.ix:
                    ix = self._open(real)  # a new generation: a fresh index object, never refresh()
                fresh = _Generation((real, ix.latest_generation()), ix)
                if current is not None:
                    self._retired.append(current)
                self._current = current = fresh
            current.users += 1
            return current

    def _leave(self, gen: _Generation) -> None:
        with self._lock:
            gen.users -= 1
            for old in [g for g in self._retired if g.users == 0]:
                old.searcher.close()
                self._retired.remove(old)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The current searcher; a new one is opened when the index has changed."""
        gen = self._enter()
        try:
            yield gen.searcher
        finally:
            self._leave(gen)

    def facet_columns(self, searcher: Searcher) -> FacetColumns:
        """The per-generation arrays of the generation ``searcher`` belongs to."""
        with self._lock:
            gens = [g for g in [self._current, *self._retired] if g is not None]
            gen = next((g for g in gens if g.searcher is searcher), None)
            if gen is not None and gen.columns is not None:
                return gen.columns
        columns = build_facet_columns(searcher)
        with self._lock:
            if gen is not None and gen.columns is None:
                gen.columns = columns
            return gen.columns if gen is not None else columns

    def close(self) -> None:
        with self._lock:
            for gen in [self._current, *self._retired]:
                if gen is not None:
                    gen.searcher.close()
            self._current = None
            self._retired.clear()


def build_facet_columns(searcher: Searcher) -> FacetColumns:
    """Un-invert every facet field once, and read the lengths and dates scoring and sorting use."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    postings = Postings(searcher, live)
    indexed = set(reader.indexed_field_names())
    names: dict[str, list[str]] = {}
    docs: dict[str, np.ndarray] = {}
    ords: dict[str, np.ndarray] = {}
    canonical: dict[str, dict[str, str]] = {}
    for name in FACET_FIELDS + KEYWORD_FIELDS:
        field_ = searcher.schema[name]
        values = [field_.from_bytes(b) for b in reader.lexicon(name)] if name in indexed else []
        canonical[name] = {v.lower(): v for v in values}
        if name not in FACET_FIELDS:
            continue
        doc_parts, ord_parts = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int32)]
        for ordinal, value in enumerate(values):
            ids = postings.get(name, field_.to_bytes(value))[0]
            doc_parts.append(ids)
            ord_parts.append(np.full(len(ids), ordinal, dtype=np.int32))
        names[name], docs[name], ords[name] = values, np.concatenate(doc_parts), np.concatenate(ord_parts)
    postings._cache.clear()  # the facet terms were read once: do not keep them
    postings._held = 0
    lengths = {}
    for name in SCORED_FIELDS:
        lengths[name] = np.zeros(size)
        for leaf, offset in reader.leaf_readers():
            n = leaf.doc_count_all()
            column = leaf._perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN) \
                if hasattr(leaf, "_perdoc") else None
            if column is None:  # another reader type: ask document by document
                lengths[name][offset:offset + n] = [leaf.doc_field_length(d, name, 0) or 0
                                                    for d in range(n)]
            else:
                lengths[name][offset:offset + n] = _BYTE_TO_LENGTH[np.fromiter(column, np.int64, n)]
    sort_dates = np.zeros(size)  # no date sorts as the oldest
    for leaf, offset in reader.leaf_readers():
        if leaf.has_column("date"):
            n = leaf.doc_count_all()
            sort_dates[offset:offset + n] = np.fromiter(
                leaf.column_reader("date", translate=False), dtype=np.float64, count=n)
    return FacetColumns(size=size, live=live, names=names, docs=docs, ords=ords,
                        canonical=canonical, lengths=lengths, sort_dates=sort_dates,
                        postings=postings)

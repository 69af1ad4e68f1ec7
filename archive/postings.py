"""Postings and facet columns: what one index generation holds, as numpy arrays.

Whoosh's matchers hand out one posting per Python call; here a term's postings are
read whole (a block at a time, archive/segments.py) into arrays kept per generation,
and each facet is un-inverted once into (document, value) pairs, so a facet's counts
over a result are one ``numpy.bincount`` (docs/performance.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from archive.index import FACET_FIELDS, KEYWORD_FIELDS, NO_DAYS, SCORED_FIELDS
from archive.segments import (column_values, decode_positions, deleted_docs, leaf_postings, leaf_side_postings,
                              length_column, pattern_terms, range_terms)

MAX_EXPANSION = 2000  # terms a wildcard or prefix may expand to

POSITION_SHIFT = 24  # a phrase key is docnum << 24 | position

_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def first_doc_numbers(leaves: Iterable[tuple[Any, int]], fieldname: str, btext: bytes,
                      limit: int) -> list[int]:
    """The first ``limit`` live documents holding a term, in the order a matcher over the
    leaves gives them, read a block at a time instead of a Python call a posting."""
    out: list[int] = []
    for reader, offset in leaves:
        deleted = np.fromiter(deleted_docs(reader), dtype=np.int64) \
            if reader.has_deletions() else None
        for ids, _, _ in leaf_postings(reader, fieldname, btext, values=False):
            if deleted is not None and len(deleted):
                ids = ids[~np.isin(ids, deleted)]
            out += (ids + offset).tolist()
            if len(out) >= limit:
                return out[:limit]
    return out


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
              ) -> tuple[np.ndarray, np.ndarray, list[PositionPart]]:
        """Read a term's postings once: (live ids, weights) are kept; with ``values``, its
        positions are returned too, a part a segment."""
        id_parts, weight_parts, parts = [], [], []
        for reader, offset in self._leaves():
            ids, weights, part = _leaf(reader, offset, fieldname, btext, values)
            if ids is not None:
                id_parts.append(ids)
                weight_parts.append(weights)
            if part is not None:
                parts.append(part)
        if id_parts:
            all_ids, weights = np.concatenate(id_parts), np.concatenate(weight_parts)
            keep = self.live[all_ids]
            # Kept small: 8 bytes a posting (the index's own weights are 32-bit floats).
            ids, weights = all_ids[keep].astype(np.int32), weights[keep].astype(np.float32)
        else:
            ids, weights = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        with self._lock:
            if (fieldname, btext) not in self._cache:
                self._cache[(fieldname, btext)] = (ids, weights)
                self._held += len(ids)
            while self._held > self.budget and len(self._cache) > 1:
                _, (old, _) = self._cache.popitem(last=False)
                self._held -= len(old)
        return ids, weights, parts

    def forget(self) -> None:
        """Drop every kept array."""
        with self._lock:
            self._cache.clear()
            self._held = 0

    def cached(self, fieldname: str, btext: bytes) -> bool:
        with self._lock:
            return (fieldname, btext) in self._cache

    def with_positions(self, fieldname: str, btext: bytes) -> list[PositionPart]:
        """Every posting's positions, read once; the ids and weights are kept."""
        return self._read(fieldname, btext, values=True)[2]

    def positions(self, fieldname: str, btext: bytes, wanted: np.ndarray) -> list[PositionPart]:
        """A term's positions, a part a segment: from the segment's side file, else from the
        postings blocks that hold any of ``wanted`` (ascending document numbers), so that a
        phrase reads only its candidates' blocks."""
        parts: list[PositionPart] = []
        for reader, offset in self._leaves():
            lo, hi = np.searchsorted(wanted, [offset, offset + reader.doc_count_all()])
            if lo == hi:
                continue
            _, _, part = _leaf(reader, offset, fieldname, btext, True, wanted[lo:hi] - offset)
            if part is not None:
                parts.append(part)
        return parts


def _leaf(reader: Any, offset: int, fieldname: str, btext: bytes, values: bool,
          wanted: np.ndarray | None = None) -> tuple[Any, Any, PositionPart | None]:
    """One segment's postings of a term, numbered for the whole index: (ids, weights, its
    positions part if ``values``), from the segment's side file where it holds the term,
    else from Whoosh's blocks (only those holding ``wanted``, if given); None for none."""
    side = leaf_side_postings(reader, fieldname, btext)
    if side is not None:  # arrays as they lie in the file
        ids, weights, counts, positions = side
        ids = ids + offset
        return ids, weights, (ids, counts, positions) if values else None
    id_parts, weight_parts, raw = [], [], []
    for ids, weights, block_values in leaf_postings(reader, fieldname, btext, values, wanted):
        id_parts.append(ids + offset)
        weight_parts.append(weights)
        if values:
            raw.extend(block_values)
    if not id_parts:
        return None, None, None
    ids = np.concatenate(id_parts)
    return ids, np.concatenate(weight_parts), (ids, None, raw) if values else None


#: A term's positions in one segment: (document numbers, counts, positions) from a side
#: file, or (document numbers, None, Whoosh's encoded values) from its postings blocks.
PositionPart = tuple[np.ndarray, np.ndarray | None, Any]


def position_keys(parts: list[PositionPart], candidates: np.ndarray) -> np.ndarray:
    """``docnum << 24 | position`` of every occurrence of a term in the candidate documents,
    ascending. Only candidates' positions are decoded (a phrase's candidates are the
    documents holding all its words)."""
    keys = []
    for ids, counts, data in parts:
        chosen = candidates[ids]
        if not chosen.any():
            continue
        if counts is None:  # Whoosh's encoded values
            at = np.flatnonzero(chosen)
            counts, positions = decode_positions([data[i] for i in at])
            keys.append((np.repeat(ids[at], counts) << POSITION_SHIFT) | positions)
        else:
            keys.append((np.repeat(ids[chosen], counts[chosen]) << POSITION_SHIFT)
                        | data[np.repeat(chosen, counts)])
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


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
    sort_ingested: np.ndarray  # when the archive first stored each document (ingested_at)
    working_days: np.ndarray  # receipt to response (archive/workdays.py); NO_DAYS if unknown
    tiebreak: np.ndarray  # the order of documents that rank or sort equal (archive/index.py)
    # Scoring's collection statistics, of the live documents only (archive/matcher.py).
    live_count: int
    average_lengths: dict[str, float]  # per scored field
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


def build_facet_columns(searcher: Searcher) -> FacetColumns:
    """Un-invert every facet field once, and read the lengths and dates scoring and sorting use."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    live = np.ones(size, dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            live[offset + np.fromiter(deleted_docs(leaf), dtype=np.int64)] = False
    postings = Postings(searcher, live)
    indexed = set(reader.indexed_field_names())
    names: dict[str, list[str]] = {}
    docs: dict[str, np.ndarray] = {}
    ords: dict[str, np.ndarray] = {}
    canonical: dict[str, dict[str, str]] = {}
    for name in FACET_FIELDS + KEYWORD_FIELDS:
        field_ = searcher.schema[name]
        # Only values some live document has: a deleted document's terms stay in the lexicon
        # until its segment is merged, and a body whose only response was taken down must
        # vanish from every list and page at once (docs/reliability.md, "Takedowns").
        values, value_ids = [], []
        for btext in (reader.lexicon(name) if name in indexed else ()):
            ids = postings.get(name, btext)[0]
            if len(ids):
                values.append(field_.from_bytes(btext))
                value_ids.append(ids)
        canonical[name] = {v.lower(): v for v in values}
        if name not in FACET_FIELDS:
            continue
        doc_parts, ord_parts = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int32)]
        for ordinal, ids in enumerate(value_ids):
            doc_parts.append(ids)
            ord_parts.append(np.full(len(ids), ordinal, dtype=np.int32))
        names[name], docs[name], ords[name] = values, np.concatenate(doc_parts), np.concatenate(ord_parts)
    postings.forget()  # the facet terms were read once: do not keep them
    lengths = {}
    for name in SCORED_FIELDS:
        lengths[name] = np.zeros(size)
        for leaf, offset in reader.leaf_readers():
            n = leaf.doc_count_all()
            column = length_column(leaf, name)
            if column is None:  # another reader type: ask document by document
                lengths[name][offset:offset + n] = [leaf.doc_field_length(d, name, 0) or 0
                                                    for d in range(n)]
                continue
            values = column_values(column, n)
            if values is None:
                values = np.fromiter(column, np.int64, n)
            lengths[name][offset:offset + n] = _BYTE_TO_LENGTH[values.astype(np.int64)]
    sort_dates = _column(reader, "date", np.zeros(size))  # no date sorts as the oldest
    # An index made before these columns has none: every document then ties at 0 (the order
    # falls back to the date) or has no time taken, until foi-archive rebuild (docs/site.md).
    sort_ingested = _column(reader, "ingested_at", np.zeros(size))
    working_days = _column(reader, "working_days", np.full(size, NO_DAYS, dtype=np.int32))
    tiebreak = _column(reader, "tiebreak", np.zeros(size, dtype=np.int64))
    live_count = int(live.sum())
    average_lengths = {name: float(lengths[name][live].mean()) if live_count else 0.0
                       for name in SCORED_FIELDS}
    return FacetColumns(size=size, live=live, names=names, docs=docs, ords=ords,
                        canonical=canonical, lengths=lengths, sort_dates=sort_dates,
                        sort_ingested=sort_ingested, working_days=working_days,
                        tiebreak=tiebreak, live_count=live_count,
                        average_lengths=average_lengths, postings=postings)


def _column(reader: Any, name: str, values: np.ndarray) -> np.ndarray:
    """A numeric column of every document, into ``values`` (which keeps its fill where a
    segment has no such column)."""
    if name not in reader.schema:  # an index made before the field, not yet opened by ingest
        return values
    for leaf, offset in reader.leaf_readers():
        if leaf.has_column(name):
            n = leaf.doc_count_all()
            column = leaf.column_reader(name, translate=False)
            read = column_values(column, n)
            values[offset:offset + n] = (read if read is not None else
                                         np.fromiter(column, dtype=values.dtype, count=n))
    return values


def expansions_by_segment(q: query.PatternQuery, searcher: Searcher, columns: FacetColumns
                          ) -> list[list[bytes]]:
    """Each segment's terms a prefix or wildcard stands for (at most MAX_EXPANSION + 1 a
    segment), in the order of the searcher's leaves, as Whoosh expands it per segment;
    walked once a generation."""
    def walk() -> list[list[bytes]]:
        return [list(islice(pattern_terms(q, leaf), MAX_EXPANSION + 1))
                for leaf, _ in searcher.reader().leaf_readers()]

    return columns.remember(("expand", type(q).__name__, q.fieldname, q.text), walk)


def range_expansions(q: query.Query, searcher: Searcher, columns: FacetColumns) -> list[bytes]:
    """The index terms a range (of words, years or dates) stands for, at most MAX_EXPANSION + 1,
    walked once a generation: the budget check, the matcher and the snippets all ask."""
    key = ("range", type(q).__name__, q.fieldname, q.start, q.end, q.startexcl, q.endexcl)
    return columns.remember(key, lambda: list(islice(range_terms(q, searcher.reader()),
                                                     MAX_EXPANSION + 1)))


def expansions(q: query.PatternQuery, searcher: Searcher, columns: FacetColumns) -> list[bytes]:
    """The distinct index terms a prefix or wildcard stands for (at most MAX_EXPANSION + 1):
    a segment with more than MAX_EXPANSION makes the union longer than that too."""
    return sorted(set(chain.from_iterable(expansions_by_segment(q, searcher, columns))))[:MAX_EXPANSION + 1]

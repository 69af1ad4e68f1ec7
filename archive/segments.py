"""Whoosh's segments, written in bulk and read a block at a time: the engine seam.

This is the one module that uses Whoosh's private names (attributes and methods
starting with an underscore, and the W3 codec's file layout): written for Whoosh
2.7.4 (``WRITTEN_FOR``), checked by tests/test_engine_seam.py, which fails loudly on
another version and lists every private name used here. The rest of the project
goes through the functions below.

Writing: the engine under ``archive.index.IndexWriter``.

Whoosh's own ``SegmentWriter`` spends an ingest's time in pure-Python work per
token and per posting: a chain of generators per token, a sorting pool that
every posting passes through, and a look-up of the document's field length
(with a ``stat`` for fields that have none) per posting written. Its merges
send every posting of the merged segments through the same pool again.

``BulkWriter`` writes the same files (Whoosh's W3 codec: terms, postings in
blocks of 128, per-document columns, stored fields), so every reader, Whoosh's
and ours, reads them unchanged; it only gets there with less work:

- a ``TEXT`` field whose analyzer is the usual chain (a regular-expression
  tokenizer, then lower-casing, stop words and a stemmer, each optional) is
  analysed with list operations and a cache from token to term, giving exactly the terms,
  frequencies, weights and positions Whoosh's chain gives (any other analyzer
  goes through Whoosh's own ``field.index``);
- postings are kept per term as they are added, already in document order, and
  written a term at a time, each block encoded as Whoosh encodes it;
- the spelling words of a field are kept once per segment, not once per
  document (Whoosh writes a posting for every word of every document, to
  document 0; only the list of words is ever read);
- merges are done here, a term at a time from the segments' postings blocks, on
  a tiered policy: ``MERGE_FACTOR`` segments of one size become one segment of
  the next size, so a document is merged about log10(archive / TIER_BASE) times;
  a run ends by merging the smallest segments it left (``IndexWriter.tidy``);
- a term with one posting is kept in its term info, with no postings block.

tests/test_segments.py checks that an index written here and one written by
Whoosh hold the same terms, postings, weights, positions, lengths, stored fields
and columns, and answer queries alike.
"""

from __future__ import annotations

import heapq
import io
import os
import pickle
import re
import struct
import threading
import weakref
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, chain, groupby
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh import fields, formats
from whoosh.analysis import (CompositeAnalyzer, IDTokenizer, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, W3TermsReader
from whoosh.columns import CompressedBytesColumn, NumericColumn, VarBytesColumn
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import NumericRange, Prefix, Term, TermRange
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

BLOCK = 128  # postings a block: W3Codec's blocklimit
COMPRESSION = 3  # zlib level of a block: W3Codec's
SMALL_BLOCK = 64  # bytes: a block's pickle shorter than this is not worth a zlib stream
INLINE = 1  # postings: a term with no more is kept in its term info
MERGE_FACTOR = 10  # segments of one size tier merged into one of the next
WRITTEN_FOR = (2, 7, 4)  # the Whoosh release whose internals this module reads and writes
#: What the read side (the site) may take from here: it never writes the index.
READING = ("column_values", "decode_positions", "deleted_docs", "index_segments", "leaf_postings",
           "leaf_side_postings", "length_column", "pattern_terms", "prefix_terms", "range_terms",
           "term_blocks")
SIDE_EXT = ".fps"  # a segment's side file of positions (docs/performance.md, "Positions side file")
SIDE_MIN = BLOCK  # postings a term needs in a segment to be in its side file
_SIDE_MAGIC = b"FOIPOS1\n"
_SIDE_TRAILER = struct.Struct("<Q8s")  # where the table starts; the magic again

_INT = struct.Struct("!i")  # a block's length, as StructFile.write_int writes it
_RECORD = struct.Struct("!ii")  # a term table record's key and value lengths (filetables._lengths)
_USHORT = struct.Struct("!H")  # a term key's field number

Posting = tuple[int, float, bytes]  # (document number, weight, encoded value)
# A spelling word's one posting a segment (only the list of words is ever read).
_SPELLING: Posting = (0, 1.0, pack_uint(1))


# -- analysis ----------------------------------------------------------------------------


class _FastText:
    """A TEXT field's analysis, done on lists: the same output as ``field.index(value)``.

    Only for a ``Positions`` format over the chain RegexTokenizer (not gaps) ->
    [LowercaseFilter] -> [StopFilter] -> [StemFilter]; ``make`` says None for anything else.
    """

    def __init__(self, tokenizer: RegexTokenizer, lower: bool, stop: StopFilter | None,
                 stem: StemFilter | None, field_boost: float) -> None:
        self.expression = _without_groups(tokenizer.expression)
        self.lower = lower
        self.stops = stop.stops if stop else None
        self.minsize = stop.min if stop else 0
        self.maxsize = stop.max if stop else None
        self.renumber = stop.renumber if stop else False
        self.stemfn = stem.stemfn if stem else None
        self.ignore = stem.ignore if stem else frozenset()
        self.field_boost = field_boost
        self.config = (self.expression.pattern, self.expression.flags, lower, self.stops, self.minsize,
                       self.maxsize, self.renumber, self.stemfn, self.ignore, field_boost)
        # A token as matched -> (the word as the spelling field keeps it, its term's bytes),
        # or _STOP: one look-up a token instead of a generator per filter.
        self._tokens: dict[str, tuple[str, bytes] | None] = {}

    @classmethod
    def make(cls, field: fields.FieldType) -> "_FastText | None":
        if type(field.format) is not formats.Positions:
            return None
        analyzer = field.analyzer
        items = list(analyzer.items) if isinstance(analyzer, CompositeAnalyzer) else [analyzer]
        tokenizer = items.pop(0)
        if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
            return None
        lower = stop = stem = None
        for step in items:  # each at most once, in this order
            if type(step) is LowercaseFilter and lower is None and stop is None and stem is None:
                lower = step
            elif type(step) is StopFilter and stop is None and stem is None:
                stop = step
            elif type(step) is StemFilter and stem is None and step.stemfn is not None:
                stem = step
            else:
                return None
        return cls(tokenizer, lower is not None, stop, stem, field.format.field_boost)

    def _analyse(self, token: str) -> tuple[str, bytes] | None:
        """What the filters make of one token: None for a stop word."""
        word = token.lower() if self.lower else token
        if self.stops is not None and (len(word) < self.minsize or word in self.stops
                                       or (self.maxsize is not None and len(word) > self.maxsize)):
            return _STOP
        term = word if self.stemfn is None or word in self.ignore else self.stemfn(word)
        return word, term.encode("utf-8")

    def index(self, value: str, boost: float) -> tuple[list[tuple[bytes, int, float, bytes]], list[str]]:
        """(btext, frequency, weight, positions value) per distinct term, and the unstemmed words."""
        tokens = self.expression.findall(value) if not self.expression.groups else \
            [m.group() for m in self.expression.finditer(value)]
        cache = self._tokens
        if len(cache) > _TOKEN_CACHE_MAX:
            cache.clear()
        positions: dict[bytes, list[int]] = {}
        renumber = self.renumber
        pos = -1
        for i, token in enumerate(tokens):
            found = cache.get(token, _MISSING)
            if found is _MISSING:
                found = cache[token] = self._analyse(token)
            if found is _STOP:
                continue
            # StopFilter(renumber=True): the first kept word keeps its place, the rest follow it.
            pos = i if pos < 0 or not renumber else pos + 1
            at = positions.get(found[1])
            if at is None:
                positions[found[1]] = [pos]
            else:
                at.append(pos)
        words = [found[0] for found in map(cache.__getitem__, set(tokens)) if found is not _STOP]
        weight_of = self.field_boost * boost
        out = []
        once = _once
        for term, poslist in positions.items():
            if len(poslist) == 1 and poslist[0] < 65536:  # most terms of a letter: cached
                pos = poslist[0]
                value_bytes = once.get(pos)
                if value_bytes is None:
                    value_bytes = once[pos] = _encode_positions(poslist)
                out.append((term, 1, weight_of, value_bytes))
            else:
                out.append((term, len(poslist), float(len(poslist)) * weight_of,
                            _encode_positions(poslist)))
        return out, words


_STOP = None
_MISSING = object()
_ID = "id"  # an ID field: its value is its one term
_TOKEN_CACHE_MAX = 200_000  # tokens a field's analysis keeps (about 40 MB at most)
_ANALYSERS: dict[str, _FastText] = {}  # by field name, while the field's analysis is the same


_encode_positions = formats.Positions().encode  # the count, then the pickled deltas


_once: dict[int, bytes] = {}  # a single position's encoding, by position


def _without_groups(expression: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern with its groups made non-capturing, so that ``findall`` gives
    whole matches (capturing changes what is reported, never what matches)."""
    source = expression.pattern
    if not expression.groups or not isinstance(source, str) or "[" in source or "\\(" in source \
            or "(?P" in source or re.search(r"\\\d", source):
        return expression
    plain = re.compile(re.sub(r"\((?!\?)", "(?:", source), expression.flags)
    return plain if plain.groups == 0 else expression


_PICKLED_LIST = b"\x80\x02]q\x00"  # protocol 2, an empty list, memoised as 0
_PICKLE_BATCH = 1000  # items pickle writes in one APPENDS (pickle._BATCHSIZE)


def decode_positions(raw: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """How many positions each posting has, and all of them, from Whoosh's Positions values.

    A value is a 4-byte count and ``pickle.dumps(deltas, 2)``, its final STOP sometimes
    left off. The items of every list are cut out of their framing and joined into one
    flat list, so one ``loads`` and one array conversion decode them all.
    """
    counts = np.frombuffer(b"".join([v[:4] for v in raw]), dtype=">u4").astype(np.int64)
    deltas: np.ndarray | None = None
    # pickle writes a list of over 1,000 items in batches, each framed: the general way.
    if (not len(counts) or counts.max() <= _PICKLE_BATCH) and all(v.startswith(_PICKLED_LIST, 4) for v in raw):
        # After the 4-byte count and the prefix (bytes 4-8): MARK, the items, APPENDS
        # (several) or the item, APPEND (one); a STOP at the end, or not.
        body = b"".join([v[10 if v[9] == 40 else 9:-2 if v[-1] == 46 else -1] for v in raw])
        try:
            flat = pickle.loads(b"\x80\x02(" + body + b"l.")
        except Exception:  # framing not as expected: the general way below
            flat = None
        if flat is not None and len(flat) == int(counts.sum()):
            deltas = np.array(flat, dtype=np.int64)
    if deltas is None:
        body = b"".join(v[4:-1] if v.endswith(b".") else v[4:] for v in raw)
        lists = pickle.loads(b"\x80\x02(" + body + b"l.")
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    positions = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    nonempty = counts > 0
    restart = np.zeros(len(counts), dtype=np.int64)
    restart[nonempty] = positions[starts[nonempty]] - deltas[starts[nonempty]]
    return counts, positions - np.repeat(restart, counts)


# -- writing postings --------------------------------------------------------------------


class _SideWriter:
    """A segment's side file: for each term of a positional field with ``SIDE_MIN`` postings
    or more, its document numbers, weights, position counts and positions, as little-endian
    arrays numpy reads as they lie (Whoosh keeps them in zlib-compressed pickles, which cost
    a ``pickle.loads`` a block and a posting to read); then a table of where each term is.
    Whoosh's own files are left as they are: its readers never look at this one."""

    def __init__(self, storage: Any, segment: Any) -> None:
        self.file = segment.create_file(storage, SIDE_EXT)
        self.file.write(_SIDE_MAGIC)
        self.table: dict[tuple[str, bytes], tuple[int, int, int]] = {}

    def add(self, fieldname: str, btext: bytes, ids: list[int], weights: list[float],
            values: list[bytes]) -> None:
        counts, positions = decode_positions(values)
        at = self.file.tell()
        for part in (np.asarray(ids, dtype="<u4"), np.asarray(weights, dtype="<f4"),
                     counts.astype("<u4"), positions.astype("<u4")):
            self.file.write(part.tobytes())
        self.table[(fieldname, btext)] = (at, len(ids), len(positions))

    def close(self) -> None:
        at = self.file.tell()
        self.file.write(pickle.dumps(self.table, 4))
        self.file.write(_SIDE_TRAILER.pack(at, _SIDE_MAGIC))
        self.file.close()


class _TermWriter:
    """Writes one segment's terms and postings into a W3FieldWriter's two files."""

    def __init__(self, fieldwriter: Any) -> None:
        self.postfile = fieldwriter._postfile
        self.tindex = fieldwriter._tindex
        self.fieldmap = fieldwriter._fieldmap
        self.fieldid = 0
        self.fixedsize: int | None = None
        self.lengths: array | None = None  # quantised length of the field per document
        self.fieldname = ""
        self.positional = False
        self.storage, self.segment = fieldwriter._storage, fieldwriter._segment
        self.side: _SideWriter | None = None

    def start_field(self, fieldname: str, fieldobj: fields.FieldType, lengths: array | None) -> None:
        if fieldname not in self.fieldmap:
            self.fieldmap[fieldname] = len(self.fieldmap)
        self.fieldid = self.fieldmap[fieldname]
        self.fixedsize = fieldobj.format.fixed_value_size()
        self.lengths = lengths
        self.fieldname = fieldname
        self.positional = type(fieldobj.format) is formats.Positions

    def finish(self) -> None:
        """Close the segment's side file, if any term went into it."""
        if self.side is not None:
            self.side.close()
            self.side = None

    def term(self, btext: bytes, ids: list[int], weights: list[float], values: list[bytes]) -> None:
        """Write one term's postings (ascending ids) in blocks, as W3PostingsWriter does."""
        n = len(ids)
        lengths = self.lengths
        info = W3TermInfo()
        if self.positional and n >= SIDE_MIN:
            if self.side is None:
                self.side = _SideWriter(self.storage, self.segment)
            self.side.add(self.fieldname, btext, ids, weights, values)
        if n <= INLINE:
            self._inline(info, btext, ids, weights, values)
            return
        postfile = self.postfile
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        total_weight = 0.0
        for at in range(0, n, BLOCK):
            bids = ids[at:at + BLOCK]
            bweights = array("f", weights[at:at + BLOCK])
            maxweight = max(0, *weights[at:at + BLOCK])
            if lengths is not None:
                blens = [x for x in (lengths[i] for i in bids) if x]
            else:
                blens = []
            minlength = min(blens) if blens else None
            maxlength = max(blens) if blens else 0
            total_weight += sum(bweights)
            if bweights.count(1.0) == len(bweights):
                miniweights: Any = None
            elif bweights.count(bweights[0]) == len(bweights):
                miniweights = bweights[0]
            else:
                miniweights = tuple(bweights)
            fixed = self.fixedsize
            bvalues = [v for v in values[at:at + BLOCK] if v]
            if fixed is None or fixed < 0:
                minivalues: Any = tuple(bvalues)
            elif fixed == 0:
                minivalues = None
            else:
                minivalues = b"".join(bvalues)
            deltas = (bids[0], *(b - a for a, b in zip(bids, bids[1:])))
            data = pickle.dumps((deltas, miniweights, minivalues), 2)
            comp = COMPRESSION if len(data) >= SMALL_BLOCK else 0
            if comp:
                data = zlib.compress(data, comp)
            head = pickle.dumps((len(bids), bids[-1], maxweight, comp,
                                 length_to_byte(minlength), length_to_byte(maxlength)), 2)
            size = len(head) + len(data)
            postfile.write(_INT.pack(-size if at + BLOCK >= n else size))
            postfile.write(head)
            postfile.write(data)
            # W3TermInfo.add_block's arithmetic: the least of the blocks' least lengths, ...
            if minlength is not None:
                info._minlength = minlength if info._minlength is None else min(info._minlength, minlength)
            info._maxlength = max(info._maxlength, maxlength)
            info._maxweight = max(info._maxweight, maxweight)
        info._weight = total_weight
        info._df = n
        info._minid, info._maxid = ids[0], ids[-1]
        info.set_extent(start, postfile.tell() - start)
        self.tindex.add(pack_ushort(self.fieldid) + btext, info.to_bytes())

    def _inline(self, info: W3TermInfo, btext: bytes, ids: list[int], weights: list[float],
                values: list[bytes]) -> None:
        """A term of one posting: kept in its term info, with no postings block to seek to.

        Whoosh's readers take such a term info as its own postings (a ListMatcher);
        Whoosh's writer cannot make one (its inlining calls a method it lacks), so
        a lone posting cost a block: two pickles, a zlib stream and a seek to read.
        """
        # Every posting's value, b"" included: ListMatcher hands them out as they are,
        # and Whoosh's own merge wants bytes.
        kept = tuple(values)
        length = self.lengths[ids[0]] if self.lengths is not None else 0
        info._weight = float(sum(array("f", weights)))
        info._df = len(ids)
        info._minlength = length or None
        info._maxlength = length or 0
        info._maxweight = max(0, *weights)
        info._minid, info._maxid = ids[0], ids[-1]
        info._inlined = (tuple(ids), tuple(array("f", weights)), kept)
        self.tindex.add(pack_ushort(self.fieldid) + btext, info.to_bytes())


def _write_fields(fieldwriter: Any, schema: fields.Schema,
                  postings: dict[str, dict[bytes, list[Posting]]],
                  lengths: dict[str, array]) -> None:
    """Every field's terms in order (fields by name, terms by bytes), as Whoosh's pool sorts them."""
    out = _TermWriter(fieldwriter)
    for fieldname in sorted(postings):
        terms = postings[fieldname]
        if not terms:
            continue
        out.start_field(fieldname, schema[fieldname], lengths.get(fieldname))
        for btext in sorted(terms):
            ids, weights, values = map(list, zip(*terms[btext]))
            out.term(btext, ids, weights, values)
    out.finish()


# -- the writer ---------------------------------------------------------------------------


class BulkWriter(SegmentWriter):
    """A Whoosh SegmentWriter with fast analysis, postings kept per term, and its own merges."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._postings: dict[str, dict[bytes, list[Posting]]] = {}
        self._lengths: dict[str, array] = {}  # quantised, per document of the new segment
        self._fast: dict[str, Any] = {}
        self.tidy = False  # merge the smallest tier from TIDY_MIN segments (end of a run)

    def _fast_for(self, fieldname: str, field: fields.FieldType) -> Any:
        """How to analyse a field's string values: _FastText, _ID, or None for Whoosh's way."""
        if fieldname not in self._fast:
            if isinstance(field, fields.TEXT):
                made = _FastText.make(field)
                # One per field and analysis for the process, so that its token cache
                # outlives the writer (a writer lasts one commit).
                kept = _ANALYSERS.get(fieldname)
                if made is not None and kept is not None and kept.config == made.config:
                    made = kept
                elif made is not None:
                    _ANALYSERS[fieldname] = made
                self._fast[fieldname] = made
            elif (type(field) is fields.ID and type(field.analyzer) is IDTokenizer
                  and type(field.format) is formats.Existence):
                self._fast[fieldname] = _ID
            else:
                self._fast[fieldname] = None
        return self._fast[fieldname]

    def add_document(self, **values: Any) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(values)
        names = sorted(name for name in values if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for fieldname in names:
            value = values[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = self._field_boost(values, fieldname, docboost)
                fast = self._fast_for(fieldname, field) if isinstance(value, str) else None
                spell: list[str] | None = None
                items: Any
                if fast is _ID:  # the whole value is the one term (formats.Existence)
                    items = ((value.encode("utf-8"), 1, field.format.field_boost, b""),)
                elif fast is not None:
                    items, spell = fast.index(value, boost)
                    boost = 1.0  # already in the weights
                else:
                    items = field.index(value)
                terms = self._postings.setdefault(fieldname, {})
                scorable = field.scorable
                for btext, freq, weight, vbytes in items:
                    if scorable:
                        length += freq
                    plist = terms.get(btext)
                    if plist is None:
                        terms[btext] = plist = []
                    plist.append((docnum, weight * boost, vbytes))
                if field.separate_spelling():
                    words = spell if spell is not None else field.spellable_words(value)
                    spellterms = self._postings.setdefault(field.spelling_fieldname(fieldname), {})
                    for word in words:
                        btext = word.encode("utf-8")
                        if btext not in spellterms:
                            spellterms[btext] = [_SPELLING]
                if scorable:
                    col = self._lengths.get(fieldname)
                    if col is None:
                        col = self._lengths[fieldname] = array("i")
                    col.extend([0] * (docnum + 1 - len(col)))
                    col[docnum] = byte_to_length(length_to_byte(length)) if length else 0
            if field.vector:  # not in our schema; Whoosh's way, for completeness
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes
                                in field.vector.word_values(value, field.analyzer, mode="index"))
                perdoc.add_vector_items(fieldname, field, vitems)
            stored = values.get(f"_stored_{fieldname}", value)
            perdoc.add_field(fieldname, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdoc.add_column_value(fieldname, column, field.to_column_value(stored))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        _write_fields(self.fieldwriter, self.schema, self._postings, self._lengths)
        self.fieldwriter.close()
        self._postings.clear()

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        """Whoosh's merge hook: merge here instead, and say which segments remain."""
        optimize = optimize if optimize is not None else self.optimize
        merge = merge if merge is not None else self.merge
        segments = list(self.segments)
        if mergetype is not None:
            return mergetype(self, segments)  # a caller's own policy, Whoosh's way
        if optimize:
            groups = [segments] if len(segments) > 1 or (segments and segments[0].deleted_count()) else []
        elif merge:
            groups = tiers_to_merge(segments, TIDY_MIN if self.tidy else 0)
        else:
            groups = []
        for group in groups:
            merged = merge_segments(self, group)
            segments = [s for s in segments if s not in group]
            if merged is not None:
                segments.append(merged)
        return segments


TIER_BASE = 1000  # documents: tier 0 holds segments up to this size
# At the end of an ingest run the smallest segments are merged from this many: a 100k run
# ends with 10 segments, not 19 (each term is looked up and read in every segment).
TIDY_MIN = 3


def _tier(count: int) -> int:
    """A segment's size tier: 0 up to TIER_BASE documents, 1 up to ten times that, ..."""
    tier, limit = 0, TIER_BASE
    while count > limit:
        limit *= MERGE_FACTOR
        tier += 1
    return tier


def tiers_to_merge(segments: list[Any], smallest: int = 0) -> list[list[Any]]:
    """The segments to merge: every tier that holds ``MERGE_FACTOR`` segments becomes one,
    and the smallest tier already from ``smallest`` segments (``BulkWriter.tidy``).

    Segments of about one size are merged together, so a document is rewritten
    about log10(archive / TIER_BASE) times over the life of the index, and an
    archive of 100,000 keeps fewer than 2 * MERGE_FACTOR segments.
    """
    by_tier: dict[int, list[Any]] = {}
    for seg in segments:
        by_tier.setdefault(_tier(seg.doc_count()), []).append(seg)
    first = min(smallest or MERGE_FACTOR, MERGE_FACTOR)
    return [group for tier, group in sorted(by_tier.items())
            if len(group) >= (first if tier == 0 else MERGE_FACTOR)]


# -- merging --------------------------------------------------------------------------


def term_blocks(postfile: Any, info: W3TermInfo, wanted: Any = None) -> Iterator[tuple[int, Any, Any, Any]]:
    """A term's postings blocks in one segment, as stored: (count, delta-coded ids, weights
    as W3 minifies them, values as stored), the whole extent read at once (a matcher reads a
    block's header and pickle in many small reads through the compound file).

    ``wanted(first, last)``, if given, says whether a block whose documents lie in
    first..last is needed; the others are skipped from their headers, undecoded.
    """
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it as unpack()'s tuple
        length = length[0]
    buf = postfile.get(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"postings block tag error at {offset}")
    pos = 4
    reader = io.BytesIO(buf)
    first = 0
    while pos < len(buf):
        size = _INT.unpack_from(buf, pos)[0]
        reader.seek(pos + _INT.size)
        head = pickle.load(reader)
        count, last, comp = head[0], head[1], head[3]
        start = reader.tell()
        pos += _INT.size + abs(size)
        if wanted is None or wanted(first, last):
            data = buf[start:pos]
            raw_ids, raw_weights, raw_values = pickle.loads(zlib.decompress(data) if comp else data)
            yield count, raw_ids, raw_weights, raw_values
        first = last + 1
        if size < 0:  # the last block
            return


def _read_postings(postfile: Any, info: W3TermInfo, fixedsize: int | None
                   ) -> tuple[list[int], list[float], list[bytes]]:
    """A term's postings in one segment: ids, weights and values, decoded from its blocks."""
    if info.is_inlined():
        ids, weights, values = info.inlined_postings()
        return list(ids), list(weights), list(values) if values else [b""] * len(ids)
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for count, raw_ids, raw_weights, raw_values in term_blocks(postfile, info):
        ids.extend(accumulate(raw_ids))
        if raw_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(raw_weights, float):
            weights.extend([raw_weights] * count)
        else:
            weights.extend(raw_weights)
        if fixedsize is None or fixedsize < 0:
            values.extend(raw_values)
        elif fixedsize == 0:
            values.extend([b""] * count)
        else:
            values.extend(raw_values[i:i + fixedsize] for i in range(0, len(raw_values), fixedsize))
    return ids, weights, values


def merge_segments(writer: SegmentWriter, group: list[Any]) -> Any:
    """Write the live documents of ``group`` (in order) into one new segment; None if none live."""
    storage, schema, codec = writer.storage, writer.schema, writer.codec
    readers = [SegmentReader(storage, schema, seg) for seg in group]
    try:
        newseg = codec.new_segment(storage, writer.indexname)
        perdoc = codec.per_document_writer(storage, newseg)
        docmaps, lengths, count = _merge_documents(perdoc, schema, readers)
        perdoc.close()
        if count == 0:
            return None
        newseg.set_doc_count(count)
        fieldwriter = codec.field_writer(storage, newseg)
        out = _TermWriter(fieldwriter)
        _merge_terms(out, schema, readers, docmaps, lengths)
        out.finish()
        fieldwriter.close()
        if newseg.should_assemble():
            newseg.create_compound_file(storage)
            newseg.compound = True
        return newseg
    finally:
        for reader in readers:
            reader.close()


DocMap = int | dict[int, int]  # an offset (no deletions), or old number -> new number


def _merge_documents(perdoc: Any, schema: fields.Schema, readers: list[SegmentReader]
                     ) -> tuple[list[DocMap], dict[str, array], int]:
    """Copy each live document's stored fields, lengths and column values, in order."""
    scorable = [name for name in schema.names() if schema[name].scorable]
    columns = [(name, schema[name].column_type) for name in schema.names()
               if schema[name].column_type]
    lengths: dict[str, array] = {name: array("i") for name in scorable}
    docmaps: list[DocMap] = []
    newnum = 0
    for reader in readers:
        deletions = reader.has_deletions()
        docmap: dict[int, int] = {}
        docmaps.append(docmap if deletions else newnum)
        cols = {}
        for name, coltype in columns:
            if reader.has_column(name):
                creader = reader.column_reader(name, coltype)
                cols[name] = getattr(creader, "raw_column", lambda: creader)()
        raw = _raw_stored(reader, perdoc)
        for docnum in reader.all_doc_ids():
            if deletions:
                docmap[docnum] = newnum
            perdoc.start_doc(newnum)
            if raw is not None:  # the stored fields' bytes as they are, still compressed
                data = VarBytesColumn.Reader.__getitem__(raw[0], docnum)
                if data:
                    VarBytesColumn.Writer.add(raw[1], newnum, data)
            else:
                for name, value in reader.stored_fields(docnum).items():
                    perdoc.add_field(name, schema[name], value, 0)
            for name in scorable:
                length = reader.doc_field_length(docnum, name) or 0
                lengths[name].append(length)
                if length:
                    perdoc.add_field(name, schema[name], None, length)
            for name, coltype in columns:
                if name in cols:
                    perdoc.add_column_value(name, coltype, cols[name][docnum])
            perdoc.finish_doc()
            newnum += 1
    return docmaps, lengths, newnum


def _raw_stored(reader: SegmentReader, perdoc: Any) -> tuple[Any, Any] | None:
    """The compressed-bytes layers of a segment's stored-fields column and of the new one's,
    so that a merge copies each document's stored fields without unpickling, decompressing,
    pickling and compressing them again (a zlib stream each way); None if either is not
    Whoosh 2.7's PickleColumn over CompressedBytesColumn."""
    column = reader._perdoc._cached_reader("_stored", STORED_COLUMN)
    out = perdoc._colwriters.get("_stored")
    inner_in, inner_out = getattr(column, "_child", None), getattr(out, "_child", None)
    if type(inner_in) is CompressedBytesColumn.Reader and type(inner_out) is CompressedBytesColumn.Writer:
        return inner_in, inner_out
    return None


def _segment_terms(reader: SegmentReader, i: int) -> list[tuple[tuple[str, bytes], int, bytes]]:
    """A segment's terms in order, each with the segment's number and its term info bytes.

    The term table's records are read in one piece and split here: walking them
    with Whoosh's reader costs three small file reads a term.
    """
    terms = reader._terms
    tindex = terms._tindex
    buf = tindex.dbfile.get(tindex.startofdata, tindex.endofdata - tindex.startofdata)
    unmap = terms._fieldunmap
    out = []
    pos, end, size = 0, len(buf), _RECORD.size
    while pos < end:
        keylen, datalen = _RECORD.unpack_from(buf, pos)
        keypos = pos + size
        datapos = keypos + keylen
        fieldname = unmap[_USHORT.unpack_from(buf, keypos)[0]]
        out.append(((fieldname, buf[keypos + 2:datapos]), i, buf[datapos:datapos + datalen]))
        pos = datapos + datalen
    out.sort()
    return out


def _merge_terms(out: "_TermWriter", schema: fields.Schema, readers: list[SegmentReader],
                 docmaps: list[DocMap], lengths: dict[str, array]) -> None:
    """Each term's postings from every segment, renumbered, deleted documents left out."""
    spellfields = {schema[name].spelling_fieldname(name): name for name in schema.names()
                   if schema[name].separate_spelling()}
    postfiles = [reader._terms._postfile for reader in readers]
    streams = [_segment_terms(reader, i) for i, reader in enumerate(readers)]
    gone = _dead_terms(schema, set(spellfields.values()), readers, docmaps, streams, postfiles)
    field_now = None
    fixedsize: int | None = None
    for (fieldname, btext), sources in groupby(heapq.merge(*streams), key=itemgetter(0)):
        if fieldname not in schema:
            continue
        if fieldname != field_now:
            field_now = fieldname
            out.start_field(fieldname, schema[fieldname], lengths.get(fieldname))
            fixedsize = schema[fieldname].format.fixed_value_size()
        if fieldname in spellfields:
            # The word, once a segment; not a word only deleted documents had, which would
            # be offered back as "did you mean" (docs/reliability.md, "Takedowns").
            dead = gone.get(spellfields[fieldname])
            if not dead or _stem(schema[spellfields[fieldname]], btext) not in dead:
                out.term(btext, *([part] for part in _SPELLING))
            continue
        ids: list[int] = []
        weights: list[float] = []
        values: list[bytes] = []
        for _, i, data in sources:
            sids, sweights, svalues = _read_postings(postfiles[i], W3TermInfo.from_bytes(data), fixedsize)
            docmap = docmaps[i]
            if isinstance(docmap, int):
                ids.extend([old + docmap for old in sids] if docmap else sids)
                weights.extend(sweights)
                values.extend(svalues)
                continue
            for old, w, v in zip(sids, sweights, svalues):
                new = docmap.get(old)
                if new is not None:
                    ids.append(new)
                    weights.append(w)
                    values.append(v)
        if ids:
            out.term(btext, ids, weights, values)


def _dead_terms(schema: fields.Schema, names: set[str], readers: list[SegmentReader],
                docmaps: list[DocMap], streams: list[Any], postfiles: list[Any]
                ) -> dict[str, set[bytes]]:
    """Per field of ``names``: the terms of the merged segments no live document has.

    Only a term found in at most as many documents as were deleted can be one, so only
    those are kept in hand and only their postings read (a takedown deletes one document:
    its rarest words)."""
    deleted = sum(r.doc_count_all() - r.doc_count() for r in readers)
    if not deleted or not names:
        return {}
    found: dict[tuple[str, bytes], list[Any]] = {}  # key -> [documents, (segment, info), ...]
    for i, stream in enumerate(streams):
        for key, _, data in stream:
            if key[0] not in names:
                continue
            info = W3TermInfo.from_bytes(data)
            entry = found.get(key)
            if entry is None:
                entry = found[key] = [0]
            entry[0] += info.doc_frequency()
            if entry[0] > deleted:
                entry[0] = deleted + 1
                del entry[1:]  # certainly live: nothing more to keep
            else:
                entry.append((i, info))
    gone: dict[str, set[bytes]] = {}
    for (fieldname, btext), (documents, *sources) in found.items():
        if documents > deleted:
            continue
        fixedsize = schema[fieldname].format.fixed_value_size()
        if not any(isinstance(docmaps[i], int) or any(
                old in docmaps[i] for old in _read_postings(postfiles[i], info, fixedsize)[0])
                for i, info in sources):
            gone.setdefault(fieldname, set()).add(btext)
    return gone


def rewriting(ids: Iterable[str]) -> Callable[[Any, list[Any]], list[Any]]:
    """A merge policy (``writer.commit(mergetype=...)``) that rewrites, each alone, the
    segments holding a deleted copy of any of ``ids``, so that their text, terms and
    spelling words leave the index's files; the other segments stay as they are."""
    wanted = list(ids)

    def policy(writer: Any, segments: list[Any]) -> list[Any]:
        kept = []
        for segment in segments:
            if segment.deleted_count() and _holds(writer, segment, wanted):
                merged = merge_segments(writer, [segment])
                if merged is not None:
                    kept.append(merged)
            else:
                kept.append(segment)
        return kept

    return policy


def _holds(writer: Any, segment: Any, ids: list[str]) -> bool:
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        return any(holds_id(reader, doc_id) for doc_id in ids)
    finally:
        reader.close()


def holds_id(reader: Any, doc_id: str) -> bool:
    """Whether an index still holds any copy of a document, live or deleted but not yet
    rewritten out of its segment (``searcher.document_number`` sees live ones only)."""
    return ("id", doc_id.encode("utf-8")) in reader


def _stem(field: fields.FieldType, word: bytes) -> bytes | None:
    """The term a spelling word is indexed as in its field (None for a stop word): the word
    is one token already (tokenizing it again could split it: "i̇stanbul")."""
    for token in field.analyzer(word.decode("utf-8"), tokenize=False):
        return token.text.encode("utf-8")
    return None


# -- reading: what the read side needs of Whoosh's private parts ---------------------------


def index_segments(ix: Any) -> list[Any]:
    """The segments of an index's latest generation."""
    return ix._segments()


def generation_files(ix: Any, storage: Any) -> tuple[int, int, list[str]]:
    """From one read of the newest TOC: its generation, its documents, and the files that
    make it up (the TOC and each segment's files), for a copy of exactly one generation."""
    toc = ix._read_toc()
    names = [f"_{ix.indexname}_{toc.generation}.toc"]
    names += [name for segment in toc.segments for name in segment.list_files(storage)]
    return toc.generation, sum(segment.doc_count() for segment in toc.segments), names


def deleted_docs(reader: Any) -> Iterator[int]:
    """A segment's deleted document numbers."""
    return reader._perdoc.deleted_docs()


def length_column(leaf: Any, fieldname: str) -> Any:
    """A segment's column of field lengths (one byte a document), or None for another reader."""
    if not hasattr(leaf, "_perdoc"):
        return None
    return leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)


def column_values(column: Any, doccount: int) -> np.ndarray | None:
    """Every document's value of a numeric column in one read (Whoosh reads one a call, with a
    seek and a read each: 400,000 of them for the lengths and dates of 100k documents), or None
    for another kind of column."""
    if type(column) is not NumericColumn.Reader:
        return None
    dtype = np.dtype(">" + column._typecode)
    if dtype.itemsize != column._fixedlen:
        return None
    count = min(column._count, doccount)
    values = np.full(doccount, column._default, dtype=dtype.newbyteorder("="))
    if count:
        raw = column._dbfile.get(column._basepos, count * column._fixedlen)
        values[:count] = np.frombuffer(raw, dtype=dtype, count=count)
    return values


_KEY_LENGTHS = struct.Struct("!ii")  # a terms-file record: key length, data length


def prefix_terms(leaf: Any, fieldname: str, prefix: bytes) -> list[bytes] | None:
    """A segment's terms of ``fieldname`` that start with ``prefix``, read from its terms file
    in one piece (Whoosh reads each key with two reads through the compound file), or None
    for another kind of reader."""
    terms = getattr(leaf, "_terms", None)
    if type(terms) is not W3TermsReader or type(terms._tindex) is not OrderedHashReader:
        return None
    tindex = terms._tindex
    start_key = terms._keycoder(fieldname, prefix)
    end_key = start_key.rstrip(b"\xff")
    end_key = end_key[:-1] + bytes([end_key[-1] + 1]) if end_key else b""
    start = tindex.closest_key_pos(start_key)
    if start is None:
        return []
    end = (tindex.closest_key_pos(end_key) if end_key else None) or tindex.endofdata
    buf = tindex.dbfile.get(start, end - start)
    out, pos, skip = [], 0, len(start_key) - len(prefix)
    size = _KEY_LENGTHS.size
    while pos < len(buf):
        keylen, datalen = _KEY_LENGTHS.unpack_from(buf, pos)
        out.append(buf[pos + size + skip:pos + size + keylen])
        pos += size + keylen + datalen
    return out


def pattern_terms(q: Any, reader: Any) -> Iterator[bytes]:
    """The index terms a prefix or wildcard query stands for in ``reader``, in order (a
    prefix's from the segment's terms file in one piece, as ``prefix_terms`` reads them)."""
    if type(q) is Prefix:
        found = prefix_terms(reader, q.fieldname, reader._text_to_bytes(q.fieldname, q.text))
        if found is not None:
            return iter(found)
    return q._btexts(reader)


def range_terms(q: Any, reader: Any) -> Iterator[bytes]:
    """The index terms a range query stands for, in order: a word range walks the field's
    terms between its ends; a numeric or date range, the tiered terms Whoosh compiles it to."""
    if isinstance(q, NumericRange):
        compiled = q._compile_query(reader)
        for leaf in ([compiled] if compiled.is_leaf() else compiled.leaves()):
            if isinstance(leaf, Term):
                yield leaf.text
            elif isinstance(leaf, TermRange):  # a tier's span, in the field's bytes
                yield from leaf._btexts(reader)
        return
    yield from q._btexts(reader)


def _block_weights(raw: Any, n: int) -> np.ndarray:
    """A block's weights as W3 stores them (None: all 1.0; one float: all that) as an array."""
    if raw is None:
        return np.ones(n)
    if isinstance(raw, float):
        return np.full(n, raw)
    return np.asarray(raw, dtype=np.float64)


_SIDE_TABLES: "OrderedDict[tuple[Any, ...], dict[tuple[str, bytes], tuple[int, int, int]]]" = OrderedDict()
_SIDE_TABLES_MAX = 256  # segments whose tables a process keeps (a segment never changes)
_SIDE_FILES: "weakref.WeakKeyDictionary[Any, tuple[Any, threading.Lock, int, Any] | None]" = weakref.WeakKeyDictionary()
_SIDE_READER_TABLES: "weakref.WeakKeyDictionary[Any, dict[tuple[str, bytes], tuple[int, int, int]]]" = \
    weakref.WeakKeyDictionary()
_SIDE_LOCK = threading.Lock()


def _side_file(reader: Any) -> tuple[Any, threading.Lock, dict[tuple[str, bytes], tuple[int, int, int]]] | None:
    """A segment reader's side file and its table: opened once a reader; the table read
    once a segment file (kept by the file's identity on disk: a segment never changes)."""
    segment = getattr(reader, "_segment", None)
    storage = getattr(reader, "_storage", None)
    if segment is None or storage is None:
        return None
    with _SIDE_LOCK:
        if reader in _SIDE_FILES:
            opened = _SIDE_FILES[reader]
        else:
            name = segment.make_filename(SIDE_EXT)
            opened = (storage.open_file(name), threading.Lock(), storage.file_length(name),
                      _file_identity(storage, segment)) if storage.file_exists(name) else None
            _SIDE_FILES[reader] = opened
    if opened is None:
        return None
    file, lock, size, identity = opened
    with _SIDE_LOCK:
        table = _SIDE_TABLES.get(identity) if identity else _SIDE_READER_TABLES.get(reader)
    if table is None:
        with lock:
            at, magic = _SIDE_TRAILER.unpack(file.get(size - _SIDE_TRAILER.size, _SIDE_TRAILER.size))
            if magic != _SIDE_MAGIC:
                raise ValueError(f"{segment.segment_id()}{SIDE_EXT}: not a side file")
            table = pickle.loads(file.get(at, size - _SIDE_TRAILER.size - at))
        with _SIDE_LOCK:
            if identity:
                _SIDE_TABLES[identity] = table
                while len(_SIDE_TABLES) > _SIDE_TABLES_MAX:
                    _SIDE_TABLES.popitem(last=False)
            else:
                _SIDE_READER_TABLES[reader] = table
    return file, lock, table


def _file_identity(storage: Any, segment: Any) -> tuple[Any, ...] | None:
    """Which file on disk holds a segment's side file (its compound file, or itself): device,
    inode, size and modification time; None for a storage in memory."""
    folder = getattr(getattr(storage, "b", storage), "folder", None)  # an OverlayStorage's files
    if folder is None:
        return None
    for ext in (segment.COMPOUND_EXT if segment.is_compound() else None, SIDE_EXT):
        if ext is None:
            continue
        try:
            st = os.stat(os.path.join(folder, segment.make_filename(ext)))
        except OSError:
            continue
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    return None


def leaf_side_postings(reader: Any, fieldname: str, btext: bytes
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(ids, weights, position counts, positions) of one segment's postings for a term, from
    the segment's side file in one read; None where the side file does not hold the term
    (fewer than ``SIDE_MIN`` postings, a segment written by Whoosh's own writer, or none)."""
    side = _side_file(reader)
    if side is None:
        return None
    file, lock, table = side
    entry = table.get((fieldname, btext))
    if entry is None:
        return None
    at, n, total = entry
    with lock:
        raw = file.get(at, 12 * n + 4 * total)
    ids = np.frombuffer(raw, dtype="<u4", count=n).astype(np.int64)
    weights = np.frombuffer(raw, dtype="<f4", count=n, offset=4 * n).astype(np.float64)
    counts = np.frombuffer(raw, dtype="<u4", count=n, offset=8 * n).astype(np.int64)
    positions = np.frombuffer(raw, dtype="<u4", count=total, offset=12 * n).astype(np.int64)
    return ids, weights, counts, positions


def leaf_postings(reader: Any, fieldname: str, btext: bytes, values: bool,
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

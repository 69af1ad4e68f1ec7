"""Round robins: the same request sent to many bodies, grouped as it is ingested.

Each response's request (ingest/metadata/request.py) is normalised and cut into
word shingles; a MinHash signature of the shingles is split into LSH bands, and
the bands are written to the index (field ``lsh``). A new document looks up the
documents that share a band with it (earlier ones in the index, and this run's
not yet committed ones in memory), measures the exact Jaccard similarity of the
shingle sets, and joins the group of the closest one at or above ``THRESHOLD``;
with none, it founds a group named after its own id. Work per document is the
same whatever the size of the archive: a few band look-ups, never a scan.
"""

from __future__ import annotations

import hashlib
import logging
import random
import struct
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh import index

from archive.index import make_schema
from archive.postings import first_doc_numbers
from archive.models import Document
from ingest.metadata.request import normalise_request, request_text

log = logging.getLogger(__name__)

SHINGLE = 3  # words per shingle
HASHES = 64  # MinHash functions
ROWS = 4  # rows per LSH band: 16 bands, so pairs at Jaccard 0.5 share a band 98% of the time
BANDS = HASHES // ROWS
THRESHOLD = 0.6  # Jaccard over shingles at which two requests are one question (docs/site.md)
MIN_SHINGLES = 8  # shorter requests ("Please send me the report.") say too little to group
CANDIDATES = 50  # documents compared exactly per new document
PER_BAND = 500  # postings read per band: a band shared by thousands is not evidence
# Kept of the index between commits (the searcher, and so its document numbers, stays
# the same until then): the postings of the bands looked up, and what candidates store.
# Document numbers kept over all the bands read since the last commit (8 bytes each): enough
# for the bands a batch shares widely (945 bands of 500 at 100,000 bench letters); with
# fewer, kept bands are dropped in the order read, and a batch cycling through more than
# fit read every band again (grouping was half of ingest at 40,000 letters with 200,000).
BAND_CACHE = 2_000_000
STORED_CACHE = 5_000  # candidates

_MASK = (1 << 61) - 1  # a Mersenne prime: (a*x + b) mod p is a good permutation family
_rng = random.Random(5)  # fixed: signatures must be the same in every run
_PERMS = [(_rng.randrange(1, _MASK), _rng.randrange(0, _MASK)) for _ in range(HASHES)]
GROUP_FIELDS = ("group", "request", "lsh")


def shingles(normalised: str) -> frozenset[int]:
    """The request's word n-grams, each as a 64-bit hash."""
    words = normalised.split()
    grams = [" ".join(words[i:i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1))]
    return frozenset(struct.unpack("<Q", hashlib.blake2b(g.encode(), digest_size=8).digest())[0]
                     for g in grams)


def signature(sh: frozenset[int]) -> tuple[int, ...]:
    """The MinHash signature: for each hash function, the least value over the shingles,
    (a*x + b) mod p for each (a, b) of ``_PERMS``: exactly the values of that formula
    in Python integers (the band keys in existing indexes are made of them), computed
    for all the shingles and hash functions at once in 64-bit pieces (``_mod_mul_add``)."""
    if not sh:
        raise ValueError("min() arg is an empty sequence")  # as the formula in Python would
    x = np.fromiter(sh, dtype=np.uint64, count=len(sh))
    return tuple(_mod_mul_add(x).min(axis=1).tolist())


_P = np.uint64(_MASK)
_A = np.array([a for a, _ in _PERMS], dtype=np.uint64)[:, None]
_A_HI, _A_LO = _A >> np.uint64(32), _A & np.uint64(0xFFFFFFFF)
_B = np.array([b for _, b in _PERMS], dtype=np.uint64)[:, None]


def _mod_mul_add(x: np.ndarray) -> np.ndarray:
    """(a*x + b) mod p for every (a, b) of ``_PERMS`` (rows) and every x (columns).

    p = 2**61 - 1, so 2**61 is 1 mod p: a number splits at bit 61 into a sum. With
    x reduced below 2**61 and both halves under 2**32, no product or sum here passes 2**64.
    """
    u32, s29, s32, s61 = np.uint64(0xFFFFFFFF), np.uint64(29), np.uint64(32), np.uint64(61)
    x = (x & _P) + (x >> s61)  # x mod p, or that plus p: below 2**61 + 8, same residue
    x = np.where(x >= _P, x - _P, x)
    x_hi, x_lo = x >> s32, x & u32  # x_hi < 2**29
    hh = _A_HI * x_hi  # < 2**58; times 2**64, which is 8 mod p
    mid = _A_HI * x_lo + _A_LO * x_hi  # < 2**62; times 2**32 = (mid>>29)*2**61 + (mid&(2**29-1))*2**32
    ll = _A_LO * x_lo  # < 2**64
    s = ((hh << np.uint64(3)) + (mid >> s29) + ((mid & np.uint64((1 << 29) - 1)) << s32)
         + (ll & _P) + (ll >> s61) + _B)  # each term < 2**61: the sum < 2**64
    s = (s & _P) + (s >> s61)
    s = (s & _P) + (s >> s61)
    return np.where(s >= _P, s - _P, s)


def bands(sig: tuple[int, ...]) -> list[str]:
    """LSH band keys: documents that share one are compared exactly."""
    out = []
    for band in range(BANDS):
        rows = sig[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()
        out.append(f"{band:02d}{digest}")
    return out


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    if a is b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # len(a | b), without building the union


@dataclass
class RequestPrint:
    """What grouping knows of one document's request."""

    request: str  # as the response quotes it
    shingles: frozenset[int]
    bands: list[str]


def request_print(text: str, names: tuple[str, ...] = ()) -> RequestPrint | None:
    """The request of a response and its signature; None when there is too little to group."""
    request = request_text(text)
    if not request:
        return None
    return print_of(request, names)


def print_of(request: str, names: tuple[str, ...] = ()) -> RequestPrint | None:
    sh = stored_shingles(request, names)
    if len(sh) < MIN_SHINGLES:
        return None
    return RequestPrint(request, sh, list(_bands_of(sh)))


# A round robin's copies come up again and again, as new documents and as candidates:
# each step from a request to its bands is kept for the last few thousand requests.
@lru_cache(maxsize=8192)
def stored_shingles(request: str, names: tuple[str, ...]) -> frozenset[int]:
    """The shingles of a request (a candidate's, from its stored request, or a new one's).
    Copies whose normalised requests are equal get the one set, so comparing them is cheap."""
    return _shingles_of(normalise_request(request, names))


@lru_cache(maxsize=4096)
def _shingles_of(normalised: str) -> frozenset[int]:
    return shingles(normalised)


@lru_cache(maxsize=4096)
def _bands_of(sh: frozenset[int]) -> tuple[str, ...]:
    return tuple(bands(signature(sh)))


_NO_DOCS = array("q")
_NO_KEYS = np.zeros(0, dtype=np.int64)


def names_of(doc: Document) -> tuple[str, ...]:
    """The names a body's copy of a round robin carries that another's does not."""
    return _names(doc.meta.authority, doc.meta.force)


def _names(authority: str | None, force: str | None) -> tuple[str, ...]:
    return tuple(n for n in (authority, force) if n)


def read_request(doc: Document) -> RequestPrint | None:
    """Set ``doc.request`` and ``doc.request_bands`` from its text, as the index keeps them;
    a document with no request to group by has no group either. The group itself is the
    Grouper's to find, unless the document comes with one (its stored version's)."""
    found = request_print(doc.text, names_of(doc)) if doc.text else None  # "ok" or "ocr"
    if found is None:
        doc.group, doc.request, doc.request_bands = None, "", []
        return None
    doc.request, doc.request_bands = found.request, found.bands
    return found


class Grouper:
    """Assigns each document of an ingest run to its request's group.

    ``assign`` before the document goes to the index writer; ``committed`` after
    each commit, so that the in-memory table only holds what the index cannot yet show.
    """

    def __init__(self, ix: index.Index, threshold: float = THRESHOLD) -> None:
        self.ix = ix
        self.threshold = threshold
        _add_missing_fields(ix)
        self._segment_keys: dict[str, np.ndarray] = {}
        self._open()
        # This run's documents that the searcher cannot see yet.
        self._by_band: dict[str, list[str]] = {}
        self._pending: dict[str, tuple[str, frozenset[int]]] = {}  # id -> (group, shingles)

    def assign(self, doc: Document) -> str | None:
        """Set ``doc.group``, ``doc.request`` and ``doc.request_bands``; returns the group.

        A document that comes with its group (a rebuild, from the stored version)
        keeps it, so group ids, and the URLs of group pages, stay the same.
        """
        found = read_request(doc)
        if found is None:
            return None
        # A kept group needs no search for the closest one (a rebuild: every grouped document).
        doc.group = doc.group or self._closest(doc.id, found) or doc.id
        self._pending[doc.id] = (doc.group, found.shingles)
        for key in found.bands:
            self._by_band.setdefault(key, []).append(doc.id)
        return doc.group

    def _closest(self, doc_id: str, found: RequestPrint) -> str | None:
        """The group of the most similar earlier request at or above the threshold."""
        best, best_score = None, self.threshold
        mine = found.shingles
        scores: dict[frozenset[int], float] = {}  # copies of a round robin share one set
        for group, sh in self._candidates(doc_id, found.bands):
            if not group:
                continue
            score = scores.get(sh)
            if score is None:
                score = scores[sh] = jaccard(mine, sh)
            if score >= best_score:
                best, best_score = group, score
        return best

    def _candidates(self, doc_id: str, keys: list[str]):  # type: ignore[no-untyped-def]
        """(group, shingles) of the documents sharing most bands with these keys."""
        refs: list[int | str] = []  # counted in one go, in the order they were found
        for key in keys:
            refs += self._by_band.get(key, ())
            refs += self._band_docs(key)
        counts = Counter(refs)
        for ref, _ in counts.most_common(CANDIDATES):
            if isinstance(ref, str):
                yield self._pending[ref]
                continue
            other_id, group, request, names = self._stored(ref)
            if other_id in self._pending:
                continue  # a newer version of it is in this run
            other = stored_shingles(request, names)
            if len(other) >= MIN_SHINGLES:
                yield group, other

    def _band_docs(self, key: str) -> array[int]:
        """The first ``PER_BAND`` documents in the index with this band key, as
        ``docs_for_query(Term("lsh", key))`` would give them, without its scorers."""
        docs = self._bands.get(key)
        if docs is not None:
            return docs
        if not self._may_hold(key):
            return _NO_DOCS  # in no segment: no look-up in each (73 us over 19 segments)
        docs = array("q", first_doc_numbers(self._leaves, "lsh", key.encode("utf-8"), PER_BAND))
        self._bands_size += len(docs)
        while self._bands and self._bands_size > BAND_CACHE:
            self._bands_size -= len(self._bands.pop(next(iter(self._bands))))
        self._bands[key] = docs
        return docs

    def _stored(self, docnum: int) -> tuple[str | None, str | None, str, tuple[str, ...]]:
        """(id, group, request, names) of a document in the index: its stored fields but
        the text. Not its shingles, which stored_shingles keeps (a few thousand of them)."""
        entry = self._seen.get(docnum)
        if entry is None:
            stored = self._searcher.stored_fields(docnum)
            entry = (stored.get("id"), stored.get("group"), stored.get("request") or "",
                     _names(stored.get("authority"), stored.get("force")))
            if len(self._seen) >= STORED_CACHE:
                del self._seen[next(iter(self._seen))]
            self._seen[docnum] = entry
        return entry

    def committed(self) -> None:
        """The writer has committed: read the index afresh and forget what it now holds."""
        self._searcher.close()
        self._open()
        self._by_band.clear()
        self._pending.clear()

    def _may_hold(self, key: str) -> bool:
        """Whether some segment may have this band key (a hash of it is among theirs)."""
        known = self._known
        if known is None:  # first asked since the searcher was opened
            known = self._known = self._read_keys()
        h = hash(key)
        i = int(np.searchsorted(known, h))
        return i < len(known) and int(known[i]) == h

    def _read_keys(self) -> np.ndarray:
        """The hashes of every segment's band keys, sorted: most of a letter's sixteen keys are
        new in a varied archive, and each was looked up in every segment to find nothing.
        A segment never changes (a merge makes a new one), so its keys are read once a run.
        Read only when a band is first looked up: documents that keep their group (a rebuild,
        a restore) look none up."""
        keys = {}
        for reader, _ in self._leaves:
            if reader.segment() is None:  # an empty index's reader
                continue
            segment = reader.segment().segment_id()
            found = self._segment_keys.get(segment)
            if found is None:
                found = np.fromiter((hash(t.decode("utf-8")) for t in reader.lexicon("lsh")),
                                    dtype=np.int64)
            keys[segment] = found
        self._segment_keys = keys  # merged-away segments dropped
        return np.unique(np.concatenate(list(keys.values()))) if keys else _NO_KEYS

    def _open(self) -> None:
        self._searcher = self.ix.searcher()
        self._leaves = list(self._searcher.reader().leaf_readers())
        self._known: np.ndarray | None = None  # by _read_keys, when first needed
        self._bands: dict[str, array[int]] = {}
        self._bands_size = 0
        self._seen: dict[int, tuple[str | None, str | None, str, tuple[str, ...]]] = {}

    def close(self) -> None:
        self._searcher.close()


def _add_missing_fields(ix: index.Index) -> None:
    """An index made before grouping existed gets its fields (older documents stay ungrouped)."""
    missing = [name for name in GROUP_FIELDS if name not in ix.schema.names()]
    if not missing:
        return
    schema = make_schema()
    writer = ix.writer()
    for name in missing:
        writer.add_field(name, schema[name])
    writer.commit()
    log.info("index: added the fields %s", ", ".join(missing))

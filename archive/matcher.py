"""The matcher: a parsed query evaluated over whole postings arrays, ranked as Whoosh ranks.

tests/test_ranking.py holds it to Whoosh's own ``searcher.search()`` with BM25F's
collection statistics taken from the live documents (``LiveBM25F`` there): the same
documents, each score within 1e-9, on indexes of many segments with deletions. Whoosh's
own statistics count deleted copies until a merge drops them, and a merged segment's
field lengths are its documents' one-byte lengths, not the exact totals, so the same
documents scored differently by how they were written; the live statistics depend on
the documents alone (docs/performance.md, "Ranking").
"""

from __future__ import annotations

import hashlib
import math
import time

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from archive.query import QueryError
from archive.postings import (POSITION_SHIFT, FacetColumns, PositionPart, expansions_by_segment,
                              intersect_sorted, position_keys, range_expansions)

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults


class Matcher:
    """A parsed query evaluated over whole postings arrays: which documents, with what score.

    Whoosh walks a match one document per Python call, so a broad query at 100k
    responses costs hundreds of milliseconds before a facet is counted. Here
    each term's postings are numpy arrays (read once per index generation) and
    And/Or/Not are mask operations; BM25 is Whoosh's formula over the live documents'
    statistics, so terms, ANDs and ORs rank as searcher.search() ranks them with those. A phrase matches
    on positions and scores as its words do. Query types not handled here
    (ranges, for instance) are matched by Whoosh and score nothing.
    """

    def __init__(self, searcher: Searcher, columns: FacetColumns, deadline: float | None = None) -> None:
        self.deadline = deadline  # time.monotonic() past which the search is given up
        self.searcher = searcher
        self.columns = columns
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.size = columns.size
        self.doc_count = columns.live_count

    def run(self, q: query.Query, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A mask of the matching documents and each one's score.

        ``within`` (a mask) says which documents the caller will look at: outside it the
        answer may be incomplete. An And hands its children what the cheaper of them
        left, so a phrase reads positions only for documents that survive the rest.
        """
        self.check_time()
        if isinstance(q, query.Term):
            return self._term(q.fieldname, q.text, q.boost)
        if isinstance(q, query.Phrase) and q.slop == 1:
            return self._phrase(q, within)
        if isinstance(q, (query.Prefix, query.Wildcard)):
            return self._pattern(q)
        if isinstance(q, (query.TermRange, query.NumericRange)):
            return self._range(q)
        if isinstance(q, query.Every):
            return self.columns.live.copy(), np.zeros(self.size)
        if q is query.NullQuery:
            return np.zeros(self.size, dtype=bool), np.zeros(self.size)
        if isinstance(q, (query.And, query.Or)) and type(q) in (query.And, query.Or):
            if not q.subqueries:
                return np.zeros(self.size, dtype=bool), np.zeros(self.size)
            if isinstance(q, query.And):
                return self._and(q, within)
            parts = [self.run(sub, within) for sub in q.subqueries]
            mask, score = parts[0][0].copy(), parts[0][1] * parts[0][0]
            for m, sc in parts[1:]:
                mask |= m
                score += sc * m
            minmatch = getattr(q, "minmatch", 0) or 0
            if minmatch > 1:
                # Whoosh takes Or(minmatch=) but does not implement it; here it is kept.
                mask &= np.sum([m for m, _ in parts], axis=0) >= minmatch
            return mask, score * q.boost
        if isinstance(q, query.Not):
            mask, _ = self.run(q.query, within)
            mask = self.columns.live & ~mask
            return mask, mask * float(q.boost)  # Whoosh's InverseMatcher scores 1 a document
        if isinstance(q, query.AndNot):
            a, sa = self.run(q.a, within)
            b, _ = self.run(q.b, a if within is None else a & within)
            return a & ~b, sa
        if isinstance(q, query.AndMaybe):
            a, sa = self.run(q.a, within)
            b, sb = self.run(q.b, a if within is None else a & within)
            return a, sa + sb * b
        return self._fallback(q)

    def check_time(self) -> None:
        """QueryError once the request's time budget is spent (docs/reliability.md, "Query
        budgets"): checked between the parts of a query, a term of a wildcard, a word of a
        phrase, so one costly query cannot hold a worker that others are waiting for."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryError("That search took too long to run. Narrow it: fewer wildcards, "
                             "ranges or phrases of common words, or a filter by body or year.")

    def _and(self, q: query.And, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Phrases last: they read positions, and only where the other parts matched."""
        subs = sorted(enumerate(q.subqueries), key=lambda item: _reads_positions(item[1]))
        parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        mask: np.ndarray | None = None
        for i, sub in subs:
            narrowed = within if mask is None else mask if within is None else mask & within
            m, sc = self.run(sub, narrowed)
            parts[i] = (m, sc)
            mask = m.copy() if mask is None else mask & m
        assert mask is not None
        score = np.zeros(self.size)
        for i in range(len(subs)):  # summed in the query's order, as Whoosh sums
            m, sc = parts[i]
            score += sc * m
        return mask, score * q.boost

    def _fallback(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return mask, np.zeros(self.size)

    def _bm25(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if not self.schema[fieldname].scorable:
            return weights.astype(np.float64)  # Whoosh scores an unscored field's match by its weight
        # Statistics of the live documents: deleted copies and the way segments were merged
        # change no score, so an index rebuilt from the store ranks alike (docs/performance.md).
        df = len(self.columns.postings.get(fieldname, btext)[0])
        idf = math.log(self.doc_count / (df + 1)) + 1
        avgfl = self.columns.average_lengths[fieldname] or 1
        fl = self.columns.lengths[fieldname][ids]
        weights = weights.astype(np.float64)  # scored in double precision, as Whoosh scores
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))

    def _term(self, fieldname: str, text: str, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        btext = self.schema[fieldname].to_bytes(text)
        ids, weights = self.columns.postings.get(fieldname, btext)
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        mask[ids] = True
        score[ids] = self._bm25(fieldname, btext, ids, weights) * boost
        return mask, score

    def _pattern(self, q: query.PatternQuery) -> tuple[np.ndarray, np.ndarray]:
        """A prefix or wildcard, scored segment by segment as Whoosh's MultiTerm.matcher does.

        Whoosh asks for its terms unscored and ORs them per segment: one term stands alone
        (BM25, no boost); two, or a segment of over 5,000 documents, make a tree of unions
        whose terms fall back to BM25 (the sum, times the boost); otherwise an array union
        that scores each document the boost (whoosh.query.compound.Or._matcher).
        """
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        boost = float(q.boost)
        by_segment = expansions_by_segment(q, self.searcher, self.columns)
        for btexts, (leaf, offset) in zip(by_segment, self.reader.leaf_readers()):
            if not btexts:
                continue
            end = offset + leaf.doc_count_all()
            seg_mask = np.zeros(end - offset, dtype=bool)
            seg_score = np.zeros(end - offset)
            for btext in btexts:
                self.check_time()
                ids, weights = self.columns.postings.get(q.fieldname, btext)
                lo, hi = np.searchsorted(ids, [offset, end])
                ids, weights = ids[lo:hi], weights[lo:hi]
                seg_mask[ids - offset] = True
                seg_score[ids - offset] += self._bm25(q.fieldname, btext, ids, weights)
            n = len(btexts)
            if n == 2 or (2 < n < query.Or.TOO_MANY_CLAUSES and end - offset > 5000):
                seg_score *= boost
            elif n > 2:
                seg_score = seg_mask * boost
            mask[offset:end] = seg_mask
            score[offset:end] = seg_score
        return mask, score

    def _range(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        """A range of words, years or dates: the union of its terms' live documents, read as
        arrays (Whoosh's matcher walks them a posting at a time: 1.9 s for 1,900 terms over
        20,000 documents, 40 ms this way). Unscored, as before (the query's other parts rank)."""
        mask = np.zeros(self.size, dtype=bool)
        for btext in range_expansions(q, self.searcher, self.columns):
            self.check_time()
            mask[self.columns.postings.get(q.fieldname, btext)[0]] = True
        return mask, np.zeros(self.size)

    def _phrase(self, q: query.Phrase, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        field_ = self.schema[q.fieldname]
        btexts = tuple(field_.to_bytes(w) for w in q.words)
        postings = self.columns.postings

        def documents() -> np.ndarray:
            candidates = self.columns.live.copy() if within is None else self.columns.live & within
            frequency = []
            read: dict[bytes, list[PositionPart]] = {}
            for btext in btexts:
                if not postings.cached(q.fieldname, btext):  # one read for ids and positions
                    read[btext] = postings.with_positions(q.fieldname, btext)
                ids = postings.get(q.fieldname, btext)[0]
                held = np.zeros(self.size, dtype=bool)
                held[ids] = True
                candidates &= held
                frequency.append(len(ids))
            keys: np.ndarray | None = None
            # The rarest word first: each word's positions are read only for the documents
            # the words before it left, from the blocks that hold them.
            for i in sorted(range(len(btexts)), key=frequency.__getitem__):
                self.check_time()
                wanted = np.flatnonzero(candidates)
                if not len(wanted):
                    return wanted.astype(np.int32)
                parts = read.get(btexts[i]) or postings.positions(q.fieldname, btexts[i], wanted)
                # Word i of the phrase sits i places after the first word.
                found = position_keys(parts, candidates) - i
                keys = found if keys is None else intersect_sorted(keys, found)
                candidates = np.zeros(self.size, dtype=bool)
                candidates[keys >> POSITION_SHIFT] = True
            return np.flatnonzero(candidates).astype(np.int32)

        whole = ("phrase", q.fieldname, btexts)
        if within is None or whole in self.columns.memo:
            docs = self.columns.remember(whole, documents)
        else:  # a partial answer, remembered for the documents it was asked about
            seen = hashlib.blake2b(np.packbits(within).tobytes(), digest_size=16).digest()
            docs = self.columns.remember(whole + (seen,), documents)
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        score = np.zeros(self.size)
        for btext in btexts:
            ids, weights = postings.get(q.fieldname, btext)
            score[ids] += self._bm25(q.fieldname, btext, ids, weights)
        return mask, score * mask * q.boost


def _reads_positions(q: query.Query) -> bool:
    """Whether matching ``q`` reads positions (it holds a phrase)."""
    return any(isinstance(leaf, query.Phrase) for leaf in ([q] if q.is_leaf() else q.leaves()))

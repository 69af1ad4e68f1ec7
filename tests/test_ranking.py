"""The archive's matcher ranks as Whoosh's own searcher.search() ranks, on indexes of many
segments with deletions, for terms, AND/OR/NOT, phrases and prefixes (property-tested).

Whoosh scores with BM25F given the statistics of the live documents (``LiveBM25F``,
read here through Whoosh's own reader), as the archive does, so that deleted copies and
merges change no rank (archive/matcher.py).

Scores are compared to Whoosh's to 1e-9 (Whoosh adds an Or's scores as a balanced tree,
the matcher left to right, so the last bits can differ); ranks are compared with
scores that close counted as ties, in either order.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import scoring
from whoosh.searching import Searcher

from archive import segments
from archive.index import IndexWriter
from archive.reader import IndexReader
from archive.search import Matcher, SearchParams, parse_query, search
from tests.conftest import make_doc

# Words whose stems share beginnings, so prefixes expand to one term or to several.
WORDS = ["camera", "cameras", "camel", "campaign", "drone", "drones", "droning", "taser",
         "tasers", "custody", "custodial", "budget", "budgets", "public", "publish"]
STEMS_PREFIXES = ["cam", "came", "campa", "dro", "dron", "tas", "cust", "custodi", "bud", "publ", "publi"]

doc_words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25)
documents = st.lists(st.tuples(doc_words, st.lists(st.sampled_from(WORDS), max_size=3)),
                     min_size=6, max_size=40)
# Each batch is one commit (a segment); some ids are written again (the old copy deleted)
# or deleted outright.
plans = st.tuples(documents, st.integers(2, 6), st.lists(st.integers(0, 39), max_size=8),
                  st.lists(st.integers(0, 39), max_size=4))


def leaf() -> st.SearchStrategy[str]:
    term = st.sampled_from(WORDS)
    phrase = st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
    prefix = st.sampled_from(STEMS_PREFIXES).map(lambda p: p + "*")
    return st.one_of(term, term, phrase, prefix)


queries = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} {ab[1]})"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} OR {ab[1]})"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} NOT {ab[1]})"),
    ),
    max_leaves=4,
)


def build(folder: Path, plan) -> None:
    docs, batches, rewrite, delete = plan
    writer = IndexWriter(folder)
    per_batch = max(1, len(docs) // batches)
    for n, (text, title) in enumerate(docs):
        writer.update(make_doc(n, title=" ".join(title) or "response", text=" ".join(text)))
        if (n + 1) % per_batch == 0:
            writer.commit()
    writer.commit()
    for n in rewrite:  # a second copy of the document: the first is deleted
        if n < len(docs):
            text, title = docs[n]
            writer.update(make_doc(n, title="again " + " ".join(title), text=" ".join(reversed(text))))
    writer.commit()
    for n in delete:
        if n < len(docs):
            writer.delete(f"{n:016x}")
    writer.commit()


class LiveBM25F(scoring.BM25F):
    """Whoosh's BM25F with the collection statistics of the live documents alone: their
    number, how many hold the term, their mean field length (deleted ones skipped)."""

    def scorer(self, searcher, fieldname, text, qf=1):  # type: ignore[no-untyped-def]
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        scorer = scoring.BM25FScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)
        parent = searcher.get_parent()  # a segment's sub-searcher scores with the whole's
        reader = parent.reader()
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        df = sum(1 for d in reader.postings(fieldname, text).all_ids() if not reader.is_deleted(d))
        scorer.idf = math.log(len(live) / (df + 1)) + 1
        lengths = [reader.doc_field_length(d, fieldname, 0) for d in live]
        scorer.avgfl = (sum(lengths) / len(lengths) if lengths else 0) or 1
        return scorer


def whoosh_ranked(searcher, parsed) -> list[tuple[int, float]]:
    live = Searcher(searcher.reader(), weighting=LiveBM25F(), closereader=False)
    return [(hit.docnum, hit.score) for hit in live.search(parsed, limit=None)]


def tie_groups(ranked: list[tuple[int, float]]) -> list[list[int]]:
    """Document numbers by score, in groups of scores within 1e-9 of each other."""
    order = sorted(ranked, key=lambda ds: (-ds[1], ds[0]))
    groups: list[list[tuple[int, float]]] = []
    for doc, score in order:
        if groups and abs(groups[-1][0][1] - score) <= 1e-9 * max(1.0, abs(score)):
            groups[-1].append((doc, score))
        else:
            groups.append([(doc, score)])
    return [[doc for doc, _ in group] for group in groups]


def assert_same_ranks(ours: list[int], expected: list[tuple[int, float]], q: str) -> None:
    """``ours`` ranks as ``expected`` does, but for the order within near ties (Whoosh adds an
    Or's scores as a tree, so two equal sums can differ in the last bit, either way)."""
    group_of = {doc: i for i, group in enumerate(tie_groups(expected)) for doc in group}
    assert sorted(ours) == sorted(group_of), q
    ranks = [group_of[doc] for doc in ours]
    assert ranks == sorted(ranks), q


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans, q=queries)
def test_ranks_are_whooshs(plan, q: str) -> None:
    check_ranks(plan, q)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans, q=queries)
def test_ranks_are_whooshs_with_postings_from_side_files(plan, q: str) -> None:
    # Every term of two postings or more in a segment's side file (archive/segments.py),
    # so that terms, phrases and prefixes are read from there, beside segments read from
    # Whoosh's blocks (a term in one document of a segment).
    kept = segments.SIDE_MIN
    segments.SIDE_MIN = 2
    try:
        check_ranks(plan, q)
    finally:
        segments.SIDE_MIN = kept


def check_ranks(plan, q: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rank-"))
    try:
        build(folder, plan)
        reader = IndexReader(folder)
        try:
            with reader.searcher() as searcher:
                columns = reader.facet_columns(searcher)
                parsed = parse_query(q, searcher, columns)
                expected = whoosh_ranked(searcher, parsed)
                mask, score = Matcher(searcher, columns).run(parsed)
                mask &= columns.live
                ours = np.flatnonzero(mask)
                assert sorted(ours.tolist()) == sorted(d for d, _ in expected), q
                for doc, whoosh_score in expected:
                    assert score[doc] == pytest.approx(whoosh_score, rel=1e-9, abs=1e-12), (q, doc)
                docnum = {searcher.stored_fields(d)["id"]: d for d, _ in expected}
            result = search(reader, SearchParams(q=q, per_page=100))
            assert_same_ranks([docnum[h.id] for h in result.hits], expected, q)
        finally:
            reader.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_index_has_many_segments_and_deletions() -> None:
    """The plans above do make what the property is about (checked on one of them)."""
    folder = Path(tempfile.mkdtemp(prefix="rank-"))
    try:
        docs = [(["taser", "camera"] * (n % 5 + 1), ["drone"]) for n in range(30)]
        build(folder, (docs, 6, [1, 2, 3], [4, 5]))
        reader = IndexReader(folder)
        try:
            with reader.searcher() as searcher:
                assert len(searcher.reader().leaf_readers()) >= 3
                assert searcher.reader().has_deletions()
                assert searcher.doc_count() == 28
        finally:
            reader.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("q", ["cam*", "cam* OR taser", "dro* custody"])
def test_a_prefix_in_a_segment_of_over_5000_documents_is_scored(q: str) -> None:
    """Past 5,000 documents Whoosh ORs a prefix's terms as a tree of unions (BM25 sums)."""
    folder = Path(tempfile.mkdtemp(prefix="rank-"))
    try:
        docs = [([WORDS[(n * 7 + k) % len(WORDS)] for k in range(n % 9 + 1)], []) for n in range(5200)]
        build(folder, (docs, 1, [], []))
        reader = IndexReader(folder)
        try:
            with reader.searcher() as searcher:
                assert max(leaf.doc_count_all() for leaf, _ in searcher.reader().leaf_readers()) > 5000
                columns = reader.facet_columns(searcher)
                parsed = parse_query(q, searcher, columns)
                expected = whoosh_ranked(searcher, parsed)
                _, score = Matcher(searcher, columns).run(parsed)
                assert len({round(s, 6) for _, s in expected}) > 3  # not a constant
                for doc, whoosh_score in expected:
                    assert score[doc] == pytest.approx(whoosh_score, rel=1e-9, abs=1e-12)
        finally:
            reader.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

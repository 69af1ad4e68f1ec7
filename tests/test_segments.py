"""The segment writer (archive/segments.py) against Whoosh's own.

An index written by ``BulkWriter`` must be the index Whoosh's ``SegmentWriter``
writes from the same documents: the same terms, postings (ids, weights, positions),
term statistics, field lengths, stored fields and columns, so every reader, Whoosh's
and ours, reads it alike. Its merges must keep every live document and drop the
deleted ones, and Whoosh must be able to read and merge what it writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import QueryParser

from archive import segments
from archive.index import INDEX_NAME, IndexWriter, make_schema, to_fields
from archive.segments import BulkWriter, _FastText
from samplegen.letters import iter_letters
from tests.conftest import SMALL, make_doc

SCORED = ("title", "text", "reference")
HOSTILE = [
    "", " ", "the and of", "A", "İstanbul ΟΔΟΣ straße ﬁnance Ǆ", "x" * 5000,
    "a.b.c 1.2.3 e.g. i.e. s.40(2) reg.12(5)(b) £1,000.50 20/03/2024",
    "\ufffd\u200b\u00ad zero\u200dwidth", "word " * 3000, "Ünïcödé ünïcödé ÜNÏCÖDÉ",
    "the the the cat the", "tab\tnew\nline\r\nend", "日本語のテキスト と English",
]


def documents(n: int) -> list[dict[str, Any]]:
    """Index fields of realistic letters, the tests' hand-made documents and hostile texts."""
    docs = [make_doc(i, **spec) for i, spec in enumerate(SMALL)]
    docs += [make_doc(100 + i, title=text[:40] or "empty", text=text, reference=text[:30] or None)
             for i, text in enumerate(HOSTILE)]
    docs += [make_doc(1000 + i, title=letter.title, text=letter.text,
                      reference=letter.truth.get("reference"), date=letter.truth.get("date"),
                      outcome=letter.truth.get("outcome"))
             for i, letter in enumerate(iter_letters(n, 7))]
    return [to_fields(d) for d in docs]


def new_index(path: Path) -> Any:
    path.mkdir(parents=True)
    return FileStorage(str(path), supports_mmap=False).create_index(make_schema(), indexname=INDEX_NAME)


def write(ix: Any, writer_class: Any, batches: list[list[dict[str, Any]]], **commit: Any) -> None:
    for batch in batches:
        writer = writer_class(ix)
        for values in batch:
            writer.add_document(**values)
        writer.commit(**commit)


def whoosh_writer(ix: Any) -> Any:
    return ix.writer()


def contents(ix: Any) -> dict[str, Any]:
    """Everything a reader can see, by document id (not number) where numbers may differ."""
    out: dict[str, Any] = {"terms": {}, "spelling": set()}
    with ix.reader() as r:
        ids = {n: r.stored_fields(n)["id"] for n in r.all_doc_ids()}
        for fieldname, btext in r.all_terms():
            if fieldname == "spell_text":
                out["spelling"].add(btext)  # only the words are ever read (spelling.py)
                continue
            m = r.postings(fieldname, btext)
            postings = []
            while m.is_active():
                postings.append((ids[m.id()], m.weight(), m.value() or None))
                m.next()
            info = r.term_info(fieldname, btext)
            out["terms"][(fieldname, btext)] = (
                sorted(postings), info.weight(), info.doc_frequency(), info.min_length(),
                info.max_length(), info.max_weight())
        out["docs"] = {ids[n]: (r.stored_fields(n), {f: r.doc_field_length(n, f) for f in SCORED})
                       for n in r.all_doc_ids()}
        out["field_lengths"] = {f: r.field_length(f) for f in SCORED}
        column = r.column_reader("date", translate=False)
        out["dates"] = {ids[n]: column[n] for n in r.all_doc_ids()}
    return out


def assert_same(a: dict[str, Any], b: dict[str, Any], merged: bool = False) -> None:
    """``merged``: a merge sums lengths as stored, one byte a document (Whoosh's merge
    too), so a merged index's field totals are close to, not equal to, the exact sums."""
    assert a["terms"].keys() == b["terms"].keys()
    for key in a["terms"]:
        assert a["terms"][key] == b["terms"][key], key
    assert a["spelling"] == b["spelling"]
    assert a["docs"] == b["docs"]
    if merged:
        for name, total in a["field_lengths"].items():
            assert total == pytest.approx(b["field_lengths"][name], rel=0.03), name
    else:
        assert a["field_lengths"] == b["field_lengths"]
    assert a["dates"] == b["dates"]


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return documents(120)


def test_a_segment_is_the_segment_whoosh_writes(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    ours, theirs = new_index(tmp_path / "ours"), new_index(tmp_path / "theirs")
    write(ours, BulkWriter, [docs])
    write(theirs, whoosh_writer, [docs])
    assert_same(contents(ours), contents(theirs))
    # and document numbers too: one segment, in the order added
    with ours.reader() as a, theirs.reader() as b:
        assert [a.stored_fields(n)["id"] for n in range(a.doc_count_all())] == \
            [b.stored_fields(n)["id"] for n in range(b.doc_count_all())]


@pytest.mark.parametrize("text", HOSTILE + [s["text"] for s in SMALL])
def test_fast_analysis_gives_whoosh_s_terms_positions_and_spelling_words(text: str) -> None:
    schema = make_schema()
    for name in ("title", "text", "reference"):
        field = schema[name]
        fast = _FastText.make(field)
        assert fast is not None, name
        items, words = fast.index(text, 1.0)
        assert sorted(items) == sorted(field.index(text)), name
        if field.separate_spelling():
            assert sorted(set(words)) == list(field.spellable_words(text))


def test_an_analyzer_it_does_not_know_goes_through_whoosh() -> None:
    from whoosh import fields
    from whoosh.analysis import NgramAnalyzer, RegexTokenizer, StopFilter

    assert _FastText.make(fields.TEXT(analyzer=NgramAnalyzer(3))) is None
    gaps = fields.TEXT(analyzer=RegexTokenizer(r"\s+", gaps=True))
    assert _FastText.make(gaps) is None
    # stop words that leave gaps in the positions, and no lower-casing: still Whoosh's terms
    holes = fields.TEXT(analyzer=RegexTokenizer() | StopFilter(renumber=False))
    fast = _FastText.make(holes)
    for text in ("the cat and the hat", "The Cat and THE hat the", *HOSTILE):
        assert sorted(fast.index(text, 1.0)[0]) == sorted(holes.index(text)), text


def test_merges_keep_live_documents_and_match_whoosh_s_merge(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    ix = new_index(tmp_path / "a")
    write(ix, BulkWriter, [docs[:50], docs[50:90], docs[90:]], merge=False)
    assert len(ix._segments()) == 3
    writer = BulkWriter(ix)
    deleted = []
    for docnum in (0, 3, 49, 50, 51, 89, 90, len(docs) - 1):
        deleted.append(writer.reader().stored_fields(docnum)["id"])
        writer.delete_document(docnum)
    writer.commit(merge=False)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    theirs = whoosh_index.open_dir(str(tmp_path / "b"), indexname=INDEX_NAME)

    BulkWriter(ix).commit(optimize=True)  # ours
    theirs.writer().commit(optimize=True)  # Whoosh's merge, reading what we wrote
    assert len(ix._segments()) == len(theirs._segments()) == 1
    ours_c, theirs_c = contents(ix), contents(theirs)
    assert set(ours_c["docs"]) == {d["id"] for d in docs} - set(deleted)
    # Whoosh drops the spelling words of a segment whose document 0 was deleted (its
    # spelling postings all point at document 0); ours keeps every segment's words.
    assert theirs_c["spelling"] <= ours_c["spelling"]
    theirs_c["spelling"] = ours_c["spelling"]
    assert_same(ours_c, theirs_c)


def test_the_tiered_policy_bounds_segments_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             docs: list[dict[str, Any]]) -> None:
    monkeypatch.setattr(segments, "TIER_BASE", 4)
    monkeypatch.setattr(segments, "MERGE_FACTOR", 3)
    ours, one = new_index(tmp_path / "tiered"), new_index(tmp_path / "one")
    batches = [docs[i:i + 4] for i in range(0, len(docs), 4)]
    counts = []
    for batch in batches:
        write(ours, BulkWriter, [batch])
        counts.append(len(ours._segments()))
    write(one, whoosh_writer, [docs])
    # 4-document commits, three of a tier merged: never more than 2 a tier
    tiers = len(str(len(docs)))  # a generous bound on tiers at this size
    assert max(counts) <= 2 * (tiers + 2) and counts[-1] < len(batches)
    assert_same(contents(ours), contents(one), merged=True)
    parser = QueryParser("text", ours.schema)
    with ours.searcher() as a, one.searcher() as b:
        for q in ("information", '"public interest"', "police AND disclosure", "disclos*", "force:Kent*"):
            query = parser.parse(q)
            assert sorted(h["id"] for h in a.search(query, limit=None)) == \
                sorted(h["id"] for h in b.search(query, limit=None)), q


def test_the_index_writer_replaces_documents_and_optimizes(tmp_path: Path) -> None:
    writer = IndexWriter(tmp_path / "index")
    for n in range(30):
        writer.update(make_doc(n, title=f"letter {n}", text=f"version one of letter {n}"))
        if n % 10 == 9:
            writer.commit()
    for n in range(0, 30, 3):
        writer.update(make_doc(n, title=f"letter {n}", text=f"version two of letter {n}"))
    writer.commit()
    writer.optimize()
    ix = writer.ix
    assert len(ix._segments()) == 1
    with ix.searcher() as s:
        assert s.doc_count() == 30
        two = QueryParser("text", ix.schema).parse('"version two"')
        assert sorted(h["id"] for h in s.search(two, limit=None)) == \
            sorted(f"{n:016x}" for n in range(0, 30, 3))


def test_tidy_merges_the_small_segments_a_run_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End of an ingest run: the smallest tier merged from TIDY_MIN segments, nothing lost;
    with fewer, no new generation at all."""
    monkeypatch.setattr(segments, "TIER_BASE", 10)
    writer = IndexWriter(tmp_path / "index")
    for n in range(2):
        writer.update(make_doc(n, title=f"letter {n}", text=f"letter number {n}"))
        writer.commit()
    generation = writer.ix.latest_generation()
    assert writer.tidy() is False and writer.ix.latest_generation() == generation
    writer.update(make_doc(2, title="letter 2", text="letter number 2"))
    writer.commit()
    assert len(writer.ix._segments()) == 3
    assert writer.tidy() is True
    assert len(writer.ix._segments()) == 1
    with writer.ix.searcher() as s:
        assert sorted(s.stored_fields(n)["id"] for n in range(s.doc_count_all())) == \
            [f"{n:016x}" for n in range(3)]


def test_a_merge_of_segments_whose_documents_are_all_deleted_leaves_none(tmp_path: Path) -> None:
    writer = IndexWriter(tmp_path / "index")
    for n in range(6):
        writer.update(make_doc(n, title=f"letter {n}", text=f"letter number {n}"))
        if n % 2:
            writer.commit()  # three segments of two
    for n in range(4):
        writer.delete(f"{n:016x}")
    writer.commit()
    writer.optimize()
    ix = writer.ix
    assert [s.doc_count_all() for s in ix._segments()] == [2]
    with ix.searcher() as s:
        assert sorted(s.stored_fields(n)["id"] for n in s.reader().all_doc_ids()) == \
            [f"{4:016x}", f"{5:016x}"]
    for n in (4, 5):
        writer.delete(f"{n:016x}")
    writer.commit()
    writer.optimize()  # nothing live: no segment at all, and the index still opens
    assert ix._segments() == [] or all(s.doc_count() == 0 for s in ix._segments())
    with ix.searcher() as s:
        assert s.doc_count() == 0


@pytest.mark.parametrize("merged", [False, True])
def test_a_side_file_holds_each_term_s_postings_as_whoosh_reads_them(
        tmp_path: Path, docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, merged: bool) -> None:
    monkeypatch.setattr(segments, "SIDE_MIN", 3)
    ix = new_index(tmp_path / "a")
    write(ix, BulkWriter, [docs[:50], docs[50:90], docs[90:]], merge=False)
    if merged:  # a merge writes its side file from the merged postings, deletions left out
        writer = BulkWriter(ix)
        for docnum in (0, 3, 49, 50, 89, 90):
            writer.delete_document(docnum)
        writer.commit(optimize=True)
    checked = absent = 0
    with ix.reader() as r:
        leaves = [leaf for leaf, _ in r.leaf_readers()]
        assert len(leaves) == (1 if merged else 3)
        for leaf in leaves:
            for fieldname, btext in leaf.all_terms():
                if type(leaf.schema[fieldname].format) is not formats.Positions:
                    continue
                side = segments.leaf_side_postings(leaf, fieldname, btext)
                matcher = leaf.postings(fieldname, btext)
                ids, weights, positions = [], [], []
                while matcher.is_active():
                    ids.append(matcher.id())
                    weights.append(matcher.weight())
                    positions.append(matcher.value_as("positions"))
                    matcher.next()
                if len(ids) < 3:
                    assert side is None, (fieldname, btext)
                    absent += 1
                    continue
                side_ids, side_weights, counts, flat = side
                assert side_ids.tolist() == ids, (fieldname, btext)
                assert side_weights.tolist() == weights, (fieldname, btext)
                assert counts.tolist() == [len(p) for p in positions], (fieldname, btext)
                assert flat.tolist() == [p for ps in positions for p in ps], (fieldname, btext)
                checked += 1
    assert checked > 300 and absent > 300


def test_a_segment_without_a_side_file_is_read_from_its_blocks(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    # Whoosh's own writer (or a release before side files) writes none: nothing changes.
    ix = new_index(tmp_path / "a")
    write(ix, whoosh_writer, [docs[:60]])
    with ix.reader() as r:
        leaf = r.leaf_readers()[0][0]
        assert segments.leaf_side_postings(leaf, "text", b"request") is None

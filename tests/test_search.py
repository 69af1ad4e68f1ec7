"""archive/search.py without HTTP: parsing, filters, facets, snippets, guards."""

import pytest

from archive.reader import IndexReader
from archive.search import QueryError, SearchParams, parse_params, search


@pytest.fixture
def reader(small_archive):
    r = IndexReader(small_archive.index_path)
    yield r
    r.close()


def titles(result):
    return sorted(h.title for h in result.hits)


def facet(result, name):
    return {v.value: (v.count, v.selected) for f in result.facets if f.name == name for v in f.values}


def test_free_text_is_stemmed_and_ands_terms(reader) -> None:
    assert titles(search(reader, SearchParams(q="cameras recognition"))) == ["Facial recognition spending"]
    assert search(reader, SearchParams(q="taser")).total == 2


@pytest.mark.parametrize("q, expected", [
    ('"body worn video"', 1),
    ("taser OR drone", 3),
    ("taser NOT markup", 1),
    ('force:"Kent Police"', 2),
    ('force:"kent police"', 2),  # exact-value fields ignore case
    ("exemption:s40", 2),  # loose exemption names are understood
    ('exemption:"FOIA s.24"', 2),
    ("outcome:not_held", 1),
    ("reference:2018080000612", 1),
    ("year:2023", 2),
    ("tas*", 2),
])
def test_query_syntax(reader, q: str, expected: int) -> None:
    assert search(reader, SearchParams(q=q)).total == expected


def test_empty_query_lists_everything_newest_first(reader) -> None:
    result = search(reader, SearchParams())
    assert result.total == 6
    dates = [h.date for h in result.hits]
    assert dates == sorted(dates, reverse=True)


def test_facets_count_the_whole_result_set_not_the_page(reader) -> None:
    result = search(reader, SearchParams(per_page=1))
    assert len(result.hits) == 1
    assert facet(result, "force")["Kent Police"] == (2, False)
    assert facet(result, "exemption")["FOIA s.40"] == (2, False)
    assert facet(result, "exemption")["FOIA s.24"] == (2, False)
    assert facet(result, "year")["2023"] == (2, False)
    labels = {v.value: v.label for f in result.facets if f.name == "exemption" for v in f.values}
    assert labels["FOIA s.40"] == "s.40 Personal information"


def test_filters_or_within_a_facet_and_across_facets(reader) -> None:
    kent = search(reader, SearchParams(filters={"force": ["Kent Police"]}))
    assert kent.total == 2
    # The force facet still offers the other forces (multi-select), with their own counts.
    assert facet(kent, "force")["Greater Manchester Police"] == (1, False)
    assert facet(kent, "force")["Kent Police"] == (2, True)
    both = search(reader, SearchParams(filters={"force": ["Kent Police", "Greater Manchester Police"]}))
    assert both.total == 3
    narrowed = search(reader, SearchParams(filters={"force": ["Kent Police"], "exemption": ["FOIA s.40"]}))
    assert titles(narrowed) == ["Taser use 2023"]
    # Counts of exemption honour the force filter only.
    assert facet(narrowed, "exemption") == {"FOIA s.40": (1, True)}


def test_selected_value_with_no_matches_still_shows(reader) -> None:
    result = search(reader, SearchParams(q="pothole", filters={"force": ["Kent Police"]}))
    assert result.total == 0
    assert facet(result, "force")["Kent Police"] == (0, True)


def test_snippets_escape_document_text(reader) -> None:
    result = search(reader, SearchParams(q="markup"))
    snippet = str(result.hits[0].snippet)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>markup</mark>" in snippet


def test_pagination(reader) -> None:
    pages = [search(reader, SearchParams(page=p, per_page=4)) for p in (1, 2)]
    assert [len(r.hits) for r in pages] == [4, 2]
    assert pages[0].pages == 2
    assert not {h.id for h in pages[0].hits} & {h.id for h in pages[1].hits}


@pytest.mark.parametrize("q, refused", [
    ("*", "only wildcards"), ("a*", "at least 3 letters"), ("*tion", "at least 3 letters"),
    ("(" * 20 + "x" + ")" * 20, "nests brackets too deeply"), ("x" * 600, "too long"),
    ("date:[yesterday", "Could not read part of the query"),
])
def test_bad_queries_are_query_errors_that_say_why(reader, q: str, refused: str) -> None:
    with pytest.raises(QueryError, match=refused):
        search(reader, SearchParams(q=q))


@pytest.mark.parametrize("q, total", [
    ("taser~2", 2),  # no fuzzy search: the ~2 is dropped, "taser" is searched
    ("/regex/", 0), ("year:[2020 TO", 0), ("force:", 0),
    (")))(((", 6),  # only brackets: nothing to search for, so everything
])
def test_odd_queries_are_read_leniently(reader, q: str, total: int) -> None:
    assert search(reader, SearchParams(q=q)).total == total


@pytest.mark.parametrize("q", ["*", "a*", "*tion", "(" * 20 + "x" + ")" * 20, "x" * 600])
def test_expensive_queries_are_refused(reader, q: str) -> None:
    with pytest.raises(QueryError):
        search(reader, SearchParams(q=q))


@pytest.mark.parametrize("args, message", [
    ({"page": ["0"]}, "page"),
    ({"page": ["x"]}, "whole number"),
    ({"per_page": ["1000"]}, "per_page"),
    ({"sort": ["random"]}, "sort"),
])
def test_bad_parameters(args, message) -> None:
    with pytest.raises(QueryError, match=message):
        parse_params(args)


def test_a_new_generation_is_picked_up_without_refresh(small_archive, reader) -> None:
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    assert search(reader, SearchParams(q="ANPR")).total == 0
    writer = IndexWriter(small_archive.index_path)
    writer.update(make_doc(99, title="ANPR cameras", text="ANPR camera locations", force="Kent Police"))
    writer.commit()
    assert search(reader, SearchParams(q="ANPR")).total == 1
    assert search(reader, SearchParams()).total == 7


def test_a_swapped_index_directory_is_noticed(tmp_path) -> None:
    """A rebuild swapped in by renaming a symlink is reopened, even at the same generation."""
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    for name, title in (("a", "Taser use"), ("b", "Drone flights")):
        writer = IndexWriter(tmp_path / name)
        writer.update(make_doc(1, title=title, text=title, force="Kent Police"))
        writer.commit()
    link = tmp_path / "index"
    link.symlink_to(tmp_path / "a")
    reader = IndexReader(link)
    try:
        assert search(reader, SearchParams(q="taser")).total == 1
        assert IndexReader(tmp_path / "a").generation() == IndexReader(tmp_path / "b").generation()
        swap = tmp_path / "index.new"
        swap.symlink_to(tmp_path / "b")
        swap.replace(link)  # the atomic rename `foi-archive rebuild` does
        assert search(reader, SearchParams(q="taser")).total == 0
        assert search(reader, SearchParams(q="drone")).total == 1
    finally:
        reader.close()


def _whoosh_order(reader, q):
    """What Whoosh's own searcher.search() ranks first, as document ids."""
    from archive.search import parse_query

    with reader.searcher() as s:
        parsed = parse_query(q, s, reader.facet_columns(s))
        return [hit["id"] for hit in s.search(parsed, limit=None)]


@pytest.fixture
def ranked_reader(tmp_path):
    """Forty documents with varied term frequencies and lengths, so ranks differ."""
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    writer = IndexWriter(tmp_path / "index")
    words = ["taser", "drone", "custody", "camera", "budget"]
    for n in range(40):
        text = " ".join(words[(n + k) % 5] for k in range(n % 7 + 1)) + " filler" * (n % 11)
        writer.update(make_doc(n, title=f"Response {n} {words[n % 5]}", text=text,
                               force=["Kent Police", "Avon Police"][n % 2],
                               exemptions=("FOIA s.40(2)",) if n % 3 else (),
                               date=f"20{10 + n % 12}-01-0{1 + n % 9}"))
    writer.commit()
    r = IndexReader(tmp_path / "index")
    yield r
    r.close()


@pytest.mark.parametrize("q", ["taser", "taser drone", "taser OR custody", "drone NOT budget"])
def test_ranking_is_whooshs(ranked_reader, q: str) -> None:
    """As Whoosh ranks with the live documents' statistics (tests/test_ranking.py), equal
    scores in the order of the tiebreak column."""
    from archive.search import parse_query
    from tests.test_ranking import tie_groups, whoosh_ranked

    result = search(ranked_reader, SearchParams(q=q, per_page=100))
    with ranked_reader.searcher() as s:
        columns = ranked_reader.facet_columns(s)
        ranked = whoosh_ranked(s, parse_query(q, s, columns))
        ids = {d: s.stored_fields(d)["id"] for d, _ in ranked}
        expected = [ids[d] for group in tie_groups(ranked)
                    for d in sorted(group, key=lambda d: (int(columns.tiebreak[d]), d))]
    assert [h.id for h in result.hits] == expected


@pytest.mark.parametrize("sort", ["relevance", "date", "date_asc", "ingested"])
def test_equals_come_in_one_order_however_the_index_was_written(tmp_path, sort: str) -> None:
    """A rebuilt index writes documents in another order and merges otherwise; ties (the
    same score, the same date) and deleted copies must not change a page."""
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    def docs():
        # Ten of each: the same text and date, so equal in every sort.
        return [make_doc(n, title="Response", text="taser drone" if n % 2 else "taser camera",
                         date=f"2020-01-0{1 + n % 2}") for n in range(20)]

    forward, backward = tmp_path / "forward", tmp_path / "backward"
    writer = IndexWriter(forward)
    for doc in docs():
        writer.update(doc)
    writer.commit()
    writer = IndexWriter(backward)
    for n, doc in enumerate(reversed(docs())):
        writer.update(doc)
        if n % 3 == 2:
            writer.commit()  # many segments
    writer.commit()
    for doc in docs()[:5]:  # written again: the first copies are deleted, not merged away
        writer.update(doc)
    writer.commit()
    pages = []
    for folder in (forward, backward):
        reader = IndexReader(folder)
        try:
            with reader.searcher() as s:
                assert (folder == backward) == s.reader().has_deletions()
            result = search(reader, SearchParams(q="taser", sort=sort, per_page=7))
            pages.append([h.id for h in result.hits])
        finally:
            reader.close()
    assert pages[0] == pages[1]
    assert len(pages[0]) == 7


@pytest.mark.parametrize("q", ['"taser drone"', '"drone custody camera"', "tas*", "cust* OR budget"])
def test_matches_are_whooshs(ranked_reader, q: str) -> None:
    result = search(ranked_reader, SearchParams(q=q, per_page=100))
    assert sorted(h.id for h in result.hits) == sorted(_whoosh_order(ranked_reader, q))
    assert result.total == len(_whoosh_order(ranked_reader, q)) > 0


def test_facet_counts_by_bincount_equal_counting_by_hand(ranked_reader) -> None:
    from collections import Counter

    params = SearchParams(q="taser OR drone", filters={"force": ["Kent Police"]}, per_page=100)
    result = search(ranked_reader, params)
    everything = search(ranked_reader, SearchParams(q="taser OR drone", per_page=100))
    by_hand = Counter(e.section for h in result.hits for e in h.exemptions)
    assert facet(result, "exemption")["FOIA s.40"][0] == by_hand["FOIA s.40"]
    # The force facet ignores its own selection, so every force is counted.
    assert {v: c for v, (c, _) in facet(result, "force").items()} == dict(
        Counter(h.force for h in everything.hits))


@pytest.mark.parametrize("q", ['"taser drone"', "taser OR custody", '"drone custody" budget'])
def test_two_selections_narrow_the_match_but_not_the_counts(ranked_reader, monkeypatch, q) -> None:
    """With two facets selected a phrase reads positions only where at most one selection
    fails; every count and hit is what matching everything gives."""
    import archive.search as search_module

    params = SearchParams(q=q, filters={"force": ["Kent Police"], "exemption": ["FOIA s.40"]},
                          per_page=100)
    narrowed = search(ranked_reader, params)
    monkeypatch.setattr(search_module, "_counted", lambda selected, columns: None)
    everything = search(ranked_reader, params)
    assert narrowed.total == everything.total
    assert [h.id for h in narrowed.hits] == [h.id for h in everything.hits]
    assert [(f.name, [(v.value, v.count) for v in f.values]) for f in narrowed.facets] == \
        [(f.name, [(v.value, v.count) for v in f.values]) for f in everything.facets]
    assert sum(v.count for f in narrowed.facets for v in f.values) > 0

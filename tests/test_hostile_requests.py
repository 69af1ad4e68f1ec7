"""Requests an attacker would send, each answered without a 500 or a hang
(docs/reliability.md, "Query budgets"). test_web_hostile.py holds the older rows (Q1-Q16)."""

from __future__ import annotations

import re

import pytest

from archive.config import Config
from archive.query import MAX_TERMS
from archive.web import create_app
from tests.conftest import make_doc

WORDS_PER_DOC = 120
DOCS = 40  # 4,800 distinct made-up words: more than one query may stand for


def _word(n: int) -> str:
    """Five letters, from "baaaa" on: each three-letter prefix stands for 676 words."""
    out = ""
    n += 26 ** 4
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out


@pytest.fixture
def wide(config: Config) -> Config:
    """An archive whose vocabulary is larger than the expansion budget."""
    from archive.index import IndexWriter

    writer = IndexWriter(config.index_path)
    for n in range(DOCS):
        words = " ".join(_word(n * WORDS_PER_DOC + i) for i in range(WORDS_PER_DOC))
        writer.update(make_doc(n, title=f"response {n}", text=f"police {words}",
                               force="Kent Police", date=f"20{10 + n % 12}-01-02"))
    writer.commit()
    return config


@pytest.fixture
def client(wide: Config):  # type: ignore[no-untyped-def]
    return create_app(wide).test_client()


@pytest.mark.parametrize("q", [
    "text:[a TO z]",                       # every word of the index
    "[a TO z]",                            # the same, over every scored field
    "title:[a TO z] OR text:[a TO z]",
    "text:[a TO z] AND police",
    "(text:[a TO m] OR text:[n TO z]) AND NOT police",
    # Each wildcard (about 630 stems) and range alone within the budget, together beyond it.
    "baa* OR bab* OR bac* OR bad*",
    "text:baa* text:bab* text:bac* text:bad*",
    "text:[baa TO bac] OR text:[bad TO bag]",
    "baa* OR text:[bab TO bae]",
])
def test_expansions_share_one_budget(client, q: str) -> None:
    response = client.get("/search.json", query_string={"q": q})
    assert response.status_code == 400, (q, response.status_code)
    message = response.get_json()["error"]["message"]
    assert re.search(r"range|wildcard", message) and "narrow" in message.lower() or "letters" in message


@pytest.mark.parametrize("q,total", [
    ("text:[baa TO bab]", None),           # a range within the budget is answered
    ("year:[2010 TO 2015]", 22),           # numeric ranges compile to few terms
    ("date:[2010 TO 2015]", 22),
    ("date:[1900 TO 2100]", DOCS),
    ("baa* OR bab*", None),
])
def test_narrow_expansions_are_answered(client, q: str, total: int | None) -> None:
    response = client.get("/search.json", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    if total is not None:
        assert response.get_json()["total"] == total


def test_a_wide_wildcard_snippet_looks_for_a_plain_query_s_words(wide: Config) -> None:
    """However many words a query stands for, a snippet looks for at most MAX_TERMS."""
    from archive.reader import IndexReader
    from archive.search import SearchParams, search
    from archive import snippets

    seen: list[int] = []
    real = snippets.highlight_text

    def counting(words, text, cost=None):  # type: ignore[no-untyped-def]
        seen.append(len(words))
        return real(words, text, cost)

    reader = IndexReader(wide.index_path)
    try:
        import archive.search as search_module
        search_module.highlight_text = counting
        result = search(reader, SearchParams(q="baa* OR text:[bab TO bac]"))
    finally:
        search_module.highlight_text = real
        reader.close()
    assert result.total > 0 and seen and max(seen) <= MAX_TERMS


def test_a_search_past_its_time_budget_is_a_400_that_says_how_to_narrow(client, monkeypatch) -> None:
    import archive.search as search_module

    monkeypatch.setattr(search_module, "TIME_BUDGET", -1.0)  # spent before it starts
    response = client.get("/search.json", query_string={"q": "police"})
    assert response.status_code == 400
    assert "Narrow it" in response.get_json()["error"]["message"]


def test_the_spelling_lists_are_not_a_field_to_search(small_archive: Config) -> None:
    client = create_app(small_archive).test_client()
    for q in ("spell_text:taser", "spell_text:[a TO z]", "spell_text:tas*"):
        response = client.get("/search.json", query_string={"q": q})
        assert response.status_code == 400, q
        assert "no field" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("q", ["text:[baa TO bab]", "text:[baab TO baac]", "text:{baa TO bab}",
                               "year:[2012 TO 2016]", "date:[2012 TO 2016]", "date:[2015 TO]",
                               "date:[TO 2013-06-30]", "force:[Kent TO Surrey]",
                               "police AND text:[bac TO bad]", "NOT date:[2011 TO 2019]"])
def test_ranges_match_the_documents_whoosh_matches(wide: Config, q: str) -> None:
    """The matcher reads a range's terms as arrays; the documents are Whoosh's."""
    import numpy as np

    from archive.matcher import Matcher
    from archive.query import parse_query
    from archive.reader import IndexReader

    reader = IndexReader(wide.index_path)
    view = reader.open_view()
    try:
        parsed = parse_query(q, view.searcher, view.columns)
        mask, _ = Matcher(view.searcher, view.columns).run(parsed)
        whoosh = np.zeros(view.columns.size, dtype=bool)
        whoosh[list(view.searcher.docs_for_query(parsed))] = True
        assert 0 < mask.sum() < DOCS * 2 and (mask == whoosh).all(), (int(mask.sum()), int(whoosh.sum()))
    finally:
        view.close()
        reader.close()

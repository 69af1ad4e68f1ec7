"""Requests an attacker would send, each answered without a 500, a hang, a server path or a
link made from the attacker's Host (docs/reliability.md, "Query budgets" and "Nothing of
the server in public"). test_web_hostile.py holds the older rows (Q1-Q16)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

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


@pytest.mark.parametrize("path", [
    "/sitemaps/184467440737096.xml", "/sitemaps/" + "9" * 40 + ".xml", "/sitemaps/0.xml",
    "/sitemaps/-1.xml", "/sitemaps/1.xml", "/documents/" + "9" * 4000, "/documents/" + "f" * 65,
    "/groups/" + "9" * 4000, "/groups/" + "9" * 40 + ".json", "/authorities/" + "a" * 3000,
    "/forces/" + "9" * 40 + ".json", "/exemptions/foia-s" + "9" * 40, "/originals/" + "9" * 64,
    "/search?page=" + "9" * 40, "/search.json?per_page=" + "9" * 40, "/search.json?page=-1",
    "/statistics?minimum=" + "9" * 40, "/statistics.json?minimum=0", "/search.atom?page=1e9",
])
def test_numbers_of_any_size_are_400_or_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)


def _no_index(tmp_path: Path) -> Config:
    return Config.for_directory(tmp_path / "nothing-here")


PUBLIC = ["/", "/search", "/search.json", "/search.atom", "/search.csv", "/search.jsonl",
          "/documents/0000000000000001", "/documents/0000000000000001.json", "/prior?text=taser",
          "/prior.json?text=taser", "/forces/kent-police", "/forces/kent-police.json",
          "/exemptions", "/exemptions.json", "/exemptions/foia-s40", "/statistics",
          "/statistics.json", "/groups", "/groups.json", "/sitemap.xml", "/robots.txt",
          "/opensearch.xml", "/health", "/originals/" + "0" * 64]


def test_no_answer_names_a_server_path_without_an_index(tmp_path: Path) -> None:
    config = _no_index(tmp_path)
    client = create_app(config).test_client()
    for path in PUBLIC:
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code < 500 or response.status_code == 503, path
        assert str(tmp_path) not in body and "nothing-here" not in body, (path, body[:300])
    health = client.get("/health").get_json()
    assert health["failed"] == "index" and "foi-archive ingest" in health["reason"]


def test_no_answer_names_a_server_path_with_an_index(small_archive: Config) -> None:
    """A folder-ingested response's file:// locator is shown by its name only."""
    client = create_app(small_archive).test_client()
    doc = client.get("/documents/0000000000000001.json").get_json()
    assert doc["source_url"] is None
    page = client.get("/documents/0000000000000001").get_data(as_text=True)
    assert "file://" not in page and "doc1.txt" in page
    for path in PUBLIC:
        body = client.get(path).get_data(as_text=True)
        assert "file://" not in body and str(small_archive.store_path) not in body, path
        assert str(small_archive.index_path) not in body, path


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example",
                                  "localhost@evil.example"])
def test_an_unknown_host_is_refused_and_written_nowhere(small_archive: Config, host: str) -> None:
    client = create_app(small_archive).test_client()
    for path in ("/robots.txt", "/sitemap.xml", "/opensearch.xml", "/search.atom", "/search.json"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (path, host)
        assert "evil" not in response.get_data(as_text=True).split(":", 1)[-1] or \
            "does not answer" in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_base_url_makes_every_absolute_link(small_archive: Config) -> None:
    config = replace(small_archive, site=replace(small_archive.site,
                                                 base_url="https://foi.example.org/archive"))
    client = create_app(config).test_client()
    answers = {path: client.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
               for path in ("/robots.txt", "/sitemap.xml", "/opensearch.xml", "/search.atom",
                            "/search.json?q=taser", "/forces/kent-police.json")}
    for path, body in answers.items():
        links = re.findall(r"https?://[^\s\"'<>]+", body)
        ours = [u for u in links if "foi.example.org" in u]
        assert ours, path
        assert all(u.startswith("https://foi.example.org/archive/") for u in ours), (path, ours)
        assert "evil.example" not in body, path
    assert "Disallow: /archive/search" in answers["/robots.txt"]


def test_the_prefix_of_base_url_alone_is_the_home_page(small_archive: Config) -> None:
    config = replace(small_archive, site=replace(small_archive.site,
                                                 base_url="https://foi.example.org/archive"))
    client = create_app(config).test_client()
    assert client.get("/archive").status_code == 200
    assert client.get("/archive/search.json").get_json()["total"] == 6


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8000", "[::1]:5000",
                                  "LOCALHOST"])
def test_this_machine_s_names_are_answered(small_archive: Config, host: str) -> None:
    client = create_app(small_archive).test_client()
    assert client.get("/search.json", headers={"Host": host}).status_code == 200


def test_an_unknown_host_over_the_rate_limit_is_still_a_400(small_archive: Config) -> None:
    """The host is checked before anything that makes a page (the rate limit's 429 does)."""
    config = replace(small_archive, site=replace(small_archive.site, rate_limit="1/minute"))
    client = create_app(config).test_client()
    for _ in range(3):
        assert client.get("/search", headers={"Host": "evil.example"}).status_code == 400


def test_the_spelling_lists_are_not_a_field_to_search(small_archive: Config) -> None:
    client = create_app(small_archive).test_client()
    for q in ("spell_text:taser", "spell_text:[a TO z]", "spell_text:tas*"):
        response = client.get("/search.json", query_string={"q": q})
        assert response.status_code == 400, q
        assert "no field" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("bad", ["foi.example.org", "ftp://x.org", "https://x.org/?q=1", "https://",
                                 "https://x.org:99999", 'https://x.org/"><script>', "https://x.org/%2e"])
def test_a_bad_base_url_is_a_config_error(tmp_path: Path, bad: str) -> None:
    from archive.config import ConfigError, load as load_config

    conf = tmp_path / "config.toml"
    conf.write_text(f'[site]\nbase_url = "{bad}"\n')
    with pytest.raises(ConfigError, match="base_url"):
        load_config(conf)


def test_originals_and_pages_may_be_cached_only_to_revalidate(small_archive: Config) -> None:
    client = create_app(small_archive).test_client()
    from archive.store import Store

    with Store(small_archive.store_path) as store:
        sha = store.document("0000000000000001").sha256
    original = client.get(f"/originals/{sha}")
    assert original.status_code == 200
    assert original.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/originals/{sha}", headers={"If-None-Match": original.headers["ETag"]})
    assert again.status_code == 304  # revalidating is cheap
    for path in ("/documents/0000000000000001", "/documents/0000000000000001.json", "/search.json",
                 "/forces/kent-police", "/sitemap.xml"):
        assert client.get(path).headers["Cache-Control"] == "no-cache", path


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

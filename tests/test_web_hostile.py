"""Rows Q1-Q16 of docs/reliability.md not covered by test_web.py and test_search.py."""

from __future__ import annotations

import pytest

from archive.web import create_app
from tests.archives import damage_index

ALLOWED_ENDPOINTS = {
    "static", "site.home", "site.search_page", "site.search_json", "site.search_atom",
    "site.search_csv", "site.search_jsonl", "site.document_page", "site.original",
    "site.health", "site.prior_page", "site.prior_json", "site.force_page",
    "site.authority_page", "site.exemption_page", "site.exemptions_index", "site.search_help",
    "site.opensearch", "site.sitemap", "site.sitemap_part", "site.robots_txt", "site.group_page",
    "site.groups_index", "site.groups_json", "site.exemptions_json", "site.statistics_page",
    "site.statistics_json",
}


@pytest.fixture
def app(small_archive):  # type: ignore[no-untyped-def]
    return create_app(small_archive)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.mark.parametrize("q", ["*a*", "title:*", "text:*", "?a*", "ta*", "*ser", "a* OR b*",
                               " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz")])
def test_broad_wildcards_are_refused(client, q: str) -> None:
    """Q1: leading wildcards, whole-field wildcards and short prefixes get a 400."""
    response = client.get("/search.json", query_string={"q": q})
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.mark.parametrize("q", ["taser~2", "abc~4/0", "aaa~3", "/tas.*/", "[a TO z]",
                               "date:[ TO ]", "date:[notadate TO 2020]", "pages:[abc TO zzz]",
                               "year:[2018 TO", "taser\x00", "\u202etaser", "taser 😀",
                               "force:" + "K" * 5000, '"' * 101, "NOT", "AND OR NOT", "^2"])
def test_odd_queries_are_answered_or_refused_never_a_500(client, q: str) -> None:
    """Q2, Q5: fuzzy and regex syntax, bad ranges, NUL, RTL override, emoji."""
    for url in ("/search", "/search.json", "/search.atom", "/search.csv", "/prior.json"):
        key = "text" if url.startswith("/prior") else "q"
        response = client.get(url, query_string={key: q})
        assert response.status_code in (200, 400), (url, q, response.status_code)
        if response.status_code == 400 and url.endswith(".json"):
            assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/originals/../secret", "/originals/..%2fsecret",
                                  "/originals/%2e%2e/secret", "/originals/..\\secret",
                                  "//etc/passwd", "/originals/%00", "/originals/" + "A" * 64,
                                  "/originals/" + "0" * 63 + "g", "/documents/..%2f..%2fx",
                                  "/static/../config.toml", "/static/%2e%2e/config.toml"])
def test_path_traversal_is_404(client, path: str) -> None:
    """Q9: only a 64-hex id reaches the store."""
    response = client.get(path)
    assert response.status_code in (400, 404), path
    assert b"[store]" not in response.data


def test_originals_are_attachments_never_inline(client, small_archive) -> None:
    """Q10: downloads only, sandboxed, never sniffed."""
    from archive.store import Store

    with Store(small_archive.store_path) as store:
        sha = next(store.documents()).sha256
    response = client.get(f"/originals/{sha}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("value", ["//evil.example", "/\\evil.example", "https:evil.example",
                                   "javascript:alert(1)", "http://evil.example/"])
def test_nothing_redirects_off_the_site(client, value: str) -> None:
    """Q11: no parameter of any page is followed as a redirect target."""
    for url in ("/", "/search", "/documents/0000000000000001", "/prior", "/help/search"):
        for name in ("next", "url", "return", "redirect", "to"):
            response = client.get(url, query_string={name: value})
            assert response.status_code < 300 or response.status_code >= 400, (url, name)
            assert "Location" not in response.headers


def _assert_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp or "sandbox" in csp
    assert "default-src 'none'" in csp or "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_security_headers_on_errors_too(app, client, monkeypatch) -> None:
    """Q12: 400, 404, 405, 413, 500 and the JSON API all carry the headers."""
    import archive.web.views as views

    for method, url, status in (("GET", "/search.json?q=*", 400), ("GET", "/nope", 404),
                                ("POST", "/search", 405), ("GET", "/search.json", 200),
                                ("GET", "/health", 200), ("GET", "/sitemap.xml", 200)):
        response = client.open(url, method=method)
        assert response.status_code == status, url
        _assert_headers(response)
    big = client.post("/search.json", data=b"x" * (128 * 1024),
                      headers={"Content-Type": "application/octet-stream"})
    assert big.status_code in (405, 413)
    _assert_headers(big)
    assert client.get("/search.json").headers["Content-Type"].startswith("application/json")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(views, "search", boom)
    for url in ("/search", "/search.json"):
        response = client.get(url)
        assert response.status_code == 500
        _assert_headers(response)
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "secret detail" not in body  # Q13


def test_debug_is_off_and_there_is_no_console(app, client) -> None:
    """Q13."""
    assert app.debug is False and not app.config.get("DEBUG")
    assert client.get("/console").status_code == 404
    assert client.get("/?__debugger__=yes&cmd=resource&f=style.css").status_code == 200
    assert b"__debugger__" not in client.get("/?__debugger__=yes").data


def test_only_allowlisted_read_only_endpoints(app) -> None:
    """Q14: no admin or ingest routes; nothing but GET (and HEAD/OPTIONS), but the draft
    check, which takes its draft by POST so that it stays out of URLs and logs and writes
    nothing."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints <= ALLOWED_ENDPOINTS, endpoints - ALLOWED_ENDPOINTS
    posting = set()
    for rule in app.url_map.iter_rules():
        assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS", "POST"}, rule
        if "POST" in (rule.methods or ()):
            posting.add(rule.endpoint)
    assert posting == {"site.prior_page", "site.prior_json"}


@pytest.mark.parametrize("args", [{"page": str(10**9)}, {"per_page": "100000"},
                                  {"page": "-1"}, {"per_page": "0"}, {"page": "1e9"},
                                  {"force": "K" * 10000}, {"year": "9" * 5000},
                                  {"sort": "x" * 1000}, {"exemption": ["FOIA s.40"] * 500}])
def test_huge_or_absurd_parameters_are_bounded(client, args) -> None:  # type: ignore[no-untyped-def]
    """Q16: clamped or a 400; the response stays small."""
    for url in ("/search", "/search.json"):
        response = client.get(url, query_string=args)
        assert response.status_code in (200, 400), (url, args)
        assert len(response.data) < 400_000
        if url.endswith(".json") and response.status_code == 200:
            assert len(response.get_json()["results"]) <= 100


@pytest.mark.parametrize("damage", ["truncate_toc", "remove_segment"])
def test_a_damaged_index_is_a_503_without_a_traceback(small_archive, damage: str) -> None:
    """W8: the site says the index is unavailable; /health fails."""
    damage_index(small_archive.index_path, damage)
    client = create_app(small_archive).test_client()
    for url in ("/search", "/search.json", "/health"):
        response = client.get(url)
        assert response.status_code >= 500 and b"Traceback" not in response.data
        _assert_headers(response)
    statuses = {client.get(url).status_code for url in ("/search", "/search.json", "/health")}
    assert statuses == {503}

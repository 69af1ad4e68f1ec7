"""The site through Flask's test client."""

import re

import pytest

from archive.web import create_app
from tests.archives import damage_index


@pytest.fixture
def client(small_archive):
    app = create_app(small_archive)
    app.testing = True
    return app.test_client()


def test_home_lists_responses_with_facets(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "6 responses" in page
    assert "Kent Police" in page and "s.40 Personal information" in page


def test_search_page_shows_hits_badges_and_highlights(client) -> None:
    page = client.get("/search?q=neoface").get_data(as_text=True)
    assert "1 response" in page
    assert "Facial recognition spending" in page
    assert "<mark>NeoFace</mark>" in page
    assert "FOIA s.24(2)" in page and "Partially disclosed" in page


def test_facet_links_select_and_remove_values(client) -> None:
    page = client.get("/search").get_data(as_text=True)
    link = re.search(r'href="([^"]*force=Kent\+Police[^"]*)"', page).group(1).replace("&amp;", "&")
    selected = client.get(link).get_data(as_text=True)
    assert "2 responses" in selected
    assert "Remove filter Kent Police" in selected
    # Select a second force in the same facet: OR within the facet.
    link2 = re.search(r'href="([^"]*force=Greater\+Manchester\+Police[^"]*)"', selected).group(1)
    both = client.get(link2.replace("&amp;", "&")).get_data(as_text=True)
    assert "3 responses" in both
    remove = re.search(r'href="([^"]*)" aria-label="Remove filter Kent Police"', both).group(1)
    assert "1 response" in client.get(remove.replace("&amp;", "&")).get_data(as_text=True)


def test_search_json_contract(client) -> None:
    data = client.get("/search.json?exemption=FOIA+s.40&exemption=FOIA+s.12").get_json()
    assert set(data) >= {"total", "results", "facets"}
    assert data["total"] == 3
    hit = data["results"][0]
    assert set(hit) >= {"id", "title", "force", "authority", "date", "outcome", "exemptions",
                        "topics", "snippet", "url"}
    assert set(data["facets"]) == {"force", "authority", "exemption", "topic", "outcome", "year"}
    ex = {v["value"]: v for v in data["facets"]["exemption"]}
    assert ex["FOIA s.40"]["selected"] and ex["FOIA s.40"]["count"] == 2
    assert set(ex["FOIA s.40"]) >= {"value", "count", "selected"}


def test_repeatable_parameters_and_sort(client) -> None:
    data = client.get("/search.json?force=Kent+Police&sort=date_asc").get_json()
    assert [r["date"] for r in data["results"]] == ["2022-03-01", "2023-05-02"]
    data = client.get("/search.json?year=2023&year=2022").get_json()
    assert data["total"] == 3


def test_document_page_and_json(client) -> None:
    hit = client.get("/search.json?q=neoface").get_json()["results"][0]
    page = client.get(hit["url"]).get_data(as_text=True)
    assert "NeoFace facial recognition cameras" in page
    assert "Neither confirmed nor denied under s.24(2): <q>withheld under FOIA s.24(2)</q>" in page
    assert "Download the original" in page
    data = client.get(hit["url"] + ".json").get_json()
    assert data["force"] == "Metropolitan Police Service"
    assert data["exemptions"][0]["code"] == "FOIA s.12"
    original = client.get(data["original_url"])
    assert original.status_code == 200
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert b"NeoFace" in original.data


def test_hostile_text_is_escaped_everywhere(client) -> None:
    page = client.get("/search?q=markup").get_data(as_text=True)
    assert "<script>alert" not in page
    hit = client.get("/search.json?q=markup").get_json()["results"][0]
    doc_page = client.get(hit["url"]).get_data(as_text=True)
    assert "<script>" not in doc_page and "&lt;script&gt;" in doc_page


@pytest.mark.parametrize("url", ["/search?q=*", "/search?q=a*", "/search?page=0", "/search?sort=x",
                                 "/search?q=" + "(" * 50, "/search?q=date:notadate"])
def test_bad_queries_get_400_with_a_message(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "could not be run" in response.get_data(as_text=True)
    json_response = client.get(url.replace("/search", "/search.json"))
    assert json_response.status_code == 400
    assert json_response.get_json()["error"]["message"]


@pytest.mark.parametrize("url", ["/documents/nope", "/documents/0000000000000999.json",
                                 "/originals/abc", "/originals/" + "0" * 64, "/no-such-page"])
def test_missing_things_are_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_security_headers_on_every_response(client) -> None:
    for url in ("/", "/search.json", "/documents/nope", "/search?q=*"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_no_write_routes(client) -> None:
    assert client.post("/search").status_code == 405


def test_empty_archive_is_a_clear_503(config) -> None:
    app = create_app(config)
    response = app.test_client().get("/search")
    assert response.status_code == 503
    assert "foi-archive ingest" in response.get_data(as_text=True)


def test_page_works_on_a_phone(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'name="viewport"' in page
    assert "<script" not in page  # works without JavaScript


def test_health(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["status"] == "ok" and data["documents"] == 6 and data["generation"] >= 1


def test_health_is_503_json_without_an_index(config) -> None:
    """A monitor polling a site whose index was never built (or was moved away)."""
    response = create_app(config).test_client().get("/health")
    assert response.status_code == 503 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["status"] == "unavailable" and data["failed"] == "index"
    assert "foi-archive ingest" in data["reason"]


@pytest.mark.parametrize("damage", ["truncate_toc", "remove_segment"])
def test_health_is_503_json_when_the_index_is_damaged(small_archive, damage: str) -> None:
    damage_index(small_archive.index_path, damage)
    response = create_app(small_archive).test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["failed"] == "index"


@pytest.mark.parametrize("how", ["missing", "garbage"])
def test_health_is_503_json_when_the_catalogue_cannot_be_read(small_archive, how: str) -> None:
    catalogue = small_archive.store_path / "catalogue.sqlite"
    client = create_app(small_archive).test_client()
    assert client.get("/health").status_code == 200
    for leftover in small_archive.store_path.glob("catalogue.sqlite-*"):
        leftover.unlink()
    if how == "missing":
        catalogue.unlink()
    else:
        catalogue.write_bytes(b"not a database " * 100)
    response = client.get("/health")
    assert response.status_code == 503
    data = response.get_json()
    assert data == {"status": "unavailable", "failed": "store", "reason": data["reason"]}
    assert data["reason"]


def test_each_exemption_says_how_it_was_used_and_where(client) -> None:
    hit = client.get("/search.json?q=taser&force=Kent+Police").get_json()["results"][0]
    page = client.get(hit["url"]).get_data(as_text=True)
    assert "Withheld under s.40(2): <q>withheld under FOIA s.40(2)</q>" in page
    met = client.get("/search.json?q=neoface").get_json()["results"][0]
    assert "Refused on cost under s.12: <q>" in client.get(met["url"]).get_data(as_text=True)


def test_unread_outcomes_are_a_facet_value_and_null_in_the_record(config) -> None:
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    writer = IndexWriter(config.index_path)
    writer.update(make_doc(1, title="Read", text="We do not hold it.", outcome="not_held", date="2023-01-01"))
    writer.update(make_doc(2, title="Unread one", text="Attachment only.", date="2023-02-01"))
    writer.update(make_doc(3, title="Unread two", text="An acknowledgement.", date="2022-02-01"))
    writer.commit()
    client = create_app(config).test_client()
    data = client.get("/search.json").get_json()
    outcome = {v["value"]: (v["label"], v["count"]) for v in data["facets"]["outcome"]}
    assert outcome == {"not_read": ("Not read", 2), "not_held": ("Not held", 1)}
    unread = client.get("/search.json?outcome=not_read").get_json()
    assert sorted(r["title"] for r in unread["results"]) == ["Unread one", "Unread two"]
    assert all(r["outcome"] is None for r in unread["results"])
    assert client.get(f"/documents/{2:016x}.json").get_json()["outcome"] is None

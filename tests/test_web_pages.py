"""Body and exemption pages, feeds, exports, OpenSearch, sitemap, suggestions, help."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from archive.web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(small_archive):
    return create_app(small_archive).test_client()


def test_force_page(client) -> None:
    page = client.get("/forces/kent-police")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Kent Police</h1>" in html and "2 responses" in html
    assert "Responses by year" in html and "<svg" in html  # charts need no JavaScript
    assert 'href="/exemptions/foia-s40"' in html  # its exemptions, with their pages
    assert "Taser use 2023" in html  # recent responses


def test_authority_page_and_unknown_slug(client) -> None:
    assert "Sheffield City Council" in client.get("/authorities/sheffield-city-council").get_data(as_text=True)
    assert client.get("/forces/no-such-force").status_code == 404


def test_exemption_page(client) -> None:
    html = client.get("/exemptions/foia-s40").get_data(as_text=True)
    assert "FOIA s.40: Personal information" in html
    assert "https://www.legislation.gov.uk/ukpga/2000/36/section/40" in html
    assert "Kent Police" in html and "Example Council" in html  # who uses it
    assert client.get("/exemptions/foia-s99").status_code == 404
    assert "s.12 Cost" in client.get("/exemptions").get_data(as_text=True)


def test_document_page_links_to_body_and_exemption_pages(client) -> None:
    hit = client.get("/search.json?q=neoface").get_json()["results"][0]
    html = client.get(hit["url"]).get_data(as_text=True)
    assert 'href="/forces/metropolitan-police-service"' in html
    assert 'href="/exemptions/foia-s24"' in html


def test_atom_feed_for_a_search(client) -> None:
    response = client.get("/search.atom?force=Kent+Police")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Taser use 2023", "Body worn video retention"]  # newest first
    hostile = ET.fromstring(client.get("/search.atom?q=markup").data)  # still well-formed
    assert "<script>" in hostile.find(f"{ATOM}entry/{ATOM}title").text


def test_feeds_list_what_the_archive_got_last_whatever_its_date(small_archive) -> None:
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    writer = IndexWriter(small_archive.index_path)
    writer.update(make_doc(60, title="Old letter found today", text="taser", force="Kent Police",
                           date="2019-03-04", ingested="2026-12-06T09:30:00+00:00"))
    writer.commit()
    client = create_app(small_archive).test_client()
    feed = ET.fromstring(client.get("/search.atom?force=Kent+Police").data)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Old letter found today", "Taser use 2023", "Body worn video retention"]
    assert entries[0].find(f"{ATOM}updated").text == "2026-12-06T09:30:00Z"  # when it arrived
    assert entries[0].find(f"{ATOM}published").text == "2019-03-04T00:00:00Z"  # its own date
    assert feed.find(f"{ATOM}updated").text == "2026-12-06T09:30:00Z"
    # The same order is a sort of the search and its JSON; by date it is last of the three.
    titles = [r["title"] for r in client.get("/search.json?force=Kent+Police&sort=ingested").get_json()["results"]]
    assert titles[0] == "Old letter found today"
    titles = [r["title"] for r in client.get("/search.json?force=Kent+Police&sort=date").get_json()["results"]]
    assert titles[-1] == "Old letter found today"


def test_an_index_from_before_the_ingested_column_orders_its_feed_by_date(config) -> None:
    from whoosh.filedb.filestore import FileStorage

    from archive.index import INDEX_NAME, IndexWriter, make_schema, to_fields
    from tests.conftest import make_doc

    old = make_schema()
    old.remove("ingested_at")  # as an earlier version made it
    old.remove("working_days")
    config.index_path.mkdir(parents=True)
    ix = FileStorage(str(config.index_path)).create_index(old, indexname=INDEX_NAME)
    writer = ix.writer()
    # The one added last is the older response: by ingestion it would come first.
    for n, (title, date) in enumerate([("Newer", "2022-01-01"), ("Older", "2020-01-01")]):
        values = to_fields(make_doc(n + 1, title=title, text="drones", force="Kent Police", date=date,
                                    ingested=f"2026-0{n + 1}-01T00:00:00+00:00"))
        del values["ingested_at"]
        writer.add_document(**values)
    writer.commit()
    IndexWriter(config.index_path)  # an upgraded ingest adds the field; these documents lack it
    assert "ingested_at" in FileStorage(str(config.index_path)).open_index(INDEX_NAME).schema
    client = create_app(config).test_client()
    feed = ET.fromstring(client.get("/search.atom").data)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["Newer", "Older"]
    assert client.get("/statistics.json").get_json()["timeliness"] == []  # no times until a rebuild


def test_a_site_on_an_index_no_ingest_has_upgraded_yet_serves(config) -> None:
    """The schema on disk lacks the new columns altogether (no writer has added them): the
    site still serves, feeds by date and statistics empty, until ingest or a rebuild."""
    from whoosh.filedb.filestore import FileStorage

    from archive.index import INDEX_NAME, make_schema, to_fields
    from tests.conftest import make_doc

    old = make_schema()
    old.remove("ingested_at")
    old.remove("working_days")
    config.index_path.mkdir(parents=True)
    writer = FileStorage(str(config.index_path)).create_index(old, indexname=INDEX_NAME).writer()
    for n, (title, date) in enumerate([("Newer", "2022-01-01"), ("Older", "2020-01-01")]):
        values = to_fields(make_doc(n + 1, title=title, text="drones", force="Kent Police", date=date))
        values.pop("ingested_at")
        writer.add_document(**values)
    writer.commit()
    client = create_app(config).test_client()
    assert client.get("/search.json").get_json()["total"] == 2
    feed = ET.fromstring(client.get("/search.atom").data)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["Newer", "Older"]
    assert client.get("/statistics.json").get_json()["timeliness"] == []
    assert client.get("/forces/kent-police.json").get_json()["timeliness"]["answered"] == 0


def test_csv_and_jsonl_exports_stream_the_whole_result_set(client) -> None:
    response = client.get("/search.csv?per_page=1")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 6  # not capped at a page
    assert rows[0]["title"] and "exemptions" in rows[0]
    lines = client.get("/search.jsonl?exemption=FOIA+s.40").get_data(as_text=True).splitlines()
    assert len(lines) == 2 and all("FOIA s.40(2)" in json.loads(l)["exemptions"] for l in lines)
    assert client.get("/search.csv?q=*").status_code == 400


def test_csv_cells_cannot_run_as_formulas(small_archive) -> None:
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    writer = IndexWriter(small_archive.index_path)
    writer.update(make_doc(50, title="=HYPERLINK(\"http://x\")", text="formula trap"))
    writer.commit()
    text = create_app(small_archive).test_client().get("/search.csv?q=formula").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_did_you_mean(client) -> None:
    data = client.get("/search.json?q=recogniton").get_json()
    assert data["total"] == 0 and data["suggestion"] == "recognition"
    html = client.get("/search?q=recogniton").get_data(as_text=True)
    assert "Did you mean" in html and "q=recognition" in html
    assert client.get("/search.json?q=taser").get_json()["suggestion"] is None


def test_opensearch_and_sitemap(client) -> None:
    desc = client.get("/opensearch.xml")
    assert desc.mimetype == "application/opensearchdescription+xml"
    assert "search?q={searchTerms}" in desc.get_data(as_text=True)
    assert "opensearch.xml" in client.get("/").get_data(as_text=True)
    urls = [e.text for e in ET.fromstring(client.get("/sitemap.xml").data).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(u.endswith("/forces/kent-police") for u in urls)
    assert sum("/documents/" in u for u in urls) == 6


def test_past_the_limit_the_sitemap_is_an_index_of_sitemaps(client, monkeypatch) -> None:
    from archive.web import views

    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    whole = [e.text for e in ET.fromstring(client.get("/sitemap.xml").data).iter(ns + "loc")]
    monkeypatch.setattr(views, "SITEMAP_LIMIT", 4)
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == ns + "sitemapindex"
    parts = [e.text for e in index.iter(ns + "loc")]
    assert len(parts) == (len(whole) + 3) // 4 and parts[0].endswith("/sitemaps/1.xml")
    listed = []
    for part in parts:
        urls = [e.text for e in ET.fromstring(client.get(part.split("localhost", 1)[1]).data).iter(ns + "loc")]
        assert 0 < len(urls) <= 4
        listed += urls
    assert listed == whole
    assert client.get(f"/sitemaps/{len(parts) + 1}.xml").status_code == 404
    assert client.get("/sitemaps/0.xml").status_code == 404


def test_robots_txt_keeps_crawlers_out_of_searches_and_drafts(client) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[:4] == ["User-agent: *", "Disallow: /search", "Disallow: /prior", "Allow: /"]
    assert lines[5] == "Sitemap: http://localhost/sitemap.xml"


def test_help_page_explains_the_syntax(client) -> None:
    html = client.get("/help/search").get_data(as_text=True)
    assert "exemption:s40" in html and "year:[2018 TO 2020]" in html


def test_body_pages_link_their_disclosure_log_from_the_sources(small_archive) -> None:
    from dataclasses import replace

    config = replace(small_archive, sources={
        "kent": {"kind": "disclosure_log", "enabled": False, "authority": "Kent Police",
                 "start_urls": ["https://www.kent.police.uk/foi-ai/disclosure-log/"]},
        "wdtk": {"kind": "alaveteli", "base_url": "https://www.whatdotheyknow.com",
                 "bodies": ["sheffield_city_council"]},
        "bad": {"kind": "disclosure_log", "authority": "Kent Police", "start_urls": ["javascript:x"]},
    })
    client = create_app(config).test_client()
    kent = client.get("/forces/kent-police").get_data(as_text=True)
    assert 'href="https://www.kent.police.uk/foi-ai/disclosure-log/"' in kent and "javascript:" not in kent
    sheffield = client.get("/authorities/sheffield-city-council").get_data(as_text=True)
    assert 'href="https://www.whatdotheyknow.com/body/sheffield_city_council"' in sheffield
    assert "publishes its responses" not in client.get("/forces/greater-manchester-police").get_data(as_text=True)


def test_a_script_walks_search_json_by_its_own_links(client) -> None:
    first = client.get("/search.json?per_page=2").get_json()
    assert first["prev_url"] is None and first["results"][0]["url"].startswith("http://localhost/documents/")
    seen, page = [], first
    while True:
        seen += [r["id"] for r in page["results"]]
        if page["next_url"] is None:
            break
        assert page["next_url"].startswith("http://localhost/search.json?")
        page = client.get(page["next_url"].removeprefix("http://localhost")).get_json()
        assert page["prev_url"] is not None
    assert len(seen) == len(set(seen)) == first["total"]
    # A facet value's toggle_url selects it (back on page 1); the same value's URL there clears it.
    force = first["facets"]["force"][0]
    assert not force["selected"]
    narrowed = client.get(force["toggle_url"].removeprefix("http://localhost")).get_json()
    assert narrowed["filters"] == {"force": [force["value"]]} and narrowed["total"] == force["count"]
    again = next(v for v in narrowed["facets"]["force"] if v["value"] == force["value"])
    assert again["selected"]
    cleared = client.get(again["toggle_url"].removeprefix("http://localhost")).get_json()
    assert cleared["filters"] == {} and cleared["total"] == first["total"]


@pytest.mark.parametrize("path", ["/search.csv", "/search.jsonl", "/search.atom"])
def test_an_error_on_a_data_path_is_plain_text(client, path: str) -> None:
    response = client.get(path, query_string={"sort": "sideways"})
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("400 That search could not be run: Unknown sort 'sideways'")

"""An Alaveteli site on 127.0.0.1: body feed JSON, request JSON, the real saved thread
page and its attachment, taken as one record; hidden requests marked gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.store import Store
from ingest.infra.crawlstate import CrawlState
from ingest.runs import run_source
from tests.conftest import CORPUS
from tests.httpfixtures import Site, local_http  # noqa: F401

UA = "FOI-Archive-Test/1.0 (+contact: test@example.org)"
ATTACH = "/request/412769/response/1000437/attach/2/Response%20not%20held.pdf?cookie_passthrough=1"


@pytest.fixture
def wdtk(local_http: Site) -> Site:
    page = CORPUS / "docs" / "centralgov_mhclg_wdtk_request_1000437.html"
    pdf = CORPUS / "docs" / "police_durham_1406745.pdf"
    if not page.is_file() or not pdf.is_file():
        pytest.skip("the real corpus is missing")
    s = local_http
    body = {"id": 7, "url_name": "mhclg", "name": "Ministry of Housing, Communities and Local Government"}
    events = [{"id": 1, "event_type": "response", "described_state": "successful",
               "info_request": {"id": 412769, "url_title": "housing_data", "title": "Housing data",
                                "described_state": "successful"}, "public_body": body},
              {"id": 2, "event_type": "sent", "info_request": {"url_title": "housing_data"}},
              {"id": 3, "event_type": "sent", "info_request": {"url_title": "../../etc/passwd"}}]
    s.page("/feed/body/mhclg.json", json.dumps(events), "application/json")
    s.page("/request/housing_data.json", json.dumps(
        {"id": 412769, "url_title": "housing_data", "title": "Housing data", "prominence": "normal",
         "described_state": "successful", "display_status": "Successful", "law_used": "foi",
         "public_body": body}), "application/json")
    s.page("/request/housing_data", page.read_bytes())
    s.page(ATTACH, pdf.read_bytes(), "application/pdf")
    return s


def make_config(tmp_path: Path, site: Site, **settings: object) -> Config:
    source = {"kind": "alaveteli", "base_url": site.base, "bodies": ["mhclg"], "delay": 0,
              "allow_private_addresses": True, "backoff_base": 0.01, **settings}
    return Config.for_directory(tmp_path / "archive", sources={"wdtk": source},
                                ingest=IngestConfig(workers=2, timeout=30, user_agent=UA))


def test_request_thread_and_attachment_are_one_record(tmp_path: Path, wdtk: Site) -> None:
    config = make_config(tmp_path, wdtk)
    summary = run_source(config, "wdtk")
    assert summary.new == 1 and summary.failed == 0, summary
    with Store(config.store_path) as store:
        doc = store.document_by_locator("wdtk", wdtk.url("/request/housing_data"))
        record = store.version_record(doc.id, doc.sha256)
        assert [p["name"] for p in record["parts"]] == ["housing_data.html", "Response not held.pdf"]
        # The requester-set state from the request JSON, kept as its own hint.
        assert record["hints"]["wdtk_status"] == "successful"
    wdtk.clear_log()
    again = run_source(config, "wdtk")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    assert all("if-none-match" in r.headers for r in wdtk.log if r.path != "/robots.txt")


def test_hidden_request_is_marked_gone(tmp_path: Path, wdtk: Site) -> None:
    config = make_config(tmp_path, wdtk)
    run_source(config, "wdtk")
    wdtk.page("/request/housing_data.json", json.dumps(
        {"url_title": "housing_data", "prominence": "hidden"}), "application/json")
    assert run_source(config, "wdtk").gone == 1
    with Store(config.store_path) as store:
        doc = store.document_by_locator("wdtk", wdtk.url("/request/housing_data"))
        assert doc.source_status == "gone" and store.has_object(doc.sha256)


ATOM_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-GB" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:{host},2005:/feed/body/mhclg</id>
  <title>Requests to Ministry of Housing, Communities and Local Government</title>
  <entry>
    <id>tag:{host},2005:InfoRequestEvent/1</id>
    <published>2019-07-01T10:00:00+01:00</published>
    <link rel="alternate" type="text/html" href="{base}/request/housing_data#incoming-1000437"/>
    <title type="html">Housing data</title>
    <content type="html">&lt;p&gt;Response by MHCLG&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:{host},2005:InfoRequestEvent/2</id>
    <link rel="alternate" type="text/html" href="{base}/request/housing_data"/>
    <title type="html">Housing data</title>
  </entry>
</feed>
"""


def test_atom_body_feed_names_the_same_requests(tmp_path: Path, wdtk: Site) -> None:
    wdtk.page("/feed/body/mhclg", ATOM_FEED.format(base=wdtk.base, host="127.0.0.1"),
              "application/atom+xml; charset=utf-8")
    config = make_config(tmp_path, wdtk, feed="atom")
    summary = run_source(config, "wdtk")
    assert summary.new == 1 and summary.failed == 0, summary
    assert wdtk.hits("/feed/body/mhclg") == 1 and wdtk.hits("/feed/body/mhclg.json") == 0


@pytest.mark.parametrize("feed", [
    # billion laughs: refused before any entity can expand
    '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>',
    # an external entity (XXE)
    '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>',
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/request/x"',  # cut short
    '<rss><channel><item><link>/request/housing_data</link></item></channel></rss>',  # not Atom
])
def test_a_hostile_or_broken_atom_feed_is_a_recorded_failure(tmp_path: Path, wdtk: Site, feed: str) -> None:
    wdtk.page("/feed/body/mhclg", feed, "application/atom+xml")
    config = make_config(tmp_path, wdtk, feed="atom")
    summary = run_source(config, "wdtk")
    assert summary.new == 0
    assert wdtk.hits("/request/housing_data.json") == 0
    with Store(config.store_path) as store:
        row = CrawlState(store).get("wdtk", wdtk.url("/feed/body/mhclg"))
    assert row is not None and row.state == "failed" and row.reason.startswith("feed_parse_error"), row


def test_list_pages_reach_requests_older_than_the_feed(tmp_path: Path, wdtk: Site) -> None:
    older = {"id": 5, "url_title": "older_request", "title": "Older", "prominence": "normal",
             "described_state": "not_held", "law_used": "foi"}
    wdtk.page("/request/older_request.json", json.dumps(older), "application/json")
    wdtk.page("/request/older_request", "<html><body><h1>Older</h1><div class='correspondence'>"
              "<p>Dear Sir, we do not hold the information you asked for. Yours, MHCLG</p></div></body></html>")
    listing = ('<ul><li><a href="/request/housing_data">Housing data</a></li>'
               '<li><a href="/request/older_request#incoming-5">Older</a></li>'
               '<li><a href="/request/new?body=mhclg">Make a request</a></li></ul>')
    wdtk.page("/body/mhclg", listing)
    wdtk.page("/body/mhclg?page=2", '<ul><li><a href="/request/housing_data">Housing data</a></li></ul>')
    config = make_config(tmp_path, wdtk, list_pages=5)
    summary = run_source(config, "wdtk")
    assert summary.new == 2, summary
    # Page 2 named nothing new, so page 3 was never asked for.
    assert wdtk.hits("/body/mhclg?page=2") == 1 and wdtk.hits("/body/mhclg?page=3") == 0
    assert wdtk.hits("/request/new.json") == 0


def test_an_unknown_feed_kind_is_a_config_error(tmp_path: Path, wdtk: Site) -> None:
    with pytest.raises(ValueError, match="feed must be one of"):
        run_source(make_config(tmp_path, wdtk, feed="rss"), "wdtk")


def test_only_takes_request_urls_as_people_copy_them(tmp_path: Path, wdtk: Site) -> None:
    # A request's address with a locale, a query and a fragment, and an attachment of it,
    # as real WhatDoTheyKnow links carry them: one request, one record; a request named by
    # its number is not guessed at.
    config = make_config(tmp_path, wdtk)
    only = {wdtk.url("/cy/request/housing_data?utm_campaign=alaveteli-experiments-87&utm_source=x"),
            wdtk.url("/request/housing_data#incoming-1982253"),
            wdtk.url("/request/housing_data/response/1000437/attach/html/2/Response.pdf.html"),
            wdtk.url("/request/412769/response/1000437/attach/html/4/Notice.pdf.html")}
    summary = run_source(config, "wdtk", only=only)
    assert (summary.new, summary.failed) == (1, 0), summary
    assert wdtk.hits("/request/housing_data.json") == 1 and wdtk.hits("/request/412769.json") == 0
    assert wdtk.hits("/feed/body/mhclg.json") == 0  # just those URLs, not the body's feed

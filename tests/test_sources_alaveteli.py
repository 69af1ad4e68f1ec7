"""An Alaveteli site on 127.0.0.1: body feed JSON, request JSON, the real saved thread
page and its attachment, taken as one record; hidden requests marked gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.store import Store
from ingest.sources.runner import run_source
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


def make_config(tmp_path: Path, site: Site) -> Config:
    source = {"kind": "alaveteli", "base_url": site.base, "bodies": ["mhclg"], "delay": 0,
              "allow_private_addresses": True, "backoff_base": 0.01}
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

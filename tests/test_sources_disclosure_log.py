"""A paginated "foi-ai" style disclosure log on 127.0.0.1, crawled by the disclosure_log
source: records, robots, re-runs, changes and removals (reliability.md C1, C6, D1, D6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.store import Store
from ingest.infra.crawlstate import CrawlState
from ingest.runs import run_source
from tests.conftest import CORPUS
from tests.httpfixtures import Reply, Site, local_http  # noqa: F401

UA = "FOI-Archive-Test/1.0 (+contact: test@example.org)"
LOG = "/foi-ai/south-wales-police/disclosure-log/"
ITEM = LOG + "2025/april/foi-{ref}/"
PDF = "/SysSiteAssets/foi-media/south-wales-police/disclosure_2025/april_2025/foi-{ref}.pdf"

BANNERS = """
<div class="cookie-banner"><p>We use cookies to make this site work. Accept all cookies.</p></div>
<div class="beta-banner" role="banner"><p>This site is a beta. Your feedback will help us improve it.</p></div>
"""


def response_page(ref: str, body: str, attachments: list[str]) -> str:
    links = "".join(f'<li><a href="{a}">Download {a.rsplit("/", 1)[-1]}</a></li>' for a in attachments)
    return f"""<!doctype html><html><head><title>FOI {ref} | South Wales Police</title></head><body>
{BANNERS}<main><h1>FOI {ref}</h1><h2>REQUEST</h2><p>Please provide {body}.</p>
<h2>RESPONSE</h2><p>South Wales Police holds the information. Freedom of Information reference
FOI {ref}. {body} is attached.</p><ul>{links}</ul></main></body></html>"""


def listing(items: list[str], next_page: str | None) -> str:
    rows = "".join(f'<li><a href="{u}">Request {u.rstrip("/").rsplit("-", 1)[-1]}</a></li>' for u in items)
    nav = f'<a href="{next_page}">Next</a>' if next_page else ""
    return f"<!doctype html><html><body>{BANNERS}<main><ul>{rows}</ul>{nav}</main></body></html>"


@pytest.fixture
def real_pdf() -> bytes:
    path = CORPUS / "docs" / "police_durham_1406745.pdf"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path.read_bytes()


@pytest.fixture
def log_site(local_http: Site, real_pdf: bytes) -> Site:
    s = local_http
    s.page("/robots.txt", "User-agent: *\nDisallow: /foi-ai/private/\n", "text/plain")
    page2 = LOG + "?page=2"
    s.page(LOG, listing([ITEM.format(ref="34625"), ITEM.format(ref="34626")], page2))
    s.page(page2, listing([ITEM.format(ref="34627"), "/foi-ai/private/2025/april/foi-1/"], None))
    s.page(ITEM.format(ref="34625"), response_page("34625", "the number of Taser discharges",
                                                   [PDF.format(ref="34625")]))
    s.page(PDF.format(ref="34625"), real_pdf, "application/pdf")
    s.page(ITEM.format(ref="34626"), response_page(
        "34626", "the cost of body worn video", ["/files/costs.csv", "/files/missing.pdf"]))
    s.page("/files/costs.csv", "year,cost\n2024,1000\n2025,1200\n", "text/csv")
    # A dead document link answered with a login page: sniffed, refused, not stored.
    s.page("/files/missing.pdf", "<html><body>Please log in</body></html>")
    s.page(ITEM.format(ref="34627"), response_page("34627", "the number of drones", []))
    return s


def make_config(tmp_path: Path, site: Site, **extra) -> Config:
    source = {"kind": "disclosure_log", "start_urls": [site.url(LOG)],
              "follow_pattern": r"/disclosure-log/\?page=\d+$",
              "item_pattern": r"/disclosure-log/\d{4}/[a-z]+/foi-\d+/$|/foi-ai/private/",
              "authority": "South Wales Police", "max_pages": 5, "delay": 0,
              "allow_private_addresses": True, "backoff_base": 0.01, **extra}
    return Config.for_directory(tmp_path / "archive", sources={"swp": source},
                                ingest=IngestConfig(workers=2, timeout=20, user_agent=UA))


def object_files(config: Config) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in (config.store_path / "objects").rglob("*") if p.is_file()}


def test_first_run_makes_one_record_per_response(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site)
    summary = run_source(config, "swp")
    assert (summary.new, summary.changed, summary.failed) == (3, 0, 1), summary
    assert summary.skipped_robots == 1
    assert log_site.hits("/foi-ai/private/2025/april/foi-1/") == 0
    with Store(config.store_path) as store:
        assert store.count_documents() == 3
        doc = store.document_by_locator("swp", log_site.url(ITEM.format(ref="34625")))
        record = store.version_record(doc.id, doc.sha256)
        assert [p["name"] for p in record["parts"]] == ["foi-34625.html", "foi-34625.pdf"]
        assert "Attachment: foi-34625.pdf" in record["text"]
        assert "cookies" not in record["text"] and "is a beta" not in record["text"]
        assert record["meta"]["authority"] == "South Wales Police"
        assert record["hints"]["authority"] == "South Wales Police"
        other = store.document_by_locator("swp", log_site.url(ITEM.format(ref="34626")))
        parts = store.version_record(other.id, other.sha256)["parts"]
        assert [p["name"] for p in parts] == ["foi-34626.html", "costs.csv"]
        state = CrawlState(store)
        assert state.get("swp", log_site.url("/files/missing.pdf")).state == "failed"
        assert state.get("swp", log_site.url("/foi-ai/private/2025/april/foi-1/")).state == "skipped_robots"
        fetched = [p for p in store.provenance(doc.id) if p.event == "fetched"]
        assert {p.locator for p in fetched} == {log_site.url(ITEM.format(ref="34625")),
                                                log_site.url(PDF.format(ref="34625"))}
        assert all(p.status == 200 and p.sha256 for p in fetched)
        # Every URL the crawl found is in one known state.
        states = {r.url: r.state for r in state.urls("swp")}
        assert len(states) == 9 and "failed" in states.values()


def test_second_run_is_only_conditional_requests_and_adds_nothing(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site)
    run_source(config, "swp")
    before = object_files(config)
    with Store(config.store_path) as store:
        docs = [(d.id, d.sha256) for d in store.documents()]
    log_site.clear_log()
    summary = run_source(config, "swp")
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 3), summary
    pages = [r for r in log_site.log if r.path != "/robots.txt" and r.path != "/files/missing.pdf"]
    assert pages and all("if-none-match" in r.headers for r in pages), [r.path for r in pages]
    assert object_files(config) == before
    with Store(config.store_path) as store:
        assert [(d.id, d.sha256) for d in store.documents()] == docs
        assert all(len(store.versions(d)) == 1 for d, _ in docs)


def test_changed_page_is_a_new_version_and_the_old_is_kept(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site)
    run_source(config, "swp")
    url = ITEM.format(ref="34627")
    log_site.page(url, response_page("34627", "the number of drones, corrected", []))
    summary = run_source(config, "swp")
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 2), summary
    with Store(config.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(url))
        versions = store.versions(doc.id)
        assert len(versions) == 2 and versions[-1]["sha256"] == doc.sha256
        assert all(store.has_object(v["sha256"]) for v in versions)


def test_removed_response_is_marked_gone_not_deleted(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site)
    run_source(config, "swp")
    url = ITEM.format(ref="34626")
    log_site.route(url, Reply(410, {}, b"gone"))
    summary = run_source(config, "swp")
    assert summary.gone == 1
    with Store(config.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(url))
        assert doc.source_status == "gone"
        assert store.has_object(doc.sha256)
        assert [p.event for p in store.provenance(doc.id)][-1] == "gone"
        assert CrawlState(store).get("swp", log_site.url(url)).state == "gone"


def test_delay_between_requests(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site, delay=0.15, max_pages=1)
    run_source(config, "swp")
    times = [r.at for r in log_site.log]
    assert len(times) > 4
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.15 - 0.02


def test_429_on_a_response_defers_it_to_a_later_run(tmp_path: Path, log_site: Site) -> None:
    config = make_config(tmp_path, log_site)
    url = ITEM.format(ref="34627")
    log_site.route(url, Reply(429, {"Retry-After": "3600"}, b""))
    summary = run_source(config, "swp")
    assert summary.deferred == 1 and summary.new == 2
    log_site.clear_log()
    summary = run_source(config, "swp")
    assert summary.deferred == 1 and log_site.hits(url) == 0  # not asked again before its time

"""Faults met while crawling a disclosure log on 127.0.0.1, and what each leaves behind
(docs/reliability.md I2, C7, C15, C16): provenance says who fetched what and on
what robots decision; a lying ETag is caught by a periodic whole fetch; a cut
connection stores nothing and the next run completes; a hostile file name never
reaches the file system."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from archive.store import Store
from ingest.fetch import CRAWLER_VERSION
from ingest.tasks.verify import verify
from ingest.runs import run_source
from tests.httpfixtures import Reply, Request, Site, local_http  # noqa: F401
from tests.test_sources_disclosure_log import (ITEM, PDF, log_site, make_config,  # noqa: F401
                                               real_pdf, response_page)

REF = "34625"


def provenance(config, url: str) -> list[dict]:
    with Store(config.store_path) as store:
        rows = store.db.execute("SELECT * FROM provenance WHERE locator = ? ORDER BY id", (url,))
        return [dict(r) for r in rows]


def store_is_sound(config) -> list[str]:
    """What `foi-archive verify` finds wrong with the originals: bytes that do not hash
    to their name, originals missing, temp files left behind."""
    report = verify(config, index=False)
    return [bad.sha256 for bad in report.bad] + [str(path) for path in report.temp_files]


def test_provenance_names_the_crawler_the_robots_decision_and_the_redirects(
        tmp_path: Path, log_site: Site) -> None:
    moved = "/old/foi-34625.pdf"
    log_site.page(ITEM.format(ref=REF), response_page(REF, "the number of Taser discharges", [moved]))
    log_site.route(moved, Reply(301, {"Location": PDF.format(ref=REF)}))
    config = make_config(tmp_path, log_site)
    run_source(config, "swp")

    page = provenance(config, log_site.url(ITEM.format(ref=REF)))[0]
    assert page["crawler"] == CRAWLER_VERSION
    assert page["robots"].startswith("allowed by robots.txt sha256:")
    assert page["redirects"] is None
    attachment = provenance(config, log_site.url(moved))[0]
    assert attachment["final_url"] == log_site.url(PDF.format(ref=REF))
    assert json.loads(attachment["redirects"]) == [log_site.url(moved)]

    skipped = provenance(config, log_site.url("/foi-ai/private/2025/april/foi-1/"))
    assert skipped and skipped[0]["robots"].startswith("disallowed: robots.txt disallows")


def test_a_lying_etag_is_caught_by_the_periodic_whole_fetch(tmp_path: Path, log_site: Site) -> None:
    url = ITEM.format(ref="34627")
    versions = [response_page("34627", "the number of drones", [])]

    def liar(req: Request) -> Reply:
        # The ETag never changes, whatever the bytes are.
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"ETag": '"v1"', "Content-Type": "text/html; charset=utf-8"},
                     versions[-1].encode())

    log_site.route(url, liar)
    config = make_config(tmp_path, log_site)
    assert run_source(config, "swp").new == 3
    versions.append(response_page("34627", "the number of drones and their flying hours", []))

    # Within refetch_days the 304 is believed: nothing changes.
    again = run_source(config, "swp")
    assert again.changed == 0
    # Once a URL is due its whole fetch, the new bytes are found and kept as a new version.
    due = make_config(tmp_path, log_site, refetch_days=0)
    log_site.clear_log()
    third = run_source(due, "swp")
    assert third.changed == 1, third
    assert not any("if-none-match" in r.headers for r in log_site.log if r.path == url)
    with Store(due.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(url))
        assert len(store.versions(doc.id)) == 2  # the old version is kept


def test_a_connection_cut_mid_body_stores_nothing_and_the_next_run_completes(
        tmp_path: Path, log_site: Site, real_pdf: bytes) -> None:
    url = PDF.format(ref=REF)

    def cut(handler) -> None:
        handler.wfile.write(real_pdf[: len(real_pdf) // 3])
        handler.wfile.flush()
        handler.connection.shutdown(2)  # reset mid-body

    log_site.route(url, Reply(200, {"Content-Type": "application/pdf",
                                    "Content-Length": str(len(real_pdf))}, stream=cut))
    config = make_config(tmp_path, log_site, retries=1)
    first = run_source(config, "swp")
    assert first.new == 2, first  # the other responses are not held back
    with Store(config.store_path) as store:
        assert store.document_by_locator("swp", log_site.url(ITEM.format(ref=REF))) is None
        partial = hashlib.sha256(real_pdf[: len(real_pdf) // 3]).hexdigest()
        assert not store.has_object(partial)
    assert store_is_sound(config) == []
    assert not list(config.store_path.rglob("*.tmp"))

    log_site.page(url, real_pdf, "application/pdf")
    second = run_source(config, "swp")
    assert second.new == 1, second
    with Store(config.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(ITEM.format(ref=REF)))
        parts = [p["name"] for p in store.version_record(doc.id, doc.sha256)["parts"]]
    assert parts[1] == "foi-34625.pdf"


def test_a_hostile_file_name_is_metadata_only(tmp_path: Path, log_site: Site, real_pdf: bytes) -> None:
    hostile = 'attachment; filename="../../etc/cron.d/x"; filename*=UTF-8\'\'..%2F..%2Fr%C3%A9ponse%0A.pdf'
    log_site.page(PDF.format(ref=REF), real_pdf, "application/pdf", **{"Content-Disposition": hostile})
    config = make_config(tmp_path, log_site)
    assert run_source(config, "swp").new == 3
    # Nothing was written outside the archive, whatever the name said.
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(tmp_path / "archive")]
    assert outside == []
    assert not list(tmp_path.rglob("cron.d"))
    with Store(config.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(ITEM.format(ref=REF)))
        name = store.version_record(doc.id, doc.sha256)["parts"][1]["name"]
        assert store.has_object(hashlib.sha256(real_pdf).hexdigest())  # stored by its digest
    assert name == "réponse.pdf"  # the display name, with no path and no control character
    # The exact header is kept in provenance.
    row = provenance(config, log_site.url(PDF.format(ref=REF)))[0]
    assert json.loads(row["headers"])["content-disposition"] == hostile
    assert store_is_sound(config) == []

"""Web archives out and in (ingest/warc.py, ingest/sources/warc_input.py): a crawl is also
written as WARC; `ingest --warc` reads a WARC back into the same records; a hostile WARC
fails alone with its reason."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.config import Config
from archive.store import Store
from ingest.runs import run_source
from ingest.runs import ingest_warcs
from tests.httpfixtures import Site, local_http  # noqa: F401
from tests.test_sources_disclosure_log import ITEM, PDF, log_site, make_config, real_pdf  # noqa: F401


def records(config: Config) -> dict[str, Any]:
    """What a reader can see of each record: its locator, parts, text and metadata. The
    text's lines are compared as a multiset: pdfminer's layout analysis breaks ties between
    text boxes by id(), so a table's cells may come in another order from one run to the next."""
    out = {}
    with Store(config.store_path) as store:
        for doc in store.documents():
            record = store.version_record(doc.id, doc.sha256)
            out[doc.id] = (doc.locator, [(p["name"], p["sha256"]) for p in record.get("parts", [])],
                           sorted(record["text"].splitlines()), record["meta"])
    return out


def warcs(config: Config, source: str) -> list[Path]:
    return sorted((config.store_path / "warc" / source).glob("*.warc.gz"))


def test_a_crawl_is_written_as_warc_and_read_back_as_the_same_records(tmp_path: Path, log_site: Site,
                                                                     real_pdf: bytes) -> None:
    config = make_config(tmp_path / "crawl", log_site)
    summary = run_source(config, "swp")
    assert summary.new == 3
    [warc] = warcs(config, "swp")
    with open(warc, "rb") as fh:
        found = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                  r.http_headers.get_statuscode() if r.rec_type == "response" else None,
                  r.content_stream().read() if r.rec_type == "response" else None)
                 for r in ArchiveIterator(fh)]
    assert found[0][0] == "warcinfo"
    responses = {uri: (status, body) for kind, uri, status, body in found if kind == "response"}
    requests = [uri for kind, uri, _, _ in found if kind == "request"]
    # Every exchange the crawl made, robots.txt and the dead link's login page included,
    # each response with the request that asked for it.
    assert sorted(requests) == sorted(responses) and len(responses) == log_site_requests(log_site)
    assert responses[log_site.url("/robots.txt")][0] == "200"
    pdf = log_site.url(PDF.format(ref="34625"))
    assert responses[pdf] == ("200", real_pdf)  # the bytes as served

    # Read back into an empty archive with the same source configured: the same records.
    again = make_config(tmp_path / "from_warc", log_site)
    log_site.clear_log()
    result = ingest_warcs(again, [str(warc)])
    assert log_site.log == []  # the site is never asked
    assert (result.new, result.failed) == (3, 0), result
    assert records(again) == records(config)
    with Store(again.store_path) as store:
        doc = store.document_by_locator("swp", log_site.url(ITEM.format(ref="34625")))
        taken = [p for p in store.provenance(doc.id) if p.event == "from_warc"]
        assert {p.locator for p in taken} == {log_site.url(ITEM.format(ref="34625")), pdf}
        assert all(p.crawler.startswith(f"warc:{warc.name}@") for p in taken)
        assert all(p.at.endswith("Z") and p.at[:4].isdigit() for p in taken)  # the capture time


def log_site_requests(site: Site) -> int:
    return len(site.log)


def write_warc(path: Path, responses: list[tuple[str, bytes, str]], gzipped: bool = True) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzipped)
        for url, body, ctype in responses:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          length=len(body), http_headers=http))


def wdtk_config(tmp_path: Path) -> Config:
    source = {"kind": "alaveteli", "base_url": "https://www.whatdotheyknow.com", "bodies": ["the_met"]}
    return Config.for_directory(tmp_path / "archive", sources={"wdtk": source})


def test_a_warc_from_elsewhere_gives_records_by_the_configured_patterns(tmp_path: Path) -> None:
    # A browser-made crawl: a request page reached with a query, its attachment, and pages
    # no source takes; no .json beside the page.
    page = (b"<html><body><h1>Drones</h1><div class='correspondence'><p>Dear Sir, we do not hold the "
            b"information you asked for. <a href='/request/use_of_drones/response/1/attach/3/reply.pdf'>"
            b"reply.pdf</a> Yours, the Metropolitan Police</p></div></body></html>")
    pdf = CORPUS_PDF.read_bytes() if CORPUS_PDF.exists() else b"%PDF-1.4\n%%EOF\n"
    warc = tmp_path / "browser.warc.gz"
    write_warc(warc, [
        ("https://www.whatdotheyknow.com/request/use_of_drones?utm_source=x", page, "text/html"),
        ("https://www.whatdotheyknow.com/request/use_of_drones/response/1/attach/3/reply.pdf", pdf,
         "application/pdf"),
        ("https://www.whatdotheyknow.com/body/the_met", b"<html>list</html>", "text/html"),
        ("https://www.example.org/", b"<html>elsewhere</html>", "text/html"),
    ])
    config = wdtk_config(tmp_path)
    result = ingest_warcs(config, [str(warc)])
    assert (result.captures, result.new, result.failed) == (4, 1, 0), result
    assert dict(result.by_source) == {"wdtk": 1}
    [(locator, parts, _, _)] = records(config).values()
    assert locator == "https://www.whatdotheyknow.com/request/use_of_drones"
    assert [name for name, _ in parts] == ["use_of_drones.html", "reply.pdf"]


CORPUS_PDF = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "docs" / "police_durham_1406745.pdf"


def hostile(kind: str, path: Path) -> None:
    good = tmp = io.BytesIO()
    writer = WARCWriter(tmp, gzip=True)
    body = b"<html><body>a response</body></html>"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        "https://www.whatdotheyknow.com/request/a_request", "response", payload=io.BytesIO(body),
        length=len(body), http_headers=http))
    data = good.getvalue()
    if kind == "truncated":
        data = data[: len(data) // 2]
    elif kind == "not_a_warc":
        data = gzip.compress(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 10)
    elif kind == "wrong_length":
        raw = gzip.decompress(data).replace(b"Content-Length: ", b"Content-Length: 9", 1)
        data = gzip.compress(raw)
    elif kind == "gzip_bomb":
        # A record whose payload is gzip-encoded and inflates far past the size limit.
        bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                protocol="HTTP/1.1")
        out = io.BytesIO()
        w = WARCWriter(out, gzip=True)
        w.write_record(w.create_warc_record("https://www.whatdotheyknow.com/request/bomb", "response",
                                            payload=io.BytesIO(bomb), length=len(bomb), http_headers=http))
        data = out.getvalue() + data
    path.write_bytes(data)


@pytest.mark.parametrize("kind", ["truncated", "not_a_warc", "wrong_length", "gzip_bomb"])
def test_a_hostile_warc_fails_alone_with_its_reason(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / f"{kind}.warc.gz"
    hostile(kind, bad)
    good = tmp_path / "good.warc.gz"
    write_warc(good, [("https://www.whatdotheyknow.com/request/good_request",
                       b"<html><body><p>Dear Sir, the information is attached.</p></body></html>", "text/html")])
    config = wdtk_config(tmp_path)
    config = Config.for_directory(config.store_path.parent, sources=config.sources,
                                  ingest=type(config.ingest)(max_file_mb=1, timeout=20, memory_mb=512))
    result = ingest_warcs(config, [str(bad), str(good)])
    taken = {locator for locator, *_ in records(config).values()}
    assert "https://www.whatdotheyknow.com/request/good_request" in taken
    assert "https://www.whatdotheyknow.com/request/bomb" not in taken
    if kind == "gzip_bomb":  # the bomb's payload is over the limit and left out; the file is fine
        assert result.failed == 0
    else:
        assert [(what, reason) for what, reason, _ in result.failures] == [(str(bad), "warc_error")], result


def test_ingest_warc_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import main

    warc = tmp_path / "w.warc.gz"
    write_warc(warc, [("https://www.whatdotheyknow.com/request/good_request#incoming-1",
                       b"<html><body><p>Dear Sir, the information is not held.</p></body></html>", "text/html")])
    bad = tmp_path / "bad.warc.gz"
    hostile("truncated", bad)
    conf = tmp_path / "config.toml"
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n'
                    '[sources.wdtk]\nkind = "alaveteli"\nenabled = false\n'
                    'base_url = "https://www.whatdotheyknow.com"\nbodies = ["the_met"]\n')
    result = CliRunner().invoke(main, ["ingest", "--config", str(conf), "--warc", str(warc), str(bad)])
    assert result.output.splitlines()[-1] == ("1 captures read; responses by source: 1 wdtk; 1 new, "
                                              "0 changed, 0 unchanged, 1 failed")
    assert f"failed: {bad}: warc_error: the gzip stream is cut or corrupt" in result.output
    result = CliRunner().invoke(main, ["ingest", "--config", str(conf), "--warc", str(warc), "--all"])
    assert result.exit_code == 2 and "give PATHS or --source/--all, not both" in result.output
    result = CliRunner().invoke(main, ["ingest", "--config", str(conf), "--warc"])
    assert result.exit_code == 2 and "--warc FILE... takes WARC files" in result.output

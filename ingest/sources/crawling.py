"""What the web sources share: a Crawl from a source's settings, links on a page, and
a response page's attachments fetched, sniffed and named."""

from __future__ import annotations

import email.utils
import logging
from datetime import datetime, timezone
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

from archive.config import Config
from archive.store import Store
from ingest.infra.crawlstate import CRAWLER_VERSION, Crawl
from ingest.fetch import DEFAULT_PORTS, Fetcher, FetchError, host_port
from ingest.sources.settings import SourceError
from ingest.warc import WarcRecorder, warc_path

log = logging.getLogger(__name__)

#: Attachments taken with a response page, by the type their bytes turn out to be.
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/csv": "csv",
}
ATTACHMENT_EXTS = {"pdf", "doc", "docx", "xlsx", "csv"}
#: States after which a missing attachment will come back on a later run.
TRANSIENT = {"failed", "deferred"}


#: Settings every web source takes (fetching and politeness), besides its own.
CRAWL_KEYS = {"kind", "enabled", "evidence", "delay", "allow_private_addresses", "allowed_hosts", "timeout",
              "deadline", "retries", "backoff_base", "retry_after_cap", "refetch_days"}


#: What a source does with a URL (``foi-archive sources --check``).
RESPONSE, LISTING, ATTACHMENT, IGNORE = "response", "listing", "attachment", "ignore"


@dataclass(frozen=True)
class Verdict:
    """Whether a source would take a URL as a response, follow it as a listing, take it
    with a response as an attachment, or ignore it; and why."""

    url: str
    action: str
    reason: str


def source_hosts(settings: dict[str, Any], urls: list[str]) -> set[str]:
    """The hosts a source may fetch from: its start URLs' and its ``allowed_hosts``
    (a log often answers on both ``www.`` and the bare name)."""
    return {host_of(u) for u in urls} | {str(h) for h in settings.get("allowed_hosts", [])}


def foreign_host(url: str, hosts: set[str]) -> str | None:
    """Why a URL's host is not one of ``hosts``, or None if it is."""
    try:
        host = host_of(url)
    except SourceError as exc:
        return str(exc)
    if host in hosts:
        return None
    return f"host {host} is not one of this source's ({', '.join(sorted(hosts))}); add it to allowed_hosts"


def host_of(url: str) -> str:
    """``host`` or ``host:port`` as the fetcher's allowlist names it."""
    try:
        scheme, host, port = host_port(url)
    except FetchError as exc:
        raise SourceError(f"bad URL {url!r}: {exc.detail}") from None
    return host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"


def make_crawl(config: Config, name: str, settings: dict[str, Any], store: Store,
               urls: list[str], progress: Any = None) -> Crawl:
    """A Crawl for a source: its own hosts only, its delay, the configured User-Agent."""
    hosts = source_hosts(settings, urls)
    fetcher = Fetcher(
        config.ingest.user_agent, allowed_hosts=hosts,
        delay=float(settings.get("delay", 1.0)),
        allow_private_addresses=bool(settings.get("allow_private_addresses", False)),
        max_bytes=min(config.ingest.max_file_mb, 50) * 1024 * 1024,
        timeout=float(settings.get("timeout", 30)), deadline=float(settings.get("deadline", 120)),
        retries=int(settings.get("retries", 3)),
        backoff_base=float(settings.get("backoff_base", 1.0)),
        retry_after_cap=float(settings.get("retry_after_cap", 120)))
    crawl = Crawl(store, fetcher, name, refetch_days=float(settings.get("refetch_days", 30)))
    crawl.progress = progress
    # Every exchange is also kept as a web archive, one WARC file a run (ingest/warc.py).
    fetcher.recorder = WarcRecorder(warc_path(config.store_path, name, datetime.now(timezone.utc)),
                                    software=f"FOI-Archive crawler {CRAWLER_VERSION} (warcio)")
    return crawl


def page_links(body: bytes, base_url: str) -> list[str]:
    """Absolute http(s) links on an HTML page, without fragments, in page order."""
    soup = BeautifulSoup(body.decode("utf-8", errors="replace"), "lxml")
    seen: dict[str, None] = {}
    for a in soup.find_all("a", href=True):
        url = urljoin(base_url, a["href"].strip()).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(url, None)
    return list(seen)


def url_ext(url: str) -> str:
    return os.path.splitext(urlsplit(url).path)[1].lstrip(".").lower()


def _disposition_name(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"filename\*\s*=\s*[^']*'[^']*'([^;]+)", value) or \
        re.search(r'filename\s*=\s*"([^"]+)"', value) or re.search(r"filename\s*=\s*([^;]+)", value)
    return unquote(match.group(1).strip()) if match else None


def safe_name(raw: str, ext: str | None = None) -> str:
    """A display name only (storage is by sha256): no path, no control characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", raw.replace("\\", "/")).split("/")[-1].strip(" .")
    name = name[:150] or "attachment"
    if ext and url_ext(f"/{name}") != ext:
        name = f"{name}.{ext}"
    return name


def fetch_attachments(crawl: Crawl, urls: list[str], doc_id: str | None
                      ) -> tuple[list[tuple[bytes, str, str]], str | None]:
    """Fetch a page's attachments: ([(bytes, name, url)], why the page must wait or None).

    An attachment that failed for now (deferred, connection, 5xx) holds the whole
    record back, so that a passing fault never makes a version without it.
    """
    found: list[tuple[bytes, str, str]] = []
    for url in urls:
        page = crawl.fetch(url, doc_id=doc_id)
        if page is None:
            row = crawl.state.get(crawl.source, url)
            if row and row.state in TRANSIENT:
                return [], f"attachment {url}: {row.reason or row.state}"
            continue
        kind = ATTACHMENT_TYPES.get(page.content_type or "")
        if kind is None and url_ext(url) == "csv" and page.content_type in (None, "text/plain", "text/csv"):
            kind = "csv"
        if kind is None:
            # Disclosure logs answer dead links with HTML login or error pages.
            crawl.failed(url, f"wrong_type: {page.content_type} where a document was linked")
            continue
        name = _disposition_name(page.headers.get("content-disposition")) or \
            unquote(os.path.basename(urlsplit(url).path)) or "attachment"
        found.append((page.body, safe_name(name, kind), url))
    return found, None


def header_date(headers: dict[str, str]) -> str | None:
    """The ISO date of a response's Last-Modified header: the source's date of a page
    whose text has none (ingest/metadata/dates.py, source_date)."""
    value = headers.get("last-modified")
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat() if value else None
    except (TypeError, ValueError, IndexError):
        return None


def page_name(url: str) -> str:
    """A file name for a response page, from its URL (a type hint and a fallback title)."""
    path = urlsplit(url).path.rstrip("/")
    stem = safe_name(unquote(os.path.basename(path)) or "page")
    return stem if stem.lower().endswith((".html", ".htm")) else f"{stem}.html"


def collect_records(intake: Any, crawl: Any, keys: Any,
                    record: Any) -> tuple[list[Any], dict[str, int]]:
    """Build the record of each key, save the crawl state, and count the requests made."""
    items = [item for key in keys if (item := record(intake, crawl, key)) is not None]
    intake.store.commit()
    crawl.counts["requests"] = crawl.fetcher.requests
    return items, crawl.counts

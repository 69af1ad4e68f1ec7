"""``foi-archive ingest --warc FILE...``: responses taken from web archives made elsewhere.

Each WARC is read in a limited child process (ingest/warc.py, ``read_captures``). Every
configured web source then judges the captured URLs as it would judge them on the live
site (``check``: a response, a listing, an attachment, or nothing), and builds its
records with its own code, reading pages from the captures instead of the network
(``ArchiveCrawl``). A record from a WARC is the record a crawl of the site makes: same
source, same locator, same document; its provenance names the WARC, the record's offset
and the capture time.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.config import Config
from archive.store import Store
from ingest.infra.crawlstate import Crawl, CrawlState, Page
from ingest.fetch import sniff_content_type
from ingest.infra.isolation import IsolatedPool
from ingest.pipeline import Ingester
from ingest.records import Item, Progress
from ingest.sources.runner import make_source
from ingest.sources.crawling import RESPONSE, collect_records
from ingest.sources.settings import SourceError
from ingest.warc import Capture, WarcError, read_captures

log = logging.getLogger(__name__)

def _plain(url: str) -> str:
    """An address without its scheme, fragment, query and final slash."""
    return url.split("#", 1)[0].split("?", 1)[0].split("://", 1)[-1].rstrip("/")


class _NoFetcher:
    requests = 0  # nothing goes to the network


class ArchiveCrawl:
    """What a source's record builder needs of a Crawl, answered from a WARC's captures."""

    offline = True

    def __init__(self, store: Store, source: str, captures: dict[str, Capture]) -> None:
        self.store = store
        self.source = source
        self.captures = captures
        # A page captured as a browser reached it ("?utm_source=...", "http://", no final
        # slash) is still the page a source asks for by its plain address.
        self.plain: dict[str, Capture] = {}
        for url in sorted(captures):
            self.plain.setdefault(_plain(url), captures[url])
        self.state = CrawlState(store)
        self.counts: Counter[str] = Counter()
        self.fetcher = _NoFetcher()

    def find(self, url: str) -> Capture | None:
        """The capture of ``url`` as written, else of the same plain address."""
        url = url.split("#", 1)[0]
        return self.captures.get(url) or self.plain.get(_plain(url))

    def fetch(self, url: str, *, doc_id: str | None = None) -> Page | None:
        capture = self.find(url)
        if capture is None:
            self.counts["not_in_warc"] += 1
            return None
        body = Path(capture.path).read_bytes()
        content_type = sniff_content_type(body, capture.headers.get("content-type"))
        self.store.put_object(body, content_type)
        self.store.add_provenance(
            source=self.source, locator=url, event="from_warc", doc_id=doc_id, sha256=capture.sha256,
            final_url=capture.url, status=200, size=capture.size, at=capture.at,
            headers={k: v for k, v in capture.headers.items() if k in Crawl.KEEP_HEADERS},
            crawler=f"warc:{capture.warc}@{capture.offset}")
        self.counts["from_warc"] += 1
        return Page(url, capture.url, body, capture.sha256, content_type, capture.headers, fresh=True)

    def failed(self, url: str, reason: str) -> None:
        self.counts["failed"] += 1
        log.warning("%s: %s", url, reason)


@dataclass
class WarcSummary:
    """What ``ingest --warc`` did."""

    captures: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def line(self) -> str:
        taken = ", ".join(f"{n} {name}" for name, n in sorted(self.by_source.items())) or "none"
        return (f"{self.captures} captures read; responses by source: {taken}; {self.new} new, "
                f"{self.changed} changed, {self.unchanged} unchanged, {self.failed} failed")


def ingest_warcs(config: Config, paths: list[str], *, progress: Progress | None = None) -> WarcSummary:
    """Read each WARC in a limited child process, then let every configured web source take
    the responses it recognises, as one ingest run."""
    summary = WarcSummary()
    sources = {}
    for name, settings in config.sources.items():
        if settings.get("kind") in ("disclosure_log", "alaveteli"):
            try:
                sources[name] = make_source(name, settings, config)
            except SourceError as exc:
                raise SourceError(f"{exc} (every web source judges a WARC's URLs)") from None
    max_bytes = config.ingest.max_file_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="foi-warc-") as tmp, Ingester(config, progress=progress) as ingester:
        captures: dict[str, Capture] = {}
        tasks = []
        for i, path in enumerate(paths):
            out = Path(tmp) / str(i)
            out.mkdir()
            tasks.append((path, (str(Path(path).resolve()), str(out), max_bytes)))
        # A WARC holds many responses: ten times a file's time limit; its memory limit.
        with IsolatedPool(read_captures, workers=1, timeout=config.ingest.timeout * 10,
                          memory_mb=config.ingest.memory_mb, classify=_classify) as pool:
            outcomes = list(pool.run(tasks))
        for outcome in outcomes:
            if not outcome.ok:
                summary.failed += 1
                summary.failures.append((str(outcome.key), outcome.reason or "failed", outcome.detail))
                continue
            for capture in outcome.value:
                captures.setdefault(capture.url, capture)  # the first capture of a URL
        summary.captures = len(captures)
        items: list[Item] = []
        for name, source in sources.items():
            crawl = ArchiveCrawl(ingester.store, name, captures)
            keys = _responses(source, captures)
            if not keys:
                continue
            found, _ = collect_records(ingester.intake, crawl, keys, source._record)
            summary.by_source[name] += len(found)
            items += found
        ingester.run(items)
        result = ingester.summary
        summary.new, summary.changed, summary.unchanged = result.new, result.changed, result.unchanged
        summary.failed += result.failed
        summary.failures += list(result.failures)
    return summary


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, WarcError):
        return "warc_error", str(exc)
    return "warc_error", f"{type(exc).__name__}: {exc}"


def _responses(source: Any, captures: dict[str, Capture]) -> dict[str, None]:
    """The keys of the records a source takes from the captured URLs (its response URLs;
    an Alaveteli source's url_titles)."""
    keys: dict[str, None] = {}
    for url in sorted(captures):
        if source.check(url).action != RESPONSE:
            continue
        if hasattr(source, "request_of"):
            title = source.request_of(url)
            if title:
                keys.setdefault(title, None)
        else:
            keys.setdefault(url, None)
    return keys

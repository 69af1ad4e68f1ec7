"""``foi-archive ingest --warc FILE...``: responses taken from web archives made elsewhere.

Each WARC is read in a limited child process (ingest/warc.py, ``read_captures``; the run
is ``ingest/runs.py``, ``ingest_warcs``). Every
configured web source then judges the captured URLs as it would judge them on the live
site (``check``: a response, a listing, an attachment, or nothing), and builds its
records with its own code, reading pages from the captures instead of the network
(``ArchiveCrawl``). A record from a WARC is the record a crawl of the site makes: same
source, same locator, same document; its provenance names the WARC, the record's offset
and the capture time.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from archive.store import Store
from ingest.fetch import sniff_content_type
from ingest.infra.crawlstate import Crawl, CrawlState, Page
from ingest.warc import Capture

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

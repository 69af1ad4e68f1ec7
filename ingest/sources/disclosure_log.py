"""A disclosure log: listing pages crawled breadth-first, each response page and the
documents it links to taken as one record."""

from __future__ import annotations

import logging
import re
from collections import Counter, deque
from typing import Any

from archive.config import Config
from archive.store import document_id
from ingest.intake import Intake
from ingest.records import Item
from ingest.sources.crawling import (ATTACHMENT, ATTACHMENT_EXTS, CRAWL_KEYS, IGNORE, LISTING, RESPONSE, Verdict,
                                     collect_records, fetch_attachments, foreign_host, header_date, make_crawl,
                                     page_links, page_name, source_hosts, url_ext)
from ingest.sources.settings import SourceError, check_settings

log = logging.getLogger(__name__)

KEYS = CRAWL_KEYS | {"start_urls", "follow_pattern", "item_pattern", "authority", "max_pages",
                     "attachment_pattern"}


class DisclosureLog:
    """``kind = "disclosure_log"``: start_urls, follow_pattern, item_pattern, authority, ..."""

    kind = "disclosure_log"
    #: Called after each fetch with (url, counts); set by the runner for a progress line.
    fetch_progress: Any = None

    def __init__(self, name: str, settings: dict[str, Any], config: Config) -> None:
        check_settings(name, settings, KEYS, ("start_urls", "follow_pattern", "item_pattern", "authority"))
        self.name = name
        self.settings = settings
        self.config = config
        self.start_urls = list(settings["start_urls"])
        try:
            self.follow = re.compile(settings["follow_pattern"])
            self.item = re.compile(settings["item_pattern"])
            self.attachment = re.compile(settings["attachment_pattern"]) \
                if settings.get("attachment_pattern") else None
        except re.error as exc:
            raise SourceError(f"[sources.{name}]: bad pattern: {exc}") from None
        self.authority = str(settings["authority"])
        self.max_pages = int(settings.get("max_pages", 50))
        self.hints = {"authority": self.authority}
        self.hosts = source_hosts(settings, self.start_urls)

    def is_attachment(self, url: str) -> bool:
        return url_ext(url) in ATTACHMENT_EXTS or bool(self.attachment and self.attachment.search(url))

    def check(self, url: str) -> Verdict:
        """What a crawl of this log does with ``url`` (a link's fragment is dropped, as
        links on a page are), and why."""
        link = url.strip().split("#", 1)[0]
        foreign = foreign_host(link, self.hosts)
        if foreign:
            return Verdict(url, IGNORE, foreign)
        if self.item.search(link):
            return Verdict(url, RESPONSE, "matches item_pattern")
        if self.is_attachment(link):
            return Verdict(url, ATTACHMENT, "a document: taken with the response page that links to it")
        if link in self.start_urls:
            return Verdict(url, LISTING, "a start URL")
        if self.follow.search(link):
            return Verdict(url, LISTING, "matches follow_pattern")
        return Verdict(url, IGNORE, "matches neither item_pattern nor follow_pattern")

    def collect(self, intake: Intake, only: set[str] | None = None) -> tuple[list[Item], Counter[str]]:
        """Crawl the log (or, with ``only``, just those URLs) and return its records."""
        crawl = make_crawl(self.config, self.name, self.settings, intake.store, self.start_urls,
                           self.fetch_progress)
        if only is None:
            queue = deque(self.start_urls)
            items: dict[str, None] = {}
        else:
            verdicts = [self.check(u) for u in sorted(only)]
            items = {v.url.split("#", 1)[0]: None for v in verdicts if v.action == RESPONSE}
            queue = deque(v.url.split("#", 1)[0] for v in verdicts if v.action == LISTING)
            for v in verdicts:
                if v.action in (ATTACHMENT, IGNORE):
                    # A lone document link that failed: its state is brought up to date.
                    crawl.fetch(v.url.split("#", 1)[0])
        seen = set(queue)
        pages = 0
        while queue and pages < self.max_pages:
            url = queue.popleft()
            pages += 1
            page = crawl.fetch(url)
            if page is None or page.content_type != "text/html":
                continue
            for link in page_links(page.body, page.final_url):
                if self.item.search(link):
                    items.setdefault(link, None)
                elif self.follow.search(link) and link not in seen and crawl.fetcher.is_allowed_host(link):
                    seen.add(link)
                    queue.append(link)
        if queue:
            log.info("%s: max_pages (%d) reached; %d listing pages left for later runs",
                     self.name, self.max_pages, len(queue))
        return collect_records(intake, crawl, items, self._record)

    def _record(self, intake: Intake, crawl: Any, url: str) -> Item | None:
        known = intake.store.document_by_locator(self.name, url)
        # The id the record will have, so that provenance of a first fetch names it too.
        doc_id = known.id if known else document_id(self.name, url)
        page = crawl.fetch(url, doc_id=doc_id)
        if page is None:
            return None
        if page.content_type != "text/html":
            crawl.failed(url, f"wrong_type: {page.content_type} where a response page was expected")
            return None
        links = [u for u in page_links(page.body, page.final_url) if self.is_attachment(u)]
        attachments, wait = fetch_attachments(crawl, links, doc_id)
        if wait:
            # Keep the page's validators; the next run (or --retry-failed) tries again.
            crawl.failed(url, wait)
            log.warning("%s: held back: %s", url, wait)
            return None
        item = intake.add_bundle(page.body, name=page_name(url), attachments=attachments,
                                   source=self.name, locator=url, display=url)
        item.hints = dict(self.hints)
        modified = header_date(page.headers)
        if modified:
            item.hints["last_modified"] = modified
        return item

"""WhatDoTheyKnow or any Alaveteli site: body feeds (.json) name the requests; each
request's .json, its thread page and the attachments of its responses are one record."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any

from archive.config import Config
from archive.store import document_id
from ingest.pipeline import Ingester, Item
from ingest.sources.web import (ATTACHMENT_EXTS, check_settings, collect_records,
                                fetch_attachments, make_crawl, page_links, url_ext)

log = logging.getLogger(__name__)

KEYS = {"kind", "base_url", "bodies", "delay", "allow_private_addresses", "enabled", "max_requests",
        "timeout", "deadline", "retries", "backoff_base", "retry_after_cap"}
#: A response's attachment download (not its "View as HTML" rendering).
ATTACHMENT_RE = re.compile(r"/request/\d+/response/\d+/attach/\d+/")
#: Requests no longer public on the site: marked gone, never deleted here.
HIDDEN = {"hidden", "requester_only"}
URL_TITLE_RE = re.compile(r"^[a-z0-9_]+$")


class Alaveteli:
    """``kind = "alaveteli"``: base_url, bodies (url_name list), max_requests per body."""

    kind = "alaveteli"

    def __init__(self, name: str, settings: dict[str, Any], config: Config) -> None:
        check_settings(name, settings, KEYS, ("base_url", "bodies"))
        self.name = name
        self.settings = settings
        self.config = config
        self.base = str(settings["base_url"]).rstrip("/")
        self.bodies = [str(b) for b in settings["bodies"]]
        self.max_requests = int(settings.get("max_requests", 200))
        self.hints: dict[str, Any] = {}

    def collect(self, ingester: Ingester, only: set[str] | None = None
                ) -> tuple[list[Item], Counter[str]]:
        """Records for the requests the body feeds name (or, with ``only``, those URLs)."""
        crawl = make_crawl(self.config, self.name, self.settings, ingester.store, [self.base])
        titles: dict[str, None] = {}
        if only is None:
            for body in self.bodies:
                for title in self._feed(crawl, body):
                    titles.setdefault(title, None)
        else:
            for url in only:
                match = re.search(r"/request/([a-z0-9_]+)(\.json)?$", url)
                if match:
                    titles.setdefault(match.group(1), None)
        return collect_records(ingester, crawl, titles, self._record)

    def _feed(self, crawl: Any, body: str) -> list[str]:
        url = f"{self.base}/feed/body/{body}.json"
        page = crawl.fetch(url)
        if page is None:
            return []
        try:
            events = json.loads(page.body)
        except ValueError as exc:
            crawl.failed(url, f"feed_parse_error: {exc}")
            return []
        if not isinstance(events, list):
            crawl.failed(url, "feed_parse_error: not a list of events")
            return []
        titles = []
        for event in events[: self.max_requests]:
            request = event.get("info_request") if isinstance(event, dict) else None
            title = request.get("url_title") if isinstance(request, dict) else None
            if isinstance(title, str) and URL_TITLE_RE.match(title) and title not in titles:
                titles.append(title)
        return titles

    def _record(self, ingester: Ingester, crawl: Any, title: str) -> Item | None:
        page_url = f"{self.base}/request/{title}"
        known = ingester.store.document_by_locator(self.name, page_url)
        doc_id = known.id if known else document_id(self.name, page_url)
        meta = crawl.fetch(f"{page_url}.json", doc_id=doc_id)
        if meta is None:
            return None
        try:
            info = json.loads(meta.body)
        except ValueError as exc:
            crawl.failed(f"{page_url}.json", f"feed_parse_error: {exc}")
            return None
        if info.get("prominence") in HIDDEN:
            from ingest.crawlstate import mark_gone
            crawl.state.set(self.name, page_url, "gone", reason=f"prominence {info['prominence']}")
            if known:
                mark_gone(ingester.store, known.id, source=self.name, locator=page_url)
            crawl.counts["gone"] += 1
            return None
        page = crawl.fetch(page_url, doc_id=doc_id)
        if page is None:
            return None
        links = [u for u in page_links(page.body, page.final_url)
                 if ATTACHMENT_RE.search(u) and url_ext(u) in ATTACHMENT_EXTS]
        attachments, wait = fetch_attachments(crawl, links, doc_id)
        if wait:
            crawl.failed(page_url, wait)
            return None
        item = ingester.add_bundle(page.body, name=f"{title}.html", attachments=attachments,
                                   source=self.name, locator=page_url, display=page_url)
        # The requester's own classification: kept as a hint, never above the text.
        item.hints = {k: v for k, v in (("wdtk_status", info.get("described_state")),
                                        ("law_used", info.get("law_used"))) if v}
        return item

"""WhatDoTheyKnow or any Alaveteli site: body feeds (Atom or .json) name the requests;
each request's .json, its thread page and the attachments of its responses are one record.

An Alaveteli body feed holds only the body's newest 25 events (the track
controller asks its search for one page of 25), which is right for a regular
run. To reach older requests, ``list_pages = N`` also walks the first N pages
of the body's request list (``/body/<url_name>?page=N``, 25 requests a page),
stopping at the first page that names nothing new.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from archive.config import Config
from archive.store import document_id
from ingest.intake import Intake
from ingest.records import Item
from ingest.sources.crawling import (ATTACHMENT, ATTACHMENT_EXTS, CRAWL_KEYS, IGNORE, LISTING, RESPONSE, Verdict,
                                     collect_records, fetch_attachments, foreign_host, make_crawl, page_links,
                                     source_hosts, url_ext)
from ingest.sources.settings import check_settings

log = logging.getLogger(__name__)

KEYS = CRAWL_KEYS | {"base_url", "bodies", "max_requests", "feed", "list_pages"}
FEEDS = ("json", "atom")
ATOM = "{http://www.w3.org/2005/Atom}"
#: A response's attachment download (not its "View as HTML" rendering).
ATTACHMENT_RE = re.compile(r"/request/[a-z0-9_]+/response/\d+/attach/\d+/")
# The path of an Alaveteli page, after an optional locale ("/cy/", "/en_GB/"); a query
# (utm_*, unfold=1) and a fragment (#incoming-1982253) never change which page it is.
_REQUEST_PATH = re.compile(r"^(?:/[a-z]{2}(?:_[A-Z]{2})?)?/request/(?P<title>[a-z0-9_]+)(?:\.json)?/?$")
_ATTACHMENT_PATH = re.compile(
    r"^(?:/[a-z]{2}(?:_[A-Z]{2})?)?/request/(?P<title>[a-z0-9_]+)/response/\d+/attach/(?:html/)?\d+/")
_BODY_PATH = re.compile(r"^(?:/[a-z]{2}(?:_[A-Z]{2})?)?/(?:feed/)?body/(?P<body>[a-z0-9_]+)(?:\.json)?(?:/.*)?$")
#: Requests no longer public on the site: marked gone, never deleted here.
HIDDEN = {"hidden", "requester_only"}
URL_TITLE_RE = re.compile(r"^[a-z0-9_]+$")


class Alaveteli:
    """``kind = "alaveteli"``: base_url, bodies (url_name list), max_requests per body."""

    kind = "alaveteli"
    #: Called after each fetch with (url, counts); set by the runner for a progress line.
    fetch_progress: Any = None

    def __init__(self, name: str, settings: dict[str, Any], config: Config) -> None:
        check_settings(name, settings, KEYS, ("base_url", "bodies"))
        self.name = name
        self.settings = settings
        self.config = config
        self.base = str(settings["base_url"]).rstrip("/")
        self.bodies = [str(b) for b in settings["bodies"]]
        self.max_requests = int(settings.get("max_requests", 200))
        self.feed = str(settings.get("feed", "json"))
        if self.feed not in FEEDS:
            raise ValueError(f"[sources.{name}] feed must be one of {', '.join(FEEDS)}, not {self.feed!r}")
        self.list_pages = int(settings.get("list_pages", 0))
        self.hints: dict[str, Any] = {}
        self.hosts = source_hosts(settings, [self.base])

    def collect(self, intake: Intake, only: set[str] | None = None
                ) -> tuple[list[Item], Counter[str]]:
        """Records for the requests the body feeds name (or, with ``only``, those URLs)."""
        crawl = make_crawl(self.config, self.name, self.settings, intake.store, [self.base],
                           self.fetch_progress)
        titles: dict[str, None] = {}
        if only is None:
            for body in self.bodies:
                found = self._feed(crawl, body)
                found += self._listing(crawl, body, set(found))
                for title in found[: self.max_requests]:
                    titles.setdefault(title, None)
        else:
            for url in sorted(only):
                title = self.request_of(url)
                if title:
                    titles.setdefault(title, None)
                else:
                    log.warning("%s: %s: %s", self.name, url, self.check(url).reason)
        return collect_records(intake, crawl, titles, self._record)

    def request_of(self, url: str) -> str | None:
        """The url_title of the request a URL is, or is an attachment of; None for another
        page, another site or a request named by its number (Alaveteli's own redirect
        is the only way from a number to its url_title)."""
        verdict = self.check(url)
        if verdict.action not in (RESPONSE, ATTACHMENT):
            return None
        match = _REQUEST_PATH.match(urlsplit(url).path) or _ATTACHMENT_PATH.match(urlsplit(url).path)
        return match["title"] if match else None

    def check(self, url: str) -> Verdict:
        """What this source does with ``url``, and why (``foi-archive sources --check``)."""
        foreign = foreign_host(url.strip(), self.hosts)
        if foreign:
            return Verdict(url, IGNORE, foreign)
        path = urlsplit(url.strip()).path
        request, attachment = _REQUEST_PATH.match(path), _ATTACHMENT_PATH.match(path)
        if request or attachment:
            title = (request or attachment)["title"]  # type: ignore[index]
            if title.isdigit():
                return Verdict(url, IGNORE, f"names request number {title}, not its url_title: use the "
                                            "address the site redirects it to (/request/<url_title>)")
            if title in NOT_REQUESTS:
                return Verdict(url, IGNORE, f"/request/{title} is a page of the site, not a request")
            if attachment:
                return Verdict(url, ATTACHMENT, f"an attachment of request {title}: taken with the request")
            return Verdict(url, RESPONSE, f"request {title}")
        body = _BODY_PATH.match(path)
        if body:
            name = body["body"]
            if name in self.bodies:
                return Verdict(url, LISTING, f"the requests of body {name}, one of this source's bodies")
            return Verdict(url, IGNORE, f"body {name} is not in this source's bodies (add it to bodies)")
        return Verdict(url, IGNORE, "neither a request, an attachment of one nor a body's list of requests")

    def _feed(self, crawl: Any, body: str) -> list[str]:
        """The url_titles a body feed names, newest first (Atom or JSON, as configured)."""
        url = f"{self.base}/feed/body/{body}" + (".json" if self.feed == "json" else "")
        page = crawl.fetch(url)
        if page is None:
            return []
        try:
            found = json_feed_titles(page.body) if self.feed == "json" else atom_feed_titles(page.body)
        except FeedError as exc:
            crawl.failed(url, f"feed_parse_error: {exc}")
            return []
        return _unique(found)[: self.max_requests]

    def _listing(self, crawl: Any, body: str, seen: set[str]) -> list[str]:
        """Older requests from the body's request list, ``list_pages`` pages at most."""
        found: list[str] = []
        for number in range(1, self.list_pages + 1):
            if len(seen) + len(found) >= self.max_requests:
                break
            url = f"{self.base}/body/{body}" + (f"?page={number}" if number > 1 else "")
            page = crawl.fetch(url)
            if page is None:
                break
            new = [t for t in _unique(_link_titles(page_links(page.body, page.final_url)))
                   if t not in seen and t not in found]
            if not new:
                break  # past the last page: Alaveteli shows an empty list, not a 404
            found.extend(new)
        return found

    def _record(self, intake: Intake, crawl: Any, title: str) -> Item | None:
        page_url = f"{self.base}/request/{title}"
        known = intake.store.document_by_locator(self.name, page_url)
        doc_id = known.id if known else document_id(self.name, page_url)
        meta = crawl.fetch(f"{page_url}.json", doc_id=doc_id)
        info: dict[str, Any] = {}
        if meta is None and not getattr(crawl, "offline", False):
            return None
        # A web archive made elsewhere may hold the thread page without its .json: the
        # record is then the page and its attachments, with no requester's status.
        if meta is not None:
            try:
                info = json.loads(meta.body)
            except ValueError as exc:
                crawl.failed(f"{page_url}.json", f"feed_parse_error: {exc}")
                return None
            if not isinstance(info, dict):
                crawl.failed(f"{page_url}.json", "feed_parse_error: not a JSON object")
                return None
        if info.get("prominence") in HIDDEN:
            from ingest.infra.crawlstate import mark_gone
            crawl.state.set(self.name, page_url, "gone", reason=f"prominence {info['prominence']}")
            if known:
                mark_gone(intake.store, known.id, source=self.name, locator=page_url)
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
        item = intake.add_bundle(page.body, name=f"{title}.html", attachments=attachments,
                                   source=self.name, locator=page_url, display=page_url)
        # The requester's own classification: kept as a hint, never above the text.
        item.hints = {k: v for k, v in (("wdtk_status", info.get("described_state")),
                                        ("law_used", info.get("law_used"))) if v}
        return item


class FeedError(ValueError):
    """A feed that is not what an Alaveteli feed looks like."""


#: Alaveteli routes under /request/ that are not requests.
NOT_REQUESTS = {"new", "search_ahead", "select_authority"}


def _unique(titles: list[str]) -> list[str]:
    # A number is a request's id, never its url_title (Alaveteli redirects it to that).
    return [t for t in dict.fromkeys(titles) if URL_TITLE_RE.match(t) and not t.isdigit()
            and t not in NOT_REQUESTS]


def _link_titles(urls: list[str]) -> list[str]:
    """The url_titles of the requests that links lead to: a request's page (any locale,
    query or fragment) or an attachment of one."""
    found = []
    for url in urls:
        path = urlsplit(url).path
        match = _REQUEST_PATH.match(path) or _ATTACHMENT_PATH.match(path)
        if match:
            found.append(match["title"])
    return found


def json_feed_titles(body: bytes) -> list[str]:
    """url_titles from a ``/feed/body/<name>.json`` list of events."""
    try:
        events = json.loads(body)
    except ValueError as exc:
        raise FeedError(str(exc)) from exc
    if not isinstance(events, list):
        raise FeedError("not a list of events")
    titles = []
    for event in events:
        request = event.get("info_request") if isinstance(event, dict) else None
        title = request.get("url_title") if isinstance(request, dict) else None
        if isinstance(title, str):
            titles.append(title)
    return titles


def atom_feed_titles(body: bytes) -> list[str]:
    """url_titles from an Atom body feed: each entry's alternate link is the request page.

    A feed never needs a DTD, so one is refused outright: no entity can expand
    (billion laughs) or reach outside (XXE) (docs/reliability.md C17).
    """
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise FeedError("a DTD or entity declaration in a feed is refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise FeedError(str(exc)) from exc
    if root.tag != f"{ATOM}feed":
        raise FeedError(f"not an Atom feed (root element {root.tag!r})")
    links = []
    for entry in root.iter(f"{ATOM}entry"):
        for link in entry.iter(f"{ATOM}link"):
            if link.get("rel", "alternate") == "alternate" and link.get("href"):
                links.append(link.get("href", ""))
                break
        else:
            # The request-events flavour names the request in its own element.
            for element in entry:
                if element.tag.endswith("}request_url") and element.text:
                    links.append(element.text.strip())
    return _link_titles(links)

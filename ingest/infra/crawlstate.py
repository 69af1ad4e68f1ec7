"""Crawl state in the store's catalogue: every URL a source finds ends in one known
state, and every fetch leaves a provenance row.

States: stored (new bytes kept), unchanged (fetched, same bytes), not_modified
(304), skipped_robots, not_allowed, failed, deferred (try again after next_try),
gone (404/410 where a response used to be).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from archive.store import Store, utcnow
from ingest.fetch import CRAWLER_VERSION, Fetcher, FetchError, sniff_content_type

log = logging.getLogger(__name__)

STATES = ("stored", "unchanged", "not_modified", "skipped_robots", "not_allowed", "failed",
          "deferred", "gone")

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    source        TEXT NOT NULL,
    url           TEXT NOT NULL,
    state         TEXT NOT NULL,
    etag          TEXT,       -- for the folder source: "size:mtime_ns" of the file
    last_modified TEXT,
    sha256        TEXT,       -- the bytes last stored for this URL
    status        INTEGER,
    last_fetched  TEXT,
    next_try      REAL,       -- epoch seconds, for deferred URLs
    reason        TEXT,
    last_full     REAL,       -- epoch seconds of the last unconditional 200 (lying ETags)
    PRIMARY KEY (source, url)
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id        INTEGER PRIMARY KEY,
    source    TEXT NOT NULL,
    started   TEXT NOT NULL,
    finished  TEXT,
    counts    TEXT           -- JSON: the end-of-run summary
);
"""

#: What a fetch error leaves a URL as.
ERROR_STATES = {"robots": "skipped_robots", "not_allowed": "not_allowed",
                "private_address": "not_allowed", "bad_url": "not_allowed",
                "deferred": "deferred"}


@dataclass
class UrlRow:
    source: str
    url: str
    state: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    status: int | None
    last_fetched: str | None
    next_try: float | None
    reason: str | None
    last_full: float | None = None


class CrawlState:
    """The urls and crawl_runs tables of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.db.executescript(SCHEMA)
        store.add_columns("urls", ("last_full",), "REAL")  # catalogues made before it

    def get(self, source: str, url: str) -> UrlRow | None:
        row = self.db.execute("SELECT * FROM urls WHERE source = ? AND url = ?",
                              (source, url)).fetchone()
        return UrlRow(**dict(row)) if row else None

    def set(self, source: str, url: str, state: str, **values: Any) -> None:
        """Put ``url`` in ``state``; validators and digest are kept unless given."""
        assert state in STATES, state
        old = self.get(source, url)
        merged = {"etag": None, "last_modified": None, "sha256": None, "status": None,
                  "last_fetched": None, "next_try": None, "reason": None, "last_full": None}
        if old is not None:
            merged.update(etag=old.etag, last_modified=old.last_modified, sha256=old.sha256,
                          last_full=old.last_full)
        merged.update(values)
        self.db.execute(
            "INSERT OR REPLACE INTO urls (source, url, state, etag, last_modified, sha256, status,"
            " last_fetched, next_try, reason, last_full) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source, url, state, merged["etag"], merged["last_modified"], merged["sha256"],
             merged["status"], merged["last_fetched"] or utcnow(), merged["next_try"],
             merged["reason"], merged["last_full"]))

    def urls(self, source: str, states: tuple[str, ...] = STATES) -> list[UrlRow]:
        marks = ",".join("?" * len(states))
        return [UrlRow(**dict(r)) for r in self.db.execute(
            f"SELECT * FROM urls WHERE source = ? AND state IN ({marks}) ORDER BY url",
            (source, *states))]

    def failures(self, source: str | None = None) -> list[UrlRow]:
        """URLs whose last fetch failed or was deferred (all sources, or one)."""
        sql = "SELECT * FROM urls WHERE state IN ('failed', 'deferred')"
        args: tuple[Any, ...] = ()
        if source:
            sql += " AND source = ?"
            args = (source,)
        return [UrlRow(**dict(r)) for r in self.db.execute(sql + " ORDER BY source, url", args)]

    def start_run(self, source: str) -> int:
        cur = self.db.execute("INSERT INTO crawl_runs (source, started) VALUES (?, ?)",
                              (source, utcnow()))
        self.store.commit()  # files it names are made durable first
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        self.db.execute("UPDATE crawl_runs SET finished = ?, counts = ? WHERE id = ?",
                        (utcnow(), json.dumps(counts), run_id))
        self.store.commit()  # files it names are made durable first

    def last_run(self, source: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM crawl_runs WHERE source = ? ORDER BY id DESC LIMIT 1",
                              (source,)).fetchone()
        if row is None:
            return None
        return {"started": row["started"], "finished": row["finished"],
                "counts": json.loads(row["counts"]) if row["counts"] else None}


def mark_gone(store: Store, doc_id: str, *, source: str, locator: str, status: int | None = None,
              headers: dict[str, str] | None = None) -> bool:
    """Mark a document as gone from its source (never deleted); say whether it changed."""
    doc = store.document(doc_id)
    if doc is None or doc.source_status == "gone":
        return False
    store.db.execute("UPDATE documents SET source_status = 'gone' WHERE id = ?", (doc_id,))
    store.add_provenance(source=source, locator=locator, event="gone", doc_id=doc_id,
                         sha256=doc.sha256, status=status, headers=headers)
    log.info("%s: gone from %s (%s)", doc_id, source, status)
    return True


@dataclass
class Page:
    """Bytes for a URL this run: freshly fetched, or the stored copy after a 304."""

    url: str
    final_url: str
    body: bytes
    sha256: str
    content_type: str | None
    headers: dict[str, str]
    fresh: bool  # False when the server said 304 and the bytes are the stored ones


def _epoch_iso(value: float) -> str:
    return datetime.fromtimestamp(value, timezone.utc).replace(microsecond=0).isoformat()


class Crawl:
    """Fetches for one source: conditional GETs, URL states and provenance together."""

    #: Headers worth keeping in provenance (reliability.md I2).
    KEEP_HEADERS = ("etag", "last-modified", "content-type", "content-disposition",
                    "content-encoding", "content-length", "retry-after", "location", "date")

    def __init__(self, store: Store, fetcher: Fetcher, source: str, *, refetch_days: float = 30) -> None:
        self.store = store
        self.fetcher = fetcher
        self.source = source
        # A server may keep an ETag while the bytes change (reliability.md C7): after
        # this long a URL is fetched whole once, without validators. 0 = every run.
        self.refetch_seconds = refetch_days * 86400
        #: Called after every fetch with the URL and the counts so far (a progress line).
        self.progress: Callable[[str, Counter[str]], None] | None = None
        self.state = CrawlState(store)
        self.counts: Counter[str] = Counter()

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k in self.KEEP_HEADERS}

    def fetch(self, url: str, *, doc_id: str | None = None) -> Page | None:
        """The bytes of ``url``, or None with the URL's state recorded (robots, failed, ...)."""
        page = self._fetch(url, doc_id)
        if self.progress is not None:
            self.progress(url, self.counts)
        return page

    def _fetch(self, url: str, doc_id: str | None) -> Page | None:
        row = self.state.get(self.source, url)
        if row and row.state == "deferred" and row.next_try and row.next_try > time.time():
            self.counts["deferred"] += 1
            log.info("%s: deferred until %s", url, _epoch_iso(row.next_try))
            return None
        have = bool(row and row.sha256 and self.store.has_object(row.sha256))
        if have and row and time.time() - (row.last_full or 0) >= self.refetch_seconds:
            have = False  # due a whole fetch: no If-None-Match / If-Modified-Since
        doc = doc_id or self._doc_for(url)
        try:
            result = self.fetcher.get(url, etag=row.etag if have and row else None,
                                      last_modified=row.last_modified if have and row else None)
        except FetchError as exc:
            self._failed(url, exc, doc)
            return None
        headers = self._headers(result.headers)
        if result.not_modified:
            assert row is not None and row.sha256
            # The stored digest stands: a 304 has no body to hash (openwayback#224).
            self.state.set(self.source, url, "not_modified", status=304)
            self.store.add_provenance(source=self.source, locator=url, event="not_modified",
                                      doc_id=doc, sha256=row.sha256, final_url=result.final_url,
                                      status=304, headers=headers, crawler=CRAWLER_VERSION,
                                      robots=result.robots, redirects=result.redirects)
            self.counts["not_modified"] += 1
            body = self.store.read_object(row.sha256)
            return Page(url, result.final_url, body, row.sha256, sniff_content_type(body, None),
                        result.headers, fresh=False)
        assert result.body is not None and result.sha256
        self.store.put_object(result.body, result.content_type)
        state = "unchanged" if row and row.sha256 == result.sha256 else "stored"
        self.state.set(self.source, url, state, sha256=result.sha256, status=result.status,
                       etag=result.headers.get("etag"),
                       last_modified=result.headers.get("last-modified"), last_full=time.time())
        self.store.add_provenance(source=self.source, locator=url, event="fetched", doc_id=doc,
                                  sha256=result.sha256, final_url=result.final_url,
                                  status=result.status, headers=headers, size=len(result.body),
                                  crawler=CRAWLER_VERSION, robots=result.robots,
                                  redirects=result.redirects)
        self.counts[state] += 1
        return Page(url, result.final_url, result.body, result.sha256, result.content_type,
                    result.headers, fresh=True)

    def _doc_for(self, url: str) -> str | None:
        doc = self.store.document_by_locator(self.source, url)
        return doc.id if doc else None

    def _failed(self, url: str, exc: FetchError, doc: str | None) -> None:
        headers = self._headers(exc.headers)
        if exc.reason == "http_error" and exc.status in (404, 410):
            state = "gone"
        else:
            state = ERROR_STATES.get(exc.reason, "failed")
        self.state.set(self.source, url, state, status=exc.status, reason=str(exc),
                       next_try=exc.retry_at)
        if state == "gone" and doc:  # mark_gone writes the 'gone' event itself
            mark_gone(self.store, doc, source=self.source, locator=url, status=exc.status,
                      headers=headers)
        else:
            self.store.add_provenance(
                source=self.source, locator=url, event="gone" if state == "gone" else "failed",
                doc_id=doc, final_url=exc.final_url, status=exc.status, headers=headers,
                crawler=CRAWLER_VERSION,
                robots=f"disallowed: {exc.detail}" if exc.reason == "robots" else None,
                redirects=exc.redirects)
        self.counts[state] += 1
        log.warning("%s: %s", url, exc)

    def failed(self, url: str, reason: str) -> None:
        """Record a URL as failed for a reason found after fetching (e.g. wrong type)."""
        self.state.set(self.source, url, "failed", reason=reason)
        self.counts["failed"] += 1

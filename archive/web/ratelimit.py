"""A per-client request limit that holds across every worker process.

gunicorn runs several worker processes; a counter kept in memory would give each
client N times the limit (Flask-Limiter's ``memory://`` has the same flaw). The
counters live in one small SQLite file instead, a fixed window per client, and
every worker updates it in one statement.

The client is the socket peer address. ``X-Forwarded-For`` is believed only when
the peer is one of ``[site] trusted_proxies``, and then only the entries to the
right of the first untrusted address, so a client cannot choose its own bucket.
IPv6 clients are counted by their /64, which is what one subscriber is given.

If the counter file cannot be used (locked too long, disk full), the request is
let through and a warning logged: the limit protects the site, it must not be
what takes it down.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, jsonify, render_template, request

from archive.config import Config, parse_rate

log = logging.getLogger(__name__)

#: Never counted: monitoring and the stylesheet.
EXEMPT_ENDPOINTS = frozenset({"static", "site.health"})
CLEANUP_EVERY = 1000  # hits per process between deletions of finished windows

SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (
    client  TEXT PRIMARY KEY,
    window  INTEGER NOT NULL,
    count   INTEGER NOT NULL
) WITHOUT ROWID;
"""
HIT = """
INSERT INTO hits (client, window, count) VALUES (?, ?, 1)
ON CONFLICT (client) DO UPDATE SET
    count = CASE WHEN hits.window = excluded.window THEN hits.count + 1 ELSE 1 END,
    window = excluded.window
RETURNING count
"""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimiter:
    """Fixed-window counters per client in a SQLite file shared by processes."""

    def __init__(self, path: Path, limit: int, window: int, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.limit = limit
        self.window = window
        self.clock = clock
        self._local = threading.local()
        self._hits = 0

    def _db(self) -> sqlite3.Connection:
        # One connection per process and thread: gunicorn forks after the app is built.
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters, not records: no fsync per request
            db.executescript(SCHEMA)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def hit(self, client: str) -> int | None:
        """Count one request; None if allowed, else the seconds until it may retry."""
        now = self.clock()
        window = int(now // self.window)
        try:
            db = self._db()
            (count,), = db.execute(HIT, (client, window)).fetchall()
            self._hits += 1
            if self._hits % CLEANUP_EVERY == 0:
                db.execute("DELETE FROM hits WHERE window < ?", (window,))
        except sqlite3.Error as exc:
            log.warning("rate limit not applied (%s): %s", self.path, exc)
            return None
        if count <= self.limit:
            return None
        return max(1, math.ceil((window + 1) * self.window - now))


def parse_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _bucket(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in proxies)


def client_key(peer: str | None, forwarded_for: str | None,
               proxies: tuple[Network, ...]) -> str:
    """Whose allowance a request counts against."""
    address = peer or ""
    if forwarded_for and trusted(address, proxies):
        # Walk from the right: each hop appends the address it saw. The first one
        # not ours is the client; anything further left the client could have written.
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            address = hop
            if not trusted(hop, proxies):
                break
    return _bucket(address)


def install_rate_limit(app: Flask, config: Config) -> None:
    """Register the limit on ``app`` if ``[site] rate_limit`` sets one."""
    rate = parse_rate(config.site.rate_limit)
    if rate is None:
        return
    limiter = RateLimiter(config.rate_limit_path, *rate)
    proxies = parse_networks(config.site.trusted_proxies)
    app.extensions["foi_rate_limiter"] = limiter

    @app.before_request
    def rate_limit():  # type: ignore[no-untyped-def]
        if request.endpoint in EXEMPT_ENDPOINTS:
            return None
        key = client_key(request.remote_addr, request.headers.get("X-Forwarded-For"), proxies)
        retry_after = limiter.hit(key)
        if retry_after is None:
            return None
        message = (f"More than {limiter.limit} requests in {limiter.window} seconds from your "
                   f"address. Please wait {retry_after} seconds.")
        if request.path.endswith((".json", ".jsonl")):
            response = jsonify({"error": {"status": 429, "title": "Too many requests",
                                          "message": message}})
        else:
            response = app.make_response(render_template(
                "error.html", status=429, title="Too many requests", message=message))
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after)
        return response

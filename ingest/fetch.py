"""A polite, safe HTTP fetcher: robots.txt, per-host delay, conditional GET, retries,
an allowlist checked on every redirect, no private addresses, and hard limits on
bytes and time.

Built on the standard library's http.client so that every step a hostile server
could abuse (DNS answer, redirect, body size, decompression, a slow drip) is in
our hands: we resolve the name ourselves, refuse private addresses and connect to
the address we checked, so a second DNS answer cannot point us elsewhere.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import ipaddress
import logging
import random
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import unquote, urljoin, urlsplit

log = logging.getLogger(__name__)

#: Written into every provenance row, so a fetch can be traced to the code that made it.
CRAWLER_VERSION = "foi-archive-fetch/2"
MiB = 1024 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least 500 KiB
CHUNK = 16 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A URL could not be fetched; ``reason`` says why in one word."""

    REASONS = {"robots", "not_allowed", "private_address", "too_large", "timeout",
               "http_error", "deferred", "connection", "bad_url"}

    def __init__(self, reason: str, detail: str = "", *, url: str = "", status: int | None = None,
                 headers: dict[str, str] | None = None, final_url: str | None = None,
                 retry_at: float | None = None, redirects: list[str] | None = None) -> None:
        assert reason in self.REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.url = url
        self.status = status
        self.headers = headers or {}
        self.final_url = final_url
        self.retry_at = retry_at  # epoch seconds, for "deferred"
        self.redirects = redirects or []


@dataclass
class Exchange:
    """One HTTP request and its response, as sent and received (the body decoded of its
    Content-Encoding; None when it was not read: any status but 200)."""

    url: str
    ip: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes | None
    at: datetime


@dataclass
class FetchResult:
    """One successful GET (200) or a 304 Not Modified."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes | None
    not_modified: bool
    redirects: list[str] = field(default_factory=list)
    fetched_at: str = ""
    sha256: str | None = None
    content_type: str | None = None
    robots: str = "not checked"  # the robots.txt decision this fetch went ahead on


# -- robots.txt (RFC 9309) -------------------------------------------------------------


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent, as robots.txt groups name it (RFC 9309 §2.2.1)."""
    match = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return (match.group(0) if match else user_agent).lower()


def _pattern_regex(path: str) -> re.Pattern[str]:
    end = path.endswith("$")
    if end:
        path = path[:-1]
    body = ".*".join(re.escape(_normalise_path(part)) for part in path.split("*"))
    return re.compile(body + ("$" if end else ""))


def _normalise_path(path: str) -> str:
    # Compare percent-decoded paths so that %7E and ~ are the same (RFC 9309 §2.2.2),
    # but keep an encoded slash distinct from a path separator.
    return unquote(path.replace("%2F", "%252F").replace("%2f", "%252f"))


@dataclass
class Robots:
    """The rules of one robots.txt group for our product token."""

    rules: list[tuple[bool, int, re.Pattern[str]]] = field(default_factory=list)  # allow, length, re
    crawl_delay: float | None = None
    allow_all: bool = False
    disallow_all: bool = False
    basis: str = "robots.txt"  # what the rules came from, for provenance

    @classmethod
    def parse(cls, text: str, token: str) -> "Robots":
        """Parse robots.txt text, keeping the group that matches ``token`` (else ``*``)."""
        groups: list[tuple[list[str], list[tuple[str, str]]]] = []
        agents: list[str] = []
        lines: list[tuple[str, str]] = []
        in_rules = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            key, value = (s.strip() for s in line.split(":", 1))
            key = key.lower()
            if key == "user-agent":
                if in_rules:
                    groups.append((agents, lines))
                    agents, lines, in_rules = [], [], False
                agents.append(product_token(value) if value != "*" else "*")
            elif key in ("allow", "disallow", "crawl-delay"):
                if agents:
                    in_rules = True
                    lines.append((key, value))
        if agents:
            groups.append((agents, lines))
        chosen = [rules for names, rules in groups if token in names]
        if not chosen:
            chosen = [rules for names, rules in groups if "*" in names]
        robots = cls()
        for rules in chosen:  # several groups for one agent are combined (§2.2.1)
            for key, value in rules:
                if key == "crawl-delay":
                    try:
                        robots.crawl_delay = max(robots.crawl_delay or 0.0, float(value))
                    except ValueError:
                        pass
                elif value:  # an empty Disallow says nothing
                    robots.rules.append((key == "allow", len(value), _pattern_regex(value)))
        return robots

    def can_fetch(self, path_and_query: str) -> bool:
        """Longest match wins; on a tie, allow (RFC 9309 §2.2.2)."""
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        target = _normalise_path(path_and_query or "/")
        if target.startswith("/robots.txt"):
            return True
        best: tuple[int, bool] | None = None
        for allow, length, regex in self.rules:
            if regex.match(target):
                if best is None or length > best[0] or (length == best[0] and allow):
                    best = (length, allow)
        return True if best is None else best[1]


# -- the fetcher -----------------------------------------------------------------------


def _http_date(value: float) -> str:
    return email.utils.formatdate(value, usegmt=True)


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def host_port(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError("bad_url", f"scheme {scheme or '(none)'!r} is not http or https", url=url)
    if parts.username or parts.password:
        raise FetchError("bad_url", "credentials in the URL", url=url)
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise FetchError("bad_url", "bad port", url=url) from None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchError("bad_url", "no host", url=url)
    return scheme, host, port


def sniff_content_type(body: bytes, declared: str | None) -> str | None:
    """The media type the bytes really are, where magic bytes say so; else the header's."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "application/pdf"
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if body.startswith(b"PK\x03\x04"):
        if b"word/" in body[:65536]:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if b"xl/" in body[:65536]:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "application/zip"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:512]:
        return "text/html"
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<feed"):
        return "application/xml"
    if lowered[:1] in (b"{", b"["):
        return "application/json"
    base = (declared or "").split(";", 1)[0].strip().lower()
    return base or None


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers, in DNS order, as
    ``socket.create_connection`` tries a name's addresses (a name with an IPv6 address
    that refuses, "localhost" as ::1 on most systems, is still reached over IPv4)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses we already checked, whatever DNS says now."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to checked addresses, still verifying the certificate for the host name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _Decoder:
    """Content-Encoding gzip/deflate undone incrementally, never past ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.size = 0
        self._d: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._d = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding not in ("", "identity"):
            raise FetchError("http_error", f"unsupported Content-Encoding {encoding!r}")
        self._first = True

    def feed(self, data: bytes) -> bytes:
        if self._d is None:
            return self._count(data)
        out = []
        while data:
            try:
                piece = self._d.decompress(data, self.limit - self.size + 1)
            except zlib.error:
                if self.encoding == "deflate" and self._first:
                    # Some servers send raw deflate without the zlib header.
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise FetchError("http_error", "corrupt compressed body") from None
            self._first = False
            out.append(self._count(piece))
            data = self._d.unconsumed_tail
            if self._d.eof:
                break
        return b"".join(out)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError("too_large", f"more than {self.limit} bytes after decoding")
        return data

    def flush(self) -> bytes:
        return self._count(self._d.flush()) if self._d is not None else b""


class Fetcher:
    """GETs URLs on a set of allowed hosts, politely and within limits."""

    def __init__(self, user_agent: str, *, allowed_hosts: set[str], delay: float = 1.0,
                 allow_private_addresses: bool = False, max_bytes: int = 50 * MiB,
                 timeout: float = 30.0, deadline: float = 120.0, retries: int = 3,
                 backoff_base: float = 1.0, backoff_cap: float = 60.0,
                 retry_after_cap: float = 120.0, robots: bool = True) -> None:
        self.user_agent = user_agent
        self.token = product_token(user_agent)
        self.allowed_hosts = {h.lower().rstrip(".") for h in allowed_hosts}
        self.delay = delay
        self.allow_private_addresses = allow_private_addresses
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.use_robots = robots
        self._robots: dict[tuple[str, str, int], Robots] = {}
        self._last_request: dict[tuple[str, int], float] = {}
        self.requests = 0  # HTTP requests sent, robots.txt included
        #: Called with every complete HTTP exchange (ingest/warc.py writes them as WARC).
        self.recorder: Callable[[Exchange], None] | None = None

    # -- checks ------------------------------------------------------------------------

    def is_allowed_host(self, url: str) -> bool:
        try:
            scheme, host, port = host_port(url)
        except FetchError:
            return False
        return self._host_ok(scheme, host, port)

    def _host_ok(self, scheme: str, host: str, port: int) -> bool:
        if f"{host}:{port}" in self.allowed_hosts:
            return True
        # A bare host name allows the scheme's usual port only.
        return host in self.allowed_hosts and port == DEFAULT_PORTS[scheme]

    def _resolve(self, host: str, port: int, url: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError("connection", f"cannot resolve {host}: {exc}", url=url) from None
        addresses = [info[4][0] for info in infos]
        if not self.allow_private_addresses:
            # Any private answer refuses the name: we never pick the "good" one of a mixed set.
            for address in addresses:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
                if not self.is_public_address(ip):
                    raise FetchError("private_address", f"{host} resolves to {ip}", url=url)
        return list(dict.fromkeys(addresses))

    def is_public_address(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """Whether we may connect to ``ip``: no private, loopback, link-local or reserved."""
        return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                     or ip.is_link_local or ip.is_private)

    # -- public ------------------------------------------------------------------------

    def get(self, url: str, *, etag: str | None = None,
            last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (conditionally, if validators are given), following safe redirects."""
        url = url.split("#", 1)[0]
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, headers, check_robots=self.use_robots, max_bytes=self.max_bytes)

    def robots_for(self, url: str) -> Robots:
        """The robots.txt rules for the host of ``url``, fetched once per run."""
        scheme, host, port = host_port(url)
        key = (scheme, host, port)
        if key not in self._robots:
            self._robots[key] = self._fetch_robots(scheme, host, port)
        return self._robots[key]

    def _fetch_robots(self, scheme: str, host: str, port: int) -> Robots:
        netloc = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
        robots_url = f"{scheme}://{netloc}/robots.txt"
        try:
            result = self._get(robots_url, {}, check_robots=False, max_bytes=ROBOTS_MAX_BYTES,
                               truncate=True, retries=0)
        except FetchError as exc:
            if exc.reason == "http_error" and exc.status and 400 <= exc.status < 500:
                log.info("%s: %s, so everything is allowed (RFC 9309)", robots_url, exc.status)
                return Robots(allow_all=True, basis=f"robots.txt HTTP {exc.status}: all allowed")
            # 5xx, unreachable, off our hosts, too many redirects: assume complete disallow.
            log.warning("%s unavailable (%s): not crawling %s this run", robots_url, exc, host)
            return Robots(disallow_all=True, basis=f"robots.txt unavailable ({exc.reason}): all disallowed")
        text = (result.body or b"").decode("utf-8", errors="replace").lstrip("\ufeff")
        robots = Robots.parse(text, self.token)
        robots.basis = f"robots.txt sha256:{result.sha256} for {self.token}"
        return robots

    # -- internals ---------------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str], *, check_robots: bool, max_bytes: int,
             truncate: bool = False, retries: int | None = None) -> FetchResult:
        redirects: list[str] = []
        current = url
        decision = "not checked"
        while True:
            scheme, host, port = host_port(current)
            if not self._host_ok(scheme, host, port):
                raise FetchError("not_allowed", f"{host}:{port} is not one of this source's hosts",
                                 url=url, final_url=current, redirects=redirects)
            # The address is checked before robots.txt, so a refused host gets no request at all.
            self._resolve(host, port, current)
            if check_robots:
                robots = self.robots_for(current)
                parts = urlsplit(current)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if not robots.can_fetch(target):
                    raise FetchError("robots", f"robots.txt disallows {target}", url=url,
                                     final_url=current, redirects=redirects)
                decision = f"allowed by {robots.basis}"
            status, resp_headers, body = self._attempts(
                current, scheme, host, port, headers, max_bytes, truncate,
                self.retries if retries is None else retries, url)
            if status in REDIRECTS and resp_headers.get("location"):
                if len(redirects) >= MAX_REDIRECTS:
                    raise FetchError("http_error", f"more than {MAX_REDIRECTS} redirects", url=url,
                                     status=status, final_url=current, redirects=redirects)
                redirects.append(current)
                current = urljoin(current, resp_headers["location"]).split("#", 1)[0]
                continue
            fetched_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            if status == 304:
                return FetchResult(url, current, status, resp_headers, None, True, redirects,
                                   fetched_at, robots=decision)
            if status != 200:
                raise FetchError("http_error", f"HTTP {status}", url=url, status=status,
                                 headers=resp_headers, final_url=current, redirects=redirects)
            assert body is not None
            return FetchResult(url, current, status, resp_headers, body, False, redirects,
                               fetched_at, hashlib.sha256(body).hexdigest(),
                               sniff_content_type(body, resp_headers.get("content-type")), decision)

    def _attempts(self, current: str, scheme: str, host: str, port: int,
                  headers: dict[str, str], max_bytes: int, truncate: bool, retries: int,
                  url: str) -> tuple[int, dict[str, str], bytes | None]:
        """One request with retries on 429, 5xx and connection errors."""
        attempt = 0
        while True:
            try:
                status, resp_headers, body = self._request(current, scheme, host, port, headers,
                                                           max_bytes, truncate)
            except FetchError as exc:
                if exc.reason != "connection" or attempt >= retries:
                    raise
                wait = self._backoff(attempt)
                log.info("%s: %s; retry %d in %.1fs", current, exc.detail, attempt + 1, wait)
                time.sleep(wait)
                attempt += 1
                continue
            if status != 429 and status < 500:
                return status, resp_headers, body
            now = time.time()
            retry_after = _parse_retry_after(resp_headers.get("retry-after"), now)
            if retry_after is not None and retry_after > self.retry_after_cap:
                raise FetchError("deferred", f"HTTP {status}, Retry-After {retry_after:.0f}s",
                                 url=url, status=status, headers=resp_headers,
                                 final_url=current, retry_at=now + retry_after)
            if attempt >= retries:
                if status == 429 or retry_after is not None:
                    raise FetchError("deferred", f"HTTP {status} after {attempt + 1} tries",
                                     url=url, status=status, headers=resp_headers,
                                     final_url=current, retry_at=now + self.backoff_cap)
                raise FetchError("http_error", f"HTTP {status}", url=url, status=status,
                                 headers=resp_headers, final_url=current)
            wait = retry_after if retry_after is not None else self._backoff(attempt)
            log.info("%s: HTTP %d; retry %d in %.1fs", current, status, attempt + 1, wait)
            time.sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        # Capped exponential backoff with jitter, so retries from many runs spread out.
        return min(self.backoff_cap, self.backoff_base * (2 ** attempt)) * (0.5 + random.random() / 2)

    def _wait_turn(self, host: str, port: int) -> None:
        robots = next((r for (s, h, p), r in self._robots.items() if h == host and p == port), None)
        gap = max(self.delay, min(robots.crawl_delay or 0.0, self.retry_after_cap) if robots else 0.0)
        last = self._last_request.get((host, port))
        if last is not None:
            pause = last + gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request[(host, port)] = time.monotonic()

    def _request(self, url: str, scheme: str, host: str, port: int, headers: dict[str, str],
                 max_bytes: int, truncate: bool) -> tuple[int, dict[str, str], bytes | None]:
        """One HTTP exchange; the body is read only for a 200."""
        addresses = self._resolve(host, port, url)
        self._wait_turn(host, port)
        start = time.monotonic()
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = cls(host, port, addresses, timeout=min(self.timeout, self.deadline))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        name = f"[{host}]" if ":" in host else host  # an IPv6 literal, as http.client writes it
        sent = [("Host", name if port == DEFAULT_PORTS[scheme] else f"{name}:{port}")] + list(
            {"User-Agent": self.user_agent, "Accept": "*/*", "Accept-Encoding": "gzip, deflate",
             "Connection": "close", **headers}.items())
        at = datetime.now(timezone.utc)
        try:
            self.requests += 1
            conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
            for name, value in sent:
                conn.putheader(name, value)
            conn.endheaders()
            # Keep the socket: http.client hands it to the response and forgets it.
            sock = conn.sock
            peer = sock.getpeername()[0] if sock is not None else addresses[0]
            response = conn.getresponse()
            resp_headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                resp_headers[key] = f"{resp_headers[key]}, {value}" if key in resp_headers else value
            body = None
            if response.status == 200:
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes and not truncate:
                    raise FetchError("too_large", f"Content-Length {declared} > {max_bytes}", url=url,
                                     status=200, headers=resp_headers)
                body = self._read_body(sock, response, resp_headers, max_bytes, truncate, start, url)
            if self.recorder is not None:
                self.recorder(Exchange(url, peer, sent, response.status, response.reason,
                                       response.getheaders(), body, at))
            return response.status, resp_headers, body
        except FetchError:
            raise
        except (socket.timeout, TimeoutError):
            if time.monotonic() - start >= self.deadline - 0.05:
                raise FetchError("timeout", f"over the {self.deadline}s deadline", url=url) from None
            raise FetchError("connection", f"no data for {self.timeout}s", url=url) from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError("connection", f"{type(exc).__name__}: {exc}", url=url) from None
        finally:
            conn.close()

    def _read_body(self, sock: socket.socket | None, response: http.client.HTTPResponse,
                   headers: dict[str, str], max_bytes: int, truncate: bool, start: float,
                   url: str) -> bytes:
        encoding = headers.get("content-encoding", "").strip().lower()
        decoder = _Decoder(encoding, max_bytes if not truncate else 4 * max_bytes)
        out: list[bytes] = []
        raw = 0
        kept = 0
        while True:
            remaining = self.deadline - (time.monotonic() - start)
            if remaining <= 0:
                raise FetchError("timeout", f"over the {self.deadline}s deadline", url=url)
            if response.isclosed():
                # Python 3.12.2 and later (CPython gh-113199): read1() closes the response,
                # and with it the socket, as soon as Content-Length bytes are read.
                break
            # Each read waits at most until the deadline: a drip of one byte every
            # 50 ms cannot keep us past it.
            if sock is not None and sock.fileno() != -1:
                sock.settimeout(min(self.timeout, remaining))
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            raw += len(chunk)
            if raw > max_bytes and not truncate:
                raise FetchError("too_large", f"more than {max_bytes} bytes", url=url)
            piece = decoder.feed(chunk)
            out.append(piece)
            kept += len(piece)
            if truncate and (kept >= max_bytes or raw >= max_bytes):
                break
        declared = headers.get("content-length", "")
        if not truncate and declared.isdigit() and raw < int(declared):
            # http.client's read1() ends quietly when the peer hangs up early (C15).
            raise FetchError("connection", f"connection closed after {raw} of {declared} bytes", url=url)
        if not truncate:
            out.append(decoder.flush())
        body = b"".join(out)
        return body[:max_bytes] if truncate else body

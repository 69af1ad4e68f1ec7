"""The fetcher against a scripted server on 127.0.0.1 (docs/reliability.md C1-C14)."""

from __future__ import annotations

import gzip
import ipaddress
import time

import pytest

from ingest.fetch import Fetcher, FetchError, Robots
from tests.httpfixtures import Reply, Site, local_http, start_site, stop_site  # noqa: F401

UA = "FOI-Archive-Test/1.0 (+contact: test@example.org)"


def fetcher(site: Site, **kw) -> Fetcher:
    options = dict(allowed_hosts={site.host}, delay=0.0, allow_private_addresses=True,
                   backoff_base=0.01, timeout=5, deadline=10)
    options.update(kw)
    return Fetcher(UA, **options)


def test_get_sniffs_type_and_hashes(local_http: Site) -> None:
    local_http.route("/a.pdf", Reply(200, {"Content-Type": "application/octet-stream", "X-Thing": "1"},
                                     b"%PDF-1.4\n%fake\n"))
    result = fetcher(local_http).get(local_http.url("/a.pdf"))
    assert result.status == 200 and not result.not_modified
    assert result.content_type == "application/pdf"
    assert result.headers["x-thing"] == "1"
    assert result.sha256 and len(result.sha256) == 64
    assert local_http.log[-1].headers["user-agent"] == UA


# -- robots.txt ---------------------------------------------------------------------------

ROBOTS = """
User-agent: *
Disallow: /

User-agent: foi-archive-test
Disallow: /private
Allow: /private/ok$
Crawl-delay: 0.2
"""


def test_robots_disallow_is_never_fetched(local_http: Site) -> None:
    local_http.page("/robots.txt", ROBOTS, "text/plain")
    local_http.page("/private/x", "secret")
    local_http.page("/private/ok", "fine")
    local_http.page("/public", "fine")
    f = fetcher(local_http)
    with pytest.raises(FetchError) as info:
        f.get(local_http.url("/private/x"))
    assert info.value.reason == "robots"
    assert local_http.hits("/private/x") == 0
    assert f.get(local_http.url("/private/ok")).status == 200
    assert f.get(local_http.url("/public")).status == 200
    assert local_http.hits("/robots.txt") == 1  # cached for the run


@pytest.mark.parametrize("status, allowed", [(404, True), (403, True), (410, True),
                                             (500, False), (503, False)])
def test_robots_status(local_http: Site, status: int, allowed: bool) -> None:
    local_http.route("/robots.txt", Reply(status, {"Retry-After": "0"}, b"x"))
    local_http.page("/page", "hello")
    f = fetcher(local_http)
    if allowed:
        assert f.get(local_http.url("/page")).status == 200
    else:
        with pytest.raises(FetchError) as info:
            f.get(local_http.url("/page"))
        assert info.value.reason == "robots"
        assert local_http.hits("/page") == 0


def test_robots_truncated_at_500k_and_decoded_leniently(local_http: Site) -> None:
    body = b"User-agent: *\nDisallow: /no\n\xff\xfe\n" + b"# padding\n" * 200_000
    local_http.route("/robots.txt", Reply(200, {"Content-Type": "text/plain"}, body))
    local_http.page("/no", "x")
    with pytest.raises(FetchError):
        fetcher(local_http).get(local_http.url("/no"))


@pytest.mark.parametrize("path, allowed", [
    ("/", True), ("/private", False), ("/private/x", False), ("/private/ok", True),
    ("/private/ok/more", False), ("/a.pdf", False), ("/a.pdf?x=1", True), ("/b/c/d.html", False),
    ("/%7Euser", False), ("/robots.txt", True),
])
def test_robots_matching(path: str, allowed: bool) -> None:
    text = ("User-agent: Other\nDisallow: /\n\nUser-agent: FOI-Archive-Test/2.0\n"
            "Disallow: /private\nAllow: /private/ok$\nDisallow: /*.pdf$\nDisallow: /b/*/d\n"
            "Disallow: /~user\n")
    assert Robots.parse(text, "foi-archive-test").can_fetch(path) is allowed


def test_robots_falls_back_to_star_group() -> None:
    robots = Robots.parse("User-agent: *\nDisallow: /x\nCrawl-delay: 3\n", "foi-archive")
    assert not robots.can_fetch("/x/y") and robots.can_fetch("/y")
    assert robots.crawl_delay == 3


# -- politeness -----------------------------------------------------------------------------


def test_delay_between_requests_to_a_host(local_http: Site) -> None:
    local_http.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", "text/plain")
    for i in range(3):
        local_http.page(f"/p{i}", f"page {i}")
    f = fetcher(local_http, delay=0.2)
    for i in range(3):
        f.get(local_http.url(f"/p{i}"))
    times = [r.at for r in local_http.log]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 3 and min(gaps) >= 0.3 - 0.02, gaps  # Crawl-delay beats the smaller delay


def test_conditional_get_304(local_http: Site) -> None:
    local_http.page("/doc", "the response", etag=True)
    f = fetcher(local_http)
    first = f.get(local_http.url("/doc"))
    again = f.get(local_http.url("/doc"), etag=first.headers["etag"],
                  last_modified="Wed, 21 Oct 2015 07:28:00 GMT")
    assert again.not_modified and again.status == 304 and again.body is None and again.sha256 is None
    assert local_http.log[-1].headers["if-none-match"] == first.headers["etag"]
    assert local_http.log[-1].headers["if-modified-since"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_429_short_retry_after_is_honoured(local_http: Site) -> None:
    calls = []

    def flaky(req):
        calls.append(req.at)
        if len(calls) == 1:
            return Reply(429, {"Retry-After": "1"}, b"slow down")
        return Reply(200, {"Content-Type": "text/plain"}, b"ok")

    local_http.route("/busy", flaky)
    assert fetcher(local_http).get(local_http.url("/busy")).body == b"ok"
    assert calls[1] - calls[0] >= 0.95


def test_429_long_retry_after_is_deferred(local_http: Site) -> None:
    local_http.route("/busy", Reply(429, {"Retry-After": "86400"}, b""))
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetcher(local_http).get(local_http.url("/busy"))
    assert info.value.reason == "deferred"
    assert info.value.retry_at and info.value.retry_at > time.time() + 86000
    assert time.monotonic() - start < 2
    assert local_http.hits("/busy") == 1


def test_503_then_success_with_backoff(local_http: Site) -> None:
    n = {"calls": 0}

    def flaky(req):
        n["calls"] += 1
        return Reply(503) if n["calls"] < 3 else Reply(200, {}, b"ok")

    local_http.route("/flaky", flaky)
    assert fetcher(local_http).get(local_http.url("/flaky")).body == b"ok"
    assert n["calls"] == 3


@pytest.mark.parametrize("status", [403, 404, 410])
def test_client_errors_are_not_retried(local_http: Site, status: int) -> None:
    local_http.route("/x", Reply(status))
    with pytest.raises(FetchError) as info:
        fetcher(local_http).get(local_http.url("/x"))
    assert info.value.reason == "http_error" and info.value.status == status
    assert local_http.hits("/x") == 1


# -- safety -----------------------------------------------------------------------------------


def test_redirect_off_the_allowed_hosts(local_http: Site) -> None:
    internal = start_site()
    try:
        internal.page("/secret", "internal")
        local_http.route("/go", Reply(302, {"Location": internal.url("/secret")}))
        with pytest.raises(FetchError) as info:
            fetcher(local_http).get(local_http.url("/go"))
        assert info.value.reason == "not_allowed"
        assert internal.hits("/secret") == 0
    finally:
        stop_site(internal)


def test_redirect_within_allowed_hosts_is_followed(local_http: Site) -> None:
    local_http.route("/old", Reply(301, {"Location": "/new"}))
    local_http.page("/new", "moved")
    result = fetcher(local_http).get(local_http.url("/old"))
    assert result.final_url == local_http.url("/new") and result.redirects == [local_http.url("/old")]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
def test_redirect_to_another_scheme(local_http: Site, location: str) -> None:
    local_http.route("/go", Reply(302, {"Location": location}))
    with pytest.raises(FetchError) as info:
        fetcher(local_http).get(local_http.url("/go"))
    assert info.value.reason == "bad_url"


def test_redirect_loop(local_http: Site) -> None:
    local_http.route("/loop", Reply(302, {"Location": "/loop"}))
    with pytest.raises(FetchError) as info:
        fetcher(local_http).get(local_http.url("/loop"))
    assert info.value.reason == "http_error" and local_http.hits("/loop") == 6


def test_private_address_refused(local_http: Site) -> None:
    local_http.page("/x", "hello")
    with pytest.raises(FetchError) as info:
        fetcher(local_http, allow_private_addresses=False).get(local_http.url("/x"))
    assert info.value.reason == "private_address"
    assert local_http.hits("/x") == 0


class _LoopbackIsPublic(Fetcher):
    """127.0.0.1 plays a public server; every other private address stays private."""

    def is_public_address(self, ip):
        return ip == ipaddress.ip_address("127.0.0.1") or super().is_public_address(ip)


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/", "http://127.0.0.2:{port}/x"])
def test_redirect_to_a_private_address(local_http: Site, target: str) -> None:
    port = local_http.host.split(":")[1]
    target = target.format(port=port)
    local_http.route("/go", Reply(302, {"Location": target}))
    hosts = {local_http.host, "169.254.169.254", "10.0.0.1", f"127.0.0.2:{port}"}
    f = _LoopbackIsPublic(UA, allowed_hosts=hosts, delay=0, robots=False)
    with pytest.raises(FetchError) as info:
        f.get(local_http.url("/go"))
    assert info.value.reason == "private_address"


def test_slow_drip_stopped_at_deadline(local_http: Site) -> None:
    def drip(handler):
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.05)

    local_http.route("/slow", Reply(200, {"Content-Length": "1000"}, stream=drip))
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetcher(local_http, timeout=5, deadline=1.0).get(local_http.url("/slow"))
    elapsed = time.monotonic() - start
    assert info.value.reason == "timeout"
    assert elapsed < 1.6, elapsed


def test_declared_too_large(local_http: Site) -> None:
    def little(handler):
        handler.wfile.write(b"x" * 10)

    local_http.route("/big", Reply(200, {"Content-Length": str(10 * 1024 ** 3)}, stream=little))
    with pytest.raises(FetchError) as info:
        fetcher(local_http, max_bytes=1024 * 1024).get(local_http.url("/big"))
    assert info.value.reason == "too_large"


def test_streamed_too_large(local_http: Site) -> None:
    def endless(handler):
        for _ in range(64):
            handler.wfile.write(b"y" * 65536)

    local_http.route("/big", Reply(200, {}, stream=endless))  # no length: read to close
    with pytest.raises(FetchError) as info:
        fetcher(local_http, max_bytes=1024 * 1024).get(local_http.url("/big"))
    assert info.value.reason == "too_large"


def test_gzip_bomb(local_http: Site) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200_000
    local_http.route("/bomb", Reply(200, {"Content-Encoding": "gzip", "Content-Type": "text/html"}, bomb))
    with pytest.raises(FetchError) as info:
        fetcher(local_http, max_bytes=1024 * 1024).get(local_http.url("/bomb"))
    assert info.value.reason == "too_large"


def test_gzip_body_is_decoded(local_http: Site) -> None:
    local_http.route("/z", Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello world")))
    assert fetcher(local_http).get(local_http.url("/z")).body == b"hello world"


def test_connection_refused_is_a_connection_error() -> None:
    site = start_site()
    host = site.host
    stop_site(site)
    f = Fetcher(UA, allowed_hosts={host}, delay=0, allow_private_addresses=True, backoff_base=0.01,
                robots=False, retries=1)
    with pytest.raises(FetchError) as info:
        f.get(f"http://{host}/x")
    assert info.value.reason == "connection"


def test_a_response_closed_once_its_length_is_read(local_http: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    # Python 3.12.2 and later (CPython gh-113199): read1() closes the response and its
    # socket as soon as Content-Length bytes are read. Here that behaviour is given to
    # this interpreter's http.client, whatever its version, so the fetcher is held to it.
    import http.client

    read1 = http.client.HTTPResponse.read1

    def closing_read1(self: http.client.HTTPResponse, n: int = -1) -> bytes:
        data = read1(self, n)
        if self.length == 0 and not self.chunked and self.fp is not None:
            self._close_conn()
        return data

    monkeypatch.setattr(http.client.HTTPResponse, "read1", closing_read1)
    body = b"%PDF-1.4\n" + b"x" * 200_000
    local_http.route("/big.pdf", Reply(200, {"Content-Type": "application/pdf"}, body))
    result = fetcher(local_http).get(local_http.url("/big.pdf"))
    assert result.status == 200 and result.body == body


def test_a_name_whose_first_address_refuses_is_reached_at_the_next(local_http: Site,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Stock /etc/hosts maps localhost to ::1 first; a server on 127.0.0.1 alone refuses
    # there. The fetcher tries the checked addresses in order, as create_connection does.
    import socket

    port = int(local_http.base.rsplit(":", 1)[1].rstrip("/"))
    answers = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, *a, **k: answers if host == "localhost" else real(host, *a, **k))
    local_http.route("/a.txt", Reply(200, {"Content-Type": "text/plain"}, b"hello"))
    result = fetcher(local_http, allowed_hosts={f"localhost:{port}"}, robots=False).get(
        f"http://localhost:{port}/a.txt")
    assert result.body == b"hello"

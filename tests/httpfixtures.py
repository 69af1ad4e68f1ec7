"""A scripted HTTP server on 127.0.0.1 for fetcher and source tests (no other network)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Request:
    """One request the server saw."""

    at: float  # time.monotonic()
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    """A scripted answer; ``stream`` writes the body itself (drips, lies about length)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Callable[[BaseHTTPRequestHandler], None] | None = None


Route = Reply | Callable[[Request], Reply]


class Site:
    """Routes by path (query included), a request log, and the server's base URL."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Request] = []
        self.server: ThreadingHTTPServer | None = None
        self.base = ""
        self.host = ""

    def route(self, path: str, reply: Route) -> None:
        self.routes[path] = reply

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
             etag: bool = True, **headers: str) -> None:
        """A static resource that honours If-None-Match (ETag from its bytes)."""
        data = body.encode() if isinstance(body, str) else body
        tag = f'"{abs(hash(data)):x}"'

        def reply(req: Request) -> Reply:
            extra = {"ETag": tag} if etag else {}
            if etag and req.headers.get("if-none-match") == tag:
                return Reply(304, extra)
            return Reply(200, {"Content-Type": content_type, **extra, **headers}, data)

        self.routes[path] = reply

    def hits(self, path: str) -> int:
        return sum(1 for r in self.log if r.path == path)

    def url(self, path: str) -> str:
        return self.base + path

    def clear_log(self) -> None:
        self.log.clear()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            req = Request(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()})
            site.log.append(req)
            route = site.routes.get(self.path)
            if route is None:
                reply = Reply(404, {"Content-Type": "text/plain"}, b"not found")
            else:
                reply = route(req) if callable(route) else route
            self.send_response(reply.status)
            if reply.stream is not None:
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    reply.stream(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                return
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler


def start_site() -> Site:
    """Start a Site on an ephemeral port; call ``stop_site`` when done."""
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.server = server
    port = server.server_address[1]
    site.host = f"127.0.0.1:{port}"
    site.base = f"http://{site.host}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return site


def stop_site(site: Site) -> None:
    assert site.server is not None
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def local_http() -> Iterator[Site]:
    """A scripted site on 127.0.0.1:<ephemeral>; robots.txt is a 404 unless routed."""
    site = start_site()
    try:
        yield site
    finally:
        stop_site(site)

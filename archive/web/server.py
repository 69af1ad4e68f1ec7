"""Run the site under gunicorn (sync workers), or Flask's debug server on request."""

from __future__ import annotations

import logging
from typing import Any

from archive.config import Config
from archive.logs import JsonFormatter, configure as configure_logs
from archive.web import create_app

log = logging.getLogger(__name__)


def _warm(app: Any) -> None:
    """Open the searcher and build the facet columns before the first visitor."""
    from archive.reader import IndexMissing
    from archive.search import SearchParams, search

    try:
        search(app.extensions["foi_index"], SearchParams())
    except IndexMissing as exc:
        log.warning("%s", exc)


#: gunicorn's access log line without the query string or the Referer: a requester's
#: draft (/prior?text=...) is private until they file it, and so are searches.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'


#: Settings newer gunicorn versions have and older ones do without.
OPTIONAL_SETTINGS = frozenset({"control_socket_disable"})


def json_logger_class() -> type:
    """gunicorn's logger writing JSON lines: its own messages, and access lines with the
    same fields the text line has (no query string, no Referer, no User-Agent)."""
    from gunicorn.glogging import Logger

    class JsonLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers + self.access_log.handlers:
                handler.setFormatter(JsonFormatter())

        def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
            if not self.access_log_enabled:
                return
            status = resp.status
            status = int(str(status).split(None, 1)[0]) if status else None
            method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            fields = {
                "remote": environ.get("REMOTE_ADDR"), "method": method, "path": path,
                "protocol": environ.get("SERVER_PROTOCOL"), "status": status,
                "size": getattr(resp, "sent", None),
                "duration": round(request_time.total_seconds(), 6),
            }
            self.access_log.info("%s %s %s", method, path, status, extra={"fields": fields})

    return JsonLogger


def error_answer(status: int, reason: str) -> bytes:
    """gunicorn's own answer to a request it refuses before the site sees it (a request line
    or header too long, a malformed request), with the site's security headers and a fixed
    message: nothing of the request is echoed back."""
    from archive.web import SECURITY_HEADERS

    body = f"{status} {reason}: the request was refused before it reached the site.\n"
    head = [f"HTTP/1.1 {status} {reason}", "Connection: close",
            "Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}",
            "Cache-Control: no-store"] + [f"{name}: {value}" for name, value in SECURITY_HEADERS.items()]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("latin-1")


def worker_class() -> type:
    """gunicorn's sync worker, whose refusals (414, 431, 400) carry the security headers.

    gunicorn writes them through ``gunicorn.util.write_error``, which takes no headers; each
    worker process puts this project's writer in its place as it starts (the master and the
    other workers are untouched)."""
    from gunicorn import util
    from gunicorn.workers.sync import SyncWorker

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        util.write_nonblock(sock, error_answer(status_int, reason))

    class Worker(SyncWorker):  # type: ignore[misc]
        def init_process(self) -> None:
            util.write_error = write_error
            super().init_process()  # the worker's loop: returns only when it stops

    return Worker


def gunicorn_settings(config: Config, host: str, port: int, app: Any = None,
                      log_format: str | None = None) -> dict[str, Any]:
    """What ``run`` sets in gunicorn."""
    settings = {
        "bind": f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        "workers": config.site.workers,
        "worker_class": worker_class(),
        # A request that hangs is stopped and its worker replaced.
        "timeout": config.site.timeout,
        "graceful_timeout": 10,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "limit_request_line": 4094,
        # Each worker opens its own searcher after the fork, never before.
        "post_worker_init": lambda worker: _warm(app),
        # gunicorn 24+ opens a control socket in $HOME, which a sandboxed service cannot
        # write and the site never uses; older versions lack the setting (skipped in run).
        "control_socket_disable": True,
    }
    if (log_format or config.site.log_format) == "json":
        settings["logger_class"] = json_logger_class()
    return settings


def run(config: Config, *, host: str, port: int, debug: bool = False,
        log_format: str | None = None) -> None:
    """Serve until interrupted; ``log_format`` overrides ``[site] log_format``."""
    configure_logs(log_format or config.site.log_format)
    app = create_app(config)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_settings(config, host, port, app, log_format).items():
                if key in OPTIONAL_SETTINGS and key not in self.cfg.settings:
                    continue
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()

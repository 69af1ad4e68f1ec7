"""Run the site under gunicorn (sync workers), or Flask's debug server on request."""

from __future__ import annotations

import logging
from typing import Any

from archive.config import Config
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


def gunicorn_settings(config: Config, host: str, port: int, app: Any = None) -> dict[str, Any]:
    """What ``run`` sets in gunicorn."""
    return {
        "bind": f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        "workers": config.site.workers,
        "worker_class": "sync",
        # A request that hangs is stopped and its worker replaced.
        "timeout": config.site.timeout,
        "graceful_timeout": 10,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "limit_request_line": 4094,
        # Each worker opens its own searcher after the fork, never before.
        "post_worker_init": lambda worker: _warm(app),
    }


def run(config: Config, *, host: str, port: int, debug: bool = False) -> None:
    """Serve until interrupted."""
    app = create_app(config)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_settings(config, host, port, app).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()

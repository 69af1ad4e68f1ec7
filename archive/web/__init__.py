"""The public, read-only web site (Flask lives here and nowhere else)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from archive.config import Config
from archive.reader import IndexReader

# The pages and stylesheet: in a checkout these are links to the repository's templates/
# and static/; in an installed wheel, copies inside the package.
HERE = Path(__file__).resolve().parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class ForwardedScheme:
    """Behind a TLS proxy, the links the site writes out in full (feeds, sitemap, OpenSearch,
    JSON ``url``) say https: ``X-Forwarded-Proto`` is taken from a trusted proxy only, as
    ``X-Forwarded-For`` is by the rate limit; from anyone else it is ignored."""

    def __init__(self, wsgi_app, proxies: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
        from archive.web.ratelimit import parse_networks

        self.wsgi_app = wsgi_app
        self.proxies = parse_networks(proxies)

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        from archive.web.ratelimit import trusted

        proto = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
        if proto in ("http", "https") and trusted(environ.get("REMOTE_ADDR", ""), self.proxies):
            environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


def create_app(config: Config) -> Flask:
    """Build the site for one configuration (tests pass one on a temporary folder)."""
    app = Flask(
        __name__,
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
    )
    app.config.update(
        MAX_CONTENT_LENGTH=64 * 1024,  # the site takes no uploads
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["foi_config"] = config
    app.extensions["foi_index"] = IndexReader(config.index_path)

    from archive.web import views

    app.register_blueprint(views.bp)

    from archive.web.ratelimit import install_rate_limit

    install_rate_limit(app, config)  # [site] rate_limit, shared by every worker
    if config.site.trusted_proxies:
        app.wsgi_app = ForwardedScheme(app.wsgi_app, config.site.trusted_proxies)  # type: ignore[method-assign]

    from archive.web.cors import install_cors

    install_cors(app, config)  # [site] cors_origins: off unless set

    @app.context_processor
    def site_context() -> dict[str, object]:
        return {"site_title": config.site.title}

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Every answer may name a response that is taken down a minute later: a cache keeps
        # it only to revalidate (docs/deploy.md, "Caching"). The stylesheet sets its own.
        response.headers.setdefault("Cache-Control", "no-cache")
        return response

    return app

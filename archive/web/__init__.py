"""The public, read-only web site (Flask lives here and nowhere else)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

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


class BaseURL:
    """With ``[site] base_url`` set, every request is seen as made to it: the scheme, host
    and path prefix that ``url_for(_external=True)`` and ``request.url_root`` use come from
    the configuration, so no client's Host header can reach a link a cache may keep."""

    def __init__(self, wsgi_app, base_url: str) -> None:  # type: ignore[no-untyped-def]
        parts = urlsplit(base_url)
        self.wsgi_app = wsgi_app
        self.scheme, self.host, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if self.prefix:
            environ["SCRIPT_NAME"] = self.prefix
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):  # a proxy that passes it on
                environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        return self.wsgi_app(environ, start_response)


#: Names a request on this machine may give when ``[site] base_url`` is unset.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def host_name(header: str) -> str:
    """The name of a Host header without its port, lower case ("[::1]:5000" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def trusted_hosts(config: Config) -> frozenset[str] | None:
    """The Host names answered: any, when base_url makes every link (the Host is then never
    written out); else the configured ``host`` and this machine's own names."""
    if config.site.base_url:
        return None
    host = config.site.host.strip("[]").lower()
    named = () if host in ("0.0.0.0", "::", "") else (host,)
    return frozenset(named + LOCAL_HOSTS)


class TrustedHost:
    """Another Host is a 400 before the site sees the request (docs/deploy.md, "The site's
    address"): a link made from it could be kept by a shared cache and served to everyone.
    Answered here, in plain text with the security headers, because no page, error page or
    rate-limit answer can make links for a host the site does not know."""

    def __init__(self, wsgi_app, names: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
        self.wsgi_app = wsgi_app
        self.names = names

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        given = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if host_name(given) in self.names:
            return self.wsgi_app(environ, start_response)
        body = (b"400 Bad Request: this site does not answer to that host name. (Its operator:"
                b" set [site] base_url to the address it is served at; docs/deploy.md.)\n")
        start_response("400 Bad Request", [
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), *SECURITY_HEADERS.items()])
        return [body]


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
    if config.site.base_url:
        app.wsgi_app = BaseURL(app.wsgi_app, config.site.base_url)  # type: ignore[method-assign]
    elif config.site.trusted_proxies:
        app.wsgi_app = ForwardedScheme(app.wsgi_app, config.site.trusted_proxies)  # type: ignore[method-assign]
    names = trusted_hosts(config)
    if names is not None:  # outermost: before the rate limit, which answers with pages too
        app.wsgi_app = TrustedHost(app.wsgi_app, names)  # type: ignore[method-assign]

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

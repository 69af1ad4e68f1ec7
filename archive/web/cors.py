"""Cross-origin reads of the data API, for pages on other sites that call it from a browser.

Off unless ``[site] cors_origins`` lists origins ("https://example.org") or "*". Only the
data paths answer with Access-Control-Allow-Origin: JSON, JSON Lines, CSV, Atom and /health;
HTML pages, originals and /prior (a requester's draft) never do. No credentials are ever
allowed: the API has no sessions, and a wildcard with credentials is refused by browsers.
"""

from __future__ import annotations

from flask import Flask, request

from archive.config import Config

DATA_SUFFIXES = (".json", ".jsonl", ".csv", ".atom")
#: Drafts are private: /prior.json is not readable from other origins (docs/api.md).
NEVER = frozenset({"/prior.json"})
MAX_AGE = "86400"  # a browser may cache a preflight's answer for a day


def _is_data_path(path: str) -> bool:
    return (path.endswith(DATA_SUFFIXES) or path == "/health") and path not in NEVER


def install_cors(app: Flask, config: Config) -> None:
    origins = tuple(config.site.cors_origins)
    if not origins:
        return
    anyone = "*" in origins

    @app.after_request
    def allow_origin(response):  # type: ignore[no-untyped-def]
        origin = request.headers.get("Origin")
        if not origin or not _is_data_path(request.path):
            return response
        if anyone:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.vary.add("Origin")  # a cache must not give one origin's answer to another
        else:
            return response
        if request.method == "OPTIONS":  # a preflight
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept"
            response.headers["Access-Control-Max-Age"] = MAX_AGE
        return response

"""Pages and JSON endpoints. Each view parses, calls archive.search, and renders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import (Blueprint, Response, abort, current_app, g, jsonify, render_template,
                   request, url_for)
from werkzeug.exceptions import HTTPException

from archive import law
from archive.config import Config
from archive.index import IndexMissing, IndexReader
from archive.search import (FACET_FIELDS, QueryError, SearchParams, SearchResult, facet_label,
                            get_document, parse_params, search)
from archive.prior import prior
from archive.serialize import document_dict, hit_dict, search_dict
from archive.store import SHA256_RE, Store, StoreError

log = logging.getLogger(__name__)

bp = Blueprint("site", __name__)


def _config() -> Config:
    return current_app.extensions["foi_config"]


def _reader() -> IndexReader:
    return current_app.extensions["foi_index"]


def _store() -> Store | None:
    """The catalogue, opened read-only once per request."""
    if "store" not in g:
        try:
            g.store = Store(_config().store_path, readonly=True)
        except StoreError:
            g.store = None
    return g.store


@bp.teardown_app_request
def _close_store(exc: BaseException | None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def _wants_json() -> bool:
    return request.path.endswith(".json")


@bp.app_errorhandler(QueryError)
def _query_error(exc: QueryError):  # type: ignore[no-untyped-def]
    return _error(400, "That search could not be run", str(exc))


@bp.app_errorhandler(IndexMissing)
def _no_index(exc: IndexMissing):  # type: ignore[no-untyped-def]
    return _error(503, "The archive is empty", str(exc))


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    return _error(exc.code or 500, exc.name, exc.description or "")


@bp.app_errorhandler(Exception)
def _server_error(exc: Exception):  # type: ignore[no-untyped-def]
    log.exception("unhandled error on %s", request.path)
    return _error(500, "Something went wrong", "The error has been logged.")


def _error(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify({"error": {"status": status, "title": title, "message": message}}), status
    return render_template("error.html", status=status, title=title, message=message), status


# -- search -------------------------------------------------------------------------


@dataclass
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


def _search_url(params: SearchParams, endpoint: str = "site.search_page") -> str:
    query = params.to_query()
    if params.per_page != _config().site.page_size:
        query.append(("per_page", str(params.per_page)))
    base = url_for(endpoint)
    return f"{base}?{urlencode(query)}" if query else base


def _params() -> SearchParams:
    site = _config().site
    args = {k: request.args.getlist(k) for k in request.args}
    return parse_params(args, page_size=site.page_size, max_page_size=site.max_page_size)


def _doc_url(doc_id: str) -> str:
    return url_for("site.document_page", doc_id=doc_id)


def _run_search() -> SearchResult:
    return search(_reader(), _params())


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return search_page()


@bp.get("/search")
def search_page():  # type: ignore[no-untyped-def]
    result = _run_search()
    params = result.params
    facets = []
    for facet in result.facets:
        links = [
            FacetLink(v.value, v.label, v.count, v.selected,
                      _search_url(params.with_filter(facet.name, v.value, not v.selected)))
            for v in facet.values
        ]
        facets.append((facet, links))
    chosen = [
        (name, value, facet_label(name, value),
         _search_url(params.with_filter(name, value, False)))
        for name in FACET_FIELDS for value in params.filters.get(name, [])
    ]
    sorts = [(key, label, _search_url(_with(params, sort=key, page=1)))
             for key, label in (("relevance", "Relevance"), ("date", "Newest"),
                                ("date_asc", "Oldest"))]
    prev_url = _search_url(_with(params, page=params.page - 1)) if params.page > 1 else None
    next_url = (_search_url(_with(params, page=params.page + 1))
                if params.page < result.pages else None)
    return render_template(
        "search.html", result=result, params=params, facets=facets, chosen=chosen,
        sorts=sorts, prev_url=prev_url, next_url=next_url,
        json_url=_search_url(params, "site.search_json"),
        clear_url=url_for("site.search_page", q=params.q) if params.q else url_for("site.search_page"),
        doc_url=_doc_url,
    )


def _with(params: SearchParams, **changes: object) -> SearchParams:
    return replace(params, **changes)  # type: ignore[arg-type]


@bp.get("/search.json")
def search_json():  # type: ignore[no-untyped-def]
    result = _run_search()
    return jsonify(search_dict(result, _doc_url))


# -- documents --------------------------------------------------------------------------


def _visible_document(doc_id: str):  # type: ignore[no-untyped-def]
    if not doc_id.isalnum() or len(doc_id) > 64:
        abort(404)
    doc = get_document(_reader(), doc_id)
    if doc is None:
        abort(404, "No document with that id.")
    store = _store()
    if store is not None:
        row = store.document(doc_id)
        if row is not None and row.hidden:
            abort(410, "This document has been withdrawn from the archive.")
    return doc


def _originals(doc) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(name, url) of each stored original: one file, or a page and its attachments."""
    store = _store()
    if not doc.sha256 or store is None:
        return []
    parts = store.parts(doc.id, doc.sha256)
    if parts:
        return [(name, url_for("site.original", sha256=sha)) for name, sha in parts]
    if store.has_object(doc.sha256):
        return [(f"the original ({(doc.format or 'file').upper()})",
                 url_for("site.original", sha256=doc.sha256))]
    return []


@bp.get("/documents/<doc_id>")
def document_page(doc_id: str):  # type: ignore[no-untyped-def]
    if doc_id.endswith(".json"):
        return document_json(doc_id[:-5])
    doc = _visible_document(doc_id)
    store = _store()
    provenance = store.provenance(doc_id) if store is not None else []
    versions = store.versions(doc_id) if store is not None else []
    return render_template(
        "document.html", doc=doc, originals=_originals(doc), provenance=provenance,
        versions=versions,
        exemption_url=lambda section: url_for("site.search_page", exemption=section),
        facet_url=lambda name, value: url_for("site.search_page", **{name: value}),
    )


def document_json(doc_id: str):  # type: ignore[no-untyped-def]
    doc = _visible_document(doc_id)
    return jsonify(document_dict(doc, _doc_url, _originals(doc)))


@bp.get("/originals/<sha256>")
def original(sha256: str):  # type: ignore[no-untyped-def]
    """The stored original, by sha256 only, always as a download."""
    if not SHA256_RE.match(sha256):
        abort(404)
    store = _store()
    if store is None:
        abort(404)
    row = store.document_for_object(sha256)
    if row is None or row.hidden:
        abort(404)
    path = store.object_path(sha256)
    if not path.exists():
        abort(404)
    name = dict((sha, n) for n, sha in store.parts(row.id, row.sha256)).get(sha256)
    if name is None:
        record = store.version_record(row.id, sha256) or {}
        name = str(record.get("name") or "")
        ext = {"pdf": ".pdf", "docx": ".docx", "doc": ".doc", "html": ".html", "eml": ".eml",
               "txt": ".txt", "xlsx": ".xlsx"}.get(str(record.get("format")), "")
        name = name or f"{sha256[:16]}{ext}"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:120] or sha256[:16]
    response = Response(path.read_bytes(), mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    reader = _reader()
    with reader.searcher() as s:
        return jsonify({"status": "ok", "generation": reader.generation(),
                        "documents": s.doc_count()})


# -- check before you file ------------------------------------------------------------


def _authorities() -> list[str]:
    with _reader().searcher() as searcher:
        columns = _reader().facet_columns(searcher)
    return sorted(columns.canonical["authority"].values(), key=str.lower)


def _run_prior():  # type: ignore[no-untyped-def]
    text = request.args.get("text", "")
    if not text.strip():
        return None
    return prior(_reader(), text, request.args.get("authority"))


@bp.get("/prior")
def prior_page():  # type: ignore[no-untyped-def]
    result = _run_prior()
    return render_template("prior.html", result=result, text=request.args.get("text", ""),
                           authority=request.args.get("authority", ""),
                           authorities=_authorities(), doc_url=_doc_url)


@bp.get("/prior.json")
def prior_json():  # type: ignore[no-untyped-def]
    result = _run_prior()
    if result is None:
        raise QueryError("Give the text of your draft request as text=…")

    def item(p):  # type: ignore[no-untyped-def]
        data = hit_dict(p.hit, _doc_url)
        data.update(same_body=p.same_body, summary=p.summary)
        return data

    hint = result.accessible_hint
    return jsonify({
        "text": result.text,
        "authority": result.authority,
        "summary": result.summary,
        "terms": result.terms,
        "total": len(result.hits),
        "results": [item(p) for p in result.hits],
        "accessible": ({"id": hint.hit.id, "url": _doc_url(hint.hit.id),
                        "reference": hint.hit.reference, "section": "FOIA s.21"}
                       if hint else None),
    })

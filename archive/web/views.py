"""Pages and JSON endpoints. Each view parses, calls archive.search, and renders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from itertools import islice
from urllib.parse import urlencode

import csv
import io
import json
import re
import sqlite3

from flask import (Blueprint, Response, abort, current_app, g, jsonify, make_response, render_template,
                   request, send_file, stream_with_context, url_for)
from werkzeug.exceptions import HTTPException

from archive import law, statistics, workdays
from archive.config import Config
from archive.index import utc_time
from archive.reader import IndexMissing, IndexReader, IndexUnavailable, IndexView
from archive.search import (ANSWER_LABELS, FACET_FIELDS, OUTCOME_LABELS, QueryError, SearchParams,
                            SearchResult, facet_label, get_document, iter_hits, parse_params,
                            search)
from archive.groups import get_group, group_of, list_groups
from archive.prior import prior
from archive.serialize import (EXPORT_FIELDS, GROUP_FIELDS, csv_row, document_dict, hit_dict, voice_segments,
                               public_locator, search_dict)
from archive.models import VOICE_LABELS
from archive.slugs import slugify
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


def _view() -> IndexView:
    """The index as this request sees it: one generation, taken on first use and held
    until teardown, so a commit mid-request cannot mix two generations on one page."""
    if "index_view" not in g:
        g.index_view = _reader().open_view()
    return g.index_view


@bp.teardown_app_request
def _close_store(exc: BaseException | None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()
    view = g.pop("index_view", None)
    if view is not None:
        view.close()


#: Characters XML 1.0 cannot carry at all, escaped or not: C0 controls other than tab,
#: newline and carriage return (a PDF's page breaks are form feeds), lone surrogates
#: and the two non-characters. Document text is untrusted and may hold any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(body: str) -> str:
    """A rendered XML document with the characters XML forbids taken out."""
    return _NOT_XML.sub("", body)


def _wants_json() -> bool:
    return request.path.endswith(".json")


@bp.app_errorhandler(QueryError)
def _query_error(exc: QueryError):  # type: ignore[no-untyped-def]
    return _error(400, "That search could not be run", str(exc))


#: What the public is told when there is no index: the reason with the server's path in it
#: goes to the log only (docs/reliability.md, "Nothing of the server in public").
NO_INDEX = "The archive has no index yet; its administrator runs `foi-archive ingest` to make one."


@bp.app_errorhandler(IndexMissing)
def _no_index(exc: IndexMissing):  # type: ignore[no-untyped-def]
    log.warning("%s", exc)
    return _error(503, "The archive is empty", NO_INDEX)


@bp.app_errorhandler(IndexUnavailable)
def _index_unavailable(exc: IndexUnavailable):  # type: ignore[no-untyped-def]
    return _error(503, "The index is unavailable", str(exc))  # names no path (archive/reader.py)


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
    if request.path.endswith((".csv", ".jsonl", ".atom", ".xml", ".txt")):
        # A data path read by a script or a feed reader: the message as plain text, not a page.
        return Response(f"{status} {title}: {message}\n", status=status, mimetype="text/plain"), status
    return render_template("error.html", status=status, title=title, message=message), status


# -- search -------------------------------------------------------------------------


@dataclass
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


def _search_url(params: SearchParams, endpoint: str = "site.search_page", external: bool = False) -> str:
    query = params.to_query()
    if params.per_page != _config().site.page_size:
        query.append(("per_page", str(params.per_page)))
    base = url_for(endpoint, _external=external)
    return f"{base}?{urlencode(query)}" if query else base


def _params() -> SearchParams:
    site = _config().site
    args = {k: request.args.getlist(k) for k in request.args}
    return parse_params(args, page_size=site.page_size, max_page_size=site.max_page_size)


def _doc_url(doc_id: str) -> str:
    return url_for("site.document_page", doc_id=doc_id)


def _run_search() -> SearchResult:
    return search(_view(), _params())


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
                                ("date_asc", "Oldest"), ("ingested", "Recently added"))]
    prev_url = _search_url(_with(params, page=params.page - 1)) if params.page > 1 else None
    next_url = (_search_url(_with(params, page=params.page + 1))
                if params.page < result.pages else None)
    suggestion_url = (_search_url(_with(params, q=result.suggestion, page=1))
                      if result.suggestion else None)
    return render_template(
        "search.html", result=result, params=params, facets=facets, chosen=chosen,
        suggestion_url=suggestion_url, atom_url=_search_url(params, "site.search_atom"),
        csv_url=_search_url(_with(params, page=1), "site.search_csv"),
        jsonl_url=_search_url(_with(params, page=1), "site.search_jsonl"),
        sorts=sorts, prev_url=prev_url, next_url=next_url,
        json_url=_search_url(params, "site.search_json"),
        clear_url=url_for("site.search_page", q=params.q) if params.q else url_for("site.search_page"),
        doc_url=_doc_url,
    )


def _with(params: SearchParams, **changes: object) -> SearchParams:
    return replace(params, **changes)  # type: ignore[arg-type]


@bp.get("/search.json")
def search_json():  # type: ignore[no-untyped-def]
    """The search as JSON a script can walk: absolute URLs, the next and previous pages,
    and each facet value's URL with that value selected or cleared (docs/site.md)."""
    result = _run_search()
    params = result.params
    data = search_dict(result, _external_doc_url)
    data["suggestion"] = result.suggestion
    data["prev_url"] = (_search_url(_with(params, page=params.page - 1), "site.search_json", True)
                        if params.page > 1 else None)
    data["next_url"] = (_search_url(_with(params, page=params.page + 1), "site.search_json", True)
                        if params.page < result.pages else None)
    for facet in result.facets:
        for value, entry in zip(facet.values, data["facets"][facet.name]):
            entry["toggle_url"] = _search_url(params.with_filter(facet.name, value.value, not value.selected),
                                              "site.search_json", True)
    return jsonify(data)


# -- documents --------------------------------------------------------------------------


def _visible_document(doc_id: str):  # type: ignore[no-untyped-def]
    if not doc_id.isalnum() or len(doc_id) > 64:
        abort(404)
    doc = get_document(_view(), doc_id)
    if doc is None:
        abort(404, "No document with that id.")
    if _is_hidden(doc_id):
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
        versions=versions, group=_group_link(doc_id), answer_labels=ANSWER_LABELS,
        segments=voice_segments(doc.text or "", doc.voice), voice_labels=VOICE_LABELS, outcome_labels=OUTCOME_LABELS,
        facet_url=lambda name, value: url_for("site.search_page", **{name: value}),
    )


def document_json(doc_id: str):  # type: ignore[no-untyped-def]
    doc = _visible_document(doc_id)
    data = document_dict(doc, _doc_url, _originals(doc))
    data["group"] = _group_link(doc_id)
    return jsonify(data)


def _group_link(doc_id: str) -> dict[str, object] | None:
    """The round robin a document belongs to, when it has other members."""
    found = group_of(_view(), doc_id)
    if found is None or found[1] < 2:
        return None
    group_id, size = found
    return {"id": group_id, "size": size, "url": url_for("site.group_page", group_id=group_id)}


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
    # Streamed from disk, not read whole into the worker: originals can be large.
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=safe)
    # Any cache must ask again before each use (a 304 is cheap: the ETag is the file's), so
    # a takedown takes effect at once, in a shared cache too (docs/deploy.md, "Caching").
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    """For a monitor: 200 and JSON when the index opens and the catalogue answers; 503 and
    JSON saying which failed otherwise (always JSON, never the HTML error page)."""
    try:
        view = _view()
        generation, documents = view.generation, view.searcher.doc_count()
    except IndexUnavailable as exc:  # a damaged index: the reason names no path
        return _unavailable("index", str(exc))
    except IndexMissing as exc:
        log.warning("%s", exc)
        return _unavailable("index", NO_INDEX)
    store = _store()  # the request's catalogue, which the pages use too
    if store is None:
        log.warning("no store at %s", _config().store_path)
        return _unavailable("store", "the catalogue cannot be opened")
    try:
        store.db.execute("SELECT 1 FROM documents LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        return _unavailable("store", str(exc) or type(exc).__name__)
    return jsonify({"status": "ok", "generation": generation, "documents": documents})


def _unavailable(part: str, reason: str):  # type: ignore[no-untyped-def]
    response = jsonify({"status": "unavailable", "failed": part, "reason": reason})
    response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response


# -- check before you file ------------------------------------------------------------


def _authorities() -> list[str]:
    columns = _columns()
    return columns.remember(("authorities",), lambda: sorted(
        columns.canonical["authority"].values(), key=str.lower))


def _prior_input() -> tuple[str, str]:
    """The draft and the body: from the form (POST: any length, never in a URL or a log),
    or from the query string (GET: a link to a short draft still works)."""
    values = request.form if request.method == "POST" else request.args
    return values.get("text", ""), values.get("authority", "")


def _run_prior():  # type: ignore[no-untyped-def]
    text, authority = _prior_input()
    if not text.strip():
        return None
    return prior(_view(), text, authority or None)


@bp.route("/prior", methods=["GET", "POST"])
def prior_page():  # type: ignore[no-untyped-def]
    result = _run_prior()
    groups = {p.hit.id: _group_link(p.hit.id) for p in result.hits} if result else {}
    text, authority = _prior_input()
    response = make_response(render_template(
        "prior.html", result=result, text=text, authority=authority,
        authorities=_authorities(), doc_url=_doc_url, groups=groups))
    # A draft in the address bar must not travel on as a Referer to the pages linked.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/prior.json", methods=["GET", "POST"])
def prior_json():  # type: ignore[no-untyped-def]
    result = _run_prior()
    if result is None:
        raise QueryError("Give the text of your draft request as text=…")

    hint = result.accessible_hint
    return jsonify({
        "text": result.text,
        "authority": result.authority,
        "summary": result.summary,
        "terms": result.terms,
        "total": len(result.hits),
        "results": [hit_dict(p.hit, _doc_url, same_body=p.same_body, summary=p.summary,
                             group=_group_link(p.hit.id)) for p in result.hits],
        "accessible": ({"id": hint.hit.id, "url": _doc_url(hint.hit.id),
                        "reference": hint.hit.reference, "section": "FOIA s.21"}
                       if hint else None),
    })


# -- feeds and exports ----------------------------------------------------------------


@bp.get("/search.atom")
def search_atom():  # type: ignore[no-untyped-def]
    """An Atom feed of a search, most recently added to the archive first, so a feed
    reader alerts on new matches, whatever their date (docs/api.md)."""
    params = _with(_params(), sort="ingested", page=1, per_page=50)
    result = search(_view(), params)
    body = render_template("search.atom.xml", result=result, params=params,
                           feed_url=request.url, page_url=_search_url(_with(params, per_page=_config().site.page_size)),
                           doc_url=_external_doc_url,
                           atom_time=_atom_time)
    return Response(xml_text(body), mimetype="application/atom+xml")


def _atom_time(hit) -> str:  # type: ignore[no-untyped-def]
    """An entry's <updated>: when the archive got it (RFC 3339, UTC), else its date."""
    moment = utc_time(hit.ingested)
    if moment is None:
        return f"{hit.date or '1970-01-01'}T00:00:00Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _export_row(hit) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return hit_dict(hit, _external_doc_url, EXPORT_FIELDS)


def _export(render, mimetype: str, extension: str):  # type: ignore[no-untyped-def]
    params = _params()
    # Parse now, so that a bad query is a 400 before any byte is sent.
    view = _view()
    hits = iter_hits(view, params)
    first = next(hits, None)
    # The stream outlives the request's teardown: it takes the view over, to release
    # when the server closes the response (after the last row, or on a disconnect).
    g.pop("index_view")

    def generate():  # type: ignore[no-untyped-def]
        if first is None:
            yield from render([])
            return
        yield from render(_chain(first, hits))

    response = Response(stream_with_context(generate()), mimetype=mimetype)
    response.call_on_close(view.close)
    response.headers["Content-Disposition"] = f'attachment; filename="foi-archive-search.{extension}"'
    return response


def _chain(first, rest):  # type: ignore[no-untyped-def]
    yield first
    yield from rest


@bp.get("/search.csv")
def search_csv():  # type: ignore[no-untyped-def]
    """Every result of a search as CSV, streamed."""

    def render(hits):  # type: ignore[no-untyped-def]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for hit in hits:
            writer.writerow(csv_row(_export_row(hit)))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return _export(render, "text/csv; charset=utf-8", "csv")


@bp.get("/search.jsonl")
def search_jsonl():  # type: ignore[no-untyped-def]
    """Every result of a search as JSON Lines, streamed."""

    def render(hits):  # type: ignore[no-untyped-def]
        for hit in hits:
            yield json.dumps(_export_row(hit), ensure_ascii=False) + "\n"

    return _export(render, "application/jsonl; charset=utf-8", "jsonl")


# -- bodies and exemptions ---------------------------------------------------------------


def _value_for_slug(field: str, slug: str) -> str:
    columns = _columns()

    def by_slug() -> dict[str, str]:
        found: dict[str, str] = {}
        for value in columns.canonical[field].values():
            found.setdefault(slugify(value), value)  # the first value wins a shared slug
        return found

    value = columns.remember(("slugs", field), by_slug).get(slug)
    if value is None:
        abort(404, "Nothing in the archive goes by that name.")
    return value


def _profile(field: str, value: str):  # type: ignore[no-untyped-def]
    params = SearchParams(filters={field: [value]}, sort="date", per_page=10)
    return search(_view(), params)


def _facet(result: SearchResult, name: str):  # type: ignore[no-untyped-def]
    return next(f for f in result.facets if f.name == name)


def disclosure_logs(name: str) -> list[tuple[str, str]]:
    """(label, url) of where a body publishes its responses, from config.toml's sources.

    A disclosure_log source names its ``authority`` and ``start_urls``; an alaveteli
    source's ``bodies`` are url_names, which match a body whose slug they spell.
    """
    links: list[tuple[str, str]] = []
    for source in _config().sources.values():
        if not isinstance(source, dict):
            continue
        if source.get("kind") == "disclosure_log" and source.get("authority") == name:
            links += [("Disclosure log", url) for url in source.get("start_urls", [])[:1]]
        elif source.get("kind") == "alaveteli" and source.get("base_url"):
            base = str(source["base_url"]).rstrip("/")
            for body in source.get("bodies", []):
                if str(body).replace("_", "-") == slugify(name):
                    host = base.split("//", 1)[-1]
                    links.append((f"Requests on {host}", f"{base}/body/{body}"))
    return [(label, url) for label, url in dict.fromkeys(links)
            if url.startswith(("https://", "http://"))]


def _columns():  # type: ignore[no-untyped-def]
    return _view().columns


def _values(values) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [{"value": v.value, "label": v.label, "count": v.count} for v in values]


def _timing_dict(timing) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"answered": timing.answered, "median_working_days": timing.median,
            "within_limit": timing.within,
            "share_within_limit": round(timing.share, 4) if timing.share is not None else None}


bp.add_app_template_filter(public_locator, "public_locator")


@bp.app_template_global()
def body_url(name: str, field: str | None = None, external: bool = False) -> str:
    """A body's page: under /forces/ for the force field, or when no field is given and
    the name is a police force's; else under /authorities/."""
    if field is None:
        field = "force" if name.lower() in _columns().canonical["force"] else "authority"
    return url_for("site.force_page" if field == "force" else "site.authority_page",
                   slug=slugify(name), _external=external)


@bp.app_template_global()
def exemption_url(code: str, external: bool = False) -> str:
    """A provision's page, for a code at any depth ("FOIA s.40(2)" → /exemptions/foia-s40)."""
    return url_for("site.exemption_page", slug=law.slug(code), _external=external)


def _body_page(field: str, slug: str, as_json: bool = False):  # type: ignore[no-untyped-def]
    value = _value_for_slug(field, slug)
    result = _profile(field, value)
    years = sorted(_facet(result, "year").values, key=lambda v: v.value)
    timing, timing_years = statistics.body_timing(_columns(), field, value)
    endpoint = "site.force_page" if field == "force" else "site.authority_page"
    if as_json:
        return jsonify({
            "name": value, "field": field,
            "url": url_for(endpoint, slug=slug, _external=True),
            "total": result.total,
            "years": _values(years),
            "outcomes": _values(_facet(result, "outcome").values),
            "exemptions": [{**v, "url": exemption_url(str(v["value"]), external=True)}
                           for v in _values(_facet(result, "exemption").values)],
            "topics": _values(_facet(result, "topic").values),
            "timeliness": {**_timing_dict(timing), "limit_working_days": workdays.LIMIT,
                           "years": [{"year": y.year, **_timing_dict(y.timing)} for y in timing_years]},
            "disclosure_logs": [{"label": label, "url": url} for label, url in disclosure_logs(value)],
            "search_url": url_for("site.search_json", _external=True, **{field: value}),
            "atom_url": url_for("site.search_atom", _external=True, **{field: value}),
            "recent": [hit_dict(hit, _external_doc_url) for hit in result.hits],
        })
    return render_template(
        "body.html", name=value, field=field, result=result, years=years,
        logs=disclosure_logs(value), timing=timing, timing_years=timing_years, limit=workdays.LIMIT,
        outcomes=_facet(result, "outcome").values, exemptions=_facet(result, "exemption").values,
        topics=_facet(result, "topic").values,
        search_url=url_for("site.search_page", **{field: value}),
        atom_url=url_for("site.search_atom", **{field: value}),
        json_url=url_for(endpoint, slug=f"{slug}.json"),
        doc_url=_doc_url,
    )


def _external_doc_url(doc_id: str) -> str:
    return url_for("site.document_page", doc_id=doc_id, _external=True)


def _json_twin(slug: str) -> tuple[str, bool]:
    """A page's slug, and whether its .json twin was asked for."""
    return (slug[:-5], True) if slug.endswith(".json") else (slug, False)


@bp.get("/forces/<slug>")
def force_page(slug: str):  # type: ignore[no-untyped-def]
    return _body_page("force", *_json_twin(slug))


@bp.get("/authorities/<slug>")
def authority_page(slug: str):  # type: ignore[no-untyped-def]
    return _body_page("authority", *_json_twin(slug))


@bp.get("/exemptions/<slug>")
def exemption_page(slug: str):  # type: ignore[no-untyped-def]
    slug, as_json = _json_twin(slug)
    section = law.from_slug(slug)
    if section is None or law.provision(section) is None:
        abort(404, "No such provision.")
    result = _profile("exemption", section)
    years = sorted(_facet(result, "year").values, key=lambda v: v.value)
    if as_json:
        return jsonify({
            "section": section, "label": facet_label("exemption", section),
            "description": law.describe(section), "legislation_url": law.legislation_url(section),
            "procedural": law.is_procedural(section),
            "url": url_for("site.exemption_page", slug=slug, _external=True),
            "total": result.total,
            "years": _values(years),
            "bodies": [{**v, "url": body_url(str(v["value"]), external=True)}
                       for v in _values(_facet(result, "authority").values)],
            "outcomes": _values(_facet(result, "outcome").values),
            "search_url": url_for("site.search_json", exemption=section, _external=True),
            "atom_url": url_for("site.search_atom", exemption=section, _external=True),
            "statistics_url": url_for("site.statistics_json", exemption=section, _external=True),
            "recent": [hit_dict(hit, _external_doc_url) for hit in result.hits],
        })
    return render_template(
        "exemption.html", section=section, label=facet_label("exemption", section),
        description=law.describe(section), legislation_url=law.legislation_url(section),
        procedural=law.is_procedural(section), result=result, years=years,
        bodies=_facet(result, "authority").values, outcomes=_facet(result, "outcome").values,
        search_url=url_for("site.search_page", exemption=section),
        atom_url=url_for("site.search_atom", exemption=section),
        json_url=url_for("site.exemption_page", slug=f"{slug}.json"),
        statistics_url=url_for("site.statistics_page", exemption=section),
        doc_url=_doc_url,
    )


@bp.get("/exemptions")
def exemptions_index():  # type: ignore[no-untyped-def]
    result = search(_view(), SearchParams(per_page=1))
    return render_template("exemptions.html", exemptions=_facet(result, "exemption").values,
                           json_url=url_for("site.exemptions_json"))


@bp.get("/exemptions.json")
def exemptions_json():  # type: ignore[no-untyped-def]
    result = search(_view(), SearchParams(per_page=1))
    return jsonify({"exemptions": [
        {**v, "url": exemption_url(str(v["value"]), external=True),
         "json_url": url_for("site.exemption_page", slug=law.slug(str(v["value"])) + ".json", _external=True)}
        for v in _values(_facet(result, "exemption").values)]})


# -- statistics: how fast bodies answer, how they use each exemption ----------------------


def _minimum() -> int:
    """How many responses a body needs to be ranked (?minimum=, 1 to 1000)."""
    value = request.args.get("minimum", str(statistics.MINIMUM))
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise QueryError("minimum must be a whole number from 1 to 1000.")
    return int(value)


def _statistics(section_asked: str | None, minimum: int):  # type: ignore[no-untyped-def]
    """The ranking by time taken, and by use of one exemption (the most cited by default)."""
    columns = _columns()
    counts = columns.counts("exemption", columns.live)
    sections = sorted(((int(n), name) for name, n in zip(columns.names["exemption"], counts) if n),
                      key=lambda x: (-x[0], x[1]))
    section = None
    if section_asked:
        section = law.section_of(section_asked)
        if section not in columns.names["exemption"]:
            raise QueryError(f"No response in the archive cites {section_asked!r}.")
    elif sections:
        section = sections[0][1]
    use = statistics.exemption_use(columns, section, minimum=minimum) if section else []
    return statistics.timeliness(columns, minimum=minimum), sections, section, use


def _statistics_url(endpoint: str, minimum: int, **args: object) -> str:
    if minimum != statistics.MINIMUM:
        args["minimum"] = minimum
    return url_for(endpoint, **args)  # type: ignore[arg-type]


@bp.get("/statistics")
def statistics_page():  # type: ignore[no-untyped-def]
    minimum = _minimum()
    ranked, sections, section, use = _statistics(request.args.get("exemption"), minimum)
    return render_template(
        "statistics.html", ranked=ranked, sections=sections, section=section, use=use,
        limit=workdays.LIMIT, minimum=minimum,
        label=lambda s: facet_label("exemption", s),
        section_url=lambda s: _statistics_url("site.statistics_page", minimum, exemption=s,
                                              _anchor="exemptions"),
        everyone_url=_statistics_url("site.statistics_page", 1, exemption=section),
        json_url=_statistics_url("site.statistics_json", minimum, exemption=section))


@bp.get("/statistics.json")
def statistics_json():  # type: ignore[no-untyped-def]
    minimum = _minimum()
    ranked, sections, section, use = _statistics(request.args.get("exemption"), minimum)
    return jsonify({
        "limit_working_days": workdays.LIMIT,
        "minimum_responses": minimum,
        "timeliness": [{"name": r.name, "url": body_url(r.name, external=True), "responses": r.responses,
                        **_timing_dict(r.timing)} for r in ranked],
        "exemption": section,
        "exemptions": [{"section": name, "label": facet_label("exemption", name), "count": n,
                        "statistics_url": _statistics_url("site.statistics_json", minimum, exemption=name,
                                                          _external=True)}
                       for n, name in sections],
        "exemption_use": [{"name": u.name, "url": body_url(u.name, external=True), "responses": u.responses,
                           "count": u.count, "share": round(u.share, 4)} for u in use],
    })


# -- discovery: help, OpenSearch, sitemap ---------------------------------------------------


@bp.get("/help/search")
def search_help():  # type: ignore[no-untyped-def]
    return render_template("help.html", outcomes=OUTCOME_LABELS)


@bp.get("/opensearch.xml")
def opensearch():  # type: ignore[no-untyped-def]
    body = render_template("opensearch.xml", root=request.url_root.rstrip("/"))
    return Response(xml_text(body), mimetype="application/opensearchdescription+xml")


SITEMAP_LIMIT = 50000  # the most URLs one sitemap file may list (sitemaps.org)
SITEMAP_PARTS = 50000  # the most sitemaps one sitemap index may list (sitemaps.org)


def _sitemap_entries():  # type: ignore[no-untyped-def]
    """Every page worth listing, with its date where it has one, in a stable order."""
    store = _store()
    yield url_for("site.home", _external=True), None
    yield url_for("site.prior_page", _external=True), None
    view = _view()
    columns = view.columns
    for value in columns.canonical["force"].values():
        yield body_url(value, "force", external=True), None
    for value in columns.canonical["authority"].values():
        yield body_url(value, "authority", external=True), None
    for value in columns.canonical["exemption"].values():
        yield exemption_url(value, external=True), None
    yield url_for("site.groups_index", _external=True), None
    for found in list_groups(view, limit=None):
        yield url_for("site.group_page", group_id=found.id, _external=True), None
    hidden = {d.id for d in store.documents() if d.hidden} if store is not None else set()
    for fields in view.searcher.all_stored_fields():
        if fields["id"] not in hidden:
            date = fields.get("date")
            yield (url_for("site.document_page", doc_id=fields["id"], _external=True),
                   date.date().isoformat() if date else None)


@bp.get("/sitemap.xml")
def sitemap():  # type: ignore[no-untyped-def]
    """The sitemap; past SITEMAP_LIMIT URLs, a sitemap index of numbered sitemaps."""
    entries = list(_sitemap_entries())
    if len(entries) <= SITEMAP_LIMIT:
        return Response(xml_text(render_template("sitemap.xml", entries=entries)), mimetype="application/xml")
    parts = [url_for("site.sitemap_part", number=n + 1, _external=True)
             for n in range((len(entries) + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT)]
    return Response(xml_text(render_template("sitemap_index.xml", parts=parts)), mimetype="application/xml")


@bp.get("/sitemaps/<int:number>.xml")
def sitemap_part(number: int):  # type: ignore[no-untyped-def]
    """One of the numbered sitemaps a sitemap index lists (from 1)."""
    # Past the last part any archive could have (islice takes no number that large).
    if not 1 <= number <= SITEMAP_PARTS:
        abort(404)
    start = (number - 1) * SITEMAP_LIMIT
    # Read only as far as this part ends, and one past it: part 1 exists only if more follow.
    chunk = list(islice(_sitemap_entries(), start, start + SITEMAP_LIMIT + 1))
    if not chunk or (number == 1 and len(chunk) <= SITEMAP_LIMIT):
        abort(404)
    chunk = chunk[:SITEMAP_LIMIT]
    return Response(xml_text(render_template("sitemap.xml", entries=chunk)), mimetype="application/xml")


@bp.get("/robots.txt")
def robots_txt():  # type: ignore[no-untyped-def]
    """Crawlers may read every response and body page (the sitemap lists them); searches,
    whose combinations of words and facets never end, and drafts checked before filing,
    which are private, are not for them."""
    lines = ["User-agent: *", f"Disallow: {url_for('site.search_page')}",
             f"Disallow: {url_for('site.prior_page')}", f"Allow: {url_for('site.home')}",
             "", f"Sitemap: {url_for('site.sitemap', _external=True)}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


# -- round robins: one request, many bodies ---------------------------------------------


def _is_hidden(doc_id: str) -> bool:
    """Withdrawn from the archive after it was indexed (one catalogue look-up)."""
    store = _store()
    row = store.document(doc_id) if store is not None else None
    return bool(row is not None and row.hidden)


@bp.get("/groups")
def groups_index():  # type: ignore[no-untyped-def]
    return render_template("groups.html", groups=list_groups(_view()),
                           group_url=lambda g: url_for("site.group_page", group_id=g),
                           json_url=url_for("site.groups_json"))


@bp.get("/groups.json")
def groups_json():  # type: ignore[no-untyped-def]
    return jsonify({"groups": [
        {"id": g.id, "size": g.size, "title": g.title, "request": g.request,
         "url": url_for("site.group_page", group_id=g.id, _external=True),
         "json_url": url_for("site.group_page", group_id=f"{g.id}.json", _external=True)}
        for g in list_groups(_view())]})


@bp.get("/groups/<group_id>")
def group_page(group_id: str):  # type: ignore[no-untyped-def]
    if group_id.endswith(".json"):
        return group_json(group_id[:-5])
    group = _group_or_404(group_id)
    return render_template(
        "group.html", group=group, doc_url=_doc_url,
        outcomes=[{"value": o, "label": label, "count": n} for o, label, n in group.outcomes],
        json_url=url_for("site.group_page", group_id=f"{group_id}.json"))


def _group_or_404(group_id: str):  # type: ignore[no-untyped-def]
    group = get_group(_view(), group_id, _is_hidden)
    if group is None:
        abort(404, "No group of requests with that id.")
    return group


def group_json(group_id: str):  # type: ignore[no-untyped-def]
    group = _group_or_404(group_id)
    members = [hit_dict(hit, _doc_url, GROUP_FIELDS) for hit in group.members]
    return jsonify({
        "id": group.id,
        "url": url_for("site.group_page", group_id=group.id),
        "request": group.request,
        "size": len(group.members),
        "bodies": group.bodies,
        "outcomes": [{"outcome": o or None, "label": label, "count": n}
                     for o, label, n in group.outcomes],
        "results": members,
    })

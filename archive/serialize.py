"""Search results and documents as JSON-ready dicts, for the site's API and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from archive.search import DocumentView, ExemptionView, Facet, Hit, SearchResult

DocUrl = Callable[[str], str]

#: What a spreadsheet takes as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading '."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def exemption_dict(e: ExemptionView) -> dict[str, Any]:
    return {"code": e.code, "section": e.section, "label": e.label,
            "sentence": e.sentence, "offset": e.offset, "confidence": e.confidence}


#: How each key of a result row is read from a hit; "url" comes from the caller's doc_url.
_ROW: dict[str, Callable[[Hit], Any]] = {
    "id": lambda h: h.id,
    "title": lambda h: h.title,
    "force": lambda h: h.force,
    "authority": lambda h: h.authority,
    "date": lambda h: h.date,
    "outcome": lambda h: h.outcome,
    "outcome_label": lambda h: h.outcome_label,
    "exemptions": lambda h: [e.code for e in h.exemptions],  # the codes as cited: FOIA s.40(2)
    "exemption_labels": lambda h: [e.label for e in h.exemptions],
    "topics": lambda h: h.topics,
    "reference": lambda h: h.reference,
    "ingested": lambda h: h.ingested,
    "snippet": lambda h: str(h.snippet),  # HTML: document text escaped, matches in <mark>
}

#: A result in /search.json, the body and exemption pages' JSON, /prior.json and the CLI.
RESULT_FIELDS = ("id", "title", "force", "authority", "date", "outcome", "exemptions", "topics",
                 "reference", "ingested", "snippet", "url")
#: A row of /search.csv and /search.jsonl: the CSV's columns, in order.
EXPORT_FIELDS = ("id", "title", "authority", "force", "date", "reference", "outcome",
                 "exemptions", "topics", "url")
#: A member of a round robin in /groups/<id>.json: no snippet, the labels shown in the grid.
GROUP_FIELDS = tuple(f for f in RESULT_FIELDS if f != "snippet") + ("outcome_label", "exemption_labels")

LIST_SEPARATOR = "; "  # between the values of a list in one CSV cell


def hit_dict(hit: Hit, doc_url: DocUrl, fields: tuple[str, ...] = RESULT_FIELDS,
             **extra: Any) -> dict[str, Any]:
    """One result as a row of ``fields``, in that order, then the ``extra`` keys: every
    format that lists results shapes them here, so the same key always means the same."""
    row = {name: doc_url(hit.id) if name == "url" else _ROW[name](hit) for name in fields}
    row.update(extra)
    return row


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row for a CSV file: lists joined in one cell, formulas defused."""
    return {k: csv_cell(LIST_SEPARATOR.join(v) if isinstance(v, list) else v) for k, v in row.items()}


def facet_dict(facet: Facet) -> list[dict[str, Any]]:
    return [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
            for v in facet.values]


def search_dict(result: SearchResult, doc_url: DocUrl) -> dict[str, Any]:
    """The body of /search.json and of `foi-archive search --json`."""
    params = result.params
    return {
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "pages": result.pages,
        "query": params.q,
        "sort": params.sort,
        "filters": params.filters,
        "results": [hit_dict(h, doc_url) for h in result.hits],
        "facets": {f.name: facet_dict(f) for f in result.facets},
    }


def public_url(locator: str | None) -> str | None:
    """Where a response was published, if it was: a web address. A folder ingest's
    file:// path is the server's business and is never shown (docs/reliability.md)."""
    return locator if locator and locator.startswith(("https://", "http://")) else None


def public_locator(locator: str | None) -> str:
    """A locator as the public may see it: a web address as it is, a file by its name only."""
    if not locator:
        return ""
    if public_url(locator):
        return locator
    if locator.startswith("file:"):
        return unquote(locator.rstrip("/").rsplit("/", 1)[-1])
    return ""


def document_dict(doc: DocumentView, doc_url: DocUrl,
                  originals: list[tuple[str, str]]) -> dict[str, Any]:
    """The body of /documents/<id>.json."""
    return {
        "id": doc.id,
        "url": doc_url(doc.id),
        "title": doc.title,
        "authority": doc.authority,
        "authority_type": doc.authority_type,
        "force": doc.force,
        "regime": doc.regime,
        "reference": doc.reference,
        "date": doc.date,
        "received": doc.received,
        "working_days": doc.working_days,
        "outcome": doc.outcome,
        "outcome_evidence": doc.outcome_evidence,
        "date_source": doc.date_source,
        "exemptions": [exemption_dict(e) for e in doc.exemptions],
        "questions": doc.questions,
        "corrected": doc.corrected,
        "confidence": doc.confidence,
        "unstated": doc.unstated,
        "voice": doc.voice,
        "topics": doc.topics,
        "format": doc.format,
        "status": doc.status,
        "truncated": doc.truncated,
        "source": doc.source,
        "source_url": public_url(doc.source_url),
        "sha256": doc.sha256,
        "original_url": originals[0][1] if originals else None,
        "originals": [{"name": name, "url": url} for name, url in originals],
        "ingested": doc.ingested,
        "text": doc.text,
    }


def voice_segments(text: str, voice: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The text cut where whose words it is changes (``Metadata.voice``: the parts that are not
    the body's own): (kind, why, words) in order, kind "own" between the parts. A part that
    does not fit the text (a record older than its text) is left out."""
    out: list[tuple[str, str, str]] = []
    at = 0
    for part in sorted(voice, key=lambda p: int(p.get("start", 0))):
        start, end = int(part.get("start", 0)), int(part.get("end", 0))
        if start < at or end > len(text) or end <= start:
            continue
        if start > at:
            out.append(("own", "", text[at:start]))
        out.append((str(part.get("kind", "other")), str(part.get("why", "")), text[start:end]))
        at = end
    if at < len(text) or not out:
        out.append(("own", "", text[at:]))
    return out


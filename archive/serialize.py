"""Search results and documents as JSON-ready dicts, for the site's API and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.search import DocumentView, ExemptionView, Facet, Hit, SearchResult

DocUrl = Callable[[str], str]

#: What a spreadsheet takes as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading '."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def exemption_dict(e: ExemptionView) -> dict[str, Any]:
    return {"code": e.code, "section": e.section, "label": e.label,
            "sentence": e.sentence, "offset": e.offset}


def hit_dict(hit: Hit, doc_url: DocUrl) -> dict[str, Any]:
    """One result: ``exemptions`` are the codes as cited (``FOIA s.40(2)``)."""
    return {
        "id": hit.id,
        "title": hit.title,
        "force": hit.force,
        "authority": hit.authority,
        "date": hit.date,
        "outcome": hit.outcome,
        "exemptions": [e.code for e in hit.exemptions],
        "topics": hit.topics,
        "reference": hit.reference,
        "ingested": hit.ingested,
        "snippet": str(hit.snippet),  # HTML: document text escaped, matches in <mark>
        "url": doc_url(hit.id),
    }


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
        "topics": doc.topics,
        "format": doc.format,
        "status": doc.status,
        "truncated": doc.truncated,
        "source": doc.source,
        "source_url": doc.source_url,
        "sha256": doc.sha256,
        "original_url": originals[0][1] if originals else None,
        "originals": [{"name": name, "url": url} for name, url in originals],
        "ingested": doc.ingested,
        "text": doc.text,
    }

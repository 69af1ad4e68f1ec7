"""Search: parameters in, plain dataclasses out, for every view (HTML, JSON, CLI).

The user's text becomes a Whoosh query (archive/query.py), matched and ranked over
the generation's postings arrays (archive/matcher.py); the facet selections are
exact filters, OR within a facet and AND across facets. Facet counts are taken over
the whole result set: the counts of one facet honour the selections of the others,
so several values of one facet can be chosen and the alternatives still show how
many they would add. Snippets (archive/snippets.py) and "did you mean"
(archive/suggest.py) are made for the page shown.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from markupsafe import Markup
from whoosh import query
from whoosh.searching import Searcher

from archive import law, workdays
from archive.index import FACET_FIELDS
from archive.matcher import Matcher
from archive.models import NOT_READ
from archive.postings import FacetColumns
from archive.query import MAX_QUERY_LENGTH, TIME_BUDGET, QueryError, canonical_value, parse_query
from archive.reader import Source, viewing
from archive.snippets import highlight_text, plain_snippet, query_words
from archive.suggest import suggest

__all__ = ["QueryError", "Matcher", "parse_query"]  # re-exported: callers import them from here

log = logging.getLogger(__name__)

MAX_PAGE = 500

SUGGEST_BELOW = 3  # offer "did you mean" when a query finds fewer results than this

FACET_LABELS = {
    "force": "Police force",
    "authority": "Authority",
    "exemption": "Exemption",
    "topic": "Topic",
    "outcome": "Outcome",
    "year": "Year",
}

OUTCOME_LABELS = {
    "disclosed_in_full": "Disclosed in full",
    "partially_disclosed": "Partially disclosed",
    "refused": "Refused",
    "neither_confirm_nor_deny": "Neither confirm nor deny",
    "not_held": "Not held",
    "mixed": "Mixed",
    NOT_READ: "Not read",
}

#: How a question's answer is shown (archive.models.ANSWERS).
ANSWER_LABELS = {
    "released": "Released",
    "partly_released": "Partly released",
    "not_held": "Not held",
    "withheld": "Withheld",
    "cost": "Refused on cost (s.12)",
    "ncnd": "Neither confirmed nor denied",
    "not_answered": "Answer not read",  # the reply says nothing of it that the reader could tell
}

SORTS = ("relevance", "date", "date_asc", "ingested")


@dataclass
class SearchParams:
    """What the user asked for."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def with_filter(self, name: str, value: str, on: bool) -> "SearchParams":
        """These parameters with one facet value switched on or off, back on page 1."""
        filters = {k: list(v) for k, v in self.filters.items()}
        chosen = filters.setdefault(name, [])
        if on and value not in chosen:
            chosen.append(value)
        if not on and value in chosen:
            chosen.remove(value)
        if not chosen:
            del filters[name]
        return replace(self, filters=filters, page=1)

    def to_query(self) -> list[tuple[str, str]]:
        """The URL query pairs that ask for these parameters (defaults left out)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in FACET_FIELDS:
            for value in self.filters.get(name, []):
                pairs.append((name, value))
        if self.sort != ("relevance" if self.q else "date"):
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    more: int = 0  # values with a count that were not listed


@dataclass
class ExemptionView:
    code: str  # as cited: FOIA s.40(2)
    section: str  # FOIA s.40
    label: str  # s.40 Personal information
    sentence: str = ""
    offset: int = -1
    confidence: float | None = None  # how sure the reader is (None: corrected by hand, or older)

    @property
    def verb(self) -> str:
        """How the provision was used, in words: 'withheld under s.40(2)'."""
        short = self.code.split(" ", 1)[-1]
        if law.is_ncnd(self.code):
            return f"neither confirmed nor denied under {short}"
        if self.section in law.COST_LIMIT:
            return f"refused on cost under {short}"
        if self.section in law.VEXATIOUS:
            return f"refused as vexatious or repeated under {short}"
        return f"withheld under {short}"


@dataclass
class Hit:
    id: str
    title: str
    authority: str | None
    force: str | None
    date: str | None
    outcome: str | None
    outcome_label: str | None
    reference: str | None
    exemptions: list[ExemptionView]
    topics: list[str]
    format: str | None
    snippet: Markup
    ingested: str | None = None  # when the archive first stored it (ISO timestamp)


@dataclass
class SearchResult:
    params: SearchParams
    total: int
    hits: list[Hit]
    facets: list[Facet]
    suggestion: str | None = None  # the query spelt as the archive spells it

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


@dataclass
class DocumentView:
    id: str
    sha256: str
    title: str
    text: str
    authority: str | None
    authority_type: str | None
    force: str | None
    regime: str | None
    reference: str | None
    date: str | None
    received: str | None
    outcome: str | None
    outcome_label: str | None
    exemptions: list[ExemptionView]
    topics: list[str]
    format: str | None
    source: str | None
    source_url: str | None
    ingested: str | None
    status: str | None
    # From details_json (archive.index.details): plain dicts, as Metadata.to_dict gives them.
    questions: list[dict[str, Any]] = field(default_factory=list)
    outcome_evidence: dict[str, Any] | None = None
    date_source: str | None = None
    corrected: list[str] = field(default_factory=list)
    truncated: dict[str, int] | None = None
    # Whose words, how sure, and what was read but not stated (ingest/metadata/voice.py,
    # confidence.py): plain dicts as Metadata.to_dict gives them.
    voice: list[dict[str, Any]] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    unstated: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def working_days(self) -> int | None:
        """Working days from receipt to response, as the Acts count them, where known."""
        return workdays.time_taken(self.received, self.date, self.date_source, self.regime)


def parse_params(args: Mapping[str, Sequence[str]], *, page_size: int = 20,
                 max_page_size: int = 100) -> SearchParams:
    """Read search parameters from a URL's multi-valued arguments."""

    def one(name: str, default: str = "") -> str:
        values = args.get(name) or []
        return values[0] if values else default

    q = one("q").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
    filters: dict[str, list[str]] = {}
    for name in FACET_FIELDS:
        values = [v.strip() for v in args.get(name) or [] if v and v.strip()]
        if len(values) > 20:
            raise QueryError(f"Too many values for {name}: at most 20.")
        if values:
            filters[name] = list(dict.fromkeys(values))
    # Without words to rank by, relevance means nothing: newest first.
    sort = one("sort") or ("relevance" if q else "date")
    if sort not in SORTS:
        raise QueryError(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
    page = _positive_int(one("page", "1"), "page")
    if page > MAX_PAGE:
        raise QueryError(f"Page {page} is too far: at most {MAX_PAGE}. Narrow the search instead.")
    per_page = _positive_int(one("per_page", str(page_size)), "per_page")
    if per_page > max_page_size:
        raise QueryError(f"per_page is at most {max_page_size}.")
    return SearchParams(q=q, filters=filters, sort=sort, page=page, per_page=per_page)


def _positive_int(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {text!r}.") from None
    if value < 1:
        raise QueryError(f"{name} must be 1 or more.")
    return value


def _filter_sets(filters: Mapping[str, list[str]], columns: FacetColumns) -> dict[str, set[str]]:
    return {
        name: {canonical_value(name, v, columns) for v in values}
        for name, values in filters.items()
        if values
    }


def facet_label(name: str, value: str) -> str:
    """How a facet value is shown: exemptions and outcomes get their names."""
    if name == "exemption":
        value = law.parse_code(value) or value  # already a section
        # FOISA s.38 (personal information) is not FOIA s.38 (health and safety):
        # name the law unless it is FOIA, which most responses cite.
        label = law.label(value)
        regime = value.split(" ", 1)[0]
        return label if regime == "FOIA" or label.startswith(regime) else f"{regime} {label}"
    if name == "outcome":
        return OUTCOME_LABELS.get(value, value)
    return value


def count_facets(mask: np.ndarray, columns: FacetColumns, selected: Mapping[str, set[str]]
                 ) -> tuple[np.ndarray, dict[str, Counter[str]]]:
    """The documents that pass every selection, and each facet's counts.

    A facet's counts are over the documents that pass the selections of the
    *other* facets (the usual multi-select rule). ``mask`` is the matching
    documents; each count is one bincount over the facet's (document, value) pairs.
    """
    passes = {name: columns.having(name, values) for name, values in selected.items()}
    passing = mask.copy()
    for chosen in passes.values():
        passing &= chosen
    counters: dict[str, Counter[str]] = {}
    for name in FACET_FIELDS:
        if name in passes and len(passes) == 1:
            base = mask
        elif name in passes:
            base = mask.copy()
            for other, chosen in passes.items():
                if other != name:
                    base &= chosen
        else:
            base = passing
        counts = columns.counts(name, base)
        values = columns.names[name]
        counters[name] = Counter({values[i]: int(counts[i]) for i in np.flatnonzero(counts)})
    return passing, counters


def _facets(counters: Mapping[str, Counter[str]], selected: Mapping[str, set[str]],
            limit: int = 30) -> list[Facet]:
    facets = []
    for name in FACET_FIELDS:
        counts = counters[name]
        chosen = selected.get(name, set())
        if name == "year":
            ordered = sorted(counts, reverse=True)
        else:
            ordered = sorted(counts, key=lambda v: (-counts[v], v.lower()))
        shown = ordered[:limit] + [v for v in ordered[limit:] if v in chosen]
        shown += sorted(v for v in chosen if v not in counts)  # chosen but now empty
        values = [FacetValue(v, facet_label(name, v), counts.get(v, 0), v in chosen) for v in shown]
        facets.append(Facet(name, FACET_LABELS[name], values, more=max(0, len(ordered) - limit)))
    return facets


def exemption_views(stored: Mapping[str, Any]) -> list[ExemptionView]:
    """The exemptions of a stored document, with their sentences, in citation order."""
    try:
        items = json.loads(stored.get("exemptions_json") or "[]")
    except ValueError:
        items = []
    views = []
    for item in items:
        code = item.get("code", "")
        section = law.section_of(code)
        confidence = item.get("confidence")
        views.append(ExemptionView(code=code, section=section, label=law.label(section),
                                   sentence=item.get("sentence", ""),
                                   offset=int(item.get("offset", -1)),
                                   confidence=None if confidence is None else float(confidence)))
    return views


def _date(stored: Mapping[str, Any]) -> str | None:
    value = stored.get("date")
    return value.date().isoformat() if value is not None else None


def hit_from_stored(stored: Mapping[str, Any], snippet: Markup) -> Hit:
    """A result from a document's stored fields."""
    outcome = stored.get("outcome")
    return Hit(
        id=stored["id"],
        title=stored.get("title") or "(untitled)",
        authority=stored.get("authority"),
        force=stored.get("force"),
        date=_date(stored),
        outcome=outcome,
        outcome_label=OUTCOME_LABELS.get(outcome) if outcome else None,
        reference=stored.get("reference"),
        exemptions=exemption_views(stored),
        topics=_split(stored.get("topic")),
        format=stored.get("format"),
        snippet=snippet,
        ingested=stored.get("ingested"),
    )


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _counted(selected: Mapping[str, set[str]], columns: FacetColumns) -> np.ndarray | None:
    """The documents any count or result can come from: those that fail at most one facet's
    selection (a facet's counts ignore its own). None when that is every document."""
    if len(selected) < 2:
        return None
    failed = np.zeros(columns.size, dtype=np.int8)
    for name, values in selected.items():
        failed += ~columns.having(name, values)
    return failed <= 1


def _match(columns: FacetColumns, searcher: Searcher, params: SearchParams
           ) -> tuple[query.Query, np.ndarray, dict[str, Counter[str]], dict[str, set[str]]]:
    """The query, the documents in the order asked for, the facet counts, the selections."""
    q = parse_query(params.q, searcher, columns)
    selected = _filter_sets(params.filters, columns)
    deadline = time.monotonic() + TIME_BUDGET
    mask, score = Matcher(searcher, columns, deadline).run(q, _counted(selected, columns))
    mask &= columns.live
    passing, counters = count_facets(mask, columns, selected)
    docs = np.flatnonzero(passing)
    # Equals in the order of the id's tiebreak, not of writing: a rebuilt index answers alike.
    ties = (docs, columns.tiebreak[docs])
    if params.sort == "date" or (params.sort == "relevance" and not params.q):  # no ranking
        order = np.lexsort((*ties, -columns.sort_dates[docs]))
    elif params.sort == "date_asc":
        order = np.lexsort((*ties, columns.sort_dates[docs]))
    elif params.sort == "ingested":  # newest in the archive first; the same moment by date
        order = np.lexsort((*ties, -columns.sort_dates[docs], -columns.sort_ingested[docs]))
    else:
        order = np.lexsort((*ties, -score[docs]))
    return q, docs[order], counters, selected


def search(source: Source, params: SearchParams) -> SearchResult:
    """Run one search: the page of hits, the exact total and every facet's counts."""
    with viewing(source) as view:
        searcher, columns = view.searcher, view.columns
        q, docs, counters, selected = _match(columns, searcher, params)
        total = len(docs)
        facets = _facets(counters, selected)
        hits: list[Hit] = []
        start = (params.page - 1) * params.per_page
        words = query_words(searcher, q, columns) if params.q else frozenset()
        for docnum in docs[start:start + params.per_page]:
            stored = searcher.stored_fields(int(docnum))
            snippet = highlight_text(words, stored.get("text", ""))
            if not snippet:
                snippet = plain_snippet(stored.get("text", ""))
            hits.append(hit_from_stored(stored, snippet))
        suggestion = (suggest(searcher, params.q, columns.remember)
                      if params.q and total < SUGGEST_BELOW else None)
        return SearchResult(params=params, total=total, hits=hits, facets=facets,
                            suggestion=suggestion)


def iter_hits(source: Source, params: SearchParams) -> Iterator[Hit]:
    """Every hit of a search, in its order, without snippets: for exports and feeds."""
    with viewing(source) as view:
        _, docs, _, _ = _match(view.columns, view.searcher, params)
        for docnum in docs:
            yield hit_from_stored(view.searcher.stored_fields(int(docnum)), Markup(""))


def get_document(source: Source, doc_id: str) -> DocumentView | None:
    """One document's stored fields, or None."""
    with viewing(source) as view:
        stored = view.searcher.document(id=doc_id)
    return None if stored is None else document_from_stored(stored)


def document_from_stored(stored: Mapping[str, Any]) -> DocumentView:
    """A document from its stored fields (the page, its JSON and the whole-archive export)."""
    outcome = stored.get("outcome")
    details = json.loads(stored.get("details_json") or "{}")  # absent in older documents
    return DocumentView(
        id=stored["id"],
        sha256=stored.get("sha256", ""),
        title=stored.get("title") or "(untitled)",
        text=stored.get("text", ""),
        authority=stored.get("authority"),
        authority_type=stored.get("authority_type"),
        force=stored.get("force"),
        regime=stored.get("regime"),
        reference=stored.get("reference"),
        date=_date(stored),
        received=stored.get("received"),
        outcome=outcome,
        outcome_label=OUTCOME_LABELS.get(outcome) if outcome else None,
        exemptions=exemption_views(stored),
        topics=_split(stored.get("topic")),
        format=stored.get("format"),
        source=stored.get("source"),
        source_url=stored.get("source_url"),
        ingested=stored.get("ingested"),
        status=stored.get("status"),
        questions=list(details.get("questions") or []),
        outcome_evidence=details.get("outcome_evidence"),
        date_source=details.get("date_source"),
        corrected=list(details.get("corrected") or []),
        truncated=details.get("truncated"),
        voice=list(details.get("voice") or []),
        confidence=dict(details.get("confidence") or {}),
        unstated=dict(details.get("unstated") or {}),
    )

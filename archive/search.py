"""Search: parameters in, plain dataclasses out, for every view (HTML, JSON, CLI).

Free text goes through Whoosh's query parser (phrases, AND/OR/NOT, ``field:value``)
behind guards; the facet selections are exact filters, OR within a facet and AND
across facets. Facet counts are taken over the whole result set: the counts of
one facet honour the selections of the others, so several values of one facet
can be chosen and the alternatives still show how many they would add.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
import math
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

import numpy as np
from markupsafe import Markup
from whoosh import qparser, query
from whoosh.searching import Searcher

from archive import law
from archive.models import NOT_READ
from archive.suggest import suggest
from archive.snippets import highlight_text, plain_snippet, query_words
from archive.index import (FACET_FIELDS, KEYWORD_FIELDS, POSITION_SHIFT, SCORED_FIELDS, FacetColumns,
                           IndexReader, intersect_sorted, position_keys)

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 500
MAX_NESTING = 10
MAX_TERMS = 40
MAX_EXPANSION = 2000  # terms a wildcard or prefix may expand to
MIN_PREFIX = 3
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
    "not_answered": "Not answered",
}
SORTS = ("relevance", "date", "date_asc")
FIELD_ALIASES = {"body": "text", "ref": "reference", "exemptions": "exemption",
                 "topics": "topic", "section": "exemption"}


class QueryError(ValueError):
    """A query or parameter we will not run; the message is for the user."""


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


# -- parameters ------------------------------------------------------------------


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


# -- the query -------------------------------------------------------------------


class _Parser(qparser.QueryParser):
    """Whoosh's parser, but a wildcard's letters are not stemmed.

    "tas*" must stay "tas" (stemmed it would be "ta"): the prefix is matched
    against the stemmed index terms as the user typed it.
    """

    def term_query(self, fieldname: str, text: str, termclass: Any, boost: float = 1.0,
                   tokenize: bool = True, removestops: bool = True) -> Any:
        if termclass in (query.Wildcard, query.Prefix) and fieldname in ("title", "text"):
            return termclass(fieldname, text.lower(), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def _parser(schema: Any) -> qparser.QueryParser:
    parser = _Parser(None, schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.MultifieldPlugin(list(SCORED_FIELDS)))
    # Unbounded term expansion and deep nesting are denial-of-service vectors
    # (shared/reliability.md Q1-Q5): no fuzzy terms, no "*" for everything.
    parser.remove_plugin_class(qparser.EveryPlugin)
    parser.remove_plugin_class(qparser.BoostPlugin)
    return parser


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    return deepest


def _canonical_value(name: str, value: str, columns: FacetColumns) -> str:
    known = columns.canonical.get(name, {})
    if name == "exemption" and value not in known.values():
        value = law.parse_code(value) or value  # already a section
    return known.get(value.lower(), value)


def _fix_terms(q: query.Query, columns: FacetColumns) -> query.Query:
    """Exact-value fields typed in the query box match whatever their case."""
    if isinstance(q, query.Term) and q.fieldname in FACET_FIELDS + KEYWORD_FIELDS:
        return query.Term(q.fieldname, _canonical_value(q.fieldname, q.text, columns), boost=q.boost)
    if q.is_leaf():
        return q
    return q.apply(lambda child: _fix_terms(child, columns))


def expansions(leaf: query.PatternQuery, searcher: Searcher, columns: FacetColumns) -> list[bytes]:
    """The index terms a prefix or wildcard stands for (at most MAX_EXPANSION + 1), once a generation.

    Walking the term dictionaries of every segment is most of a prefix query's cost.
    """
    def walk() -> list[bytes]:
        return list(islice(leaf._btexts(searcher.reader()), MAX_EXPANSION + 1))

    return columns.remember(("expand", type(leaf).__name__, leaf.fieldname, leaf.text), walk)


def segment_expansions(leaf_query: query.PatternQuery, segment_reader: Any, segment: int,
                       columns: FacetColumns) -> list[bytes]:
    """The terms of one segment a prefix or wildcard stands for, as Whoosh expands it there."""
    def walk() -> list[bytes]:
        return list(islice(leaf_query._btexts(segment_reader), MAX_EXPANSION + 1))

    return columns.remember(("expand", segment, type(leaf_query).__name__, leaf_query.fieldname,
                             leaf_query.text), walk)


def _check_expansion(q: query.Query, searcher: Searcher, columns: FacetColumns) -> None:
    leaves = list(q.leaves()) if not q.is_leaf() else [q]
    # Counted first: a long query is refused before any of its wildcards is expanded.
    if len(leaves) > MAX_TERMS:
        raise QueryError(f"The query has too many terms: at most {MAX_TERMS}.")
    for leaf in leaves:
        if isinstance(leaf, query.Every):
            raise QueryError("A query of only wildcards would match everything: "
                             "leave the box empty to list all responses.")
        if isinstance(leaf, (query.Wildcard, query.Prefix)):
            stem = leaf.text.split("*")[0].split("?")[0] if isinstance(leaf, query.Wildcard) else leaf.text
            if len(stem) < MIN_PREFIX:
                raise QueryError(
                    f"Wildcards need at least {MIN_PREFIX} letters before them (e.g. firear*)."
                )
            if len(expansions(leaf, searcher, columns)) > MAX_EXPANSION:  # before the search runs
                raise QueryError("That wildcard matches too many words; type more letters.")
        elif isinstance(leaf, (query.FuzzyTerm, query.Regex)):
            raise QueryError("Fuzzy and regular-expression queries are not supported.")


def parse_query(text: str, searcher: Searcher, columns: FacetColumns) -> query.Query:
    """The Whoosh query for the user's text, or QueryError with a reason."""
    text = text.strip()
    if not text:
        return query.Every()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
    if _nesting(text) > MAX_NESTING:
        raise QueryError(f"The query nests brackets too deeply: at most {MAX_NESTING} levels.")
    text = _normalise_field_names(text)
    try:
        q = _parser(searcher.schema).parse(text, normalize=False)
        error = _first_error(q)
        if error is None:
            q = q.normalize()
    except Exception as exc:  # the parser raises bare Exception/ValueError on bad input
        raise QueryError(f"Could not read the query: {exc}") from None
    if error is not None:
        # Whoosh hides a field's parse error in the tree instead of raising it.
        raise QueryError(f"Could not read part of the query: {error}")
    if q is query.NullQuery:
        return query.Every()
    q = _fix_terms(q, columns)
    _check_expansion(q, searcher, columns)
    return q


def _first_error(q: query.Query) -> str | None:
    error = getattr(q, "error", None)
    if error is not None:
        return str(error)
    for child in q.children():
        found = _first_error(child)
        if found is not None:
            return found
    return None


_FIELD_RE = re.compile(r"\b([A-Za-z_]+):")


def _normalise_field_names(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1).lower()
        return FIELD_ALIASES.get(name, name) + ":"

    return _FIELD_RE.sub(repl, text)


# -- facets ----------------------------------------------------------------------


def _filter_sets(filters: Mapping[str, list[str]], columns: FacetColumns) -> dict[str, set[str]]:
    return {
        name: {_canonical_value(name, v, columns) for v in values}
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


# -- results ---------------------------------------------------------------------


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
        views.append(ExemptionView(code=code, section=section, label=law.label(section),
                                   sentence=item.get("sentence", ""),
                                   offset=int(item.get("offset", -1))))
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
    )


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


# -- matching ---------------------------------------------------------------------

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults: ranking is what searcher.search() gives


class Matcher:
    """A parsed query evaluated over whole postings arrays: which documents, with what score.

    Whoosh walks a match one document per Python call, so a broad query at 100k
    responses costs hundreds of milliseconds before a facet is counted. Here
    each term's postings are numpy arrays (read once per index generation) and
    And/Or/Not are mask operations; BM25 is Whoosh's formula with its statistics,
    so terms, ANDs and ORs rank as searcher.search() ranks them. A phrase matches
    on positions and scores as its words do. Query types not handled here
    (ranges, for instance) are matched by Whoosh and score nothing.
    """

    def __init__(self, searcher: Searcher, columns: FacetColumns) -> None:
        self.searcher = searcher
        self.columns = columns
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.size = columns.size
        self.doc_count = self.reader.doc_count_all()

    def run(self, q: query.Query, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A mask of the matching documents and each one's score.

        ``within`` (a mask) says which documents the caller will look at: outside it the
        answer may be incomplete. An And hands its children what the cheaper of them
        left, so a phrase reads positions only for documents that survive the rest.
        """
        if isinstance(q, query.Term):
            return self._term(q.fieldname, q.text, q.boost)
        if isinstance(q, query.Phrase) and q.slop == 1:
            return self._phrase(q, within)
        if isinstance(q, (query.Prefix, query.Wildcard)):
            return self._pattern(q)
        if isinstance(q, query.Every):
            return self.columns.live.copy(), np.zeros(self.size)
        if q is query.NullQuery:
            return np.zeros(self.size, dtype=bool), np.zeros(self.size)
        if isinstance(q, (query.And, query.Or)) and type(q) in (query.And, query.Or):
            if not q.subqueries:
                return np.zeros(self.size, dtype=bool), np.zeros(self.size)
            if isinstance(q, query.And):
                return self._and(q, within)
            parts = [self.run(sub, within) for sub in q.subqueries]
            mask, score = parts[0][0].copy(), parts[0][1] * parts[0][0]
            for m, sc in parts[1:]:
                mask |= m
                score += sc * m
            minmatch = getattr(q, "minmatch", 0) or 0
            if minmatch > 1:
                # Whoosh takes Or(minmatch=) but does not implement it; here it is kept.
                mask &= np.sum([m for m, _ in parts], axis=0) >= minmatch
            return mask, score * q.boost
        if isinstance(q, query.Not):
            mask, _ = self.run(q.query, within)
            mask = self.columns.live & ~mask
            return mask, mask * float(q.boost)  # Whoosh's InverseMatcher scores 1 a document
        if isinstance(q, query.AndNot):
            a, sa = self.run(q.a, within)
            b, _ = self.run(q.b, a if within is None else a & within)
            return a & ~b, sa
        if isinstance(q, query.AndMaybe):
            a, sa = self.run(q.a, within)
            b, sb = self.run(q.b, a if within is None else a & within)
            return a, sa + sb * b
        return self._fallback(q)

    def _and(self, q: query.And, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Phrases last: they read positions, and only where the other parts matched."""
        subs = sorted(enumerate(q.subqueries), key=lambda item: _reads_positions(item[1]))
        parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        mask: np.ndarray | None = None
        for i, sub in subs:
            if mask is None or within is None:
                narrowed = within if mask is None else mask
            else:
                narrowed = mask & within
            m, sc = self.run(sub, narrowed)
            parts[i] = (m, sc)
            mask = m.copy() if mask is None else mask & m
        assert mask is not None
        score = np.zeros(self.size)
        for i in range(len(subs)):  # summed in the query's order, as Whoosh sums
            m, sc = parts[i]
            score += sc * m
        return mask, score * q.boost

    def _fallback(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return mask, np.zeros(self.size)

    def _bm25(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if not self.schema[fieldname].scorable:
            return weights.astype(np.float64)  # Whoosh scores an unscored field's match by its weight
        df = self.reader.doc_frequency(fieldname, btext)
        idf = math.log(self.doc_count / (df + 1)) + 1
        avgfl = (self.reader.field_length(fieldname) / (self.doc_count or 1)) or 1
        fl = self.columns.lengths[fieldname][ids]
        weights = weights.astype(np.float64)  # scored in double precision, as Whoosh scores
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))

    def _term(self, fieldname: str, text: str, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        btext = self.schema[fieldname].to_bytes(text)
        ids, weights = self.columns.postings.get(fieldname, btext)
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        mask[ids] = True
        score[ids] = self._bm25(fieldname, btext, ids, weights) * boost
        return mask, score

    def _pattern(self, q: query.PatternQuery) -> tuple[np.ndarray, np.ndarray]:
        """A prefix or wildcard, scored segment by segment as Whoosh's MultiTerm.matcher does.

        Whoosh asks for its terms unscored and ORs them per segment: one term stands alone
        (BM25, no boost); two, or a segment of over 5,000 documents, make a tree of unions
        whose terms fall back to BM25 (the sum, times the boost); otherwise an array union
        that scores each document the boost (whoosh.query.compound.Or._matcher).
        """
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size)
        boost = float(q.boost)
        for segment, (leaf, offset) in enumerate(self.reader.leaf_readers()):
            btexts = segment_expansions(q, leaf, segment, self.columns)
            if not btexts:
                continue
            end = offset + leaf.doc_count_all()
            seg_mask = np.zeros(end - offset, dtype=bool)
            seg_score = np.zeros(end - offset)
            for btext in btexts:
                ids, weights = self.columns.postings.get(q.fieldname, btext)
                lo, hi = np.searchsorted(ids, [offset, end])
                ids, weights = ids[lo:hi], weights[lo:hi]
                seg_mask[ids - offset] = True
                seg_score[ids - offset] += self._bm25(q.fieldname, btext, ids, weights)
            n = len(btexts)
            if n == 1:
                pass
            elif n == 2 or (n < query.Or.TOO_MANY_CLAUSES and end - offset > 5000):
                seg_score *= boost
            else:
                seg_score = seg_mask * boost
            mask[offset:end] = seg_mask
            score[offset:end] = seg_score
        return mask, score

    def _phrase(self, q: query.Phrase, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        field_ = self.schema[q.fieldname]
        btexts = tuple(field_.to_bytes(w) for w in q.words)
        postings = self.columns.postings

        def documents() -> np.ndarray:
            candidates = self.columns.live.copy() if within is None else self.columns.live & within
            frequency = []
            for btext in btexts:
                ids = postings.get(q.fieldname, btext)[0]
                held = np.zeros(self.size, dtype=bool)
                held[ids] = True
                candidates &= held
                frequency.append(len(ids))
            keys: np.ndarray | None = None
            # The rarest word first: each word's positions are read only for the documents
            # the words before it left, from the blocks that hold them.
            for i in sorted(range(len(btexts)), key=frequency.__getitem__):
                wanted = np.flatnonzero(candidates)
                if not len(wanted):
                    return wanted.astype(np.int32)
                all_ids, raw = postings.positions(q.fieldname, btexts[i], wanted)
                # Word i of the phrase sits i places after the first word.
                found = position_keys(all_ids, raw, candidates) - i
                keys = found if keys is None else intersect_sorted(keys, found)
                candidates = np.zeros(self.size, dtype=bool)
                candidates[keys >> POSITION_SHIFT] = True
            return np.flatnonzero(candidates).astype(np.int32)

        # Remembered only when unrestricted: with ``within`` the answer is partial.
        docs = (self.columns.remember(("phrase", q.fieldname, btexts), documents)
                if within is None else documents())
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        score = np.zeros(self.size)
        for btext in btexts:
            ids, weights = postings.get(q.fieldname, btext)
            score[ids] += self._bm25(q.fieldname, btext, ids, weights)
        return mask, score * mask * q.boost


def _reads_positions(q: query.Query) -> bool:
    """Whether matching ``q`` reads positions (it holds a phrase)."""
    return any(isinstance(leaf, query.Phrase) for leaf in ([q] if q.is_leaf() else q.leaves()))


def _match(reader: IndexReader, searcher: Searcher, params: SearchParams
           ) -> tuple[query.Query, np.ndarray, dict[str, Counter[str]], dict[str, set[str]]]:
    """The query, the documents in the order asked for, the facet counts, the selections."""
    columns = reader.facet_columns(searcher)
    q = parse_query(params.q, searcher, columns)
    selected = _filter_sets(params.filters, columns)
    mask, score = Matcher(searcher, columns).run(q)
    mask &= columns.live
    passing, counters = count_facets(mask, columns, selected)
    docs = np.flatnonzero(passing)
    if params.sort == "date" or (params.sort == "relevance" and not params.q):  # no ranking
        order = np.lexsort((docs, -columns.sort_dates[docs]))
    elif params.sort == "date_asc":
        order = np.lexsort((docs, columns.sort_dates[docs]))
    else:
        order = np.lexsort((docs, -score[docs]))
    return q, docs[order], counters, selected


def search(reader: IndexReader, params: SearchParams) -> SearchResult:
    """Run one search: the page of hits, the exact total and every facet's counts."""
    with reader.searcher() as searcher:
        q, docs, counters, selected = _match(reader, searcher, params)
        total = len(docs)
        facets = _facets(counters, selected)
        hits: list[Hit] = []
        start = (params.page - 1) * params.per_page
        words = query_words(searcher, q) if params.q else frozenset()
        for docnum in docs[start:start + params.per_page]:
            stored = searcher.stored_fields(int(docnum))
            snippet = highlight_text(words, stored.get("text", ""))
            if not snippet:
                snippet = plain_snippet(stored.get("text", ""))
            hits.append(hit_from_stored(stored, snippet))
        columns = reader.facet_columns(searcher)
        suggestion = (suggest(searcher, params.q, columns.remember)
                      if params.q and total < SUGGEST_BELOW else None)
        return SearchResult(params=params, total=total, hits=hits, facets=facets,
                            suggestion=suggestion)


def iter_hits(reader: IndexReader, params: SearchParams) -> Iterator[Hit]:
    """Every hit of a search, in its order, without snippets: for exports and feeds."""
    with reader.searcher() as searcher:
        _, docs, _, _ = _match(reader, searcher, params)
        for docnum in docs:
            yield hit_from_stored(searcher.stored_fields(int(docnum)), Markup(""))


def get_document(reader: IndexReader, doc_id: str) -> DocumentView | None:
    """One document's stored fields, or None."""
    with reader.searcher() as searcher:
        stored = searcher.document(id=doc_id)
    if stored is None:
        return None
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
    )

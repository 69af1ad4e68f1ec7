"""Query parsing and its guards: the user's text to a Whoosh query, or a reason not to run it.

Free text goes through Whoosh's query parser (phrases, AND/OR/NOT, ``field:value``)
behind guards against what would be slow or unbounded (docs/reliability.md Q1-Q5
is summarised in docs/reliability.md): length, nesting, number of terms, short or
broad wildcards, fuzzy and regular-expression terms.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import qparser, query
from whoosh.searching import Searcher

from archive import law
from archive.index import FACET_FIELDS, KEYWORD_FIELDS, SCORED_FIELDS
from archive.index import SPELLING_FIELDS
from archive.postings import MAX_EXPANSION, FacetColumns, expansions, range_expansions

MAX_QUERY_LENGTH = 500

MAX_NESTING = 10

MAX_TERMS = 40

MIN_PREFIX = 3

#: Seconds one search may spend matching before it is refused with a 400 that says how to
#: narrow it (archive/matcher.py); with the expansion budget above, what bounds a request.
TIME_BUDGET = 2.0

FIELD_ALIASES = {"body": "text", "ref": "reference", "exemptions": "exemption",
                 "topics": "topic", "section": "exemption"}


class QueryError(ValueError):
    """A query or parameter we will not run; the message is for the user."""


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
    # (docs/reliability.md Q1-Q5): no fuzzy terms, no "*" for everything.
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


def canonical_value(name: str, value: str, columns: FacetColumns) -> str:
    known = columns.canonical.get(name, {})
    if name == "exemption" and value not in known.values():
        value = law.parse_code(value) or value  # already a section
    return known.get(value.lower(), value)


def _fix_terms(q: query.Query, columns: FacetColumns) -> query.Query:
    """Exact-value fields typed in the query box match whatever their case."""
    if isinstance(q, query.Term) and q.fieldname in FACET_FIELDS + KEYWORD_FIELDS:
        return query.Term(q.fieldname, canonical_value(q.fieldname, q.text, columns), boost=q.boost)
    if q.is_leaf():
        return q
    return q.apply(lambda child: _fix_terms(child, columns))


def _check_expansion(q: query.Query, searcher: Searcher, columns: FacetColumns) -> None:
    """One budget for the whole query: its wildcards, prefixes and ranges (of words, years
    or dates) together stand for at most MAX_EXPANSION index terms, counted before anything
    is searched (docs/reliability.md, "Query budgets")."""
    leaves = list(q.leaves()) if not q.is_leaf() else [q]
    # Counted first: a long query is refused before any of its wildcards is expanded.
    if len(leaves) > MAX_TERMS:
        raise QueryError(f"The query has too many terms: at most {MAX_TERMS}.")
    spent = 0
    for leaf in leaves:
        if leaf.field() in SPELLING_FIELDS:  # the "did you mean" word lists: not a field to search
            raise QueryError(f"There is no field named {leaf.field()!r} to search.")
        if isinstance(leaf, query.Every):
            raise QueryError("A query of only wildcards would match everything: "
                             "leave the box empty to list all responses.")
        if isinstance(leaf, (query.FuzzyTerm, query.Regex)):
            raise QueryError("Fuzzy and regular-expression queries are not supported.")
        if isinstance(leaf, (query.Wildcard, query.Prefix)):
            stem = leaf.text.split("*")[0].split("?")[0] if isinstance(leaf, query.Wildcard) else leaf.text
            if len(stem) < MIN_PREFIX:
                raise QueryError(
                    f"Wildcards need at least {MIN_PREFIX} letters before them (e.g. firear*)."
                )
            size = len(expansions(leaf, searcher, columns))
            if size > MAX_EXPANSION:
                raise QueryError("That wildcard matches too many words; type more letters.")
        elif isinstance(leaf, (query.TermRange, query.NumericRange)):
            size = len(range_expansions(leaf, searcher, columns))
            if size > MAX_EXPANSION:
                raise QueryError(f"The range {leaf.fieldname}:[{leaf.start or ''} TO {leaf.end or ''}] "
                                 f"spans too many values (over {MAX_EXPANSION}); narrow it.")
        else:
            size = 1
        spent += size
        if spent > MAX_EXPANSION:
            raise QueryError(f"The wildcards and ranges of this query stand for over {MAX_EXPANSION} "
                             "words together; use fewer, or narrow them.")


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

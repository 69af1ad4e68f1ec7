"""Round robins on the read side: the responses to one request sent to many bodies.

The ingest side (ingest/grouping.py) writes each document's ``group``; here a group
is read back as plain data for the group page, its JSON and the document page's link.
Each look-up reads one term's postings, never the whole index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup
from whoosh import query
from whoosh.searching import Searcher

from archive.reader import Source, viewing
from archive.search import OUTCOME_LABELS, Hit, hit_from_stored

GROUP_ID = re.compile(r"^[0-9a-f]{1,64}$")


@dataclass
class Group:
    id: str
    request: str  # the question, as the earliest member's response quotes it
    members: list[Hit]  # one row of the grid each, by body name
    outcomes: list[tuple[str, str, int]] = field(default_factory=list)  # (outcome, label, count)

    @property
    def bodies(self) -> int:
        return len({m.force or m.authority for m in self.members})


@dataclass
class GroupSummary:
    id: str
    size: int
    title: str
    request: str


def group_of(source: Source, doc_id: str) -> tuple[str, int] | None:
    """The group of a document and how many documents are in it, or None."""
    with viewing(source) as view:
        stored = view.searcher.document(id=doc_id)
        group = (stored or {}).get("group")
        if not group:
            return None
        # The group's live members from the generation's postings arrays, kept between
        # requests: counting them one by one through a matcher cost 10 ms a link for a
        # round robin of 4,000 (and doc_frequency would count deleted documents).
        members, _ = view.columns.postings.get("group", group.encode("utf-8"))
        return group, len(members)


def get_group(source: Source, group_id: str,
              hidden: Callable[[str], bool] = lambda doc_id: False) -> Group | None:
    """Every response in a group, or None if there is no such group."""
    if not GROUP_ID.match(group_id):
        return None
    with viewing(source) as view:
        searcher = view.searcher
        stored = [searcher.stored_fields(n)
                  for n in searcher.docs_for_query(query.Term("group", group_id))]
    stored = [s for s in stored if not hidden(s["id"])]
    if not stored:
        return None
    # The question as the earliest response quotes it: the group's founder when present.
    first = next((s for s in stored if s.get("id") == group_id),
                 min(stored, key=lambda s: (s.get("date") is None, s.get("date") or 0)))
    members = sorted((hit_from_stored(s, Markup("")) for s in stored),
                     key=lambda h: ((h.force or h.authority or "~").lower(), h.date or ""))
    counts = Counter(h.outcome or "" for h in members)
    outcomes = [(o, OUTCOME_LABELS.get(o, "No decision recorded"), n)
                for o, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Group(id=group_id, request=first.get("request") or "", members=members,
                 outcomes=outcomes)


def list_groups(source: Source, limit: int | None = 100, min_size: int = 2) -> list[GroupSummary]:
    """The largest groups, from the group field's term list (one pass over the terms)."""
    with viewing(source) as view:
        searcher = view.searcher
        r = searcher.reader()
        if "group" not in r.indexed_field_names():
            return []
        sizes = [(r.doc_frequency("group", term), term) for term in r.field_terms("group")]
        sizes = sorted(((n, t) for n, t in sizes if n >= min_size), key=lambda x: (-x[0], x[1]))
        out = []
        for _, term in sizes[:limit]:
            # docs_for_query skips deleted documents, which doc_frequency still counted.
            docnums = list(searcher.docs_for_query(query.Term("group", term)))
            if len(docnums) < min_size:
                continue
            stored = searcher.document(id=term) or searcher.stored_fields(docnums[0])
            out.append(GroupSummary(term, len(docnums), stored.get("title") or "(untitled)",
                                    stored.get("request") or ""))
        return out


def group_sizes(searcher: Searcher, leave_out: frozenset[int] = frozenset(),
                min_size: int = 2) -> dict[str, int]:
    """Each group with at least ``min_size`` live documents outside ``leave_out`` (document
    numbers), and how many it has. Postings are read only for the terms whose document
    frequency (which still counts deleted documents) allows that many."""
    r = searcher.reader()
    if "group" not in r.indexed_field_names():
        return {}
    sizes = {}
    for term in r.field_terms("group"):
        if r.doc_frequency("group", term) < min_size:
            continue
        size = sum(1 for n in searcher.docs_for_query(query.Term("group", term)) if n not in leave_out)
        if size >= min_size:
            sizes[term] = size
    return sizes

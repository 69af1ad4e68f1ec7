"""How an index compares with the documents it should hold: the one check that rebuild runs
on the index it has just built and verify runs on the live one (docs/reliability.md).

What a document should look like in the index is ``archive.index.stored_fields`` of the
document ``ingest.document`` makes from the store: the same function ingest indexed it
with. The check reads every stored record of the index and every term block (a damaged
segment shows), and searches a spread of documents by words of their title and text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query

from archive.index import INDEX_NAME, stored_fields
from archive.models import Document

CANARIES = 20  # documents whose words are searched for
MAX_WORD = 40  # longer "words" (a run of one letter, a blob) are no canary
_COMMON = {"which", "there", "their", "would", "about"}
_TOKEN = re.compile(r"\w+(\.?\w+)*")  # Whoosh's RegexTokenizer, which the text fields use


def fields_digest(fields: dict[str, Any], leave_out: tuple[str, ...] = ()) -> str:
    """A short fingerprint of a document's stored fields, to compare without keeping them."""
    kept = sorted((k, v) for k, v in fields.items() if k not in leave_out)
    return hashlib.sha256(repr(kept).encode()).hexdigest()


@dataclass
class Expected:
    """What the index should hold of one document: its stored fields' fingerprint (without
    the fields in ``leave_out``, which the store cannot say), its version and its canaries."""

    digest: str
    sha256: str
    canaries: list[tuple[str, str]]
    leave_out: tuple[str, ...] = ()
    # The fields as an older reader read them (the store's record): the index of an archive
    # not yet rebuilt since the reader changed holds these, which is no fault.
    older: str | None = None


def expect(doc: Document, *, group_known: bool = True) -> Expected:
    """``doc`` as the index should hold it. ``group_known=False``: a document whose stored
    version names no group, which a rebuild would group afresh; its group is not compared."""
    fields = stored_fields(doc)
    leave_out = () if group_known else ("group",)
    return Expected(fields_digest(fields, leave_out), doc.sha256, canary_queries(fields), leave_out)


def canary_queries(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """A few (field, query) pairs that must find this document."""
    out = []
    for name in ("title", "text"):
        # Whole tokens as the analyser cuts them ("réponse", not its "ponse"), letters only.
        words = [w for w in (m.group() for m in _TOKEN.finditer(str(fields.get(name) or "")))
                 if 5 <= len(w) <= MAX_WORD and w.isalpha() and w.lower() not in _COMMON]
        if words:
            out.append((name, " ".join(words[:3])))
    return out


def problem_lines(pairs: list[tuple[str, list[str]]], limit: int = 10) -> list[str]:
    """"3 missing from the index: a, b, c" for each (label, ids) that has any ids."""
    return [f"{len(ids)} {label}: {', '.join(ids[:limit])}{' …' if len(ids) > limit else ''}"
            for label, ids in pairs if ids]


@dataclass
class IndexCheck:
    """How an index compares with what it should hold."""

    error: str | None = None  # the index could not be read
    generation: int | None = None
    documents: int = 0
    missing: list[str] = field(default_factory=list)  # should be there, is not
    extra: list[str] = field(default_factory=list)  # is there, should not be
    taken_down: list[str] = field(default_factory=list)  # hidden in the store, still indexed
    duplicates: list[str] = field(default_factory=list)  # ids indexed more than once
    stale: list[str] = field(default_factory=list)  # indexed at another version of the original
    differing: list[str] = field(default_factory=list)  # stored fields not as the store says
    older_reader: list[str] = field(default_factory=list)  # as an older reader read them: not a fault
    canaries_failed: list[str] = field(default_factory=list)  # "id: field:words" not found

    @property
    def ok(self) -> bool:
        return not (self.error or self.missing or self.extra or self.taken_down or self.duplicates
                    or self.stale or self.differing or self.canaries_failed)

    def problems(self, limit: int = 10) -> list[str]:
        lines = [f"unreadable: {self.error}"] if self.error else []
        return lines + problem_lines([
            ("missing from the index", self.missing),
            ("in the index but not in the store", self.extra),
            ("taken down but still in the index", self.taken_down),
            ("indexed more than once", self.duplicates),
            ("indexed at an old version", self.stale),
            ("stored fields differ from the store's", self.differing),
            ("canary query did not find", self.canaries_failed)], limit=limit)


def compare(path: Path, expected: dict[str, Expected], hidden: set[str] = frozenset()) -> IndexCheck:
    """Compare the index at ``path`` with ``expected`` (id -> Expected); ``hidden``: the ids
    taken down, reported apart when found."""
    check = IndexCheck()
    seen: dict[str, int] = {}
    try:
        ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        try:
            check.generation = ix.latest_generation()
            with ix.searcher() as searcher:
                check.documents = searcher.doc_count()
                for stored in searcher.all_stored_fields():
                    doc_id = stored.get("id", "")
                    seen[doc_id] = seen.get(doc_id, 0) + 1
                    want = expected.get(doc_id)
                    if want is None:
                        continue
                    if stored.get("sha256") != want.sha256:
                        check.stale.append(doc_id)
                    elif (digest := fields_digest(stored, want.leave_out)) != want.digest:
                        (check.older_reader if digest == want.older else check.differing).append(doc_id)
                for _ in searcher.reader().all_terms():  # read every term block once
                    pass
                check.canaries_failed = _canaries(ix, searcher, expected, seen)
        finally:
            ix.close()
    except Exception as exc:  # whatever Whoosh raises on a damaged index, say what it was
        check.error = f"{type(exc).__name__}: {exc}"
        return check
    check.duplicates = sorted(i for i, n in seen.items() if n > 1)
    check.missing = sorted(set(expected) - set(seen))
    extra = set(seen) - set(expected)
    check.taken_down = sorted(extra & hidden)
    check.extra = sorted(extra - hidden)
    check.stale.sort()
    check.differing.sort()
    check.older_reader.sort()
    return check


def _canaries(ix: Any, searcher: Any, expected: dict[str, Expected], seen: dict[str, int]) -> list[str]:
    """Words of the title and text of documents spread over the archive must find them."""
    failed = []
    ids = sorted(i for i in expected if i in seen)
    step = max(1, len(ids) // CANARIES)
    for doc_id in ids[::step][:CANARIES]:
        for name, text in expected[doc_id].canaries:
            # The field's own analyser, not the query parser: no syntax to trip on, and the
            # terms are those the document was indexed with.
            terms = [query.Term(name, t.text) for t in ix.schema[name].analyzer(text)]
            found = {hit["id"] for hit in searcher.search(query.And(terms), limit=None)}
            if doc_id not in found:
                failed.append(f"{doc_id}: {name}:{text}")
    return failed

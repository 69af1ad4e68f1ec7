"""The same searches on SQLite FTS5 (standard library), for the benchmark's yardstick.

The FTS5 database is built from the archive's own index (its stored fields), so
both engines hold the same documents with the same facet values. A search does
the work /search.json does: the exact total, every facet's counts over the whole
result set (a facet's counts honour the selections of the *other* facets), and
the top 20 by bm25 with a highlighted snippet.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from archive.index import FACET_FIELDS, INDEX_NAME

SCHEMA = """
CREATE VIRTUAL TABLE fts USING fts5(title, text, reference, tokenize='porter unicode61');
CREATE TABLE docs (doc INTEGER PRIMARY KEY, id TEXT, title TEXT, date TEXT, outcome TEXT,
                   authority TEXT, force TEXT, reference TEXT, exemptions TEXT, topics TEXT);
CREATE TABLE fv (field TEXT, value TEXT, doc INTEGER);
"""
INDEXES = """
CREATE INDEX fv_value ON fv (field, value, doc);
CREATE INDEX fv_doc ON fv (doc, field, value);
"""


def _values(stored: Mapping[str, Any], name: str) -> list[str]:
    value = stored.get(name)
    if value is None:
        return []
    if name in ("exemption", "topic"):
        return [v for v in str(value).split(",") if v]
    return [str(value)]


def build(index_path: Path, db_path: Path) -> tuple[int, float]:
    """Copy every document of the Whoosh index into a fresh FTS5 database."""
    db_path.unlink(missing_ok=True)
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)
    ix = whoosh_index.open_dir(str(index_path), indexname=INDEX_NAME)
    start = time.perf_counter()
    n = 0
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for docnum, stored in reader.iter_docs():
            rowid = docnum + 1
            db.execute("INSERT INTO fts (rowid, title, text, reference) VALUES (?, ?, ?, ?)",
                       (rowid, stored.get("title", ""), stored.get("text", ""),
                        stored.get("reference", "")))
            date = stored.get("date")
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (rowid, stored["id"], stored.get("title"),
                        date.date().isoformat() if date else None, stored.get("outcome"),
                        stored.get("authority"), stored.get("force"), stored.get("reference"),
                        stored.get("provision"), stored.get("topic")))
            db.executemany("INSERT INTO fv VALUES (?, ?, ?)",
                           [(name, v, rowid) for name in FACET_FIELDS for v in _values(stored, name)])
            n += 1
    db.executescript(INDEXES)
    db.commit()
    db.close()
    return n, time.perf_counter() - start


class Fts:
    """One connection, searched the way the site searches."""

    def __init__(self, db_path: Path) -> None:
        self.db = sqlite3.connect(db_path)
        self.db.execute("CREATE TEMP TABLE m (doc INTEGER PRIMARY KEY, score REAL)")

    def close(self) -> None:
        self.db.close()

    def search(self, q: str, filters: Mapping[str, Sequence[str]] | None = None,
               limit: int = 20) -> dict[str, Any]:
        """Total, top ``limit`` with snippets, and every facet's counts."""
        filters = {k: list(v) for k, v in (filters or {}).items() if v}
        db = self.db
        db.execute("DELETE FROM m")
        # Every match with its bm25 score, once; the rest of the work reads this table.
        db.execute("INSERT INTO m SELECT rowid, rank FROM fts WHERE fts MATCH ?", (q,))

        def passes(names: Sequence[str]) -> tuple[str, list[str]]:
            sql, args = [], []
            for name in names:
                marks = ",".join("?" * len(filters[name]))
                sql.append(f" AND m.doc IN (SELECT doc FROM fv WHERE field = ? AND value IN ({marks}))")
                args += [name, *filters[name]]
            return "".join(sql), args

        facets: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            where, args = passes([g for g in filters if g != name])
            # CROSS JOIN: walk the matches and look each up, rather than walk the facet.
            rows = db.execute(
                "SELECT fv.value, COUNT(*) FROM m CROSS JOIN fv ON fv.doc = m.doc AND fv.field = ?"
                f" WHERE 1{where} GROUP BY fv.value", [name, *args])
            facets[name] = dict(rows.fetchall())
        where, args = passes(list(filters))
        total = db.execute(f"SELECT COUNT(*) FROM m WHERE 1{where}", args).fetchone()[0]
        top = db.execute(f"SELECT m.doc FROM m WHERE 1{where} ORDER BY m.score LIMIT ?",
                         [*args, limit]).fetchall()
        hits = [db.execute(
            "SELECT d.id, d.title, d.force, d.authority, d.date, d.outcome, d.exemptions, d.topics,"
            " d.reference, snippet(fts, 1, '<mark>', '</mark>', ' … ', 32)"
            " FROM fts JOIN docs d ON d.doc = fts.rowid WHERE fts MATCH ? AND fts.rowid = ?",
            (q, doc)).fetchone() for (doc,) in top]
        return {"total": total, "results": hits, "facets": facets}

    def similar(self, terms: Sequence[str], limit: int = 10) -> list[tuple[Any, ...]]:
        """Check before you file: the top responses sharing the draft's key terms."""
        if not terms:
            return []
        q = " OR ".join(f'"{t}"' for t in terms)
        return self.db.execute(
            "SELECT d.id, d.title, d.authority, d.date, d.outcome, d.exemptions, d.reference,"
            " substr(fts.text, 1, 300) FROM fts JOIN docs d ON d.doc = fts.rowid"
            " WHERE fts MATCH ? ORDER BY rank LIMIT ?", (q, limit)).fetchall()

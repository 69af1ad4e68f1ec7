"""`foi-archive export`: the whole archive as a SQLite file with FTS5, and as CSV files."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import export as export_mod
from archive.config import Config
from archive.export import TABLES, ExportError, columns, export, export_csv, export_sqlite
from archive.index import IndexWriter
from archive.models import Evidence, Question
from archive.store import Store
from cli import main
from tests.conftest import make_doc

ROOT = Path(__file__).resolve().parents[1]
KENT_TASER = f"{2:016x}"  # SMALL's second document
KENT_VIDEO = f"{3:016x}"


def add_docs(config: Config, docs: list) -> None:  # type: ignore[type-arg]
    """Index and catalogue more hand-made documents, as the small_archive fixture does."""
    writer = IndexWriter(config.index_path)
    with Store(config.store_path) as store:
        for doc in docs:
            doc.sha256 = store.put_object(doc.text.encode())
            store.save_version(doc.id, "test", doc.source_url or "", doc.sha256, {"format": "txt"})
            store.add_provenance(source="test", locator=doc.source_url or "", event="stored",
                                 doc_id=doc.id, sha256=doc.sha256)
            writer.update(doc)
        store.commit()
    writer.commit()


def withdraw(config: Config, doc_id: str) -> None:
    """Hidden in the catalogue only: the export must not rely on the index having dropped it."""
    with Store(config.store_path) as store:
        store.set_hidden(doc_id, True, reason="test", user="test")
        store.commit()


def rows(db: sqlite3.Connection, sql: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
    return db.execute(sql, args).fetchall()


@pytest.fixture
def exported(small_archive: Config, tmp_path: Path) -> sqlite3.Connection:
    withdraw(small_archive, KENT_VIDEO)
    summary = export_sqlite(small_archive, tmp_path / "out" / "foi.db")
    assert (summary.documents, summary.exemptions, summary.topics, summary.withdrawn) == (5, 7, 5, 1)
    db = sqlite3.connect(tmp_path / "out" / "foi.db")
    yield db
    db.close()


def test_sqlite_holds_every_table_with_exact_rows(exported: sqlite3.Connection) -> None:
    db = exported
    counts = {t: rows(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}
    assert counts == {"documents": 5, "exemptions": 7, "questions": 0, "topics": 5,
                      "provenance": 5, "groups": 0}
    assert rows(db, "SELECT code, section, label, sentence, \"offset\" FROM exemptions"
                    " WHERE document_id = ?", KENT_TASER) == [
        ("FOIA s.40(2)", "FOIA s.40", "s.40 Personal information", "withheld under FOIA s.40(2)", 0)]
    assert rows(db, "SELECT topic FROM topics WHERE document_id = ?", f"{1:016x}") == [
        ("facial recognition",), ("spending",)]
    doc = dict(zip(columns("documents"), rows(db, "SELECT * FROM documents WHERE id = ?", KENT_TASER)[0]))
    assert doc | {"sha256": None, "ingested": None} == {
        "id": KENT_TASER, "title": "Taser use 2023", "authority": "Kent Police",
        "authority_type": "police", "force": "Kent Police", "regime": "FOIA",
        "reference": "FOI 1234/23", "date": "2023-05-02", "received": None, "working_days": None, "year": "2023",
        "outcome": "partially_disclosed", "outcome_label": "Partially disclosed",
        "outcome_evidence": None, "outcome_confidence": None, "outcome_unstated": None,
        "authority_confidence": None, "reference_confidence": None, "date_confidence": None,
        "date_source": None, "corrected": None, "format": "txt",
        "status": "ok", "truncated": 0, "source": "test", "source_url": "file:///doc2.txt",
        "sha256": None, "ingested": None, "group_id": None, "url": f"/documents/{KENT_TASER}",
        "text": "Taser was drawn 120 times. Officer names withheld."}
    assert len(doc["sha256"]) == 64 and doc["ingested"].startswith("2024-01-01")


def test_a_withdrawn_document_is_nowhere_in_the_export(exported: sqlite3.Connection) -> None:
    for table in TABLES:
        key = "id" if table in ("documents", "groups") else "document_id"
        assert rows(exported, f"SELECT COUNT(*) FROM {table} WHERE {key} = ?", KENT_VIDEO) == [(0,)]
    assert rows(exported, "SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH 'footage'") == [(0,)]


def test_full_text_search_and_foreign_keys(exported: sqlite3.Connection) -> None:
    db = exported
    found = rows(db, "SELECT d.id FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid"
                     " WHERE documents_fts MATCH ? ORDER BY d.id", "neoface")
    assert found == [(f"{1:016x}",)]
    # Stemmed, as the site's search is: "tasers" finds "taser".
    assert {r[0] for r in rows(db, "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'tasers'")} \
        == {r[0] for r in rows(db, "SELECT rowid FROM documents WHERE id IN (?, ?)", KENT_TASER, f"{6:016x}")}
    assert rows(db, "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'title:drone'") == \
        rows(db, "SELECT rowid FROM documents WHERE id = ?", f"{4:016x}")
    assert rows(db, "PRAGMA foreign_key_check") == []
    # Datasette's rule for a table's search box: <table>_fts, content= naming the table.
    sql = rows(db, "SELECT sql FROM sqlite_master WHERE name = 'documents_fts'")[0][0]
    assert re.search(r"USING fts5\(.*content=\[documents\]", sql)
    indexed = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"documents_force", "documents_outcome", "documents_year", "exemptions_section",
            "topics_topic"} <= indexed


def test_provenance_comes_from_the_catalogue(exported: sqlite3.Connection) -> None:
    ((n, event, source, locator, sha256),) = rows(
        exported, "SELECT n, event, source, locator, sha256 FROM provenance WHERE document_id = ?",
        KENT_TASER)
    assert (n, event, source, locator) == (1, "stored", "test", "file:///doc2.txt")
    assert sha256 == rows(exported, "SELECT sha256 FROM documents WHERE id = ?", KENT_TASER)[0][0]


def question_doc(n: int, group: str, request: str, date: str, force: str):  # type: ignore[no-untyped-def]
    doc = make_doc(n, title=f"Drones {n}", text=f"Drone answer {n}", force=force,
                   outcome="partially_disclosed", date=date)
    doc.group, doc.request = group, request
    doc.meta.questions = [
        Question(text="How many drones?", answer="released", number="1",
                 evidence=Evidence("We own 4 drones.", 10)),
        Question(text="Which flights?", answer="withheld", exemptions=["FOIA s.31(1)"],
                 evidence=Evidence("Withheld under s.31.", 30)),
    ]
    return doc


def test_questions_and_round_robins(small_archive: Config, tmp_path: Path) -> None:
    founder = f"{20:016x}"
    add_docs(small_archive, [
        question_doc(20, founder, "Founder's words", "2022-05-01", "Kent Police"),
        question_doc(21, founder, "Later words", "2021-01-01", "Essex Police"),
        question_doc(22, founder, "Third words", "2022-06-01", "Surrey Police"),
        # A group that a withdrawal leaves with one member is no group.
        question_doc(23, f"{23:016x}", "Alone", "2022-01-01", "Avon and Somerset Constabulary"),
        question_doc(24, f"{23:016x}", "Alone too", "2022-01-01", "Dorset Police"),
    ])
    withdraw(small_archive, f"{22:016x}")
    withdraw(small_archive, f"{24:016x}")
    summary = export_sqlite(small_archive, tmp_path / "foi.db")
    assert (summary.documents, summary.questions, summary.groups, summary.withdrawn) == (9, 6, 1, 2)
    db = sqlite3.connect(tmp_path / "foi.db")
    assert rows(db, "SELECT * FROM groups") == [(founder, "Founder's words", 2, f"/groups/{founder}")]
    assert rows(db, "SELECT id FROM documents WHERE group_id IS NOT NULL ORDER BY id") == [
        (founder,), (f"{21:016x}",)]
    assert rows(db, "SELECT group_id FROM documents WHERE id = ?", f"{23:016x}") == [(None,)]
    assert rows(db, "SELECT n, number, question, answer, answer_label, exemptions, evidence,"
                    " evidence_offset FROM questions WHERE document_id = ? ORDER BY n", founder) == [
        (1, "1", "How many drones?", "released", "Released", None, "We own 4 drones.", 10),
        (2, None, "Which flights?", "withheld", "Withheld", "FOIA s.31(1)", "Withheld under s.31.", 30)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    db.close()


def read_csv(folder: Path, table: str) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(columns(table))
        return list(reader)


def test_csv_is_the_same_tables(small_archive: Config, tmp_path: Path) -> None:
    add_docs(small_archive, [make_doc(30, title='=HYPERLINK("http://x")', text="-1 formula trap",
                                      authority="@Council", topics=("+topic",))])
    withdraw(small_archive, KENT_VIDEO)
    summary = export_csv(small_archive, tmp_path / "csv")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    docs = {r["id"]: r for r in read_csv(tmp_path / "csv", "documents")}
    assert len(docs) == summary.documents == 6 and KENT_VIDEO not in docs
    trap = docs[f"{30:016x}"]
    assert (trap["title"], trap["text"], trap["authority"]) == (
        "'=HYPERLINK(\"http://x\")", "'-1 formula trap", "'@Council")
    assert docs[KENT_TASER]["text"] == "Taser was drawn 120 times. Officer names withheld."
    assert docs[KENT_TASER]["received"] == "" and docs[KENT_TASER]["truncated"] == "0"
    exemptions = [r for r in read_csv(tmp_path / "csv", "exemptions") if r["document_id"] == KENT_TASER]
    assert [(r["code"], r["sentence"], r["offset"]) for r in exemptions] == [
        ("FOIA s.40(2)", "withheld under FOIA s.40(2)", "0")]
    assert {"document_id": f"{30:016x}", "topic": "'+topic"} in read_csv(tmp_path / "csv", "topics")
    assert len(read_csv(tmp_path / "csv", "provenance")) == summary.provenance == 6
    assert read_csv(tmp_path / "csv", "groups") == []


def test_one_pass_writes_both_and_existing_files_need_force(small_archive: Config, tmp_path: Path) -> None:
    db, folder = tmp_path / "foi.db", tmp_path / "csv"
    export(small_archive, sqlite_path=db, csv_dir=folder)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchone() == (6,)
    before = db.read_bytes()
    with pytest.raises(ExportError, match="already exists: give --force"):
        export(small_archive, sqlite_path=db)
    with pytest.raises(ExportError, match="documents.csv"):
        export(small_archive, csv_dir=folder)
    assert db.read_bytes() == before
    withdraw(small_archive, KENT_TASER)
    assert export(small_archive, sqlite_path=db, csv_dir=folder, force=True).documents == 5
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchone() == (5,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "csv", "foi.db"]  # no temporaries


def test_a_failed_export_leaves_no_file(small_archive: Config, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export_mod, "topic_rows", broken)
    with pytest.raises(RuntimeError):
        export(small_archive, sqlite_path=tmp_path / "out" / "foi.db", csv_dir=tmp_path / "out" / "csv")
    assert list((tmp_path / "out").rglob("*")) == [tmp_path / "out" / "csv"]


def test_sqlite_without_fts5_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoFts:
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("no such module: fts5")

        def close(self) -> None:
            pass

    monkeypatch.setattr(export_mod.sqlite3, "connect", lambda *a, **k: NoFts())
    with pytest.raises(ExportError, match="has no FTS5"):
        export_mod.check_fts5()


def test_an_archive_without_a_store_is_refused(config: Config, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no store"):
        export_sqlite(config, tmp_path / "foi.db")
    assert not (tmp_path / "foi.db").exists()


def write_config(config: Config, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\npath = "{config.store_path}"\n[index]\npath = "{config.index_path}"\n')
    return path


def test_cli(small_archive: Config, tmp_path: Path) -> None:
    conf = str(write_config(small_archive, tmp_path))
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--config", conf])
    assert result.exit_code == 2 and "give --sqlite FILE, --csv DIR or both" in result.output
    db, folder = str(tmp_path / "foi.db"), str(tmp_path / "csv")
    result = runner.invoke(main, ["export", "--sqlite", db, "--csv", folder, "--config", conf])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {db} and {folder}: 6 documents, 7 exemptions, 0 questions,"
                                    " 6 topics, 6 provenance, 0 groups; 0 withdrawn left out")
    result = runner.invoke(main, ["export", "--sqlite", db, "--config", conf])
    assert result.exit_code == 1 and "already exists: give --force" in result.output
    assert runner.invoke(main, ["export", "--sqlite", db, "--force", "--config", conf]).exit_code == 0


def test_cli_without_an_index(tmp_path: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n')
    Store(tmp_path / "store").close()
    result = CliRunner().invoke(main, ["export", "--sqlite", str(tmp_path / "x.db"), "--config", str(conf)])
    assert result.exit_code == 1 and "no index at" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "store"]


def test_every_column_is_described_in_docs() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## Whole-archive export (`foi-archive export`)", 1)[1].split("\n## ", 1)[0]
    for table in TABLES:
        assert f"`{table}`" in section, table
        for name in columns(table):
            assert f"`{name}`" in section, f"{table}.{name}"

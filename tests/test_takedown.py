"""foi-archive takedown / restore: out of every page and format at once, and kept out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.store import Store
from archive.web import create_app
from cli import main
from ingest.runs import ingest_paths
from ingest.tasks.takedown import TakedownError, restore, takedown
from tests.archives import index_fields, archive, master  # noqa: F401 (fixtures)




def _victim(config) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A single-file document: (id, sha256, title)."""
    fields = index_fields(config.index_path)
    with Store(config.store_path) as store:
        row = next(d for d in store.documents() if not store.parts(d.id, d.sha256))
    return row.id, row.sha256, fields[row.id]["title"]


def _everywhere(client, doc_id: str, sha: str, title: str) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Where on the site the document can be seen."""
    results = client.get("/search.json?per_page=100").get_json()["results"]
    prior = client.get("/prior.json", query_string={"text": title}).get_json()["results"]
    return {
        "search": any(r["id"] == doc_id for r in results),
        "page": client.get(f"/documents/{doc_id}").status_code == 200,
        "json": client.get(f"/documents/{doc_id}.json").status_code == 200,
        "original": client.get(f"/originals/{sha}").status_code == 200,
        "atom": doc_id in client.get("/search.atom").get_data(as_text=True),
        "csv": doc_id in client.get("/search.csv").get_data(as_text=True),
        "jsonl": doc_id in client.get("/search.jsonl").get_data(as_text=True),
        # The document's own URL: a round robin it founded keeps its id as the group's name.
        "sitemap": f"/documents/{doc_id}<" in client.get("/sitemap.xml").get_data(as_text=True),
        "prior": any(r["id"] == doc_id for r in prior),
    }


def test_takedown_hides_everywhere_at_once_and_restore_brings_it_back(archive, monkeypatch) -> None:
    monkeypatch.setenv("USER", "records-officer")
    doc_id, sha, title = _victim(archive)
    client = create_app(archive).test_client()
    assert all(_everywhere(client, doc_id, sha, title).values())
    takedown(archive, doc_id, "requester's name in the text")
    assert not any(_everywhere(client, doc_id, sha, title).values())
    with Store(archive.store_path) as store:
        assert store.has_object(sha)  # the original is kept, only hidden
    restore(archive, doc_id, "redacted copy checked")
    assert all(_everywhere(client, doc_id, sha, title).values())
    with Store(archive.store_path) as store:
        log = [(r["id"], r["action"], r["reason"], r["user"]) for r in store.takedowns()]
        assert all(r["time"] for r in store.takedowns())
    assert log == [(doc_id, "takedown", "requester's name in the text", "records-officer"),
                   (doc_id, "restore", "redacted copy checked", "records-officer")]


def test_a_taken_down_document_stays_out_on_every_later_ingest(archive, master: Path,
                                                                tmp_path: Path) -> None:
    doc_id, sha, _ = _victim(archive)
    takedown(archive, doc_id, "personal data")
    samples = master.parent / "samples"
    # The same folder again, the same bytes under a new name, and a rebuild from the store.
    ingest_paths(archive, [str(samples)])
    with Store(archive.store_path) as store:
        data = store.read_object(sha)
        name = Path(store.document(doc_id).locator).name
    copy = tmp_path / "elsewhere" / f"copy-of-{name}"
    copy.parent.mkdir()
    copy.write_bytes(data)
    ingest_paths(archive, [str(copy.parent)])
    assert doc_id not in index_fields(archive.index_path)
    assert not any(f["sha256"] == sha for f in index_fields(archive.index_path).values())
    from ingest.tasks.rebuild import rebuild
    rebuild(archive)
    assert doc_id not in index_fields(archive.index_path)


def test_cli_takedown_and_restore(archive, monkeypatch) -> None:
    monkeypatch.setenv("USER", "ops")
    doc_id, _, _ = _victim(archive)
    conf = archive.store_path.parent / "config.toml"
    conf.write_text(f'[store]\npath = "{archive.store_path}"\n[index]\npath = "{archive.index_path}"\n')
    runner = CliRunner()
    no_reason = runner.invoke(main, ["takedown", doc_id, "--config", str(conf)])
    assert no_reason.exit_code != 0 and "--reason" in no_reason.output
    done = runner.invoke(main, ["takedown", doc_id, "--reason", "mistake", "--config", str(conf)])
    assert done.exit_code == 0 and f"taken down: {doc_id}" in done.output
    assert doc_id not in index_fields(archive.index_path)
    back = runner.invoke(main, ["restore", doc_id, "--config", str(conf)])
    assert back.exit_code == 0 and doc_id in index_fields(archive.index_path)
    unknown = runner.invoke(main, ["takedown", "0" * 16, "--reason", "x", "--config", str(conf)])
    assert unknown.exit_code != 0 and "no document" in unknown.output


def test_while_an_ingest_holds_the_index_the_page_is_refused_and_the_error_says_so(
        archive, monkeypatch) -> None:
    from archive.index import IndexWriter
    from ingest.tasks import takedown as takedown_mod

    monkeypatch.setattr(takedown_mod, "INDEX_TIMEOUT", 0.3)
    doc_id, sha, _ = _victim(archive)
    busy = IndexWriter(archive.index_path).ix.writer()
    try:
        with pytest.raises(TakedownError, match="hidden in the store.*run the command again"):
            takedown(archive, doc_id, "urgent")
        client = create_app(archive).test_client()
        assert client.get(f"/originals/{sha}").status_code == 404
        assert client.get(f"/documents/{doc_id}").status_code in (404, 410)
    finally:
        busy.cancel()
    takedown(archive, doc_id, "urgent")  # run again once the ingest is done
    assert doc_id not in index_fields(archive.index_path)


def test_a_restored_round_robin_member_keeps_its_group_and_can_be_found_again(archive) -> None:
    """Restore re-indexes the request and its bands too, not just the text."""
    fields = index_fields(archive.index_path)
    member = next(i for i, f in fields.items() if f.get("group") and
                  sum(1 for g in fields.values() if g.get("group") == f["group"]) > 1)
    before = fields[member]
    takedown(archive, member, "checking")
    restore(archive, member, "checked")
    after = index_fields(archive.index_path)[member]
    assert after["group"] == before["group"]
    assert after["request"] == before["request"]


def test_a_group_found_at_restore_is_kept_so_verify_and_rebuild_agree(archive) -> None:
    """A document hidden before it was ever grouped (its version names no group: taken down,
    then changed at its source) joins a group when restored; the store keeps that group, so
    verify finds the index as the store says and a rebuild gives the document the same."""
    import json

    from ingest.tasks.rebuild import rebuild
    from ingest.tasks.verify import verify

    fields = index_fields(archive.index_path)
    member = next(i for i, f in fields.items() if f.get("group") and f["group"] != i and
                  sum(1 for g in fields.values() if g.get("group") == f["group"]) > 1)
    group = fields[member]["group"]
    takedown(archive, member, "checking")
    with Store(archive.store_path) as store:
        row = store.document(member)
        record = store.version_record(member, row.sha256)
        record["group"] = None  # as ingest stores a version that arrives while hidden
        store.db.execute("UPDATE versions SET record = ? WHERE doc_id = ? AND sha256 = ?",
                         (json.dumps(record), member, row.sha256))
        store.commit()
    restore(archive, member, "checked")
    assert index_fields(archive.index_path)[member]["group"] == group  # found again
    with Store(archive.store_path) as store:
        assert store.version_record(member, row.sha256)["group"] == group
    assert verify(archive, objects=False).ok
    rebuild(archive)
    assert index_fields(archive.index_path)[member]["group"] == group

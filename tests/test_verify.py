"""foi-archive verify: fixity of every original (D3) and the index against the store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.index import IndexWriter
from archive.store import Store
from cli import main
from ingest.tasks.verify import verify
from tests.archives import archive, master  # noqa: F401 (fixtures)




def _run(config, *args: str):  # type: ignore[no-untyped-def]
    conf = config.store_path.parent / "config.toml"
    conf.write_text(f'[store]\npath = "{config.store_path}"\n[index]\npath = "{config.index_path}"\n')
    return CliRunner().invoke(main, ["verify", "--config", str(conf), *args])


def _some_original(config) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with Store(config.store_path) as store:
        row = next(d for d in store.documents() if not store.parts(d.id, d.sha256))
        return row.sha256, row.id


def test_a_sound_archive_verifies(archive) -> None:
    report = verify(archive)
    assert report.ok and report.objects >= 12 and report.index.documents >= 11
    result = _run(archive)
    assert result.exit_code == 0 and result.output.strip().endswith("ok")


def test_a_flipped_bit_is_reported_with_both_digests_and_its_documents(archive) -> None:
    sha, doc_id = _some_original(archive)
    with Store(archive.store_path) as store:
        path = store.object_path(sha)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify(archive)
    [bad] = report.bad
    assert (bad.sha256, bad.status) == (sha, "mismatch")
    assert bad.actual and bad.actual != sha and doc_id in bad.dependents
    assert path.read_bytes() == bytes(data)  # reported, never repaired
    with Store(archive.store_path) as store:
        row = store.db.execute("SELECT status, actual FROM fixity WHERE sha256 = ?", (sha,)).fetchone()
    assert tuple(row) == ("mismatch", bad.actual)
    result = _run(archive)
    assert result.exit_code == 1
    assert f"expected {sha} actual {bad.actual}" in result.output and doc_id in result.output


def test_a_missing_original_is_reported(archive) -> None:
    sha, doc_id = _some_original(archive)
    with Store(archive.store_path) as store:
        store.object_path(sha).unlink()
    [bad] = verify(archive).bad
    assert (bad.status, bad.actual, bad.dependents) == ("missing", None, [doc_id])


def test_temporary_files_are_reported_and_only_stale_ones_cleaned(archive) -> None:
    objects = archive.store_path / "objects" / "ab"
    objects.mkdir(parents=True, exist_ok=True)
    old, new = objects / ".tmp-old", objects / ".tmp-new"
    old.write_bytes(b"half")
    new.write_bytes(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    report = verify(archive, clean_temp=True)
    assert set(report.temp_files) == {old, new} and report.removed_temp == [old]
    assert report.ok and new.exists() and not old.exists()


def test_the_index_is_compared_with_the_store(archive) -> None:
    from tests.conftest import make_doc

    with Store(archive.store_path) as store:
        ids = sorted(d.id for d in store.documents())
        store.set_hidden(ids[1], True, reason="test", user="tester")  # not deleted from the index
        store.commit()
    writer = IndexWriter(archive.index_path)
    writer.delete(ids[0])
    writer.update(make_doc(4242, title="stray", text="not in the store"))
    writer.commit()
    check = verify(archive, objects=False).index
    assert check.missing == [ids[0]] and check.extra == [f"{4242:016x}"]
    assert check.taken_down == [ids[1]] and not check.ok
    result = _run(archive, "--no-objects")
    assert result.exit_code == 1 and "taken down but still in the index" in result.output


def test_a_document_indexed_twice_is_reported(archive) -> None:
    from archive.index import to_fields
    from tests.conftest import make_doc

    with Store(archive.store_path) as store:
        row = next(store.documents())
    ix = IndexWriter(archive.index_path).ix
    writer = ix.writer()
    fields = to_fields(make_doc(1, title="again", text="again"))
    fields.update(id=row.id, sha256=row.sha256)
    writer.add_document(**fields)  # add, not update: what a careless writer would do
    writer.commit()
    assert verify(archive, objects=False).index.duplicates == [row.id]


def test_stored_fields_other_than_the_store_says_fail_verify_as_they_would_rebuild(archive) -> None:
    """An index whose record of a document is not what a rebuild from the store would write
    (here: an outcome the store never read) fails verify, naming the document."""
    from ingest.document import document_from_store
    from ingest.grouping import read_request

    with Store(archive.store_path) as store:
        row = next(r for r in store.documents() if not r.hidden)
        doc = document_from_store(store, row)
    read_request(doc)  # the request as grouping keeps it, so that only the outcome differs
    assert verify(archive, objects=False).index.differing == []
    doc.meta.outcome = "refused" if doc.meta.outcome != "refused" else "not_held"
    writer = IndexWriter(archive.index_path)
    writer.update(doc)
    writer.commit()
    check = verify(archive, objects=False).index
    assert check.differing == [row.id] and not check.ok
    result = _run(archive, "--no-objects")
    assert result.exit_code == 1
    assert f"1 stored fields differ from the store's: {row.id}" in result.output

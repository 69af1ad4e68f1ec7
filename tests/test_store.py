from pathlib import Path

import pytest

from archive.store import Store, StoreError, document_id, sha256_hex


def test_originals_are_write_once_by_sha256(tmp_path: Path) -> None:
    store = Store(tmp_path)
    digest = store.put_object(b"hello")
    path = store.object_path(digest)
    assert digest == sha256_hex(b"hello")
    assert path.read_bytes() == b"hello"
    assert path.relative_to(tmp_path).parts[:3] == ("objects", digest[:2], digest[2:4])
    mtime = path.stat().st_mtime_ns
    assert store.put_object(b"hello") == digest
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


def test_object_paths_only_take_a_sha256(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for bad in ("../../etc/passwd", "abc", "A" * 64):
        with pytest.raises(StoreError):
            store.object_path(bad)


def test_versions_and_provenance(tmp_path: Path) -> None:
    store = Store(tmp_path)
    doc = document_id("files", "file:///a.txt")
    first = store.put_object(b"one")
    assert store.save_version(doc, "files", "file:///a.txt", first, {"title": "1"}) == "stored"
    second = store.put_object(b"two")
    assert store.save_version(doc, "files", "file:///a.txt", second, {"title": "2"}) == "changed"
    store.add_provenance(source="files", locator="file:///a.txt", event="changed", doc_id=doc,
                         sha256=second)
    store.commit()
    assert [v["sha256"] for v in store.versions(doc)] == [first, second]
    assert store.document(doc).sha256 == second
    assert store.version_record(doc, first) == {"title": "1"}
    assert store.has_object(first)  # the old version is kept
    assert store.provenance(doc)[0].event == "changed"


def test_readonly_store_needs_an_existing_catalogue(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="ingest"):
        Store(tmp_path / "missing", readonly=True)
    Store(tmp_path).close()
    ro = Store(tmp_path, readonly=True)
    assert ro.count_documents() == 0


def test_text_is_kept_beside_the_original(tmp_path: Path) -> None:
    store = Store(tmp_path)
    digest = store.put_object(b"x")
    store.put_text(digest, "1", "the text £")
    assert store.read_text(digest, "1") == "the text £"
    assert store.read_text(digest, "2") is None


def test_a_batched_store_makes_files_durable_at_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest's store writes files at once and makes them durable with one syncfs at
    commit(), before the catalogue that names them commits; no fsync per file."""
    import archive.store as store_module

    calls: list[str] = []
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: calls.append("fsync"))
    real = store_module._syncfs
    monkeypatch.setattr(store_module, "_syncfs", lambda path: (calls.append("syncfs"), real(path)))
    store = Store(tmp_path, batched=True)
    digest = store.put_object(b"letter one")
    store.put_text(digest, "2", "letter one")
    assert store.object_path(digest).read_bytes() == b"letter one"  # readable at once
    assert calls == []
    store.commit()
    assert calls == ["syncfs"]
    store.commit()  # nothing new written: nothing to sync
    assert calls == ["syncfs"]
    Store(tmp_path / "each").put_object(b"x")  # the default: each file fsync'd
    assert "fsync" in calls


def test_an_uncatalogued_damaged_original_is_written_again(tmp_path: Path) -> None:
    """A run cut short before its batch was durable can leave an original's name with
    short content and no catalogue row: the next run checks it and writes it again."""
    store = Store(tmp_path, batched=True)
    digest = sha256_hex(b"the whole response")
    path = store.object_path(digest)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"the wh")  # what a crash left
    assert store.put_object(b"the whole response") == digest
    assert path.read_bytes() == b"the whole response"
    store.commit()
    mtime = path.stat().st_mtime_ns
    store.put_object(b"the whole response")  # catalogued now: trusted, not read again
    assert path.stat().st_mtime_ns == mtime

"""foi-archive rebuild: a new index from the store, checked, swapped in atomically (W8, W9, D5)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.index import IndexWriter
from archive.reader import IndexReader
from archive.search import SearchParams, search
from archive.store import Store
from ingest.tasks import rebuild as rebuild_mod
from ingest.tasks.indexcheck import IndexCheck, compare
from ingest.tasks.rebuild import RebuildError, rebuild
from tests.archives import damage_index, index_fields, archive, master  # noqa: F401 (fixtures)


def _groups(fields_by_id: dict[str, dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc_id, fields in fields_by_id.items():
        groups.setdefault(fields.get("group") or doc_id, set()).add(doc_id)
    return {frozenset(ids) for ids in groups.values()}


def _ids(config) -> set[str]:
    return set(index_fields(config.index_path))


def test_rebuild_reproduces_ids_fields_and_canary_results(archive) -> None:
    before = index_fields(archive.index_path)
    reader = IndexReader(archive.index_path)
    queries = ["taser", "police", "exempt", "information"]
    hits_before = {q: {h.id for h in search(reader, SearchParams(q=q, per_page=100)).hits}
                   for q in queries}
    reader.close()
    report = rebuild(archive)
    assert report.check.ok and report.documents == len(before)
    assert archive.index_path.is_symlink()
    after = index_fields(archive.index_path)
    assert set(after) == set(before)
    # Every stored field, the round robins' group ids included (kept with each version,
    # so a group page's URL survives a rebuild).
    assert _groups(after) == _groups(before)
    for doc_id, fields in before.items():
        assert after[doc_id] == fields, doc_id
    reader = IndexReader(archive.index_path)
    hits_after = {q: {h.id for h in search(reader, SearchParams(q=q, per_page=100)).hits}
                  for q in queries}
    reader.close()
    assert hits_after == hits_before and any(hits_before.values())


def test_a_second_rebuild_keeps_one_folder_before_and_removes_older(archive) -> None:
    first = rebuild(archive)
    second = rebuild(archive)
    assert second.previous == first.path.resolve()
    third = rebuild(archive)
    assert first.path in third.removed and not first.path.exists()
    assert second.path.exists() and third.path.exists()
    assert os.readlink(archive.index_path) == third.path.name  # relative target
    legacy = [p for p in archive.index_path.parent.iterdir() if ".old-" in p.name]
    assert legacy == []  # the plain folder of before the first rebuild is gone by now


def test_hidden_documents_are_not_rebuilt(archive) -> None:
    with Store(archive.store_path) as store:
        victim = next(store.documents()).id
        store.set_hidden(victim, True, reason="test", user="tester")
        store.commit()
    report = rebuild(archive)
    assert victim not in _ids(archive) and report.documents == len(_ids(archive))


def test_a_document_the_index_lost_comes_back(archive) -> None:
    lost = sorted(_ids(archive))[0]
    writer = IndexWriter(archive.index_path)
    writer.delete(lost)
    writer.commit()
    report = rebuild(archive)
    assert lost in _ids(archive)
    assert report.compared == {"only_in_old": 0, "only_in_new": 1,
                               "in_both": report.documents - 1}


def test_a_failed_check_swaps_nothing(archive, monkeypatch: pytest.MonkeyPatch) -> None:
    before = index_fields(archive.index_path)
    monkeypatch.setattr(rebuild_mod, "compare",
                        lambda path, written: IndexCheck(missing=["0000000000000001"]))
    with pytest.raises(RebuildError, match="nothing swapped"):
        rebuild(archive)
    assert not archive.index_path.is_symlink()
    assert index_fields(archive.index_path) == before
    assert not [p for p in archive.index_path.parent.iterdir() if ".v" in p.name]


def test_rebuild_waits_for_a_running_writer_then_gives_up(archive) -> None:
    writer = IndexWriter(archive.index_path).ix.writer()  # an ingest in the middle of a commit
    try:
        with pytest.raises(RebuildError, match="being written"):
            rebuild(archive, lock_timeout=0.5)
    finally:
        writer.cancel()
    assert not archive.index_path.is_symlink()
    assert rebuild(archive).check.ok  # once it is done, the rebuild goes ahead


def test_the_check_catches_a_wrong_index(archive, tmp_path: Path) -> None:
    with Store(archive.store_path, readonly=True) as store:
        written, _ = rebuild_mod.build(archive, store, tmp_path / "new")
    extra = IndexWriter(tmp_path / "new")
    from tests.conftest import make_doc
    extra.update(make_doc(4242, title="Not in the store", text="stray"))
    some = sorted(written)[0]
    extra.delete(sorted(written)[1])
    extra.commit()
    check = compare(tmp_path / "new", written)
    assert check.extra == [f"{4242:016x}"] and check.missing == [sorted(written)[1]]
    assert not check.ok and some not in check.differing
    written[some] = replace(written[some], digest="0" * 64)
    assert compare(tmp_path / "new", written).differing == [some]


def test_metadata_is_reread_when_asked(archive) -> None:
    report = rebuild(archive, reread_all=True)
    assert report.check.ok and report.reread >= report.documents - 2


@pytest.mark.parametrize("damage", ["truncate_toc", "remove_segment"])
def test_a_damaged_index_is_reported_by_verify_and_fixed_by_rebuild(archive, damage: str) -> None:
    """W8: a truncated TOC or a lost segment file; the store rebuilds it."""
    from cli import main

    damage_index(archive.index_path, damage)
    conf = _write_config(archive)
    runner = CliRunner()
    broken = runner.invoke(main, ["verify", "--config", str(conf)])
    assert broken.exit_code != 0 and "index" in broken.output
    done = runner.invoke(main, ["rebuild", "--config", str(conf)])
    assert done.exit_code == 0, done.output
    assert "swapped in" in done.output
    fixed = runner.invoke(main, ["verify", "--config", str(conf)])
    assert fixed.exit_code == 0, fixed.output
    reader = IndexReader(archive.index_path)
    assert search(reader, SearchParams()).total == len(_ids(archive)) > 0
    reader.close()


def _write_config(config) -> Path:  # type: ignore[no-untyped-def]
    conf = config.store_path.parent / "config.toml"
    conf.write_text(f'[store]\npath = "{config.store_path}"\n[index]\npath = "{config.index_path}"\n'
                    '[ingest]\nworkers = 2\ntimeout = 30\n')
    return conf

"""foi-archive snapshot: a consistent, checked copy of the current index generation and
what the site reads of the store, taken while ingest may commit, served by a replica that
takes up a newer snapshot without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import Config
from archive.index import IndexWriter
from archive.web import create_app
from cli import main
from ingest.tasks import snapshot as snapshot_mod
from ingest.tasks.snapshot import SnapshotError, snapshot
from tests.conftest import make_doc


def replica(dest: Path) -> Config:
    return Config.for_directory(dest, store_path=dest / "store", index_path=dest / "index")


def total(client, query: str = "") -> int:  # type: ignore[no-untyped-def]
    return client.get(f"/search.json{query}").get_json()["total"]


def commit(config: Config, numbers: range, *, optimize: bool = False) -> None:
    writer = IndexWriter(config.index_path)
    for n in numbers:
        writer.update(make_doc(n, title=f"Later response {n}", text="drones later", force="Kent Police",
                               date="2024-06-01"))
    writer.commit()
    if optimize:
        writer.optimize()  # merges every segment: the old segment files are deleted


def test_a_replica_serves_what_the_source_serves(small_archive: Config, tmp_path: Path) -> None:
    dest = tmp_path / "replica"
    result = snapshot(small_archive, dest)
    assert (result.documents, result.objects_copied, result.objects_kept) == (6, 6, 0)
    source, copy = create_app(small_archive).test_client(), create_app(replica(dest)).test_client()
    for query in ("", "?q=taser", "?force=Kent+Police", "?exemption=FOIA+s.40"):
        assert total(copy, query) == total(source, query), query
    hit = copy.get("/search.json?q=neoface").get_json()["results"][0]
    document = copy.get(hit["url"] + ".json").get_json()
    assert document == source.get(hit["url"] + ".json").get_json()
    original = copy.get(document["original_url"])
    assert original.status_code == 200 and b"NeoFace" in original.data  # the original came too
    page = copy.get(hit["url"]).get_data(as_text=True)
    assert "stored" in page and page == source.get(hit["url"]).get_data(as_text=True)  # provenance
    assert copy.get("/statistics.json").get_json() == source.get("/statistics.json").get_json()


def test_a_snapshot_taken_during_a_commit_is_of_one_generation(small_archive: Config, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit (and a merge deleting the segments read) lands after the snapshot has read
    the TOC: the copy is the generation it read, whole, with its totals."""
    opened = snapshot_mod._open_generation

    def commit_meanwhile(index_dir):  # type: ignore[no-untyped-def]
        found = opened(index_dir)
        commit(small_archive, range(100, 110), optimize=True)
        return found

    monkeypatch.setattr(snapshot_mod, "_open_generation", commit_meanwhile)
    dest = tmp_path / "replica"
    result = snapshot(small_archive, dest)
    assert result.documents == 6
    copy = create_app(replica(dest))
    client = copy.test_client()
    assert total(client) == 6 and total(client, "?q=later") == 0
    assert total(create_app(small_archive).test_client()) == 16  # the source moved on
    # The next snapshot is taken up by the same running site, without a restart.
    monkeypatch.setattr(snapshot_mod, "_open_generation", opened)
    again = snapshot(small_archive, dest)
    assert again.documents == 16 and again.generation > result.generation
    assert total(client) == 16 and total(client, "?q=later") == 10


def test_a_generation_gone_before_it_was_opened_is_tried_again(small_archive: Config, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = open
    failed = []

    def open_once_missing(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith(".seg") and not failed:
            failed.append(path)
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(snapshot_mod, "open", open_once_missing, raising=False)
    result = snapshot(small_archive, tmp_path / "replica")
    assert failed and result.documents == 6


def test_unchanged_segments_are_linked_and_old_generations_pruned(small_archive: Config,
                                                                 tmp_path: Path) -> None:
    dest = tmp_path / "replica"
    first = snapshot(small_archive, dest)
    first_dir = Path(os.path.realpath(dest / "index"))
    [segment] = first_dir.glob("*.seg")
    commit(small_archive, range(100, 103))  # a new segment beside the old one
    second = snapshot(small_archive, dest)
    second_dir = Path(os.path.realpath(dest / "index"))
    assert second.documents == 9 and second.objects_kept == 6 and second.removed == []
    linked = second_dir / segment.name
    assert linked.stat().st_ino == segment.stat().st_ino  # linked, not copied again
    assert [p.stat().st_nlink for p in sorted(second_dir.glob("*.seg"), key=lambda p: p.name != segment.name)] == [2, 1]
    third = snapshot(small_archive, dest, keep=1)
    assert set(third.removed) == {first_dir, second_dir}
    assert not first_dir.exists() and not second_dir.exists()
    assert first.generation < second.generation == third.generation


def test_the_command_and_its_errors(small_archive: Config, tmp_path: Path) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text(f'[store]\npath = "{small_archive.store_path}"\n[index]\npath = "{small_archive.index_path}"\n')
    dest = tmp_path / "replica"
    done = CliRunner().invoke(main, ["snapshot", str(dest), "--config", str(conf)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("snapshot of generation 1: 6 documents, ")
    assert (dest / "snapshot.json").is_file() and (dest / "index").is_symlink()
    (tmp_path / "plain" / "index").mkdir(parents=True)
    refused = CliRunner().invoke(main, ["snapshot", str(tmp_path / "plain"), "--config", str(conf)])
    assert refused.exit_code == 1 and "is not a snapshot's link" in refused.output
    with pytest.raises(SnapshotError, match="no store"):
        snapshot(Config.for_directory(tmp_path / "none"), tmp_path / "r2")

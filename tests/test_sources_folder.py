"""The folder source: incremental by size and mtime, removals marked gone."""

from __future__ import annotations

import os
from pathlib import Path

from archive.config import Config, IngestConfig
from archive.store import Store
from ingest.sources import folder
from ingest.runs import run_source


def make(tmp_path: Path) -> tuple[Config, Path]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Kent Police. FOI 1234/23. We do not hold the information.\n")
    (inbox / "b.txt").write_text("Sheffield City Council. The information is exempt under section 40(2).\n")
    config = Config.for_directory(tmp_path / "archive", ingest=IngestConfig(workers=2, timeout=20),
                                  sources={"inbox": {"kind": "folder", "path": str(inbox)}})
    return config, inbox


def test_folder_is_incremental(tmp_path: Path, monkeypatch) -> None:
    config, inbox = make(tmp_path)
    assert run_source(config, "inbox").new == 2
    reads = []
    real = folder.read_limited
    monkeypatch.setattr(folder, "read_limited", lambda f, limit: reads.append(f.path.name) or real(f, limit))
    again = run_source(config, "inbox")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2) and reads == []
    (inbox / "a.txt").write_text("Kent Police. FOI 1234/23. The information is attached.\n")
    os.utime(inbox / "a.txt", ns=(1, 1))
    changed = run_source(config, "inbox")
    assert (changed.changed, changed.unchanged) == (1, 1) and reads == ["a.txt"]


def test_removed_file_is_gone_not_deleted(tmp_path: Path) -> None:
    config, inbox = make(tmp_path)
    run_source(config, "inbox")
    (inbox / "b.txt").unlink()
    assert run_source(config, "inbox").gone == 1
    with Store(config.store_path) as store:
        docs = {d.locator.rsplit("/", 1)[-1]: d for d in store.documents()}
        assert docs["b.txt"].source_status == "gone" and docs["a.txt"].source_status == "present"
        assert store.has_object(docs["b.txt"].sha256)

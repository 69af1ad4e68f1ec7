"""A small archive ingested through the real pipeline once per session, copied per test.

Used by the rebuild, verify, takedown and integrity tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.config import Config, IngestConfig

SAMPLE_COUNT = 12


def ingested_archive(root: Path) -> Path:
    """Generated samples ingested into ``root/archive``; returns that folder."""
    from ingest.runs import ingest_paths
    from samplegen.letters import write_samples

    samples = root / "samples"
    write_samples(samples, count=SAMPLE_COUNT)
    (samples / "samples.json").unlink(missing_ok=True)
    config = archive_config(root / "archive")
    summary = ingest_paths(config, [str(samples)])
    assert summary.new >= SAMPLE_COUNT - 1, summary.line()
    return root / "archive"


def archive_config(folder: Path) -> Config:
    return Config.for_directory(folder, ingest=IngestConfig(workers=2, timeout=30, memory_mb=1024))


def copy_archive(source: Path, dest: Path) -> Config:
    """A private copy of an archive folder (symlinks kept as symlinks)."""
    shutil.copytree(source, dest, symlinks=True)
    return archive_config(dest)


def index_fields(path: Path) -> dict[str, dict]:
    """id -> stored fields of every document in the index at ``path``."""
    from whoosh import index

    ix = index.open_dir(str(path), indexname="MAIN")
    with ix.searcher() as s:
        out: dict[str, dict] = {}
        for fields in s.all_stored_fields():
            assert fields["id"] not in out, f"{fields['id']} indexed twice"
            out[fields["id"]] = fields
    ix.close()
    return out


# Fixtures: import both names into a test module to use them.

@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ingested archive per test module (the ingest takes a few seconds)."""
    return ingested_archive(tmp_path_factory.mktemp("ingested"))


@pytest.fixture
def archive(master: Path, tmp_path: Path) -> Config:
    """A private copy of the module's archive, free to damage."""
    return copy_archive(master, tmp_path / "archive")


def damage_index(index_path: Path, how: str) -> None:
    """W8: a truncated latest TOC, or the segment files gone."""
    if how == "truncate_toc":
        toc = max(index_path.glob("_MAIN_*.toc"))
        toc.write_bytes(toc.read_bytes()[:20])
    else:
        for seg in index_path.glob("*.seg"):
            seg.unlink()

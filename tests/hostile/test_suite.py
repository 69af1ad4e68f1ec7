"""The hostile-input suite (tests/hostile/cases.py) through the real ingest: each case
ends in the outcome it must have, within its time budget (the child's limit), and the
good files beside it are read.

Two runs, one a budget: the fast cases under FAST seconds a file, the slow under SLOW.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.reader import IndexReader
from archive.search import get_document, parse_params, search
from archive.store import Store
from ingest.pipeline import PIPELINE_VERSION
from ingest.runs import ingest_paths
from ingest.sources.walk import locator
from tests.hostile.cases import CASES, FAST, SLOW, Case

pytestmark = pytest.mark.slow

GOOD = "good-letter.txt", "Kent Police\nWe do not hold the Goodium information you asked for.\n"


def run(tmp_path: Path, budget: int) -> tuple[Config, dict[str, tuple[str, str]]]:
    """Ingest the cases of one budget beside a good letter: case name -> (outcome, reason)."""
    folder = tmp_path / f"inbox-{budget}"
    folder.mkdir()
    cases = [c for c in CASES if c.budget == budget]
    for case in cases:
        case.make(folder)
    (folder / GOOD[0]).write_text(GOOD[1])
    config = Config.for_directory(tmp_path / f"archive-{budget}",
                                  ingest=IngestConfig(workers=2, timeout=budget, memory_mb=1024))
    summary = ingest_paths(config, [str(folder)])
    skipped = {Path(display).name: reason for display, reason, _ in summary.skips}
    reader = IndexReader(config.index_path)
    found: dict[str, tuple[str, str]] = {}
    with Store(config.store_path) as store:
        for case in cases + [Case("good", GOOD[0], lambda f: None, "stored")]:
            if case.name in skipped:
                found[case.name] = ("skipped", skipped[case.name])
                continue
            row = store.document_by_locator("files", locator(folder / case.name))
            if row is None:
                found[case.name] = ("missing", "")
                continue
            extraction = store.extraction(row.sha256, PIPELINE_VERSION)
            doc = get_document(reader, row.id)
            if extraction["status"] == "failed":
                found[case.name] = ("failed", extraction["reason"] or "")
            else:
                found[case.name] = ("truncated" if doc.status == "truncated" else "stored", "")
    return config, found


@pytest.fixture(scope="module", params=[FAST, SLOW], ids=["fast", "slow"])
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return request.param, *run(tmp_path_factory.mktemp("hostile"), request.param)


def test_every_case_ends_as_it_must(outcomes) -> None:
    budget, config, found = outcomes
    want = {c.name: (c.outcome, c.reason) for c in CASES if c.budget == budget}
    want[GOOD[0]] = ("stored", "")
    assert found == want


def test_what_is_stored_is_searchable_and_nothing_from_outside(outcomes) -> None:
    budget, config, found = outcomes
    reader = IndexReader(config.index_path)
    for case in [c for c in CASES if c.budget == budget and c.words]:
        hits = search(reader, parse_params({"q": [case.words]})).hits
        assert len(hits) == 1, case.name
        if case.name == "xxe.docx":  # E15: read without its external entity, never the file it names
            text = get_document(reader, hits[0].id).text
            assert "Hostile entity" in text
            named = Path("/etc/hostname")
            assert not named.is_file() or named.read_text().strip() not in text.split()
    assert search(reader, parse_params({"q": ["Goodium"]})).total == 1
    assert search(reader, parse_params({"q": ["Secretium"]})).total == 0


"""cli/reports.py: what `sources` and `failures` report, as data, before any formatting."""

from __future__ import annotations

from dataclasses import replace

from archive.config import Config
from archive.store import Store
from cli.reports import Failure, SourceRun, SourceStatus, failures, source_statuses
from ingest.infra.crawlstate import CrawlState
from ingest.pipeline import PIPELINE_VERSION

SOURCES = {
    "swp": {"kind": "disclosure_log", "evidence": "the force's own log"},
    "live": {"kind": "alaveteli", "enabled": False},
    "odd": {},
}


def _with_sources(config: Config) -> Config:
    return replace(config, sources=SOURCES)


def test_sources_before_anything_is_ingested(config: Config) -> None:
    assert source_statuses(_with_sources(config)) == [
        SourceStatus("swp", "disclosure_log", True, "the force's own log", None),
        SourceStatus("live", "alaveteli", False, None, None),
        SourceStatus("odd", "?", True, None, None),
    ]
    assert failures(config) is None
    assert not (config.store_path / "catalogue.sqlite").exists()  # looking made no catalogue


def _ingested(config: Config) -> None:
    with Store(config.store_path) as store:
        state = CrawlState(store)
        done = state.start_run("swp")
        state.finish_run(done, {"stored": 2, "not_modified": 0, "failed": 1})
        state.start_run("live")  # stopped before its end
        state.set("swp", "https://x.org/files/missing.pdf", "failed", reason="wrong_type")
        state.set("swp", "https://x.org/later", "deferred")
        state.set("swp", "https://x.org/fine", "stored")
        sha = store.put_object(b"%PDF-1.4 broken")
        store.save_version("00000000000000aa", "swp", "https://x.org/files/a.pdf", sha, {"format": "pdf"})
        store.record_extraction(sha, PIPELINE_VERSION, "failed", "encrypted", "needs a password")
        store.record_extraction("f" * 64, PIPELINE_VERSION, "failed", "timeout")
        store.record_extraction("e" * 64, "0-old", "failed", "old pipeline")
        store.commit()


def test_sources_with_their_last_runs(config: Config) -> None:
    _ingested(config)
    swp, live, odd = source_statuses(_with_sources(config))
    assert swp.last_run is not None and swp.last_run.finished is not None
    assert swp.last_run.counts == {"stored": 2, "not_modified": 0, "failed": 1}
    assert live.last_run == SourceRun(live.last_run.started, None, {})
    assert odd.last_run is None


def test_failures_of_this_pipeline_version_then_fetches(config: Config) -> None:
    _ingested(config)
    found = failures(config)
    assert [f for f in found if f.stage == "extract"] == [
        Failure("extract", "swp", "https://x.org/files/a.pdf", "encrypted", "needs a password"),
        Failure("extract", None, "f" * 64, "timeout", None),
    ]
    assert [f for f in found if f.stage == "fetch"] == [
        Failure("fetch", "swp", "https://x.org/files/missing.pdf", "failed", "wrong_type"),
        Failure("fetch", "swp", "https://x.org/later", "deferred", None),
    ]
    only = failures(config, "swp")
    assert [f.what for f in only] == ["https://x.org/files/a.pdf", "https://x.org/files/missing.pdf",
                                      "https://x.org/later"]
    assert failures(config, "live") == []

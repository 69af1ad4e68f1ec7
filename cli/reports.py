"""What `foi-archive sources` and `failures` report, as plain data the commands format.

These read the catalogue through the ingest package's crawl state, which archive/ may
not import, so they live beside the commands rather than in archive/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.config import Config
from archive.store import Store


@dataclass(frozen=True)
class SourceRun:
    started: str
    finished: str | None  # None: the run stopped before its end
    counts: dict[str, int] = field(default_factory=dict)  # what it did, in the order counted


@dataclass(frozen=True)
class SourceStatus:
    name: str
    kind: str  # "?" when the table names none
    enabled: bool
    evidence: str | None
    last_run: SourceRun | None  # None: never run (or nothing ingested yet)


@dataclass(frozen=True)
class Failure:
    stage: str  # "extract" or "fetch"
    source: str | None
    what: str  # the locator (or digest) of a file, the URL of a fetch
    reason: str  # an extraction's reason, a URL's state
    detail: str | None


def _catalogue(config: Config) -> Store | None:
    """The catalogue when anything has been ingested; opening it would otherwise make one."""
    return Store(config.store_path) if (config.store_path / "catalogue.sqlite").exists() else None


def source_statuses(config: Config) -> list[SourceStatus]:
    """Each configured source, in the configuration's order, with its last run."""
    from ingest.infra.crawlstate import CrawlState

    store = _catalogue(config)
    try:
        state = CrawlState(store) if store else None
        statuses = []
        for name, settings in config.sources.items():
            run = state.last_run(name) if state else None
            statuses.append(SourceStatus(
                name=name, kind=str(settings.get("kind", "?")),
                enabled=bool(settings.get("enabled", True)),
                evidence=settings.get("evidence") or None,
                last_run=None if run is None else SourceRun(run["started"], run["finished"],
                                                            run["counts"] or {})))
        return statuses
    finally:
        if store:
            store.close()


def failures(config: Config, source: str | None = None) -> list[Failure] | None:
    """Failed extractions (of this pipeline version), then failed or deferred fetches, of
    every source or of ``source``; None when nothing has been ingested yet."""
    from ingest.infra.crawlstate import CrawlState
    from ingest.pipeline import PIPELINE_VERSION

    store = _catalogue(config)
    if store is None:
        return None
    with store:
        found = [Failure("extract", row["source"], row["locator"] or row["sha256"], row["reason"],
                         row["detail"])
                 for row in store.failures(PIPELINE_VERSION)
                 if not source or row["source"] == source]
        found += [Failure("fetch", url.source, url.url, url.state, url.reason)
                  for url in CrawlState(store).failures(source)]
    return found

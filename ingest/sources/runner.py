"""Run configured sources: collect their records, ingest them, and keep a summary of
each run (``foi-archive ingest --source NAME``, ``--all``, ``--retry-failed``)."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol

from archive.config import Config
from ingest.infra.crawlstate import CrawlState
from ingest.intake import Intake
from ingest.pipeline import PIPELINE_VERSION, Ingester
from ingest.records import Item, Progress
from ingest.sources.settings import SourceError

log = logging.getLogger(__name__)


class Source(Protocol):
    name: str
    kind: str

    def collect(self, intake: Intake, only: set[str] | None = None
                ) -> tuple[list[Item], Counter[str]]: ...


def make_source(name: str, settings: dict[str, Any], config: Config) -> Source:
    """The source object for a ``[sources.NAME]`` table, by its ``kind``."""
    kind = settings.get("kind")
    if kind == "disclosure_log":
        from ingest.sources.disclosure_log import DisclosureLog
        return DisclosureLog(name, settings, config)
    if kind == "alaveteli":
        from ingest.sources.alaveteli import Alaveteli
        return Alaveteli(name, settings, config)
    if kind == "folder":
        from ingest.sources.folder import Folder
        return Folder(name, settings, config)
    raise SourceError(f"[sources.{name}]: unknown kind {kind!r} (disclosure_log, alaveteli, folder)")


@dataclass
class RunSummary:
    """What one run of one source did."""

    source: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_robots: int = 0
    deferred: int = 0
    gone: int = 0
    not_allowed: int = 0
    requests: int = 0
    skipped: int = 0  # names a folder source did not take (links out of it, pipes ...)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    skips: list[tuple[str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        data = asdict(self)
        data.pop("source")
        data.pop("failures")
        data.pop("skips")
        return data

    def line(self) -> str:
        return (f"{self.source}: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.failed} failed, {self.skipped_robots} skipped by robots, "
                f"{self.deferred} deferred, {self.gone} gone"
                + (f", {self.skipped} skipped" if self.skipped else ""))


def enabled_sources(config: Config) -> list[str]:
    """The sources ``--all`` runs: every configured one not marked ``enabled = false``."""
    return [name for name, s in config.sources.items() if s.get("enabled", True)]


FetchProgress = Callable[[str, Counter[str]], None]


def run_source(config: Config, name: str, *, progress: Progress | None = None,
               retry_failed: bool = False, fetch_progress: FetchProgress | None = None,
               only: set[str] | None = None) -> RunSummary:
    """Collect one source's records and ingest them; a re-run adds only what changed.
    With ``only``, just those URLs (as ``foi-archive sources --check`` judges them).

    ``fetch_progress(url, counts)`` is called after every fetch; ``progress`` then
    counts the extraction of the records found.
    """
    if name not in config.sources:
        raise SourceError(f"no source {name!r} in the configuration")
    source = make_source(name, config.sources[name], config)
    if fetch_progress is not None and hasattr(source, "fetch_progress"):
        source.fetch_progress = fetch_progress
    summary = RunSummary(name)
    with Ingester(config, progress=progress) as ingester:
        state = CrawlState(ingester.store)
        run_id = state.start_run(name)
        started = (state.last_run(name) or {}).get("started", "")
        redo: list[Item] = []
        if retry_failed:
            only = {row.url for row in state.failures(name)}
            redo = _failed_extractions(ingester, name, getattr(source, "hints", {}))
        items, counts = source.collect(ingester.intake, only) if only or not retry_failed else ([], Counter())
        ingester.run(_dedupe(items + redo))
        result = ingester.summary
        summary.new, summary.changed = result.new, result.changed
        summary.unchanged = result.unchanged + counts["unchanged_files"]
        summary.failed = result.failed + counts["failed"]
        summary.skipped_robots = counts["skipped_robots"]
        summary.deferred = counts["deferred"]
        summary.gone = counts["gone"]
        summary.not_allowed = counts["not_allowed"]
        summary.requests = counts["requests"]
        summary.skipped, summary.skips = result.skipped, list(result.skips)
        summary.failures = list(result.failures) + [
            (row.url, row.state, row.reason or "") for row in state.failures(name)
            if (row.last_fetched or "") >= started]
        state.finish_run(run_id, summary.counts())
    return summary


def _dedupe(items: list[Item]) -> list[Item]:
    seen: dict[tuple[str, str], Item] = {}
    for item in items:
        seen.setdefault((item.doc_id, item.sha256), item)
    return list(seen.values())


def _failed_extractions(ingester: Ingester, source: str, hints: dict[str, Any]) -> list[Item]:
    """Items for this source's documents whose extraction failed, to be done again."""
    store = ingester.store
    items = []
    for row in store.failures(PIPELINE_VERSION):
        if row["source"] != source or not row["doc_id"]:
            continue
        doc = store.document(row["doc_id"])
        if doc is None:
            continue
        store.db.execute("DELETE FROM extractions WHERE sha256 = ? AND version = ?",
                         (row["sha256"], PIPELINE_VERSION))
        item = _item_from_store(ingester, doc.id, doc.source, doc.locator, doc.sha256)
        item.hints = dict(hints)
        items.append(item)
    store.commit()
    return items


def _item_from_store(ingester: Ingester, doc_id: str, source: str, locator: str,
                     sha256: str) -> Item:
    """Rebuild the Item of a stored version (a bundle from its manifest) without fetching."""
    data = ingester.store.read_object(sha256)
    name = os.path.basename(locator.rstrip("/")) or "document"
    item = Item(source=source, locator=locator, name=name, sha256=sha256, size=len(data),
                doc_id=doc_id, display=locator)
    if data.startswith(b'{"'):
        try:
            manifest = json.loads(data)
        except ValueError:
            manifest = None
        if isinstance(manifest, dict) and manifest.get("kind") == "bundle":
            item.main_name = manifest["main"]["name"]
            item.main_sha256 = manifest["main"]["sha256"]
            item.name = item.main_name
            item.parts = tuple((a["name"], a["sha256"]) for a in manifest["attachments"])
    return item

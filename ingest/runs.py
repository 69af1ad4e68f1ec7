"""Runs: each way an ingest starts. A source finds responses and hands them to the intake
(``ingest/intake.py``); here its finds go through the pipeline (``ingest/pipeline.py``),
one run, one index writer: files and folders (``foi-archive ingest PATH``), a configured
source (``--source NAME``, ``--all``, ``--retry-failed``) and web archives (``--warc``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from archive.config import Config
from ingest.infra.crawlstate import CrawlState
from ingest.infra.isolation import IsolatedPool
from ingest.pipeline import PIPELINE_VERSION, Ingester
from ingest.records import Item, Progress, Summary
from ingest.sources.crawling import RESPONSE, collect_records
from ingest.sources.kinds import make_source
from ingest.sources.settings import SourceError
from ingest.sources.walk import find_files, locator, read_limited
from ingest.sources.warc_input import ArchiveCrawl
from ingest.warc import Capture, WarcError, read_captures

log = logging.getLogger(__name__)


def ingest_paths(config: Config, paths: list[str], *, progress: Progress | None = None,
                 source: str = "files", follow_symlinks: bool = False) -> Summary:
    """Ingest files and folders (recursively): the folder source into the pipeline."""
    limit = config.ingest.max_file_mb * 1024 * 1024
    walk = find_files(paths, follow_symlinks=follow_symlinks)  # a bad path fails before any work
    with Ingester(config, progress=progress) as ingester:
        ingester.summary.skip(walk.skipped)

        def items() -> Iterator[Item]:
            # Each original is read and stored when the pool has room for it.
            for f in walk.files:
                try:
                    data = read_limited(f, limit)
                except OSError as exc:
                    ingester.summary.failed += 1
                    ingester.summary.failures.append((f.display, "unreadable", str(exc)))
                    continue
                yield ingester.intake.add_bytes(data, source=source, locator=locator(f.path),
                                         name=f.path.name, display=f.display)

        ingester.run(items(), total=len(walk.files))
        return ingester.summary


# -- configured sources ----------------------------------------------------------------


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


# -- web archives ----------------------------------------------------------------------


@dataclass
class WarcSummary:
    """What ``ingest --warc`` did."""

    captures: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def line(self) -> str:
        taken = ", ".join(f"{n} {name}" for name, n in sorted(self.by_source.items())) or "none"
        return (f"{self.captures} captures read; responses by source: {taken}; {self.new} new, "
                f"{self.changed} changed, {self.unchanged} unchanged, {self.failed} failed")


def ingest_warcs(config: Config, paths: list[str], *, progress: Progress | None = None) -> WarcSummary:
    """Read each WARC in a limited child process, then let every configured web source take
    the responses it recognises, as one ingest run."""
    summary = WarcSummary()
    sources = {}
    for name, settings in config.sources.items():
        if settings.get("kind") in ("disclosure_log", "alaveteli"):
            try:
                sources[name] = make_source(name, settings, config)
            except SourceError as exc:
                raise SourceError(f"{exc} (every web source judges a WARC's URLs)") from None
    max_bytes = config.ingest.max_file_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="foi-warc-") as tmp, Ingester(config, progress=progress) as ingester:
        captures: dict[str, Capture] = {}
        tasks = []
        for i, path in enumerate(paths):
            out = Path(tmp) / str(i)
            out.mkdir()
            tasks.append((path, (str(Path(path).resolve()), str(out), max_bytes)))
        # A WARC holds many responses: ten times a file's time limit; its memory limit.
        with IsolatedPool(read_captures, workers=1, timeout=config.ingest.timeout * 10,
                          memory_mb=config.ingest.memory_mb, classify=_classify) as pool:
            outcomes = list(pool.run(tasks))
        for outcome in outcomes:
            if not outcome.ok:
                summary.failed += 1
                summary.failures.append((str(outcome.key), outcome.reason or "failed", outcome.detail))
                continue
            for capture in outcome.value:
                captures.setdefault(capture.url, capture)  # the first capture of a URL
        summary.captures = len(captures)
        items: list[Item] = []
        for name, source in sources.items():
            crawl = ArchiveCrawl(ingester.store, name, captures)
            keys = _responses(source, captures)
            if not keys:
                continue
            found, _ = collect_records(ingester.intake, crawl, keys, source._record)
            summary.by_source[name] += len(found)
            items += found
        ingester.run(items)
        result = ingester.summary
        summary.new, summary.changed, summary.unchanged = result.new, result.changed, result.unchanged
        summary.failed += result.failed
        summary.failures += list(result.failures)
    return summary


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, WarcError):
        return "warc_error", str(exc)
    return "warc_error", f"{type(exc).__name__}: {exc}"


def _responses(source: Any, captures: dict[str, Capture]) -> dict[str, None]:
    """The keys of the records a source takes from the captured URLs (its response URLs;
    an Alaveteli source's url_titles)."""
    keys: dict[str, None] = {}
    for url in sorted(captures):
        if source.check(url).action != RESPONSE:
            continue
        if hasattr(source, "request_of"):
            title = source.request_of(url)
            if title:
                keys.setdefault(title, None)
        else:
            keys.setdefault(url, None)
    return keys

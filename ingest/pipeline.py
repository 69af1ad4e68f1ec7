"""The ingest pipeline: store each original, extract and enrich it in an isolated
child process, record the outcome and provenance, and write the index.

Re-running over the same inputs changes nothing: an original already stored
and already processed by this pipeline version is only marked as seen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sized

from pathlib import Path
from typing import Any

from archive.config import Config
from archive.index import IndexWriter
from archive.models import Metadata
from archive.store import DocumentRow, Store, utcnow
from ingest.document import format_from_name, storable, stored_document, title_from_name
from ingest.grouping import Grouper
from ingest.extract import EXTRACTOR_VERSION, ExtractionError, Extracted, extract_bytes, ocr
from ingest.extract.attachments import attachment_section
from ingest.extract.dispatch import extract_attachment
from ingest.infra.isolation import IsolatedPool, Outcome
from ingest.infra.progress import ProgressLog
from ingest.infra.worklog import WorkLog
from ingest.intake import Intake
from ingest.metadata import METADATA_VERSION, enrich
from ingest.records import Item, Progress, Summary

log = logging.getLogger(__name__)

#: What a stored extraction outcome is keyed by: redo when either part changes.
PIPELINE_VERSION = f"{EXTRACTOR_VERSION}.{METADATA_VERSION}"


# -- the work done in the child process ----------------------------------------------


def _flatten(extracted: Extracted) -> dict[str, Any]:
    return {
        "format": extracted.format,
        "title": extracted.title,
        "text": extracted.text,
        "pages": extracted.pages,
        "method": extracted.method,
        "encoding": extracted.encoding,
        "encoding_source": extracted.encoding_source,
        "hints": extracted.hints,
        "attachments": [a.attachment_name for a in extracted.attachments],
    }


def process_file(path: str, filename: str, parts: tuple[tuple[str, str], ...] = (),
                 hints: dict[str, Any] | None = None, layout: bool = True,
                 time_limit: float | None = None) -> dict[str, Any]:
    """Extract and enrich one file, with any attachments (path, name) that belong to it.

    Runs inside a limited child process. A response page and the files it links
    to are one record: their texts are joined, attachments under a heading line.
    ``layout=False`` is the last try after timeouts: PDFs without layout analysis.
    ``time_limit`` is the child's deadline, of which OCR takes its share.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    return process_data(data, filename, tuple(_read_part(p, n) for p, n in parts), hints, layout,
                        time_limit)


def _read_part(path: str, name: str) -> tuple[bytes, str]:
    with open(path, "rb") as fh:
        return fh.read(), name


def process_data(data: bytes, filename: str, parts: tuple[tuple[bytes, str], ...] = (),
                 hints: dict[str, Any] | None = None, layout: bool = True,
                 time_limit: float | None = None) -> dict[str, Any]:
    """``process_file`` given the bytes, with attachments as (bytes, name): what a cluster
    worker runs, since it cannot read the ingesting machine's store."""
    with ocr.time_budget(time_limit):
        extracted = extract_bytes(data, filename, layout=layout)
        if not layout:
            extracted.hints["degraded_layout"] = True
        for part_data, part_name in parts:
            attachment = extract_attachment(part_data, part_name, layout=layout)
            extracted.attachments.append(attachment)
            extracted.text += "\n\n" + attachment_section(attachment)
    # Source hints: what the source itself says, e.g. whose disclosure log
    # it is, or the requester-set WDTK status; enrich() decides how much they weigh.
    extracted.hints = {**extracted.hints, **(hints or {})}
    record = _flatten(extracted)
    meta = enrich(extracted.text, title=extracted.title, hints=extracted.hints, filename=filename)
    record["meta"] = meta.to_dict()
    return record


def classify(exc: BaseException) -> tuple[str, str]:
    """Our reason for a failure raised in the child."""
    if isinstance(exc, ExtractionError):
        return exc.reason, exc.detail
    return "parse_error", f"{type(exc).__name__}: {exc}"


def with_bytes(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``process_file``'s arguments as ``process_data``'s: the files' bytes in place of paths."""
    path, filename, *rest = args
    with open(path, "rb") as fh:
        data = fh.read()
    if rest:
        rest[0] = tuple(_read_part(p, n) for p, n in rest[0])
    return (data, filename, *rest)


def make_pool(config: Config, func: Callable[..., Any] = process_file,
              timeout: float | None = None) -> Any:
    """A pool of limited children for ``func``, with the configured limits (``timeout``
    in place of the configured one): here, or on the workers of ``config.ingest.scheduler``
    (docs/ingest.md, "On a cluster")."""
    timeout = config.ingest.timeout if timeout is None else timeout
    if config.ingest.scheduler and func is process_file:
        from ingest.infra.cluster import ClusterPool  # dask is imported only for a cluster
        return ClusterPool(config.ingest.scheduler, process_data, pack=with_bytes,
                           timeout=timeout, memory_mb=config.ingest.memory_mb,
                           classify=classify)
    return IsolatedPool(func, workers=config.ingest.workers,
                        timeout=timeout, memory_mb=config.ingest.memory_mb,
                        classify=classify)


def retry_limit(config: Config) -> float:
    """The longer limit a file that ran out of time is tried once more with."""
    return config.ingest.retry_timeout or 3 * config.ingest.timeout


def ran_out_of_time(outcome: Outcome) -> bool:
    """Whether a file was stopped by the clock, not by what it is: it timed out, or OCR's
    budget ran out before its last page. On a busy machine either happens to files a
    quiet one reads whole."""
    if outcome.reason == "timeout":
        return True
    hints = (outcome.value or {}).get("hints") or {} if outcome.ok else {}
    return hints.get("ocr_stopped") == "time"


def extract_all(config: Config, tasks: Iterable[tuple[Any, tuple[Any, ...]]],
                is_pdf: Callable[[Any], bool]) -> Iterator[Outcome]:
    """The final outcome of each (key, ``process_file`` arguments) task, as each is known.

    A file stopped by the clock is tried once more, after the others, with the longer
    ``retry_timeout`` (and OCR's share of it), so that a busy machine gives the same reading
    as a quiet one; only a PDF that runs out of that too is read without layout analysis,
    which is what blows up on pages of thousands of text runs (docs/reliability.md E8).
    """
    given: dict[Any, tuple[Any, ...]] = {}

    def first(timeout: float) -> Iterator[tuple[Any, tuple[Any, ...]]]:
        for key, args in tasks:
            given[key] = args
            yield key, (*args, True, timeout)

    again: dict[Any, tuple[Any, ...]] = {}
    with make_pool(config) as pool:
        for outcome in pool.run(first(config.ingest.timeout)):
            args = given.pop(outcome.key)
            if ran_out_of_time(outcome):
                again[outcome.key] = args
            else:
                yield outcome
    if not again:
        return
    limit = retry_limit(config)
    log.info("%d files ran out of time: trying them once more with %g s", len(again), limit)
    degraded: dict[Any, tuple[Any, ...]] = {}
    with make_pool(config, timeout=limit) as pool:
        for outcome in pool.run((key, (*args, True, limit)) for key, args in again.items()):
            if outcome.reason == "timeout" and is_pdf(outcome.key):
                degraded[outcome.key] = again[outcome.key]
            else:
                yield outcome
    if degraded:
        log.info("%d PDFs ran out of time again: reading them without layout analysis", len(degraded))
        with make_pool(config, timeout=limit) as pool:
            yield from pool.run((key, (*args, False, limit)) for key, args in degraded.items())


# -- the run --------------------------------------------------------------------------


class Ingester:
    """Takes inputs into the store and the index; one per run, one writer."""

    def __init__(self, config: Config, *, progress: Progress | None = None) -> None:
        self.config = config
        # Originals and texts written at once, made durable together at each commit
        # (one syncfs instead of four fsyncs a document), before the catalogue commits.
        self.store = Store(config.store_path, batched=True)
        self.writer = IndexWriter(config.index_path)
        self.grouper = Grouper(self.writer.ix)  # round robins (ingest/grouping.py)
        self.progress = progress
        self.summary = Summary()
        # What sources hand their originals to: kept in the store, each given its document.
        self.intake = Intake(self.store, self.summary)
        # Work recorded since the last commit, and what a run that died left of its own.
        self.worklog = WorkLog(config.store_path)
        self._since_commit = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        self.worklog.close(finished=False)  # a run that ended early leaves its work for the next
        self.grouper.close()
        self.store.close()

    def __enter__(self) -> "Ingester":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def needs_work(self, item: Item) -> bool:
        doc = self.store.document(item.doc_id)
        if doc is None or doc.sha256 != item.sha256:
            return True
        return self.store.extraction(item.sha256, PIPELINE_VERSION) is None

    def run(self, items: Iterable[Item], total: int | None = None) -> Summary:
        """Extract, enrich and index every item that is new or changed.

        Items are taken only as a worker comes free (a source may yield them as it
        finds them), so the parent stores the next original while the workers
        extract, and memory stays flat however many items there are. ``total``
        (else ``len(items)``) is what the progress callback counts towards.
        """
        if total is None:
            total = len(items) if isinstance(items, Sized) else 0
        in_flight: dict[int, Item] = {}
        # Two inputs with the same bytes in one run are one document: only the first
        # is extracted. Once it is recorded, needs_work() says so for the second.
        running: set[tuple[str, str]] = set()
        done = 0
        said = ProgressLog("ingest", self.config.ingest.progress_seconds)

        def step(item: Item) -> None:
            nonlocal done
            done += 1
            if self.progress:
                self.progress(done, total, item.display)
            said.tick(done, total, self.summary.failed)

        def record(outcome: Outcome, *, kept: bool = False) -> None:
            item = in_flight.pop(outcome.key)
            stored = self._record(item, outcome)
            if kept:
                self.summary.kept += 1
            else:
                self.worklog.done(item.sha256, PIPELINE_VERSION, stored if outcome.ok else None,
                                  reason=outcome.reason, detail=outcome.detail, seconds=outcome.seconds)
                if self.worklog.was_started(item.sha256):  # begun by a run that died
                    self.summary.redone += 1
                    self.summary.redone_seconds += outcome.seconds
            running.discard((item.doc_id, item.sha256))
            self.intake.saved(item)
            step(item)
            self._since_commit += 1
            if (self._since_commit >= self.config.ingest.commit_documents
                    or time.monotonic() - self._last_commit >= self.config.ingest.commit_seconds):
                self._commit()

        def tasks() -> Iterator[tuple[int, tuple[Any, ...]]]:
            for key, item in enumerate(items):
                if not self.needs_work(item):
                    self.summary.unchanged += 1
                    self.store.touch(item.doc_id)
                    step(item)
                    continue
                if (item.doc_id, item.sha256) in running:
                    self.summary.unchanged += 1
                    self.store.add_provenance(source=item.source, locator=item.locator,
                                              event="also_at", doc_id=item.doc_id,
                                              sha256=item.sha256, size=item.size)
                    step(item)
                    continue
                running.add((item.doc_id, item.sha256))
                in_flight[key] = item
                taken = self.worklog.take(item.sha256, PIPELINE_VERSION, self._stored_text)
                if taken is not None:  # extracted by a run that died before committing it
                    value, kept = taken
                    record(Outcome(key, value=value, reason=kept.reason, detail=kept.detail,
                                   seconds=kept.seconds), kept=True)
                    continue
                self.worklog.started(item.sha256)
                yield key, self._task(item)

        for outcome in extract_all(self.config, tasks(), lambda key: self._has_pdf(in_flight[key])):
            record(outcome)
        self._commit()
        self.writer.tidy()  # the small segments the run left, merged: fewer for searches to read
        self.worklog.close(finished=True)
        return self.summary

    def _stored_text(self, sha256: str) -> str | None:
        return self.store.read_text(sha256, EXTRACTOR_VERSION)

    def _has_pdf(self, item: Item) -> bool:
        """Whether the record is, or carries, a PDF (by its bytes, not its name)."""
        shas = [item.main_sha256 or item.sha256, *(sha for _, sha in item.parts)] if item.parts else [item.sha256]
        return any(_is_pdf(str(self.store.object_path(sha))) for sha in shas)

    def _task(self, item: Item) -> tuple[Any, ...]:
        if not item.parts:
            return (str(self.store.object_path(item.sha256)), item.name, (), item.hints)
        parts = tuple((str(self.store.object_path(sha)), name) for name, sha in item.parts)
        return (str(self.store.object_path(item.main_sha256)), item.main_name, parts, item.hints)

    def _commit(self) -> None:
        # The index, then the catalogue (whose commit makes the batch's originals and
        # texts durable first): if we die before the catalogue commits, it does not yet
        # say "done" and the next run takes the batch's outcomes from the work log
        # (ingest/infra/worklog.py) and indexes them again (a re-add replaces).
        self.writer.commit()
        self.grouper.committed()  # the index now holds this batch's groups
        self.store.commit()
        self.worklog.committed()
        self._since_commit = 0
        self._last_commit = time.monotonic()

    def _record(self, item: Item, outcome: Outcome) -> dict[str, Any]:
        """Store one outcome's version and index it (unless taken down); returns the
        extraction's record as stored."""
        existing = self.store.document(item.doc_id)
        if outcome.ok:
            # What the catalogue and the text file can hold, so that what is indexed below
            # is what a rebuild reads back (ingest/document.py).
            record = storable(outcome.value)
            extracted = dict(record)
            self.store.put_text(item.sha256, EXTRACTOR_VERSION, record["text"])
            self.store.record_extraction(item.sha256, PIPELINE_VERSION, "ok")
            # A scan read by OCR; a long text cut (ingest/extract/dispatch.py, truncate).
            status = "ocr" if record.get("method") == "ocr" else \
                "truncated" if (record.get("hints") or {}).get("truncated") else "ok"
        else:
            record = {"format": format_from_name(item.name),
                      "title": None, "text": "", "hints": {}, "meta": Metadata().to_dict()}
            extracted = {}
            detail = storable(outcome.detail)  # a library's message may quote the broken bytes
            self.store.record_extraction(item.sha256, PIPELINE_VERSION, "failed",
                                         outcome.reason, detail)
            status = "needs_ocr" if outcome.reason == "needs_ocr" else "failed"
            self.summary.failed += 1
            self.summary.failures.append((item.display, outcome.reason or "", detail))
            log.warning("%s: %s %s", item.display, outcome.reason, detail)
        if item.parts:
            record["parts"] = [{"name": item.main_name, "sha256": item.main_sha256}] + [
                {"name": name, "sha256": sha} for name, sha in item.parts]
        record["status"] = status
        record["error"] = storable(None if outcome.ok else f"{outcome.reason}: {outcome.detail}".rstrip(": "))
        record["name"] = storable(item.name)
        record.pop("group", None)
        hidden = existing is not None and existing.hidden
        # The document as the store will hold it: the same function makes it again at every
        # rebuild. Hand corrections (ingest/corrections.py) outlast every new reading.
        seen = existing.first_seen if existing else utcnow()
        row = DocumentRow(id=item.doc_id, source=item.source, locator=item.locator,
                          sha256=item.sha256, first_seen=seen, last_seen=seen,
                          source_status="present", hidden=hidden)
        doc = stored_document(row, record, None,
                              self.store.corrections(item.doc_id) if existing else ())
        if not hidden:
            self.grouper.assign(doc)  # join the group of an earlier near-identical request
        # Kept with the version, so that a rebuild gives every group the id it has now.
        record["group"] = doc.group
        event = self.store.save_version(item.doc_id, item.source, item.locator, item.sha256,
                                        record, at=seen)
        self.store.add_provenance(source=item.source, locator=item.locator, event=event,
                                  doc_id=item.doc_id, sha256=item.sha256, size=item.size)
        if outcome.ok:
            if existing is None:
                self.summary.new += 1
            elif existing.sha256 != item.sha256:
                self.summary.changed += 1
            else:
                self.summary.unchanged += 1  # re-done for a new pipeline version
        if not hidden:  # taken down: stays out of the index
            self.writer.update(doc)
        return extracted


# -- extraction without the store: `foi-archive extract` -----------------------------------


def extract_paths(config: Config, paths: list[str]) -> Iterable[dict[str, Any]]:
    """Extract and enrich files without storing them: one record per file, in order."""
    tasks = []
    early: dict[int, dict[str, Any]] = {}
    for i, path in enumerate(paths):
        p = Path(path)
        if not p.is_file():
            early[i] = _extract_record(path, None, "unreadable", "no such file")
        elif p.stat().st_size > config.ingest.max_file_mb * 1024 * 1024:
            early[i] = _extract_record(path, None, "too_large",
                                       f"larger than the {config.ingest.max_file_mb} MB limit")
        else:
            tasks.append((i, (str(p), p.name, (), None)))
    done: dict[int, dict[str, Any]] = dict(early)
    next_out = 0
    # The same tries as at ingest: a busy machine reads what a quiet one reads.
    for outcome in extract_all(config, tasks, lambda key: _is_pdf(paths[key])):
        done[outcome.key] = _extract_record(paths[outcome.key], outcome.value,
                                            outcome.reason, outcome.detail)
        while next_out in done:  # print in the order given, as soon as we can
            yield done.pop(next_out)
            next_out += 1
    while next_out in done:
        yield done.pop(next_out)
        next_out += 1


def _is_pdf(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip().startswith(b"%PDF-")


def _extract_record(path: str, value: dict[str, Any] | None, reason: str | None,
                    detail: str) -> dict[str, Any]:
    """The `extract --json` line for one file (the evaluation's one entry point)."""
    value = value or {}
    meta = Metadata.from_dict(value.get("meta") or {})
    return {
        "path": path,
        "format": value.get("format") or format_from_name(path),
        "title": meta.title or value.get("title") or (title_from_name(path) if reason else None),
        "text": value.get("text") or "",
        "authority": meta.authority,
        "authority_type": meta.authority_type,
        "force": meta.force,
        "regime": meta.regime,
        "reference": meta.reference,
        "date": meta.date,
        "received": meta.received,
        "date_source": meta.date_source,
        "exemptions": [e.code for e in meta.exemptions],
        "outcome": meta.outcome,
        "outcome_evidence": meta.outcome_evidence.to_dict() if meta.outcome_evidence else None,
        "questions": [q.to_dict() for q in meta.questions],
        "topics": meta.topics,
        "error": f"{reason}: {detail}" if reason and detail else reason,
        "evidence": [e.to_dict() for e in meta.exemptions],
        "confidence": meta.confidence,
        "unstated": meta.unstated,
        "voice": meta.voice,
        "hints": value.get("hints") or {},
    }

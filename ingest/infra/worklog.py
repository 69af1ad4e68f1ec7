"""Work done since the last commit, kept so that a run killed before its next commit does
not do it again (docs/reliability.md, "Interrupted runs").

An ingest commits the index and the catalogue every ``commit_documents`` documents or
``commit_seconds`` of work. Between commits, each document's extraction outcome (its
record, the sha256 of its text, already written to the store's text file, or the reason
it failed) is appended as a JSON line to this run's log under ``store/work/``, and each
file handed to a worker is noted as started. A run holds an exclusive lock on its own
log; the logs it can lock belong to runs that died. The next run takes the outcomes
those logs hold instead of extracting again, and counts as "extracted again" the files
a dead run had started and not finished. A log goes once everything in it is committed.

Only the parent process writes here; a line is flushed as it is written (a killed
process loses nothing it flushed), and a line cut short by a crash is skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FOLDER = "work"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Kept:
    """An outcome a dead run recorded and did not commit."""

    version: str
    value: dict[str, Any] | None  # the record without its text (None: it failed)
    text_sha256: str = ""
    reason: str | None = None
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Interrupted:
    """What the logs of runs that died hold: outcomes by (sha256, version), and the
    files they started and did not finish."""

    kept: dict[tuple[str, str], Kept] = field(default_factory=dict)
    unfinished: set[str] = field(default_factory=set)
    logs: list[Path] = field(default_factory=list)


class WorkLog:
    """This run's log of work not yet committed, and what dead runs left."""

    def __init__(self, store_path: Path) -> None:
        self.folder = Path(store_path) / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.interrupted = self._read_dead()
        self._fh = None
        self._path: Path | None = None
        self._rotate()

    # -- what dead runs left ------------------------------------------------------------

    def _read_dead(self) -> Interrupted:
        found = Interrupted()
        for path in sorted(self.folder.glob("run-*.jsonl")):
            try:
                fh = open(path, "rb")
            except FileNotFoundError:
                continue
            with fh:
                try:  # a live run holds its log's lock: not ours to read
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue
                found.logs.append(path)
                started: set[str] = set()
                done: set[str] = set()
                for line in fh:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # the line a crash cut short
                    if not isinstance(entry, dict):
                        continue
                    sha = str(entry.get("sha256", ""))
                    if entry.get("event") == "started":
                        started.add(sha)
                    elif entry.get("event") == "done":
                        done.add(sha)
                        found.kept[(sha, str(entry.get("version")))] = Kept(
                            version=str(entry.get("version")), value=entry.get("value"),
                            text_sha256=str(entry.get("text_sha256") or ""),
                            reason=entry.get("reason"), detail=str(entry.get("detail") or ""),
                            seconds=float(entry.get("seconds") or 0.0))
                found.unfinished |= started - done
        found.unfinished -= {sha for sha, _ in found.kept}
        if found.logs:
            log.info("an interrupted run left %d outcomes not committed and %d files started",
                     len(found.kept), len(found.unfinished))
        return found

    def take(self, sha256: str, version: str, read_text: Any) -> tuple[dict[str, Any] | None, Kept] | None:
        """A dead run's outcome for these bytes and this pipeline version, with its text
        read back from the store (``read_text(sha256)``) and checked; None if there is none
        or its text is not what was recorded."""
        kept = self.interrupted.kept.get((sha256, version))
        if kept is None:
            return None
        if kept.value is None:
            return None, kept
        text = read_text(sha256)
        if text is None or text_digest(text) != kept.text_sha256:
            return None  # the text file did not survive: extract again
        return {**kept.value, "text": text}, kept

    def was_started(self, sha256: str) -> bool:
        """Whether a dead run had started extracting these bytes and not finished."""
        return sha256 in self.interrupted.unfinished

    # -- this run's log -------------------------------------------------------------------

    def _rotate(self) -> None:
        """Start a new log (the old one's work is committed: it goes)."""
        old, old_path = self._fh, self._path
        stamp = f"{os.getpid()}-{os.urandom(4).hex()}"
        self._path = self.folder / f"run-{stamp}.jsonl"
        self._fh = open(self._path, "ab")
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX)
        if old is not None:
            old.close()
            assert old_path is not None
            old_path.unlink(missing_ok=True)

    def _write(self, entry: dict[str, Any]) -> None:
        assert self._fh is not None
        # ASCII JSON: a lone surrogate is written as its escape and read back as itself.
        self._fh.write(json.dumps(entry).encode("ascii") + b"\n")
        self._fh.flush()

    def started(self, sha256: str) -> None:
        self._write({"event": "started", "sha256": sha256})

    def done(self, sha256: str, version: str, value: dict[str, Any] | None, *,
             reason: str | None = None, detail: str = "", seconds: float = 0.0) -> None:
        """An outcome recorded in the catalogue, not yet committed: the record as stored but
        its text (which is in the store's text file), and the text's digest."""
        entry: dict[str, Any] = {"event": "done", "sha256": sha256, "version": version,
                                 "seconds": round(seconds, 3)}
        if value is None:
            entry.update(value=None, reason=reason, detail=detail)
        else:
            entry["value"] = {k: v for k, v in value.items() if k != "text"}
            entry["text_sha256"] = text_digest(value.get("text") or "")
        self._write(entry)

    def committed(self) -> None:
        """Everything logged so far is in the catalogue: a fresh log."""
        self._rotate()

    def close(self, *, finished: bool) -> None:
        """At the end of a run. ``finished``: everything is committed, so this log and the
        dead runs' go; otherwise this log stays for the next run."""
        if self._fh is None:
            return
        self._fh.close()
        self._fh = None
        if finished:
            assert self._path is not None
            self._path.unlink(missing_ok=True)
            for path in self.interrupted.logs:
                path.unlink(missing_ok=True)
            self.interrupted = Interrupted()

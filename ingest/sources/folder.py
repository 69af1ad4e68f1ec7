"""A local folder, taken incrementally: a file whose size and mtime are unchanged
since the last run is not read again; a file that went away is marked gone."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from archive.config import Config
from ingest.infra.crawlstate import CrawlState, mark_gone
from ingest.intake import Intake
from ingest.records import Item
from ingest.sources.walk import WalkError, find_files, locator, read_limited
from ingest.sources.settings import SourceError, check_settings

log = logging.getLogger(__name__)


class Folder:
    """``kind = "folder"``: path (relative to the config file's folder)."""

    kind = "folder"

    def __init__(self, name: str, settings: dict[str, Any], config: Config) -> None:
        check_settings(name, settings, {"kind", "path", "enabled", "follow_symlinks"}, ("path",))
        path = Path(str(settings["path"])).expanduser()
        if not path.is_absolute() and config.source_file is not None:
            path = config.source_file.parent / path
        self.name = name
        self.path = path
        self.limit = config.ingest.max_file_mb * 1024 * 1024
        # Off by default: an incoming folder must not publish files kept elsewhere.
        self.follow_symlinks = bool(settings.get("follow_symlinks", False))
        self.hints: dict[str, Any] = {}

    def collect(self, intake: Intake, only: set[str] | None = None
                ) -> tuple[list[Item], Counter[str]]:
        """Items for new and changed files; unchanged ones are counted, not read."""
        state = CrawlState(intake.store)
        counts: Counter[str] = Counter()
        items = []
        seen = set()
        try:
            walk = find_files([self.path], follow_symlinks=self.follow_symlinks)
        except WalkError as exc:
            raise SourceError(f"[sources.{self.name}]: {exc}") from None
        intake.summary.skip(walk.skipped)  # a stored file now skipped counts as gone
        for file in walk.files:
            url = locator(file.path)
            seen.add(url)
            if only is not None and url not in only:
                continue
            try:
                info = file.path.stat()
                stamp = f"{info.st_size}:{info.st_mtime_ns}"  # the folder's "ETag"
                row = state.get(self.name, url)
                if (row and row.etag == stamp and row.state != "failed" and row.sha256
                        and intake.store.has_object(row.sha256)):
                    counts["unchanged_files"] += 1
                    continue
                data = read_limited(file, self.limit)
            except OSError as exc:
                state.set(self.name, url, "failed", reason=f"unreadable: {exc}")
                counts["failed"] += 1
                continue
            item = intake.add_bytes(data, source=self.name, locator=url, name=file.path.name,
                                      display=file.display)
            state.set(self.name, url, "unchanged" if row and row.sha256 == item.sha256 else "stored",
                      etag=stamp, sha256=item.sha256, reason=None)
            items.append(item)
        if only is None:
            for row in state.urls(self.name, ("stored", "unchanged")):
                if row.url not in seen:
                    state.set(self.name, row.url, "gone", reason="file no longer in the folder")
                    doc = intake.store.document_by_locator(self.name, row.url)
                    if doc is not None:
                        mark_gone(intake.store, doc.id, source=self.name, locator=row.url)
                    counts["gone"] += 1
        intake.store.commit()
        return items, counts

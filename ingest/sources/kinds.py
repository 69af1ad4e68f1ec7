"""The kinds of configured source (``[sources.NAME] kind = ...``): each finds responses and
hands them to ``ingest.intake``; ``ingest/runs.py`` runs them through the pipeline."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from archive.config import Config
from ingest.intake import Intake
from ingest.records import Item
from ingest.sources.settings import SourceError


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

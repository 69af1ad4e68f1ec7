"""The records the ingest steps hand each other: an ``Item`` a source found (its original
already kept), the run's ``Summary``, and the ``Progress`` callback. They live apart from
the steps so that a source need not import the pipeline that runs it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Item:
    """One input found by a source: its bytes are already in the store."""

    source: str
    locator: str  # URL or file:// path: what the source knows it by
    name: str  # file name, a hint for the type
    sha256: str
    size: int
    doc_id: str = ""
    display: str = ""  # what to call it in messages (the path as given)
    # For a bundle (a response page and its attachments): the parts as (name, sha256),
    # after the main original (main_name, main_sha256). sha256 is then the manifest's.
    main_name: str = ""
    main_sha256: str = ""
    parts: tuple[tuple[str, str], ...] = ()
    # What the source says about the item: "authority", "wdtk_status", ...
    hints: dict[str, Any] = field(default_factory=dict)


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (input, reason, detail)
    skips: list[tuple[str, str, str]] = field(default_factory=list)  # (input, reason, detail)
    # A run that died before committing: outcomes it had recorded, taken as they were, and
    # files it had begun that were extracted again, with the seconds that took.
    kept: int = 0
    redone: int = 0
    redone_seconds: float = 0.0

    def skip(self, skipped: Iterable[Any]) -> None:
        """Count names a source did not take (ingest.sources.walk.Skipped)."""
        for s in skipped:
            self.skipped += 1
            self.skips.append((s.display, s.reason, s.detail))

    def line(self) -> str:
        return (f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.failed} failed, {self.skipped} skipped") + self.recovered()

    def recovered(self) -> str:
        """What an interrupted run before this one cost, if there was one."""
        if not (self.kept or self.redone):
            return ""
        return (f"; from an interrupted run: {self.kept} kept, {self.redone} extracted again "
                f"({self.redone_seconds:.1f} s)")


Progress = Callable[[int, int, str], None]

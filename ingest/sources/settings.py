"""What every source shares, local or on the web: the error a source's settings raise,
and the check that refuses unknown and missing keys."""

from __future__ import annotations

from typing import Any


class SourceError(Exception):
    """A source's settings are missing or wrong."""


def check_settings(name: str, settings: dict[str, Any], keys: set[str], required: tuple[str, ...]) -> None:
    """Refuse unknown keys (a typo would silently do nothing) and missing required ones."""
    unknown = set(settings) - keys
    if unknown:
        raise SourceError(f"[sources.{name}]: unknown key(s) {', '.join(sorted(unknown))}")
    for key in required:
        if not settings.get(key):
            raise SourceError(f"[sources.{name}]: {key} is required")

"""Log lines as text (the default) or as JSON, one object per line, for a log collector.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; a record
logged with ``extra={"fields": {...}}`` adds those keys (the site's access lines: method,
path, status, duration, size). JSON escapes control characters, so a hostile path cannot
start a line of its own.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
_BASE = ("time", "level", "logger", "message")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update((k, v) for k, v in fields.items() if k not in _BASE)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(LOG_FORMATS)}")
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure(fmt: str = "text", level: int | None = None) -> None:
    """Send the root logger's records to stderr in ``fmt`` (at ``level``, when given).

    Only the handler this function added is replaced, so a host's own handlers (a test
    runner's) stay. Text adds none where the host has its own, as logging.basicConfig.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_foi_archive", False):
            root.removeHandler(handler)
    if fmt == "text" and root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._foi_archive = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(fmt))
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)

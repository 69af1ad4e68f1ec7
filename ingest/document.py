"""One response's index document, made from what the store holds of it.

This is the one place that decides what the index holds of a document. Ingest first
stores the version record and the text, then indexes what ``stored_document`` makes of
them; rebuild, restore, correct and verify make it again from the store with the same
function, so a rebuilt index holds the same stored fields as the one ingest wrote
(docs/reliability.md, "Recovery drills"). What the store cannot hold exactly (a lone
surrogate, which UTF-8 refuses) is made storable before anything is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlparse

from archive.models import Document, Metadata
from archive.store import DocumentRow, Store
from ingest.corrections import apply_corrections
from ingest.extract import EXTRACTOR_VERSION

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) made U+FFFD: the
    catalogue and the text files are UTF-8, which cannot hold one (a PDF with a broken
    ToUnicode map can give one)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def name_of(row: DocumentRow, record: dict[str, Any]) -> str:
    """The file name an original was ingested under (a hint for its title)."""
    parts = record.get("parts") or []
    if parts:
        return str(parts[0]["name"])
    if record.get("name"):
        return str(record["name"])
    path = urlparse(row.locator).path if "://" in row.locator else row.locator
    return unquote(os.path.basename(path.rstrip("/"))) or row.locator


def title_from_name(name: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0]
    return stem.replace("_", " ").replace("-", " ").strip() or name


def format_from_name(name: str) -> str:
    """A failed file's format, from its name: we could not read the bytes."""
    return os.path.splitext(name)[1].lstrip(".").lower() or "unknown"


def stored_document(row: DocumentRow, record: dict[str, Any], text: str | None,
                    corrections: Iterable[Any] = (), meta: dict[str, Any] | None = None) -> Document:
    """The index document of a stored version: its record, its stored text (None: the
    record's own), any metadata read anew (``meta``), and the document's hand corrections
    (store rows, oldest first) applied over it.

    ``doc.group`` is the record's (None when it has none yet); ``ingest.grouping`` sets
    the request and its bands, and a group where there is none.
    """
    meta_dict = meta if meta is not None else (record.get("meta") or {})
    name = name_of(row, record)
    return Document(
        id=row.id,
        sha256=row.sha256,
        title=meta_dict.get("title") or record.get("title") or title_from_name(name),
        text=(text if text is not None else record.get("text")) or "",
        format=record.get("format") or "unknown",
        source=row.source,
        source_url=row.locator,
        ingested=row.first_seen,
        meta=apply_corrections(Metadata.from_dict(meta_dict), corrections),
        status=record.get("status", "ok"),
        truncated=(record.get("hints") or {}).get("truncated"),
        error=record.get("error"),
        group=record.get("group"),
    )


def document_from_store(store: Store, row: DocumentRow) -> Document | None:
    """The index document of a stored document's current version (None if it has none)."""
    record = store.version_record(row.id, row.sha256)
    if record is None:
        return None
    return stored_document(row, record, store.read_text(row.sha256, EXTRACTOR_VERSION),
                           store.corrections(row.id))

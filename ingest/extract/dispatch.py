"""Sniff the bytes, hand them to the reader for their format, and turn every
library error into an ``ExtractionError`` here, at the one edge.

pdfminer alone raises struct.error, AssertionError, TypeError, RecursionError,
PSEOF... (docs/reliability.md E1-E13), so anything but MemoryError is caught
and named. MemoryError goes up: the isolation layer records it as ``oom``.
"""

from __future__ import annotations

import logging
from typing import Callable

from ingest.extract.extracted import MAX_TEXT_CHARS, Extracted, ExtractionError
from ingest.extract.doc import extract_doc
from ingest.extract.docx import extract_docx, extract_xlsx
from ingest.extract.eml import extract_eml
from ingest.extract.html import extract_html
from ingest.extract.pdf import extract_pdf
from ingest.extract.sniff import sniff
from ingest.extract.plaintext import extract_text
from ingest.extract.attachments import failed_attachment
from ingest.extract.titles import title_from_filename

log = logging.getLogger(__name__)

_MAX_DETAIL = 300

_READERS: dict[str, Callable[[bytes, str, str | None, int, bool], Extracted]] = {
    "pdf": lambda data, name, charset, depth, layout: extract_pdf(data, name, layout=layout),
    "doc": lambda data, name, charset, depth, layout: extract_doc(data, name),
    "docx": lambda data, name, charset, depth, layout: extract_docx(data, name),
    "xlsx": lambda data, name, charset, depth, layout: extract_xlsx(data, name),
    "html": lambda data, name, charset, depth, layout: extract_html(data, name, declared_charset=charset),
    "txt": lambda data, name, charset, depth, layout: extract_text(data, name, declared_charset=charset),
    "eml": lambda data, name, charset, depth, layout: extract_eml(data, name, depth=depth,
                                                                  read_attachment=extract_attachment),
}


def _describe(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return detail[:_MAX_DETAIL]


def extract_bytes(
    data: bytes, filename: str = "", declared_charset: str | None = None, depth: int = 0,
    layout: bool = True,
) -> Extracted:
    """Extract the text of one file; raises ExtractionError with a reason from REASONS.

    ``declared_charset`` is the charset the server sent (HTTP Content-Type), used
    for HTML and text; ``depth`` is how many containers (e-mails) deep the file is;
    ``layout=False`` reads PDFs without layout analysis (the retry after a timeout).
    """
    kind = sniff(data, filename)
    try:
        result = _READERS[kind](data, filename, declared_charset, depth, layout)
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:  # the library edge: any type at all, named in the detail
        log.debug("%s: %s reader failed", filename, kind, exc_info=True)
        raise ExtractionError("parse_error", _describe(exc)) from exc
    if not result.text.strip():
        raise ExtractionError("empty", f"no text in the {kind}")
    if not result.title:
        result.title = title_from_filename(filename)
    truncate(result, len(data))
    return result


def truncate(result: Extracted, size: int) -> None:
    """Keep at most MAX_TEXT_CHARS of a text, cut at a line, and say so in its hints
    (``truncated``: the file's bytes, its characters when known, and what was kept)."""
    if len(result.text) <= MAX_TEXT_CHARS and "truncated" not in result.hints:
        return
    read_whole = "truncated" not in result.hints  # else only the start of the file was decoded
    whole = len(result.text)
    if len(result.text) > MAX_TEXT_CHARS:
        cut = result.text.rfind("\n", MAX_TEXT_CHARS // 2, MAX_TEXT_CHARS)
        result.text = result.text[:cut if cut > 0 else MAX_TEXT_CHARS]
    result.hints["truncated"] = {"bytes": size, "kept": len(result.text), **({"chars": whole} if read_whole else {})}


def extract_attachment(data: bytes, name: str, declared_charset: str | None = None,
                       depth: int = 0, layout: bool = True) -> Extracted:
    """Extract a file attached to another; one that cannot be read fails alone."""
    try:
        attachment = extract_bytes(data, name, declared_charset=declared_charset, depth=depth,
                                   layout=layout)
    except ExtractionError as error:
        log.info("attachment %r not read: %s", name, error)
        attachment = failed_attachment(name, error)
    attachment.attachment_name = name
    return attachment

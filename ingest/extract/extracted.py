"""What extraction hands on: the text of one file (``Extracted``) or why it could not be
read (``ExtractionError`` with one of ``REASONS``). Every format module returns or raises
these; the pipeline stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The most text kept of one file (characters). Real responses run to a few hundred KB; a
#: 50 MB export read whole ran the child out of memory. Beyond it the text is cut at a
#: line, indexed, and marked ``truncated`` with the original size (docs/ingest.md).
MAX_TEXT_CHARS = 2_000_000

# Reasons an extraction can fail, as recorded and listed by `foi-archive failures`.
REASONS = (
    "encrypted",      # needs a password we do not have
    "needs_ocr",      # a PDF with no text layer (and no OCR available)
    "wrong_type",     # the bytes are not any format we read (or not what the name says)
    "too_large",      # over a size limit (declared, streamed or decompressed)
    "parse_error",    # the library could not parse it
    "timeout",        # the child ran past its time limit (or OCR before a first page)
    "oom",            # the child ran out of its memory limit
    "crashed",        # the child died without a word
    "empty",          # read fine, but there is no text in it
)


class ExtractionError(Exception):
    """A file that could not be read; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Extracted:
    """The text of one file and what its structure told us."""

    format: str  # pdf, html, docx, doc, eml, txt
    text: str
    title: str | None = None
    pages: int | None = None
    method: str = ""  # which reader produced the text (pdfminer, ocr, wdtk-html, ...)
    encoding: str | None = None  # for text formats: the charset used
    encoding_source: str | None = None  # how it was chosen: declared, bom, meta, default
    # Facts read from the structure rather than the prose, for enrichment:
    #   "date" (ISO), "sender", "subject", "authority", "wdtk_status", "law_used",
    #   "request_title", ...
    hints: dict[str, Any] = field(default_factory=dict)
    # Attachments found inside the file (e-mail parts), already extracted.
    attachments: list["Extracted"] = field(default_factory=list)
    attachment_name: str | None = None

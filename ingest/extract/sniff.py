"""Decide a file's format from its bytes; the file name only breaks ties.

Disclosure logs often serve an HTML login or error page as ``application/pdf``
(docs/reliability.md E2), so the bytes decide, and bytes that contradict a
``.pdf`` name are refused rather than indexed as the response.
"""

from __future__ import annotations

import io
import re
import zipfile

from ingest.extract.extracted import ExtractionError
from ingest.extract.plaintext import bom_encoding

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"

_HTML_START = re.compile(
    rb"<(!doctype\s+html|html|head|body|title|meta|div|p|table|h[1-6]|br|span|a\s|ul|form|!--)[\s>/]",
    re.I,
)
# Headers that mark the top of an RFC 822 message (or an mbox "From " line).
_MAIL_HEADERS = {
    b"from", b"date", b"subject", b"received", b"mime-version", b"return-path", b"to",
    b"message-id", b"delivered-to", b"envelope-to", b"content-type", b"reply-to", b"cc",
    b"x-mailer", b"delivery-date",
}
_HEADER_LINE = re.compile(rb"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]?")
_HTML_EXTS = {"html", "htm", "xhtml"}
_MAIL_EXTS = {"eml", "mbox", "msg"}


def _ext(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError("wrong_type", f"unreadable zip: {exc}") from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise ExtractionError("wrong_type", "a zip that is not a Word document")


def _looks_like_html(head: bytes) -> bool:
    stripped = head.lstrip(b" \t\r\n\x00")
    if stripped.startswith(b"<?xml"):
        return b"<html" in head.lower()
    return stripped.startswith(b"<") and bool(_HTML_START.search(head))


def looks_like_email(head: bytes, need: int = 2) -> bool:
    """Whether the bytes open with a block of RFC 822 headers, ``need`` of them well known."""
    lines = head.split(b"\n")
    if lines and lines[0].startswith(b"From "):  # mbox separator line
        lines = lines[1:]
    known = 0
    has_from = False
    for line in lines[:60]:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation of the previous header
        match = _HEADER_LINE.match(line)
        if not match:
            return False
        known += match.group(1).lower() in _MAIL_HEADERS
        has_from = has_from or match.group(1).lower() == b"from"
    else:
        return False  # no blank line ends the header block within reach
    return known >= need and (need <= 2 or has_from)


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > len(sample) * 0.02:
        return True
    try:
        sample.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:
            return False  # a character cut by the sample's end
    # Text in a legacy 8-bit charset is mostly ASCII; random bytes are half high bytes.
    high = sum(1 for b in sample if b >= 0x80)
    return high > len(sample) * 0.3


def sniff(data: bytes, filename: str = "") -> str:
    """Return the format of the bytes (pdf, doc, docx, xlsx, html, eml, txt) or raise wrong_type."""
    if not data.strip():
        raise ExtractionError("empty", "no bytes" if not data else "only whitespace")
    ext = _ext(filename)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        return "doc"
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data)

    bom = bom_encoding(data)
    if bom is None:
        probe = data[:4096]
    elif bom[0] == "utf-8":
        probe = data[bom[1] : 4096]
    else:
        # UTF-16/32 text: look at it decoded, since its bytes are full of NULs.
        probe = data[bom[1] : bom[1] + 4096].decode(bom[0], errors="replace").encode("utf-8")
    is_html = _looks_like_html(probe) or (ext in _HTML_EXTS and b"<" in probe)
    if is_html:
        if ext == "pdf":
            raise ExtractionError("wrong_type", "HTML bytes named .pdf (an error or login page?)")
        return "html"
    if _looks_binary(probe):
        raise ExtractionError("wrong_type", f"binary data of no known format (.{ext or '?'})")
    if ext in ("pdf", "doc", "docx", "xlsx"):
        raise ExtractionError("wrong_type", f"text bytes named .{ext}")
    # A letter saved as .txt may open "Date: ... Subject: ..."; only a fuller
    # header block with a From: line overrides the name.
    if looks_like_email(probe, need=3 if ext == "txt" else 2):
        return "eml"
    if ext in _MAIL_EXTS:
        return "eml"
    return "txt"

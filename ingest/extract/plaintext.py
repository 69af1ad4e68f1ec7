"""Plain text files, and the explicit charset rules shared with HTML.

The encoding is always chosen by a fixed precedence and recorded, never guessed:
a guesser turned cp1252 "£10" into "Ł10" and read ``a\\x00b`` as UTF-16
(docs/reliability.md E17-E18).
"""

from __future__ import annotations

import codecs
import logging
import re

from ingest.extract.extracted import MAX_TEXT_CHARS, Extracted, ExtractionError
from ingest.extract.titles import choose_title

log = logging.getLogger(__name__)

# A text file is decoded up to this many bytes (4 bytes a character at most, so never less
# than MAX_TEXT_CHARS of text); the rest is not read (dispatch.truncate marks it).
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS

_BOMS = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG: these labels mean windows-1252 in practice, and cp1252 decodes the
# 0x80-0x9F range (£ is the same byte, but smart quotes are not latin-1).
_AS_CP1252 = {"iso-8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "iso8859-1", "iso_8859-1"}

_SUBJECT = re.compile(r"^\s*(?:subject:\s*)+(.+?)\s*$", re.I | re.M)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark announces and the mark's length, if there is one."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def normalise_charset(label: str | None) -> str | None:
    """A Python codec name for a declared charset label, or None if it is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        log.debug("unknown charset label %r", label)
        return None


def decode_declared(data: bytes, declared_charset: str | None) -> tuple[str, str, str] | None:
    """Decode with a charset declared outside the bytes, or a BOM: (text, encoding, source)."""
    bom = bom_encoding(data)
    if bom:
        # A BOM is stronger evidence than a header about the bytes (WHATWG decode).
        encoding, skip = bom
        return data[skip:].decode(encoding, errors="replace"), encoding, "bom"
    encoding = normalise_charset(declared_charset)
    if encoding:
        return data.decode(encoding, errors="replace"), encoding, "declared"
    return None


def decode_text(data: bytes, declared_charset: str | None = None) -> tuple[str, str, str]:
    """Decode plain text: BOM or declared charset, then strict UTF-8, then cp1252."""
    decided = decode_declared(data, declared_charset)
    if decided:
        return decided
    try:
        return data.decode("utf-8"), "utf-8", "default"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252", "fallback"


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so every format splits into lines the same way."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_title(text: str, filename: str) -> str:
    """A ``Subject:`` line near the top (saved e-mails, WDTK exports), else the usual choice."""
    head = "\n".join(text.splitlines()[:15])
    match = _SUBJECT.search(head)
    return choose_title(match.group(1) if match else None, text, filename)


def extract_text(data: bytes, filename: str = "", declared_charset: str | None = None) -> Extracted:
    """Read a plain-text file (or CSV export): a long one up to MAX_TEXT_BYTES, marked truncated."""
    hints: dict[str, object] = {}
    if len(data) > MAX_TEXT_BYTES:
        hints["truncated"] = {"bytes": len(data)}
        data = _whole_characters(data[:MAX_TEXT_BYTES])
    text, encoding, source = decode_text(data, declared_charset)
    text = normalise_newlines(text).replace("\x00", "")
    return Extracted(
        format="txt",
        text=text,
        title=text_title(text, filename),
        method="text",
        encoding=encoding,
        encoding_source=source,
        hints=hints,
    )


def _whole_characters(data: bytes) -> bytes:
    """Bytes cut so that no character is split: at a line end (UTF-8, single-byte codes), or
    at a whole number of code units after a UTF-16 or UTF-32 byte-order mark."""
    bom = bom_encoding(data)
    if bom and bom[0].startswith(("utf-16", "utf-32")):
        return data[:len(data) - len(data) % 4]
    cut = data.rfind(b"\n", len(data) // 2)
    return data[:cut + 1] if cut > 0 else data

"""Legacy Word 97-2003 ``.doc`` read with olefile alone, following [MS-DOC].

The text lives in the WordDocument stream as pieces; the piece table (the CLX)
in the 0Table or 1Table stream says where each piece starts and whether it is
stored as cp1252 bytes ("compressed") or UTF-16LE. No antiword or other
external tool, so it works with pip alone.
"""

from __future__ import annotations

import io
import logging
import re
import struct
from typing import Any

import olefile

from ingest.extract.extracted import Extracted, ExtractionError
from ingest.extract.titles import choose_title

log = logging.getLogger(__name__)

WORD_IDENT = 0xA5EC
NFIB_WORD97 = 0xC1  # Word 97 and later; Word 6/95 files have a different FIB
FLAG_ENCRYPTED = 0x0100
FLAG_WHICH_TABLE = 0x0200
FLAG_OBFUSCATED = 0x8000
FIB_RGW_OFFSET = 0x20
CLX_PAIR_INDEX = 33  # fcClx/lcbClx in FibRgFcLcb97
COMPRESSED_BIT = 0x40000000
# Story lengths in FibRgLw97, in the order the stories follow one another in CP space.
STORY_FIELDS = ("ccpText", "ccpFtn", "ccpHdd", "ccpMcr", "ccpAtn", "ccpEdn", "ccpTxbx", "ccpHdrTxbx")
_RGLW_INDEX = {"ccpText": 3, "ccpFtn": 4, "ccpHdd": 5, "ccpMcr": 6, "ccpAtn": 7, "ccpEdn": 8,
               "ccpTxbx": 9, "ccpHdrTxbx": 10}

# Word's special characters: what they mean in plain text.
_SPECIAL = {
    "\r": "\n",      # paragraph end
    "\x0b": "\n",    # manual line break
    "\x0c": "\n",    # page or section break
    "\x0e": "\n",    # column break
    "\x1e": "-",     # non-breaking hyphen
    "\x1f": "",      # optional hyphen
    "\xa0": " ",
    "\t": "\t",
    "\n": "\n",  # from the row ends above; Word itself stores none
}
_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"


class _Fib:
    """The parts of the File Information Block this reader needs."""

    def __init__(self, stream: bytes) -> None:
        if len(stream) < 0x22:
            raise ExtractionError("parse_error", "ShortFib: WordDocument stream too short")
        ident, self.nfib = struct.unpack_from("<HH", stream, 0)
        if ident != WORD_IDENT:
            raise ExtractionError("wrong_type", f"WordDocument stream has no Word signature ({ident:#x})")
        self.flags = struct.unpack_from("<H", stream, 0x0A)[0]
        self.fc_min, self.fc_mac = struct.unpack_from("<II", stream, 0x18)
        offset = FIB_RGW_OFFSET
        csw = struct.unpack_from("<H", stream, offset)[0]
        offset += 2 + csw * 2
        cslw = struct.unpack_from("<H", stream, offset)[0]
        self.rglw = struct.unpack_from(f"<{cslw}i", stream, offset + 2)
        offset += 2 + cslw * 4
        cb_fclcb = struct.unpack_from("<H", stream, offset)[0]
        self.fclcb = struct.unpack_from(f"<{cb_fclcb * 2}I", stream, offset + 2)

    def story_length(self, name: str) -> int:
        index = _RGLW_INDEX[name]
        return max(self.rglw[index], 0) if index < len(self.rglw) else 0

    @property
    def clx(self) -> tuple[int, int]:
        return self.fclcb[CLX_PAIR_INDEX * 2], self.fclcb[CLX_PAIR_INDEX * 2 + 1]


def _piece_table(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """The pieces of the CLX as (cp_start, cp_end, byte offset, compressed)."""
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers, skipped
        size = struct.unpack_from("<h", clx, pos + 1)[0]
        pos += 3 + max(size, 0)
    if pos >= len(clx) or clx[pos] != 0x02:
        raise ExtractionError("parse_error", "BadClx: no piece table in the table stream")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5 : pos + 5 + size]
    count = (len(plc) - 4) // 12
    if count <= 0:
        raise ExtractionError("parse_error", "BadClx: empty piece table")
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for i in range(count):
        fc = struct.unpack_from("<I", plc, (count + 1) * 4 + i * 8 + 2)[0]
        compressed = bool(fc & COMPRESSED_BIT)
        offset = (fc & ~COMPRESSED_BIT) // 2 if compressed else fc & ~COMPRESSED_BIT
        pieces.append((cps[i], cps[i + 1], offset, compressed))
    return pieces


def _decode_pieces(stream: bytes, pieces: list[tuple[int, int, int, bool]], end_cp: int) -> str:
    """The document's characters from CP 0 to ``end_cp``."""
    out = []
    for cp_start, cp_end, offset, compressed in pieces:
        if cp_start >= end_cp:
            break
        chars = min(cp_end, end_cp) - cp_start
        if chars <= 0:
            continue
        if compressed:
            out.append(stream[offset : offset + chars].decode("cp1252", errors="replace"))
        else:
            out.append(stream[offset : offset + 2 * chars].decode("utf-16-le", errors="replace"))
    return "".join(out)


def clean_word_text(raw: str) -> str:
    """Turn Word's control characters into plain text: cells, paragraphs, field results."""
    out = []
    # One entry a nested field: True once its separator is passed (its result is shown).
    fields: list[bool] = []
    for ch in raw:
        if ch == _FIELD_BEGIN:
            fields.append(False)
            continue
        if ch == _FIELD_SEP:
            if fields:
                fields[-1] = True
            continue
        if ch == _FIELD_END:
            if fields:
                fields.pop()
            continue
        if fields and not all(fields):
            continue  # inside a field's code ("HYPERLINK ...", "PAGE")
        out.append(ch)
    text = "".join(out)
    # A cell ends with \x07; a row ends with one more, so a pair closes the row.
    text = text.replace("\x07\r\x07", "\n").replace("\x07\x07", "\n").replace("\x07", "\t")
    text = "".join(_SPECIAL.get(ch, ch) if ch in _SPECIAL or ord(ch) >= 32 else "" for ch in text)
    # rstrip() takes the en spaces Word puts in empty form fields as well.
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _metadata(ole: olefile.OleFileIO) -> tuple[str | None, dict[str, Any]]:
    try:
        meta = ole.get_metadata()
    except Exception as exc:  # the summary stream is optional and often odd
        log.debug("no readable summary information: %s", exc)
        return None, {}
    title = meta.title.decode("cp1252", errors="replace") if isinstance(meta.title, bytes) else meta.title
    hints: dict[str, Any] = {}
    if meta.create_time and 1990 <= meta.create_time.year <= 2100:
        hints["created"] = meta.create_time.date().isoformat()
    return title, hints


def _word95_text(stream: bytes, fib: _Fib) -> str:
    # Word 6/95 keeps non-complex text in one cp1252 run between fcMin and fcMac.
    return stream[fib.fc_min : fib.fc_mac].decode("cp1252", errors="replace")


def extract_doc(data: bytes, filename: str = "") -> Extracted:
    """Read the text of a Word 97-2003 document from its piece table."""
    ole = olefile.OleFileIO(io.BytesIO(data))
    if not ole.exists("WordDocument"):
        raise ExtractionError("wrong_type", "an OLE2 file that is not a Word document (Excel? Outlook?)")
    stream = ole.openstream("WordDocument").read()
    fib = _Fib(stream)
    if fib.flags & FLAG_ENCRYPTED:
        raise ExtractionError("encrypted", "Word document is password-protected")
    if fib.nfib < NFIB_WORD97:
        raw = _word95_text(stream, fib)
        method = "doc-word95"
    else:
        table_name = "1Table" if fib.flags & FLAG_WHICH_TABLE else "0Table"
        if not ole.exists(table_name):
            raise ExtractionError("parse_error", f"MissingTable: no {table_name} stream")
        table = ole.openstream(table_name).read()
        fc_clx, lcb_clx = fib.clx
        pieces = _piece_table(table[fc_clx : fc_clx + lcb_clx])
        main = fib.story_length("ccpText")
        stories = sum(fib.story_length(name) for name in STORY_FIELDS)
        raw_all = _decode_pieces(stream, pieces, stories or main)
        # Main text first; footnotes, headers and the rest follow in CP order.
        raw = raw_all[:main] + "\r" + raw_all[main:]
        method = "doc-piece-table"
    text = clean_word_text(raw)
    title, hints = _metadata(ole)
    return Extracted(
        format="doc",
        text=text,
        title=choose_title(title, text, filename),
        method=method,
        hints=hints,
    )

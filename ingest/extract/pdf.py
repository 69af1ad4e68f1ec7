"""PDF text with pdfminer.six: the text layer only, page by page.

pdfminer raises almost any exception type on a hostile file (docs/reliability.md
§4.1); the ones that mean something to us are turned into reasons here and the
rest are left to the dispatcher's edge. A scanned PDF (no text layer) is read
by OCR when Tesseract is installed (``ingest.extract.ocr``) and marked so;
without it, it is its own outcome, ``needs_ocr``, not a failure of the reader.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from pdfminer.converter import TextConverter
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from ingest.extract import ocr
from ingest.extract.extracted import Extracted, ExtractionError
from ingest.extract.titles import choose_title

log = logging.getLogger(__name__)

# Below this many letters or digits a page, the "text" is page numbers or a
# stamp on a scan, not a text layer worth indexing.
MIN_CHARS_PER_PAGE = 5

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


# In PDFDocEncoding these bytes are ™ ﬁ ﬂ Ł Œ Š, rare in a title; in cp1252
# they are ’ “ ” • – —, which producers that write WinAnsi metadata use a lot.
_WINANSI_PUNCTUATION = re.compile(rb"[\x92-\x97]")


def _info_string(info: dict[str, Any], key: str) -> str | None:
    value = resolve1(info.get(key))
    if isinstance(value, bytes):
        if not value.startswith((b"\xfe\xff", b"\xff\xfe")) and _WINANSI_PUNCTUATION.search(value):
            return value.decode("cp1252", errors="replace")
        return decode_text(value)
    if isinstance(value, str):
        return value
    return None


def pdf_date(raw: str | None) -> str | None:
    """An ISO date from a PDF date string such as ``D:20190701120000+01'00'``."""
    match = _PDF_DATE.match((raw or "").strip())
    if not match or not match.group(2) or not match.group(3):
        return None
    year, month, day = match.groups()
    if not (1990 <= int(year) <= 2100 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month}-{day}"


def _open_document(data: bytes) -> PDFDocument:
    try:
        # The empty password opens owner-password-only files (reliability.md E4).
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as exc:
        raise ExtractionError("encrypted", "needs a user password") from exc
    except PDFEncryptionError as exc:
        raise ExtractionError("encrypted", f"unsupported encryption: {exc}") from exc


def extract_pdf(data: bytes, filename: str = "", layout: bool = True) -> Extracted:
    """Read the text layer of a PDF; ``layout=False`` is the cheap retry after a timeout."""
    document = _open_document(data)
    output = io.StringIO()
    manager = PDFResourceManager(caching=True)
    device = TextConverter(manager, output, laparams=LAParams() if layout else None)
    interpreter = PDFPageInterpreter(manager, device)
    pages = 0
    for page in PDFPage.create_pages(document):
        interpreter.process_page(page)
        pages += 1
    device.close()
    text = output.getvalue()

    if pages == 0:
        raise ExtractionError("parse_error", "NoPages: the PDF has no pages")
    method = "pdfminer" if layout else "pdfminer-nolayout"
    hints: dict[str, Any] = {}
    signal = sum(ch.isalnum() for ch in text)
    unreadable = signal >= MIN_CHARS_PER_PAGE * pages and unreadable_text(text)
    if signal < MIN_CHARS_PER_PAGE * pages or unreadable:
        scan = _read_scan(data, pages, signal, "its text layer is not text" if unreadable else "")
        text = scan.text
        method = "ocr"
        if unreadable:
            hints["ocr_reason"] = "text layer unreadable"
        hints["ocr_pages"] = text.count("\f") + 1
        if hints["ocr_pages"] < pages:
            hints["ocr_incomplete"] = True
            # "time": its budget ran out, and a second try with a longer limit reads further.
            hints["ocr_stopped"] = scan.stopped or "pages"

    info: dict[str, Any] = {}
    for entry in document.info:
        info.update(entry)
    created = pdf_date(_info_string(info, "CreationDate"))
    if created:
        hints["created"] = created
    # TextConverter ends every page with a form feed; keep them as page breaks.
    text = text.rstrip("\f")
    return Extracted(
        format="pdf",
        text=text,
        title=choose_title(_info_string(info, "Title"), text, filename),
        pages=pages,
        method=method,
        hints=hints,
    )


_WORD = re.compile(r"[A-Za-z]+")
#: Words any English letter uses: a text layer with almost none of them is not text.
_COMMON_WORDS = frozenset("the of and to in for is that be this on with as by it we are not or your "
                          "you from have has at which will an our any information request".split())


def unreadable_text(text: str) -> bool:
    """Whether a text layer is glyph codes rather than words: fonts without a Unicode map give
    "(cid:12)" for each glyph, or letters shifted into punctuation. Nearly no common English
    word, and glyph codes or mostly punctuation (docs/ingest.md, "Unreadable text layers")."""
    sample = text[:200_000]
    words = _WORD.findall(sample)
    if len(words) < 50:
        return False
    common = sum(w.lower() in _COMMON_WORDS for w in words)
    if common >= 0.02 * len(words):
        return False
    visible = [c for c in sample if not c.isspace()]
    alnum = sum(c.isalnum() for c in visible)
    return sample.count("(cid:") >= 50 or alnum < 0.8 * len(visible)


def _read_scan(data: bytes, pages: int, signal: int, why: str = "") -> ocr.OcrResult:
    """A PDF with no text layer (or one that is not text) read by OCR; ``needs_ocr`` when it
    cannot be read, ``timeout`` when not even a page could be read in the time there was."""
    found = f"{pages} pages, {signal} letters or digits in the text layer" + (f", but {why}" if why else "")
    if not ocr.available():
        raise ExtractionError("needs_ocr", f"{found}; OCR is not installed (tesseract-ocr, poppler-utils)")
    try:
        result = ocr.ocr_pdf(data, pages)
    except ocr.OcrFailed as exc:
        if exc.timed_out:  # a busy machine: the pipeline tries once more with a longer limit
            raise ExtractionError("timeout", f"{found}; OCR ran out of time: {exc}") from exc
        raise ExtractionError("needs_ocr", f"{found}; OCR failed: {exc}") from exc
    if sum(ch.isalnum() for ch in result.text) < MIN_CHARS_PER_PAGE * result.pages_read:
        raise ExtractionError("needs_ocr", f"{found}; OCR found no text either")
    return result

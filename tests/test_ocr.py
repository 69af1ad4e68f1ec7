"""OCR: a scan with no text layer is read by Tesseract and marked, or kept as "needs OCR".

The scans are made here: a text PDF is drawn to a grey image by pdftoppm and the
image is wrapped in a new PDF with no text layer, as a scanner would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from archive.reader import IndexReader
from archive.search import SearchParams, get_document, search
from ingest.extract import ExtractionError, extract_bytes, ocr
from ingest.pipeline import ingest_paths
from tests.test_extract import DOCS, SCANNED, make_pdf, write_pdf

needs_ocr_tools = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
    reason="OCR needs Debian's tesseract-ocr and poppler-utils (.ci/run installs them)",
)

LINES = [
    "Freedom of Information request FOI 2019 0412 about speed cameras",
    "The Constabulary holds the information and it is attached",
]


def scanned_pdf(tmp_path: Path, pages: list[str]) -> bytes:
    """An image-only PDF whose pages show ``pages`` (drawn by pdftoppm at 150 dpi)."""
    source = tmp_path / "typed.pdf"
    source.write_bytes(make_pdf(pages))
    subprocess.run(["pdftoppm", "-r", "150", "-gray", str(source), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page*.pgm"))
    assert len(images) == len(pages)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for image in images:
        raw = image.read_bytes()
        match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", raw)
        assert match, "pdftoppm -gray writes binary PGM"
        width, height = int(match.group(1)), int(match.group(2))
        pixels = zlib.compress(raw[match.end():])
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(pixels)} >>\nstream\n".encode()
            + pixels + b"\nendstream")
        image_id = len(objects)
        draw = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
        objects.append(b"<< /Length " + str(len(draw)).encode() + b" >>\nstream\n" + draw + b"\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 {image_id} 0 R >> >> "
            f"/Contents {len(objects)} 0 R >>".encode())
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return write_pdf(objects)


@pytest.fixture
def ocr_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOI_ARCHIVE_OCR", "off")


def test_without_ocr_a_scan_is_needs_ocr_and_says_why(ocr_off: None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(make_pdf(["", ""]), "scan.pdf")
    assert caught.value.reason == "needs_ocr"
    assert "OCR is not installed" in caught.value.detail


@needs_ocr_tools
def test_a_scan_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    data = scanned_pdf(tmp_path, LINES)
    result = extract_bytes(data, "FOI 2019-0412 response.pdf")
    assert result.method == "ocr"
    assert result.pages == 2
    assert result.hints["ocr_pages"] == 2
    assert "ocr_incomplete" not in result.hints
    words = result.text.lower()
    assert "speed cameras" in words
    assert "constabulary" in words
    assert result.text.count("\f") == 1  # pages kept apart as pdfminer keeps them


@needs_ocr_tools
def test_a_blank_scan_is_still_needs_ocr() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(make_pdf(["", ""]), "scan.pdf")
    assert caught.value.reason == "needs_ocr"
    assert "OCR found no text" in caught.value.detail


@needs_ocr_tools
def test_a_long_scan_is_read_in_part_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "MAX_PAGES", 1)
    data = scanned_pdf(tmp_path, LINES)
    result = ocr.ocr_pdf(data, 2, max_pages=1)
    assert (result.pages_read, result.pages, result.complete) == (1, 2, False)
    assert "speed cameras" in result.text.lower()


@needs_ocr_tools
def test_ocr_that_cannot_read_a_page_fails_cleanly() -> None:
    with pytest.raises(ocr.OcrFailed):
        ocr.ocr_pdf(b"%PDF-1.4 this is not a pdf", 1)


@needs_ocr_tools
@pytest.mark.skipif(not (DOCS / SCANNED).is_file(), reason=f"shared corpus not found at {DOCS}")
def test_the_real_scanned_form_is_read() -> None:
    result = extract_bytes((DOCS / SCANNED).read_bytes(), SCANNED)
    assert result.method == "ocr"
    assert "blaenau gwent" in result.text.lower()
    assert "public library statistics" in result.text.lower()


def _ingest_scan(config, tmp_path: Path) -> str:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "FOI 2019-0412 speed cameras.pdf").write_bytes(scanned_pdf(tmp_path, LINES))
    summary = ingest_paths(config, [str(folder)])
    assert summary.new + summary.failed == 1
    return "FOI 2019-0412 speed cameras.pdf"


@needs_ocr_tools
def test_an_ocrd_scan_is_searchable_and_marked_ocr(config, tmp_path: Path) -> None:
    _ingest_scan(config, tmp_path)
    reader = IndexReader(config.index_path)
    result = search(reader, SearchParams(q="speed cameras"))
    assert result.total == 1
    doc = get_document(reader, result.hits[0].id)
    assert doc.status == "ocr"
    assert search(reader, SearchParams(q="status:ocr")).total == 1
    reader.close()


@needs_ocr_tools  # the scan is made with pdftoppm
def test_without_ocr_a_scan_is_indexed_by_its_metadata_as_needs_ocr(config, tmp_path: Path, ocr_off: None) -> None:
    _ingest_scan(config, tmp_path)
    reader = IndexReader(config.index_path)
    assert search(reader, SearchParams(q="constabulary")).total == 0  # its words are unread
    result = search(reader, SearchParams(q="status:needs_ocr"))
    assert result.total == 1
    assert get_document(reader, result.hits[0].id).title  # found by its name at least
    reader.close()


GARBLED_MANCHESTER = "council_manchester_SOL-AYCBWB.pdf"  # its fonts have no Unicode map


def test_a_text_layer_of_glyph_codes_is_not_text() -> None:
    from ingest.extract.pdf import unreadable_text

    letter = ("Thank you for your request for information, which was received on 30 April and "
              "has been considered under the Freedom of Information Act 2000. ") * 5
    table = "\n".join(f"Ward {n} Collections 2019 {n * 37} 2020 {n * 41} Total {n * 78}" for n in range(60))
    glyphs = "".join(f"(cid:{n % 40})" for n in range(600)) + " " + " ".join(["cid"] * 60)
    shifted = "0-1.49+/0.-@.98)0+-/,X+-5X+88*+) =1>2.3>5.>-./>7+;*>0-/*4-*/ " * 30
    assert not unreadable_text(letter)
    assert not unreadable_text(table)  # a table of names and figures is still text
    assert unreadable_text(glyphs)
    assert unreadable_text(shifted)
    assert not unreadable_text("(cid:3) too short to judge")


@needs_ocr_tools
@pytest.mark.skipif(not (DOCS.parent / "heldout" / GARBLED_MANCHESTER).is_file(),
                    reason=f"shared corpus not found at {DOCS.parent / 'heldout'}")
def test_a_real_pdf_whose_text_layer_is_glyph_codes_is_read_by_ocr() -> None:
    data = (DOCS.parent / "heldout" / GARBLED_MANCHESTER).read_bytes()
    result = extract_bytes(data, GARBLED_MANCHESTER)
    assert result.method == "ocr" and result.hints["ocr_reason"] == "text layer unreadable"
    assert "(cid:" not in result.text
    assert "Freedom of Information Act 2000" in result.text
    assert "SOL/AYCBWB" in result.text

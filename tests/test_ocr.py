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
from ingest.runs import ingest_paths
from tests.test_extract import DOCS, SCANNED, make_pdf, write_pdf

needs_ocr_tools = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
    reason="OCR needs Debian's tesseract-ocr and poppler-utils (.ci/run installs them)",
)

LINES = [
    "Freedom of Information request FOI 2019 0412 about speed cameras",
    "The Constabulary holds the information and it is attached",
]


def scanned_pdf(tmp_path: Path, pages: list[str], *, typed: bytes | None = None, dpi: int = 150) -> bytes:
    """An image-only PDF whose pages show ``pages`` (drawn by pdftoppm at ``dpi``), or the
    pages of the ``typed`` PDF given."""
    source = tmp_path / "typed.pdf"
    source.write_bytes(typed or make_pdf(pages))
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(source), str(tmp_path / "page")], check=True)
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


# -- Welsh --------------------------------------------------------------------------------

needs_welsh_model = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftoppm") is None
    or not ocr.welsh_available(),
    reason="Welsh OCR needs tesseract-ocr, poppler-utils and Debian's tesseract-ocr-cym "
           "(tesseract --list-langs has no cym)",
)

#: A Welsh police force's reply as it is written in Welsh (the English page is ENGLISH_REPLY).
WELSH_REPLY = """Heddlu Dyfed-Powys
Cais Rhyddid Gwybodaeth 2024/0123
Diolch am eich cais am wybodaeth a dderbyniwyd ar 3 Mawrth 2024. Mae eich cais
wedi cael ei ystyried o dan Ddeddf Rhyddid Gwybodaeth 2000.
Gofynnoch am nifer y troseddau a gofnodwyd yn ymwneud \u00e2 dronau yn ardal yr heddlu
rhwng 2020 a 2023, a chost y camer\u00e2u a brynwyd gan yr heddlu.
Gallaf gadarnhau bod Heddlu Dyfed-Powys yn dal y wybodaeth y gofynnwyd amdani.
Mae'r wybodaeth wedi'i hatodi i'r llythyr hwn mewn tabl.
Mae rhai manylion personol wedi'u dal yn \u00f4l o dan adran 40(2) o'r Ddeddf, gan y
byddai eu datgelu yn torri egwyddorion diogelu data. Ni chedwir cofnodion am
ddigwyddiadau ger y traethau na'r afonydd.
Os ydych yn anfodlon \u00e2'r ymateb hwn, mae gennych hawl i ofyn am adolygiad mewnol.
Dylech ysgrifennu at yr Uned Rhyddid Gwybodaeth o fewn 40 diwrnod gwaith.
Os ydych yn parhau i fod yn anfodlon, gallwch gwyno i Swyddfa'r Comisiynydd
Gwybodaeth, sy'n rheoleiddio'r Ddeddf yng Nghymru a Lloegr.
Yn gywir, Swyddog Datgelu, Uned Rhyddid Gwybodaeth"""

ENGLISH_REPLY = """Dyfed-Powys Police
Freedom of Information Request 2024/0123
Thank you for your request for information received on 3 March 2024. Your request
has been considered under the Freedom of Information Act 2000.
You asked for the number of recorded offences involving drones in the force area
between 2020 and 2023, and the cost of the cameras bought by the force.
I can confirm that Dyfed-Powys Police holds the information you requested.
The information is attached to this letter in a table.
Some personal details have been withheld under section 40(2) of the Act, as their
disclosure would breach the data protection principles. No records are kept of
incidents near the beaches or the rivers.
If you are unhappy with this response, you have the right to ask for an internal
review. You should write to the Freedom of Information Unit within 40 working days.
If you remain dissatisfied, you may complain to the Information Commissioner's
Office, which regulates the Act in England and Wales.
Yours sincerely, Disclosure Officer, Freedom of Information Unit"""


def lines_pdf(pages: list[str]) -> bytes:
    """A typed PDF of several lines a page, in Helvetica with WinAnsi (\u00e2, \u00f4 and
    the other circumflexes; not w or y with one, which WinAnsi lacks)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for text in pages:
        shown = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                 for line in text.splitlines()]
        content = "\n".join(["BT /F1 11 Tf 14 TL 60 740 Td", *(f"({line}) Tj T*" for line in shown),
                             "ET"]).encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
                       f"<< /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>".encode())
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return write_pdf(objects)


def words_right(reference: str, read: str) -> int:
    """How many of the reference's words the reading has (as a bag: order aside)."""
    from collections import Counter

    def bag(text: str) -> Counter:
        return Counter(w.lower() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.replace("\u2019", "'")))

    return sum((bag(reference) & bag(read)).values())


def test_welsh_is_told_from_english() -> None:
    assert ocr.looks_welsh(WELSH_REPLY)
    assert not ocr.looks_welsh(ENGLISH_REPLY)
    # As English OCR misreads it: apostrophes curled or lost, circumflexes dropped.
    assert ocr.looks_welsh("Mae\u2019r wybodaeth wedi i hatodi ir llythyr hwn. Os ydych yn anfodlon ar "
                           "ymateb hwn, mae gennych hawl i ofyn am adolygiad mewnol gan yr heddlu.")
    # A few Welsh words in an English letter (a force's name, a sign-off) are not enough.
    assert not ocr.looks_welsh("Heddlu Dyfed-Powys Police. " + ENGLISH_REPLY)
    assert not ocr.looks_welsh("Diolch yn fawr. Mae.")
    assert not ocr.looks_welsh("")


def test_the_welsh_model_is_used_only_where_tesseract_lists_it(monkeypatch: pytest.MonkeyPatch) -> None:
    class Done:
        def __init__(self, out: bytes) -> None:
            self.stdout, self.returncode = out, 0

    calls = []

    def fake_run(args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return Done(b'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):\n'
                    b"cym\neng\nosd\n")

    monkeypatch.setattr(ocr.subprocess, "run", fake_run)
    ocr.installed_languages.cache_clear()
    try:
        assert ocr.installed_languages() == {"cym", "eng", "osd"} and ocr.welsh_available()
        assert ocr.welsh_available() and len(calls) == 1  # asked once a process
        ocr.installed_languages.cache_clear()
        monkeypatch.setattr(ocr.subprocess, "run", lambda *a, **k: Done(b"List of (1):\neng\n"))
        assert not ocr.welsh_available()
        ocr.installed_languages.cache_clear()

        def missing(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise FileNotFoundError("tesseract")

        monkeypatch.setattr(ocr.subprocess, "run", missing)
        assert ocr.installed_languages() == frozenset()
    finally:
        ocr.installed_languages.cache_clear()


@needs_ocr_tools
def test_english_scans_stay_english(tmp_path: Path) -> None:
    result = ocr.ocr_pdf(scanned_pdf(tmp_path, [ENGLISH_REPLY], typed=lines_pdf([ENGLISH_REPLY]), dpi=100), 1)
    assert result.languages == "eng"
    assert words_right(ENGLISH_REPLY, result.text) >= 0.95 * len(ENGLISH_REPLY.split())


@needs_welsh_model
def test_a_bilingual_scan_is_read_with_the_welsh_model_from_its_welsh_page(tmp_path: Path) -> None:
    """English first, Welsh second, as Welsh forces send them; a 100 dpi scan."""
    pages = [ENGLISH_REPLY, WELSH_REPLY]
    data = scanned_pdf(tmp_path, pages, typed=lines_pdf(pages), dpi=100)
    result = ocr.ocr_pdf(data, 2)
    assert result.languages == "cym+eng" and result.pages_read == 2
    english, welsh = result.text.split("\f")
    english_only = subprocess.run(
        ["tesseract", str(tmp_path / "page-2.pgm"), "-", "-l", "eng"], capture_output=True, check=True,
    ).stdout.decode()
    # The Welsh model reads more of the Welsh page right than English alone does
    # (170 of 173 words against 162 here), circumflexes included.
    assert words_right(WELSH_REPLY, welsh) > words_right(WELSH_REPLY, english_only)
    assert "camer\u00e2u" in welsh and "camer\u00e2u" not in english_only
    assert words_right(ENGLISH_REPLY, english) >= 0.95 * len(ENGLISH_REPLY.split())


def _slow_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tool call takes 0.2 s (a busy machine), and is stopped past its time, as
    subprocess.run's timeout stops it."""
    import time as time_module

    def run(args: list[str], timeout: float) -> bytes:
        if timeout < 0.2:
            raise TimeoutError(f"{args[0]} ran past {timeout:.1f} s")
        time_module.sleep(0.2)
        return b"Taser figures are released in full" if args[0] == "tesseract" else b""

    monkeypatch.setattr(ocr, "_run", run)
    monkeypatch.setattr(ocr, "welsh_available", lambda: False)


def test_ocr_says_when_its_time_ran_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pages at 0.4 s each in a 0.7 s budget: the first is read, and the result says
    the clock stopped it (a second try with more time reads on); with no time for a page,
    the failure says it timed out, not that the scan cannot be read."""
    _slow_tools(monkeypatch)
    result = ocr.ocr_pdf(b"%PDF-1.4", 2, budget=0.7)
    assert (result.pages_read, result.stopped) == (1, "time")
    assert ocr.ocr_pdf(b"%PDF-1.4", 2, budget=5).stopped == ""
    assert ocr.ocr_pdf(b"%PDF-1.4", 3, budget=5, max_pages=2).stopped == "pages"
    with pytest.raises(ocr.OcrFailed) as failed:
        ocr.ocr_pdf(b"%PDF-1.4", 2, budget=0.1)
    assert failed.value.timed_out
    with ocr.time_budget(1.0):  # a task's deadline: OCR takes three quarters of it
        assert ocr.ocr_pdf(b"%PDF-1.4", 2).pages_read == 1


def test_a_clock_stopped_reading_is_tried_again_and_others_are_not() -> None:
    from ingest.infra.isolation import Outcome
    from ingest.pipeline import ran_out_of_time

    assert ran_out_of_time(Outcome(1, reason="timeout"))
    assert ran_out_of_time(Outcome(1, value={"hints": {"ocr_incomplete": True, "ocr_stopped": "time"}}))
    assert not ran_out_of_time(Outcome(1, value={"hints": {"ocr_incomplete": True, "ocr_stopped": "pages"}}))
    assert not ran_out_of_time(Outcome(1, value={"hints": {}}))
    assert not ran_out_of_time(Outcome(1, reason="needs_ocr"))


@needs_ocr_tools
def test_a_scan_out_of_time_on_a_busy_machine_is_read_whole_on_the_second_try(tmp_path: Path) -> None:
    """A 1 s limit leaves OCR no time for a page; the second try, with the retry limit,
    reads both pages: the record is the whole reading, not a failure or a part."""
    from archive.config import Config, IngestConfig
    from archive.store import Store

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_pdf(tmp_path, LINES))
    config = Config.for_directory(tmp_path / "archive",
                                  ingest=IngestConfig(workers=1, timeout=1, retry_timeout=120))
    summary = ingest_paths(config, [str(folder)])
    assert (summary.new, summary.failed) == (1, 0), summary.failures
    with Store(config.store_path) as store:
        [row] = list(store.documents())
        record = store.version_record(row.id, row.sha256)
    assert record["method"] == "ocr" and record["hints"]["ocr_pages"] == 2
    assert "ocr_incomplete" not in record["hints"]

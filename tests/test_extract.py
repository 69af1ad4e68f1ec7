"""Extraction: the real corpus end to end, and hostile inputs generated here.

No binary fixtures are committed: PDFs, DOCX zips and e-mails are built by the
helpers below (docs/reliability.md, "Hostile input").
"""

from __future__ import annotations

import binascii
import hashlib
import io
import random
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import MAX_TEXT_CHARS, REASONS, Extracted, ExtractionError, extract_bytes, sniff
from ingest.extract import dispatch, ocr
from ingest.extract.doc import clean_word_text
from ingest.extract.eml import split_uuencoded, uudecode_line
from ingest.extract.html import decode_html, extract_html
from ingest.extract.plaintext import decode_text
from ingest.extract.titles import choose_title, title_from_filename

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DOCS = SHARED / "corpus" / "docs"
needs_corpus = pytest.mark.skipif(not DOCS.is_dir(), reason=f"shared corpus not found at {DOCS}")
CORPUS = sorted(p.name for p in DOCS.iterdir()) if DOCS.is_dir() else []
SCANNED = "council_blaenau_gwent_scanned_cipfa_form_attachment.pdf"


# --- builders for generated files -------------------------------------------------


PDF_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    """RC4, for the PDF standard security handler revision 2."""
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(byte ^ box[(box[i] + box[j]) % 256])
    return bytes(out)


def _pdf_key(user: str, owner: str, file_id: bytes, permissions: int) -> tuple[bytes, bytes, bytes]:
    """(file key, /O, /U) for 40-bit RC4 encryption (PDF 1.7 algorithms 2, 3 and 4)."""
    pad = lambda password: (password.encode("latin-1") + PDF_PAD)[:32]  # noqa: E731
    owner_value = rc4(hashlib.md5(pad(owner or user)).digest()[:5], pad(user))
    key = hashlib.md5(pad(user) + owner_value + struct.pack("<i", permissions) + file_id).digest()[:5]
    return key, owner_value, rc4(key, PDF_PAD)


def make_pdf(pages: list[str], title: str | None = None, encrypt: tuple[str, str] | None = None) -> bytes:
    """A minimal valid PDF, one page per string (an empty string draws nothing).

    ``encrypt=(user_password, owner_password)`` encrypts it with 40-bit RC4.
    """
    file_id = b"0123456789abcdef"
    key = owner_value = user_value = b""
    if encrypt:
        key, owner_value, user_value = _pdf_key(*encrypt, file_id, -4)
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{n} 0 R" for n in page_ids).encode()
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(len(pages)).encode() + b" >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        if encrypt:
            number = page_ids[i] + 1
            content = rc4(hashlib.md5(key + struct.pack("<I", number)[:3] + b"\x00\x00").digest()[:10], content)
        objects.append(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream")
    info_id = encrypt_id = None
    if encrypt:
        objects.append(
            f"<< /Filter /Standard /V 1 /R 2 /P -4 /O <{owner_value.hex()}> /U <{user_value.hex()}> >>".encode()
        )
        encrypt_id = len(objects)
    if title is not None and not encrypt:
        objects.append(f"<< /Title ({title}) >>".encode())
        info_id = len(objects)
    extra = ""
    if info_id:
        extra += f" /Info {info_id} 0 R"
    if encrypt_id:
        extra += f" /Encrypt {encrypt_id} 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>]"
    return write_pdf(objects, extra)


def write_pdf(objects: list[bytes], trailer_extra: str = "") -> bytes:
    """A PDF file of numbered objects (object 1 the catalogue), with its xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_extra}"
    out.write(f"{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def make_docx(body: str, title: str = "", header: str = "") -> bytes:
    """A DOCX zip with the given body XML, an optional header part and core title."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>")
        if header:
            archive.writestr("word/header1.xml", f"<w:hdr {W_NS}>{_para(header)}</w:hdr>")
        archive.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>' + title + "</dc:title></cp:coreProperties>",
        )
    return buffer.getvalue()


def declare_size(zip_bytes: bytes, member: str, size: int) -> bytes:
    """Rewrite the central directory so ``member`` claims ``size`` bytes uncompressed."""
    data = bytearray(zip_bytes)
    name = member.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len] == name:
            struct.pack_into("<I", data, pos + 24, size)
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def make_email(body: str, attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """A MIME message with a text body and (name, bytes, mime type) attachments."""
    message = EmailMessage()
    message["From"] = "FOI Team <foi@council.example>"
    message["To"] = "requester@example.org"
    message["Subject"] = "RE: FOI 1234 - parking fines"
    message["Date"] = "Mon, 01 Jul 2019 10:00:00 +0100"
    message.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


# --- the real corpus ---------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("name", CORPUS)
def test_every_corpus_file_extracts(name: str) -> None:
    data = (DOCS / name).read_bytes()
    if name == SCANNED and not ocr.available():
        with pytest.raises(ExtractionError) as caught:
            extract_bytes(data, name)
        assert caught.value.reason == "needs_ocr"
        return
    result = extract_bytes(data, name)
    assert isinstance(result, Extracted)
    assert result.text.strip()
    assert result.title and result.title.strip()


@needs_corpus
def test_met_text_keeps_its_words() -> None:
    result = extract_bytes((DOCS / "police_met_2018080000612_facial_recognition.txt").read_bytes(), "met.txt")
    assert result.format == "txt"
    assert "NeoFace" in result.text
    assert result.encoding == "utf-8"


@needs_corpus
@pytest.mark.parametrize(
    "name, words",
    [
        ("council_barnsley_FOIA1266.doc", ["CIPFA", "Barnsley", "internal review"]),
        ("centralgov_homeoffice_T5741-15.doc", ["Independent Panel Inquiry", "Justice Goddard"]),
        ("centralgov_vosa_mot_pass_fail_2007_response_2010-01-11.doc", ["MOT failures", "Rosenbaum"]),
        ("centralgov_vosa_mot_technical_note_attachment.doc", ["Technical note", "Testing Class 4"]),
    ],
)
def test_doc_gives_real_words(name: str, words: list[str]) -> None:
    result = extract_bytes((DOCS / name).read_bytes(), name)
    assert result.format == "doc"
    for word in words:
        assert word in result.text
    assert not any(ch in result.text for ch in "\x07\x13\x14\x15\r")


@needs_corpus
def test_email_gives_the_uuencoded_doc_text() -> None:
    name = "centralgov_homeoffice_T5741-15_email.eml"
    result = extract_bytes((DOCS / name).read_bytes(), name)
    assert result.format == "eml"
    assert result.hints["date"] == "2015-05-29"
    assert result.hints["subject"] == "FW: FOI 34960 Tom Young re CSA Inquiry"
    assert [a.attachment_name for a in result.attachments] == ["ResponseT5741 15.doc"]
    assert result.attachments[0].format == "doc"
    assert "Justice Goddard" in result.attachments[0].text
    assert "----- Attachment: ResponseT5741 15.doc -----" in result.text
    assert "begin 666" not in result.text and "M````" not in result.text


@needs_corpus
def test_email_attachment_is_the_same_file_as_the_doc() -> None:
    import email
    from email import policy

    message = email.message_from_bytes((DOCS / "centralgov_homeoffice_T5741-15_email.eml").read_bytes(), policy=policy.default)
    _, files = split_uuencoded(message.get_content())
    assert files[0][1] == (DOCS / "centralgov_homeoffice_T5741-15.doc").read_bytes()


@needs_corpus
def test_wdtk_page_gives_hints_and_thread() -> None:
    name = "centralgov_mhclg_wdtk_request_1000437.html"
    result = extract_bytes((DOCS / name).read_bytes(), name)
    assert result.method == "wdtk-html"
    assert result.title == "PSL Schemes"
    assert result.hints["authority"] == "Ministry of Housing, Communities and Local Government"
    assert result.hints["request_title"] == "PSL Schemes"
    assert result.hints["wdtk_status"] == "not_held"
    assert result.hints["date"] == "2017-07-03"
    assert [m["direction"] for m in result.hints["messages"]] == ["request", "response", "response", "response"]
    assert result.hints["messages"][0] == {"direction": "request", "date": "2017-06-17", "author": "DMS Ltd"}
    text = result.text
    first = text.index("----- Request from requester, 2017-06-17 -----")
    last = text.index("----- Response from authority, 2017-07-03 -----")
    assert first < text.index("Public Sector Leasing scheme") < last
    assert "Attachment: Response not held.pdf" in text[last:]
    assert "Download a zip file" not in text and "NREUM" not in text
    assert result.encoding == "utf-8" and result.encoding_source == "meta"


@needs_corpus
def test_wdtk_pages_all_read_as_threads() -> None:
    for path in DOCS.glob("*wdtk_request_*.html"):
        result = extract_bytes(path.read_bytes(), path.name)
        assert result.method == "wdtk-html", path.name
        assert result.hints["authority"], path.name
        assert "wdtk_status" in result.hints, path.name
        assert result.text.count("\n----- ") == len(result.hints["messages"]), path.name


# --- hostile and generated inputs --------------------------------------------------

HTML_ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Error</title></head><body><p>Session expired</p></body></html>"
PLAIN_PDF = make_pdf(["Response not held"], title="Parking fines response")


def _docx_bomb() -> bytes:
    return declare_size(make_docx(_para("tiny")), "word/document.xml", 301 * 1024 * 1024)


def _docx_ratio_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b" " * (3 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, filename, reason",
    [
        (PLAIN_PDF[: len(PLAIN_PDF) // 2], "response.pdf", "parse_error"),
        (HTML_ERROR_PAGE, "response.pdf", "wrong_type"),
        (random.Random(1).randbytes(20000), "response.pdf", "wrong_type"),
        (random.Random(2).randbytes(20000), "", "wrong_type"),
        (b"", "response.pdf", "empty"),
        (b"  \n\t ", "notes.txt", "empty"),
        (make_pdf(["", ""]), "scan.pdf", "needs_ocr"),
        (_docx_bomb(), "bomb.docx", "too_large"),
        (_docx_ratio_bomb(), "bomb.docx", "too_large"),
        (b"PK\x03\x04" + b"\x00" * 100, "broken.docx", "wrong_type"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600, "broken.doc", "parse_error"),
        (b"Dear requester, please find attached.", "response.pdf", "wrong_type"),
        (make_docx(""), "blank.docx", "empty"),
        (b"<html><body><script>var a = 1;</script></body></html>", "page.html", "empty"),
    ],
    ids=[
        "truncated-pdf", "html-named-pdf", "random-bytes-named-pdf", "random-bytes", "zero-bytes",
        "whitespace", "pdf-without-text", "docx-declared-301mb", "docx-ratio-bomb", "truncated-zip",
        "ole2-header-only", "text-named-pdf", "empty-docx", "script-only-html",
    ],
)
def test_hostile_input_gives_reason(data: bytes, filename: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(data, filename)
    assert caught.value.reason == reason, caught.value


def test_truncated_pdf_names_the_exception_type() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(PLAIN_PDF[: len(PLAIN_PDF) // 2], "response.pdf")
    assert caught.value.detail.split(":")[0].isidentifier()


def test_zip_bomb_is_refused_before_decompressing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened")

    bomb = _docx_bomb()
    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(bomb, "bomb.docx")
    assert caught.value.reason == "too_large"


def test_generated_pdf_text_title_and_pages() -> None:
    result = extract_bytes(make_pdf(["Response not held", "Section 40 applies"], title="Parking fines"), "x.pdf")
    assert result.format == "pdf" and result.pages == 2
    assert "Response not held" in result.text and "Section 40 applies" in result.text
    assert result.title == "Parking fines"


def test_pdf_title_falls_back_to_first_line_when_metadata_is_noise() -> None:
    result = extract_bytes(make_pdf(["Information about parking fines"], title="Microsoft Word - Document1"), "x.pdf")
    assert result.title == "Information about parking fines"


def test_pdf_title_written_in_winansi_keeps_its_dash() -> None:
    pdf = make_pdf(["Reply"], title="Parking fines \x96 FOI 1234").replace(b"\xc2\x96", b"\x96")
    assert extract_bytes(pdf, "x.pdf").title == "Parking fines \u2013 FOI 1234"


def test_pdf_with_a_user_password_is_encrypted() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(make_pdf(["Secret reply"], encrypt=("secret", "owner")), "locked.pdf")
    assert caught.value.reason == "encrypted"


def test_pdf_with_only_an_owner_password_is_read() -> None:
    result = extract_bytes(make_pdf(["Open reply"], encrypt=("", "owner")), "owner-only.pdf")
    assert "Open reply" in result.text


def test_pdf_named_doc_is_still_a_pdf() -> None:
    assert extract_bytes(PLAIN_PDF, "response.doc").format == "pdf"


@pytest.mark.parametrize("error", [struct.error("bad"), RecursionError(), AssertionError(), KeyError("x")])
def test_library_errors_become_parse_error_with_type(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def broken(*args: object) -> Extracted:
        raise error

    monkeypatch.setitem(dispatch._READERS, "pdf", broken)
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(PLAIN_PDF, "x.pdf")
    assert caught.value.reason == "parse_error"
    assert caught.value.detail.startswith(type(error).__name__)


def test_memory_error_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    def greedy(*args: object) -> Extracted:
        raise MemoryError

    monkeypatch.setitem(dispatch._READERS, "pdf", greedy)
    with pytest.raises(MemoryError):
        extract_bytes(PLAIN_PDF, "x.pdf")


# --- sniffing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, filename, kind",
    [
        (b"junk before\n%PDF-1.4\n", "x.bin", "pdf"),
        (HTML_ERROR_PAGE, "page", "html"),
        (b"\xef\xbb\xbf<html><p>hi</p></html>", "", "html"),
        ("<html><p>hi</p></html>".encode("utf-16"), "", "html"),
        (b"<b>Hello</b>, bold text", "notes.html", "html"),
        (b"Hello, plain text", "notes.html", "txt"),
        (b"From: a@b.example\nDate: Mon, 1 Jul 2019 10:00:00 +0100\nSubject: hi\n\nbody", "x", "eml"),
        (b"From a@b Mon Jul  1 10:00:00 2019\nReceived: x\nFrom: a@b\n\nbody", "", "eml"),
        (b"Subject: A request\nFreedom of Information request (FOI)\n\nbody", "x.txt", "txt"),
        (b"Dear Sir,\nplease find our reply.\n", "letter", "txt"),
        (b"Date: 1 July 2019\nSubject: Bins\n\nDear Sir", "letter.txt", "txt"),
        (b"Date: 1 July 2019\nSubject: Bins\n\nDear Sir", "letter", "eml"),
        ("caf\u00e9 \u00a310".encode("cp1252"), "x.txt", "txt"),
        (make_docx(_para("x")), "x.bin", "docx"),
    ],
)
def test_sniff(data: bytes, filename: str, kind: str) -> None:
    assert sniff(data, filename) == kind


def test_sniff_refuses_a_zip_that_is_not_word() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(ExtractionError) as caught:
        sniff(buffer.getvalue(), "book.docx")
    assert caught.value.reason == "wrong_type"


# --- charsets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, declared, text, encoding, source",
    [
        (b"<p>a\x00b</p>", None, "ab", "utf-8", "default"),
        (b'<meta charset="windows-1252"><p>\xa310</p>', None, "\u00a310", "cp1252", "meta"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>\x93\xa310\x94</p>',
            None,
            "\u201c\u00a310\u201d",
            "cp1252",
            "meta",
        ),
        (b"<p>\xa310</p>", "windows-1252", "\u00a310", "cp1252", "declared"),
        (b'<meta charset="utf-8"><p>\xa310</p>', "cp1252", "\u00a310", "cp1252", "declared"),
        (b'\xef\xbb\xbf<meta charset="cp1252"><p>\xc2\xa310</p>', None, "\u00a310", "utf-8", "bom"),
        ("<p>\u00a310</p>".encode("utf-16"), None, "\u00a310", None, "bom"),
        (b"<p>\xa310</p>", None, "\ufffd10", "utf-8", "default"),
        (b'<meta charset="utf-8"><p>ok \xff \xc2\xa310</p>', None, "ok \ufffd \u00a310", "utf-8", "meta"),
    ],
    ids=["nul-not-utf16", "meta-cp1252", "latin1-means-cp1252", "declared", "declared-beats-meta", "bom-beats-meta",
         "utf16-bom", "no-charset-utf8-replace", "invalid-byte-keeps-meta"],
)
def test_html_charset_precedence(data: bytes, declared: str | None, text: str, encoding: str | None, source: str) -> None:
    result = extract_html(data, "page.html", declared_charset=declared)
    assert result.text == text
    if encoding:
        assert result.encoding == encoding
    assert result.encoding_source == source


def test_cp1252_pound_is_not_guessed_as_1250() -> None:
    result = extract_bytes(b'<html><head><meta charset="windows-1252"></head><body><p>Fee: \xa310</p></body></html>', "x.html")
    assert "\u00a310" in result.text and "\u014110" not in result.text


@pytest.mark.parametrize(
    "data, text, source",
    [
        ("\u00a310 caf\u00e9".encode("utf-8"), "\u00a310 caf\u00e9", "default"),
        ("\u00a310 caf\u00e9 \u201cq\u201d".encode("cp1252"), "\u00a310 caf\u00e9 \u201cq\u201d", "fallback"),
        (b"\xef\xbb\xbfhello", "hello", "bom"),
        ("hello \u00a3".encode("utf-16"), "hello \u00a3", "bom"),
    ],
)
def test_text_charset_precedence(data: bytes, text: str, source: str) -> None:
    decoded, _, how = decode_text(data)
    assert (decoded, how) == (text, source)


def test_text_newlines_are_normalised() -> None:
    result = extract_bytes(b"Subject: Bins\r\nline one\rline two\n", "x.txt")
    assert result.text == "Subject: Bins\nline one\nline two\n"
    assert result.title == "Bins"


def test_decode_html_records_meta() -> None:
    assert decode_html(b'<meta charset="windows-1252">')[1:] == ("cp1252", "meta")


# --- HTML boilerplate ----------------------------------------------------------------


def test_html_drops_boilerplate_and_keeps_structure() -> None:
    page = b"""<html><head><title>Disclosure log: parking fines 2019</title><style>p{}</style></head><body>
    <div class="cookie-banner">We use cookies</div><nav>Home | About</nav>
    <header>Council header</header>
    <main><h1>Parking fines</h1><p>We issued <b>1,234</b> fines.</p>
    <table><tr><th>Year</th><th>Fines</th></tr><tr><td>2019</td><td>1,234</td></tr></table>
    <script>track()</script></main><footer>Copyright</footer></body></html>"""
    result = extract_bytes(page, "log.html")
    assert result.title == "Disclosure log: parking fines 2019"
    assert "We issued 1,234 fines." in result.text
    assert "Year\tFines\n2019\t1,234" in result.text
    for gone in ("cookies", "Home | About", "Council header", "track()", "Copyright", "p{}"):
        assert gone not in result.text


def test_html_too_large_for_the_parser_is_read_by_stripping_tags() -> None:
    page = (b"<html><head><title>t</title><script>var x = 'hidden';</script></head><body>"
            + b"<p>Parking fines &amp; appeals.</p><div>1,234</div>\n" * 200_000 + b"</body></html>")
    result = extract_bytes(page, "big.html")
    assert result.method == "html-stripped" and "degraded" in result.hints
    assert result.text.startswith("Parking fines & appeals.\n\n1,234\n\nParking fines")
    assert "hidden" not in result.text and "<" not in result.text
    # Past 4 x MAX_TEXT_CHARS bytes the page is not decoded: its length in characters is unknown.
    assert result.hints["truncated"] == {"bytes": len(page), "kept": len(result.text)}
    assert len(result.text) <= MAX_TEXT_CHARS


# --- DOCX --------------------------------------------------------------------------


def test_docx_paragraphs_tables_and_header_in_order() -> None:
    table = (
        "<w:tbl><w:tr><w:tc>" + _para("Year") + "</w:tc><w:tc>" + _para("Fines") + "</w:tc></w:tr>"
        "<w:tr><w:tc>" + _para("2019") + "</w:tc><w:tc>" + _para("1,234") + "</w:tc></w:tr></w:tbl>"
    )
    body = _para("Dear requester") + table + _para("Yours sincerely")
    result = extract_bytes(make_docx(body, title="Parking fines response", header="Our ref: FOI 1234"), "r.docx")
    assert result.format == "docx"
    assert result.title == "Parking fines response"
    text = result.text
    assert text.index("Our ref: FOI 1234") < text.index("Dear requester") < text.index("Year\tFines\n2019\t1,234")
    assert text.index("1,234") < text.index("Yours sincerely")


def test_docx_does_not_resolve_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    doctype = f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?>{doctype}<w:document {W_NS}><w:body><w:p><w:r><w:t>a&x;b</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    try:
        result = extract_bytes(buffer.getvalue(), "xxe.docx")
    except ExtractionError:
        return
    assert "TOPSECRET" not in result.text


def test_docx_title_falls_back_to_file_name() -> None:
    result = extract_bytes(make_docx(_para("12")), "FOI_1234_response.docx")
    assert result.title == "FOI 1234 response"


# --- DOC ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, text",
    [
        ("Hello\rWorld", "Hello\nWorld"),
        ("See \x13 HYPERLINK \"http://x\" \x14our site\x15 now", "See our site now"),
        ("Page \x13 PAGE \x15done", "Page done"),
        ("\x13 IF \x13 REF a \x14inner\x15 \x14outer\x15!", "outer!"),
        ("A\x07B\x07\x07C\x07D\x07\x07", "A\tB\nC\tD"),
        ("non\x1ebreaking soft\x1fhyphen\x0bline", "non-breaking softhyphen\nline"),
        ("pic\x01ture\x08", "picture"),
    ],
)
def test_clean_word_text(raw: str, text: str) -> None:
    assert clean_word_text(raw) == text


# --- e-mail ------------------------------------------------------------------------


def test_email_with_mime_attachments() -> None:
    data = make_email(
        "Please find our response attached.",
        [
            ("response.pdf", make_pdf(["Response not held"]), "application/pdf"),
            ("table.docx", make_docx(_para("Fines by year")), "application/octet-stream"),
            ("scan.pdf", make_pdf([""]), "application/pdf"),
        ],
    )
    result = extract_bytes(data, "reply.eml")
    assert result.format == "eml"
    assert result.hints == {
        "date": "2019-07-01",
        "sender": "FOI Team <foi@council.example>",
        "subject": "RE: FOI 1234 - parking fines",
    }
    assert result.title == "FOI 1234 - parking fines"
    names = [a.attachment_name for a in result.attachments]
    assert names == ["response.pdf", "table.docx", "scan.pdf"]
    assert [a.format for a in result.attachments[:2]] == ["pdf", "docx"]
    assert result.attachments[2].hints["error"] == "needs_ocr"
    text = result.text
    assert text.startswith("Please find our response attached.")
    assert text.index("----- Attachment: response.pdf -----") < text.index("Response not held")
    assert "----- Attachment: table.docx -----\nFines by year" in text


def test_email_with_html_body_only() -> None:
    message = EmailMessage()
    message["Subject"] = "Reply"
    message["From"] = "a@b.example"
    message.set_content("<html><body><p>Caf\u00e9 fees: \u00a310</p></body></html>", subtype="html", charset="cp1252")
    result = extract_bytes(message.as_bytes(), "x.eml")
    assert "Caf\u00e9 fees: \u00a310" in result.text
    assert result.method == "email-html"


def test_inline_uuencoded_attachment_tolerates_stripped_spaces() -> None:
    payload = make_docx(_para("Uuencoded reply")) + b"\x00" * 90  # zero bytes encode as trailing spaces
    lines = []
    for i in range(0, len(payload), 45):
        lines.append(binascii.b2a_uu(payload[i : i + 45]).decode("ascii").rstrip())  # mailers strip spaces
    body = "Reply attached.\n\nbegin 644 reply.docx\n" + "\n".join(lines) + "\n`\nend\n\nRegards\n"
    remaining, files = split_uuencoded(body)
    assert files == [("reply.docx", payload)]
    assert "begin 644" not in remaining and "Regards" in remaining
    result = extract_bytes(make_email(body), "x.eml")
    assert result.attachments[0].attachment_name == "reply.docx"
    assert "Uuencoded reply" in result.attachments[0].text


def test_uudecode_line_survives_garbage() -> None:
    assert uudecode_line("#86)C") == b"abc"
    assert uudecode_line("") == b"" and uudecode_line("`") == b""
    assert len(uudecode_line("M" + "\u00e9~" * 5)) == 45  # stray characters still give a full line


def test_nested_emails_stop_at_a_depth() -> None:
    data = make_email("innermost")
    for level in range(8):
        outer = EmailMessage()
        outer["Subject"] = f"level {level}"
        outer.set_content("wrapper")
        outer.add_attachment(data, maintype="application", subtype="octet-stream", filename=f"level{level}.eml")
        data = outer.as_bytes()
    result = extract_bytes(data, "nested.eml")
    assert "nested too deep" in str(result.text) or "too_large" in result.text


# --- titles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metadata, text, filename, title",
    [
        ("Parking fines 2019", "x", "a.pdf", "Parking fines 2019"),
        ("Microsoft Word - FOI response.docx", "Dear Sir, our reply", "a.pdf", "Dear Sir, our reply"),
        ("Normal.dot 15/07/2007", "Freedom of Information request 4732233\nDear Mr Rowe", "a", "Freedom of Information request 4732233"),
        ("[Region/Directorate]", "25 September 2017\nLibrary statistics return", "a", "Library statistics return"),
        (None, "Email: foi@x.gov.uk\nRe: Parking fines\nDear", "a", "Parking fines"),
        (None, "", "council_bexley_4567496.pdf", "council bexley 4567496"),
        (None, "", "", "Untitled document"),
    ],
)
def test_choose_title(metadata: str | None, text: str, filename: str, title: str) -> None:
    assert choose_title(metadata, text, filename) == title


def test_title_from_windows_attachment_name() -> None:
    assert title_from_filename("C:\\Temp\\FOI_1234_reply.doc") == "FOI 1234 reply"


# --- xlsx and properties -------------------------------------------------------------


def test_simple_xlsx_cells() -> None:
    sheet_ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f"<workbook {sheet_ns}/>")
        archive.writestr("xl/sharedStrings.xml", f"<sst {sheet_ns}><si><t>Year</t></si><si><t>Fines</t></si></sst>")
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet {sheet_ns}><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
            '<row><c><v>2019</v></c><c t="inlineStr"><is><t>1,234</t></is></c></row></sheetData></worksheet>',
        )
    result = extract_bytes(buffer.getvalue(), "Appendix_1.xlsx")
    assert result.format == "xlsx"
    assert result.text == "Year\tFines\n2019\t1,234"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.4\n" + b),
        st.binary(max_size=500).map(lambda b: bytes.fromhex("D0CF11E0A1B11AE1") + b),
        st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
        st.text(max_size=500).map(lambda t: ("<html><p>" + t).encode("utf-8", "surrogatepass")),
        st.text(max_size=500).map(lambda t: ("From: a@b\nDate: x\n\n" + t).encode("utf-8", "surrogatepass")),
    ),
    name=st.sampled_from(["x.pdf", "x.doc", "x.docx", "x.html", "x.eml", "x.txt", ""]),
)
def test_any_bytes_give_text_or_extraction_error(data: bytes, name: str) -> None:
    try:
        result = extract_bytes(data, name)
    except ExtractionError as error:
        assert error.reason in REASONS
    else:
        assert result.text.strip() and result.title


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_long_text_is_read_to_the_cap_in_its_own_encoding(encoding: str) -> None:
    line = "Café £12 – row of an export\n"
    data = (line * 400_000).encode(encoding)  # 11-22 MB: past what is decoded
    result = extract_bytes(data, "export.csv")
    assert result.encoding.startswith(encoding.replace("utf-16", "utf-16-"))
    assert result.text.startswith(line) and result.text.endswith(line.rstrip("\n"))  # cut at a line
    assert "\ufffd" not in result.text and "Ã" not in result.text
    assert result.hints["truncated"] == {"bytes": len(data), "kept": len(result.text)}
    assert len(result.text) <= MAX_TEXT_CHARS


@pytest.mark.parametrize("head, published", [
    ('<meta name="created-day" content="14"><meta name="created-month" content="December">'
     '<meta name="created-year" content="2015">', "2015-12-14"),
    ('<meta property="article:published_time" content="2021-03-04T10:00:00Z">', "2021-03-04"),
    ('<meta name="DC.date.issued" content="2019-07-01">', "2019-07-01"),
    ('<meta name="created-day" content="148"><meta name="created-month" content="April">'
     '<meta name="created-year" content="2020">', None),
])
def test_a_pages_own_date_is_a_hint(head: str, published: str | None) -> None:
    page = f"<html><head>{head}<title>Response</title></head><body><p>We do not hold it.</p></body></html>"
    assert extract_bytes(page.encode(), "page.html").hints.get("published") == published


def test_docx_reference_in_a_text_box_and_date_in_a_footer_are_read() -> None:
    # Letters put "Our ref" in a Word text box beside the letterhead and the date in a footer
    # (docs/metadata.md, "Reference"): both reach the text, and the reader finds them.
    from ingest.metadata import enrich

    box = ('<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
           + _para("Our ref: EPUT.FOI.21.1935") + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
           + "<w:r><w:t>Information Governance</w:t></w:r></w:p>")
    body = (box + _para("Dear Requester") + _para("Thank you for your request for information.")
            + _para("We do not hold the information you asked for. No records of it exist.")
            + _para("Yours sincerely"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>")
        archive.writestr("word/footer1.xml", f"<w:ftr {W_NS}>{_para('Date: 14 March 2024')}</w:ftr>")
    result = extract_bytes(buffer.getvalue(), "letter.docx")
    assert "Our ref: EPUT.FOI.21.1935" in result.text and "Date: 14 March 2024" in result.text
    meta = enrich(result.text, filename="letter.docx")
    assert (meta.reference, meta.date, meta.outcome) == ("EPUT.FOI.21.1935", "2024-03-14", "not_held")

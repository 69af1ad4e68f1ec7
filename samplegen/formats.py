"""Byte-exact writers for the sample documents: PDF, DOCX, HTML and e-mail.

Each writer takes a letter's blocks (see ``samplegen.letters``) and returns bytes that
depend only on its arguments, so a re-run writes identical files. A block is
``("h", text)`` for a heading, ``("p", text)`` for a paragraph or
``("table", rows)`` with the header row first.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

Block = tuple[str, object]

# --- PDF -------------------------------------------------------------------

_PAGE_W, _PAGE_H = 595, 842  # A4 in points
_LEFT, _TOP, _BOTTOM = 56, 786, 64
_SIZE, _LEADING = 10, 13
# Helvetica averages about half an em per character; 88 keeps a line inside the margins.
_WRAP = 88
_COLUMN = 112  # points between table columns

# PDF literal strings: escape the delimiters and write every non-ASCII byte in octal, so
# the file stays 7-bit and the WinAnsi byte for "£" (0xA3) survives any transport.
_ESCAPED = [
    (b"\\" + bytes([b])) if b in b"()\\" else bytes([b]) if 32 <= b < 127 else b"\\%03o" % b
    for b in range(256)
]


def pdf_string(text: str) -> bytes:
    """Encode text as a PDF literal string in WinAnsiEncoding."""
    data = text.encode("cp1252", errors="replace")
    return b"(" + b"".join(_ESCAPED[b] for b in data) + b")"


def pdf_text_string(text: str) -> bytes:
    """Encode text for the document information dictionary (UTF-16BE with a BOM).

    Info strings are PDFDocEncoding, not WinAnsi: an en dash written as cp1252
    byte 0x96 reads back as "Œ". UTF-16BE is what PDF writers use instead.
    """
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(day: date) -> bytes:
    return b"(D:%04d%02d%02d120000Z)" % (day.year, day.month, day.day)


def _layout(blocks: list[Block]) -> list[list[tuple[str, int, str]]]:
    """Lay blocks out as pages of (font, x, text) lines; a None-text line is a gap."""
    lines: list[tuple[str, int, str] | None] = []
    for kind, value in blocks:
        if kind == "table":
            for r, row in enumerate(value):  # type: ignore[arg-type]
                font = "F2" if r == 0 else "F1"
                lines.append((font, -1, "\t".join(str(c) for c in row)))
        else:
            font = "F2" if kind == "h" else "F1"
            for part in str(value).split("\n"):
                for line in textwrap.wrap(part, _WRAP) or [""]:
                    lines.append((font, _LEFT, line))
        lines.append(None)
    per_page = (_TOP - _BOTTOM) // _LEADING
    pages: list[list] = []
    for line in lines:
        if not pages or len(pages[-1]) >= per_page:
            if line is None:
                continue  # never start a page with a gap
            pages.append([])
        pages[-1].append(line)
    return pages


def _page_stream(lines: list, number: int, total: int) -> bytes:
    out = [b"BT"]
    y = _TOP
    for line in lines:
        if line is not None:
            font, x, text = line
            cells = text.split("\t") if x < 0 else [text]
            for c, cell in enumerate(cells):
                cx = _LEFT + c * _COLUMN if x < 0 else x
                out.append(b"/%s %d Tf 1 0 0 1 %d %d Tm %s Tj" % (font.encode(), _SIZE, cx, y, pdf_string(cell)))
        y -= _LEADING
    out.append(b"/F1 8 Tf 1 0 0 1 %d 36 Tm %s Tj" % (_PAGE_W // 2 - 20, pdf_string(f"Page {number} of {total}")))
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def pdf_bytes(blocks: list[Block], title: str, author: str, day: date) -> bytes:
    """A minimal several-page PDF with a Helvetica text layer pdfminer can read back."""
    pages = _layout(blocks)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Author %s /Producer (FOI Archive sample generator) /CreationDate %s /ModDate %s >>"
        % (pdf_text_string(title), pdf_text_string(author), _pdf_date(day), _pdf_date(day)),
    ]
    kids = []
    for n, lines in enumerate(pages, 1):
        stream = _page_stream(lines, n, len(pages))
        objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            b"/Contents %d 0 R >>" % (_PAGE_W, _PAGE_H, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# --- DOCX ------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""

_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title>
<dc:creator>{author}</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">{day}T12:00:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">{day}T12:00:00Z</dcterms:modified>
</cp:coreProperties>"""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w_para(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p><w:r>{props}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r></w:p>'


def _w_table(rows: list[list[str]]) -> str:
    cells = (
        "<w:tr>" + "".join(f"<w:tc>{_w_para(str(c), bold=r == 0)}</w:tc>" for c in row) + "</w:tr>"
        for r, row in enumerate(rows)
    )
    borders = "".join(f'<w:{side} w:val="single" w:sz="4"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return f"<w:tbl><w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr>{''.join(cells)}</w:tbl>"


def docx_bytes(blocks: list[Block], title: str, author: str, day: date) -> bytes:
    """A minimal valid Word document holding the letter, with its title in the core properties."""
    body = []
    for kind, value in blocks:
        if kind == "table":
            body.append(_w_table(value))  # type: ignore[arg-type]
        else:
            body.extend(_w_para(line, bold=kind == "h") for line in str(value).split("\n"))
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'
        + "".join(body)
        + "</w:body></w:document>"
    )
    core = _CORE.format(title=xml_escape(title), author=xml_escape(author), day=day.isoformat())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
            ("docProps/core.xml", core),
        ):
            # A fixed date and mode make the archive the same bytes on every run.
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


# --- HTML ------------------------------------------------------------------


def _html_block(kind: str, value: object) -> str:
    if kind == "table":
        rows = list(value)  # type: ignore[call-overload]
        head = "".join(f"<th>{escape(str(c))}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows[1:])
        return f'<table class="foi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    tag = "h2" if kind == "h" else "p"
    return f"<{tag}>{'<br>'.join(escape(line) for line in str(value).split(chr(10)))}</{tag}>"


def html_bytes(blocks: list[Block], title: str, author: str, day: date, url_path: str) -> bytes:
    """A force disclosure-log page: cookie banner and navigation, then the marker and the letter."""
    marker, letter = blocks[0], blocks[1:]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} | {escape(author)}</title>",
        f'<meta name="DC.date.issued" content="{day.isoformat()}">',
        f'<link rel="canonical" href="https://example.org{escape(url_path)}">',
        "</head>",
        "<body>",
        '<div id="cookie-banner" class="cookie-banner"><p>We use some essential cookies to make this service work.</p>'
        "<p>We'd also like to use analytics cookies so we can understand how you use the service and make improvements.</p>"
        '<button type="button">Accept analytics cookies</button> <button type="button">Reject analytics cookies</button></div>',
        '<div class="beta-banner"><p>This site is new. Your feedback will help us to improve it.</p></div>',
        f'<header><a class="logo" href="/">{escape(author)}</a><nav><ul><li><a href="/report/">Report</a></li>'
        '<li><a href="/contact/">Contact us</a></li><li><a href="/foi-ai/">FOI and access to information</a></li></ul></nav></header>',
        '<nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/foi-ai/">FOI and access to information</a></li>'
        f'<li><a href="/foi-ai/disclosure-log/">Disclosure log</a></li><li>{escape(title)}</li></ol></nav>',
        '<main id="main-content">',
        # Inside <main>, since a disclosure-log reader keeps the content and drops the page chrome.
        f'<div class="sample-notice">{_html_block(*marker)}</div>',
        f"<h1>{escape(title)}</h1>",
        f'<p class="published">Published: <time datetime="{day.isoformat()}">{day.day} {day:%B %Y}</time></p>',
        '<div class="foi-response">',
        *(_html_block(kind, value) for kind, value in letter),
        "</div>",
        "</main>",
        '<footer><ul><li><a href="/accessibility/">Accessibility</a></li><li><a href="/cookies/">Cookies</a></li>'
        '<li><a href="/privacy/">Privacy notice</a></li></ul><p>&copy; Sample data, not a real force website.</p></footer>',
        "</body>",
        "</html>",
    ]
    return ("\n".join(parts) + "\n").encode("utf-8")


# --- E-mail ----------------------------------------------------------------


def eml_bytes(
    cover: str,
    attachment: bytes,
    attachment_name: str,
    subject: str,
    sender: str,
    recipient: str,
    sent: datetime,
    message_id: str,
) -> bytes:
    """A response e-mail with the letter attached as a PDF, with fixed headers and boundary."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent.replace(tzinfo=sent.tzinfo or timezone.utc))
    msg["Message-ID"] = message_id
    msg.set_content(cover)
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename=attachment_name)
    # The generator would pick a random boundary; a fixed one keeps the bytes stable.
    msg.set_boundary("=_foi-archive-sample_" + message_id.strip("<>").split("@")[0])
    return msg.as_bytes(policy=SMTP)

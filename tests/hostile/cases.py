"""The hostile inputs of the suite: each generated here (never downloaded), with the
outcome it must have through ``foi-archive ingest`` and the time it may take.

Outcomes: ``stored`` (read and indexed), ``truncated`` (read to the cap, indexed, marked),
``skipped`` (not taken, with a reason: links out of the folder, pipes), ``failed``
(kept and indexed by what is known, with the reason). ``budget`` is the child's time
limit the case runs under: a case that became slower than its budget fails as
``timeout``. Rows E1-E19 are those of docs/reliability.md; E8 (layout blow-up, retried
without layout analysis), E11 (OCR) and E13 (a crashing child) need tools or a patched
child and are tested in test_layout_retry.py, test_ocr.py and test_hostile_pdfs.py.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tests.test_extract import W_NS, _docx_bomb, _docx_ratio_bomb, make_docx, make_pdf
from tests.test_hostile_pdfs import flate_bomb, nested_arrays, page_tree_loop, permissions_zero, xobject_cycle, xref_loop

FAST = 15  # seconds: what a well-behaved reader needs, with room for a loaded machine
SLOW = 60  # the shipped limit ([ingest] timeout)


@dataclass(frozen=True)
class Case:
    row: str  # E-row of docs/reliability.md, or "F" for the folder cases
    name: str
    make: Callable[[Path], None]  # writes the case into the folder
    outcome: str  # stored | truncated | skipped | failed
    reason: str = ""  # for failed and skipped: the reason recorded
    budget: int = FAST
    words: str = ""  # for stored and truncated: a word the index must find


def _bytes(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(data() if callable(data) else data)
    return make


def _docx_entities(kind: str) -> bytes:
    """E15: a DOCX whose XML declares entities: a billion laughs, or an external file."""
    if kind == "laughs":
        entities = '<!ENTITY a "lol">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        body = "&j;"
    else:
        entities, body = '<!ENTITY x SYSTEM "file:///etc/hostname">', "Hostile entity &x; here"
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]><w:document {W_NS}><w:body><w:p><w:r>'
           f"<w:t>{body}</w:t></w:r></w:p></w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def _nested_mime(levels: int = 300) -> bytes:
    """300 multipart parts inside each other, the innermost a letter (written by hand:
    wrapping whole messages as attachments would grow the file by a third a level)."""
    head = [b"From: foi@example.org\r\nSubject: Nested\r\nMIME-Version: 1.0\r\n"]
    tail = []
    for level in range(levels):
        boundary = f"b{level}".encode()
        head.append(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary + b"\r\n")
        tail.append(b"\r\n--" + boundary + b"--\r\n")
    head.append(b"Content-Type: text/plain\r\n\r\nMimeologist letter: we do not hold the information.\r\n")
    return b"".join(head) + b"".join(reversed(tail))


def _deep_html(folder: Path) -> None:
    (folder / "deep.html").write_text("<html><body>" + "<div>" * 200_000 + "Zanzibarite deep page."
                                      + "</div>" * 200_000 + "</body></html>")


def _big_text(folder: Path) -> None:
    line = "Quuxington export row, 2019, Kent Police, 1234, withheld\n"
    with open(folder / "export.csv", "w") as fh:
        for _ in range(50 * 1024 * 1024 // len(line)):
            fh.write(line)


def _big_html(folder: Path) -> None:
    """E19: 20 MB of unclosed tags."""
    with open(folder / "unclosed.html", "w") as fh:
        fh.write("<html><body>")
        for _ in range(20 * 1024 * 1024 // 40):
            fh.write("<p><b><i>Unclosedium row of a page ")


def _outside_link(folder: Path) -> None:
    secret = folder.parent / "secret.txt"
    secret.write_text("Secretium: a file kept outside the folder\n")
    (folder / "link-out.txt").symlink_to(secret)


def _link_loop(folder: Path) -> None:
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")


CASES = [
    # The folder cases.
    Case("F", "link-out.txt", _outside_link, "skipped", "link_outside"),
    Case("F", "loop-a.txt", _link_loop, "skipped", "link_broken"),
    Case("F", "pipe.txt", lambda f: os.mkfifo(f / "pipe.txt"), "skipped", "special_file"),
    Case("F", "deep.html", _deep_html, "stored", budget=SLOW, words="Zanzibarite"),
    Case("F", "export.csv", _big_text, "truncated", budget=SLOW, words="Quuxington"),
    Case("F", "empty.pdf", _bytes("empty.pdf", b""), "failed", "empty"),
    Case("F", "bomb.docx", _bytes("bomb.docx", _docx_bomb), "failed", "too_large"),
    Case("F", "name\nwith newline.txt", _bytes("name\nwith newline.txt", b"Newlinium letter: not held.\n"),
         "stored", words="Newlinium"),
    Case("F", "bad-utf16.txt", _bytes("bad-utf16.txt", "\ufeffUtf16ium letter".encode("utf-16-le")[:-1]
                                      + b"\x00\xd8\x00"), "stored", words="Utf16ium"),
    Case("F", "mime300.eml", _bytes("mime300.eml", _nested_mime), "stored", words="Mimeologist"),
    # docs/reliability.md, E-rows.
    Case("E1", "half.pdf", _bytes("half.pdf", lambda: make_pdf(["Halfium"])[:300]), "failed", "parse_error"),
    Case("E2", "error-page.pdf", _bytes("error-page.pdf", b"<html><head><title>Error</title></head><body>"
                                       b"<p>Sessionium expired</p></body></html>"), "failed", "wrong_type"),
    Case("E3", "encrypted.pdf", _bytes("encrypted.pdf", lambda: make_pdf(["Lockedium"], encrypt=("user", "owner"))),
         "failed", "encrypted"),
    Case("E4", "owner-only.pdf", _bytes("owner-only.pdf", lambda: make_pdf(["Ownerium response"],
                                                                           encrypt=("", "owner"))),
         "stored", words="Ownerium"),
    Case("E5", "p-zero.pdf", _bytes("p-zero.pdf", permissions_zero), "failed", "parse_error"),
    Case("E6", "xref-loop.pdf", _bytes("xref-loop.pdf", xref_loop), "failed", "parse_error"),
    Case("E7", "flate-bomb.pdf", _bytes("flate-bomb.pdf", flate_bomb), "failed", "oom", budget=SLOW),
    Case("E9", "xobject-loop.pdf", _bytes("xobject-loop.pdf", xobject_cycle), "failed", "needs_ocr"),
    Case("E10", "pagetree-loop.pdf", _bytes("pagetree-loop.pdf", page_tree_loop), "stored", words="tree"),
    # One word under 100,000 brackets: read, then judged too little text for a page.
    Case("E12", "nested-arrays.pdf", _bytes("nested-arrays.pdf", nested_arrays), "failed", "needs_ocr"),
    Case("E14", "ratio-bomb.docx", _bytes("ratio-bomb.docx", _docx_ratio_bomb), "failed", "too_large"),
    Case("E15", "laughs.docx", _bytes("laughs.docx", lambda: _docx_entities("laughs")), "failed", "parse_error"),
    Case("E15", "xxe.docx", _bytes("xxe.docx", lambda: _docx_entities("xxe")), "stored", words="Hostile"),
    # A page named .docx is read as the page it is (reliability.md allows wrong_type; reading is kinder).
    Case("E16", "html.docx", _bytes("html.docx", b"<html><body><p>Disguisium page.</p></body></html>"),
         "stored", words="Disguisium"),
    Case("E16", "truncated.docx", _bytes("truncated.docx", lambda: make_docx("Truncatium")[:200]), "failed",
         "wrong_type"),
    Case("E17", "cp1252.html", _bytes("cp1252.html", "<p>Pricium \u00a310 \u201cquoted\u201d</p>".encode("cp1252")),
         "stored", words="Pricium"),
    Case("E18", "bad-utf8.html", _bytes("bad-utf8.html", b'<meta charset="utf-8"><p>Invalidium \xff\xfe bytes</p>'),
         "stored", words="Invalidium"),
    Case("E18", "nul.html", _bytes("nul.html", b"<p>Nullium a\x00b</p>"), "stored", words="Nullium"),
    Case("E18", "utf16.html", _bytes("utf16.html", "<p>Sixteenium</p>".encode("utf-16")), "stored",
         words="Sixteenium"),
    Case("E19", "unclosed.html", _big_html, "truncated", budget=SLOW, words="Unclosedium"),
]

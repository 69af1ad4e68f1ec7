"""E-mail messages (RFC 822 / MIME, mbox-style "From " line allowed) with the stdlib.

Replies from authorities arrive as e-mails whose attachments are the response,
sometimes MIME parts and sometimes uuencoded inside the text body (the Home
Office's ``begin 666 ResponseT5741 15.doc``). Every attachment is extracted
through the dispatcher, so a PDF inside an e-mail is read like any other PDF.
"""

from __future__ import annotations

import logging
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterator

from ingest.extract.extracted import Extracted, ExtractionError
from ingest.extract.attachments import attachment_section, failed_attachment
from ingest.extract.html import extract_html
from ingest.extract.titles import clean_title, title_from_filename

log = logging.getLogger(__name__)

#: Reads one attached file: (bytes, name, declared charset, depth) -> its text.
ReadAttachment = Callable[[bytes, str, "str | None", int], Extracted]

# An e-mail inside an e-mail inside ...: deep nesting is a bomb, not correspondence.
MAX_DEPTH = 5
MAX_ATTACHMENTS = 100

_UU_BEGIN = re.compile(r"^begin(?:-base64)? +([0-7]{3,4}) +(.+?)\s*$", re.M)
_UU_END = re.compile(r"^end\s*$", re.M)


def uudecode_line(line: str) -> bytes:
    """Decode one uuencoded line, tolerating stripped trailing spaces and stray characters."""
    if not line:
        return b""
    length = (ord(line[0]) - 32) & 63
    if length == 0:
        return b""
    # Mailers strip the trailing spaces that encode zero bits; pad them back.
    needed = (length * 4 + 2) // 3
    body = line[1 : 1 + needed].ljust(needed, " ")
    out = bytearray()
    for i in range(0, len(body), 4):
        quad = [(ord(c) - 32) & 63 for c in body[i : i + 4].ljust(4, " ")]
        out += bytes(
            (
                (quad[0] << 2 | quad[1] >> 4) & 0xFF,
                (quad[1] << 4 | quad[2] >> 2) & 0xFF,
                (quad[2] << 6 | quad[3]) & 0xFF,
            )
        )
    return bytes(out[:length])


def split_uuencoded(body: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Take uuencoded files out of a text body: (remaining text, [(name, bytes)])."""
    files = []
    pieces = []
    pos = 0
    for begin in _UU_BEGIN.finditer(body):
        if begin.start() < pos:
            continue  # a "begin" line inside a block already taken
        end = _UU_END.search(body, begin.end())
        stop = end.start() if end else len(body)
        lines = body[begin.end() : stop].strip("\r\n").splitlines()
        data = b"".join(uudecode_line(line.rstrip("\r")) for line in lines)
        files.append((begin.group(2).strip(), data))
        pieces.append(body[pos : begin.start()])
        pos = end.end() if end else len(body)
    pieces.append(body[pos:])
    return "".join(pieces), files


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError) as exc:
        # An unknown or lying charset label: the bytes are still worth reading.
        log.debug("undecodable text part (%s); reading as utf-8", exc)
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _iso_date(raw: str | None) -> str | None:
    try:
        return parsedate_to_datetime(raw).date().isoformat() if raw else None
    except (TypeError, ValueError, IndexError):
        return None


def _leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """The non-multipart parts in order; an attached e-mail is one leaf, not descended into."""
    if part.get_content_maintype() == "multipart":
        for child in part.iter_parts():
            yield from _leaves(child)
    else:
        yield part


def extract_eml(data: bytes, filename: str = "", depth: int = 0, *,
                read_attachment: ReadAttachment) -> Extracted:
    """Read an e-mail: its body, then each attachment's text under a heading line.

    ``read_attachment(data, name, charset, depth)`` reads one attached file: the dispatcher
    passes its own, so an attached PDF is read like any other without this module
    importing the dispatcher that imports it."""

    message = BytesParser(policy=policy.default).parsebytes(data)
    plain: list[str] = []
    html_bodies: list[EmailMessage] = []
    found: list[tuple[str, bytes, str | None]] = []
    for part in _leaves(message):
        content_type = part.get_content_type()
        name = part.get_filename()
        disposition = part.get_content_disposition()
        if content_type == "message/rfc822":
            inner = part.get_payload(0)
            found.append((name or "message.eml", inner.as_bytes(policy=policy.default), None))
        elif content_type in ("text/plain", "text/html") and not name and disposition != "attachment":
            if content_type == "text/plain":
                plain.append(_part_text(part))
            else:
                html_bodies.append(part)
        else:
            payload = part.get_payload(decode=True) or b""
            found.append((name or f"attachment-{len(found) + 1}", payload, part.get_content_charset()))

    method = "email"
    if plain:
        body = "\n\n".join(plain)
    elif html_bodies:
        part = html_bodies[0]
        body = extract_html(part.get_payload(decode=True) or b"", declared_charset=part.get_content_charset()).text
        method = "email-html"
    else:
        body = ""
    body, uuencoded = split_uuencoded(body.replace("\r\n", "\n"))
    found.extend((name, payload, None) for name, payload in uuencoded)

    attachments = []
    for name, payload, charset in found[:MAX_ATTACHMENTS]:
        if depth >= MAX_DEPTH:
            attachments.append(failed_attachment(
                name, ExtractionError("too_large", "attachments nested too deep")))
        else:
            attachments.append(read_attachment(payload, name, charset, depth + 1))

    parts = [re.sub(r"\n{3,}", "\n\n", body).strip("\n")]
    parts.extend("\n" + attachment_section(a) for a in attachments)
    subject = str(message.get("Subject") or "").strip()
    hints: dict[str, Any] = {}
    date = _iso_date(message.get("Date"))
    if date:
        hints["date"] = date
    if message.get("From"):
        hints["sender"] = str(message.get("From")).strip()
    if subject:
        hints["subject"] = subject
    title = clean_title(re.sub(r"^((re|fw|fwd)\s*:\s*)+", "", subject, flags=re.I)) or title_from_filename(filename)
    return Extracted(
        format="eml",
        text="\n".join(parts).strip("\n") + "\n",
        title=title,
        method=method,
        hints=hints,
        attachments=attachments,
    )

"""When the response was sent and when the request was received, as ISO dates.

The response date is the date of the authority's first substantive reply (a
thread's later internal reviews keep the response's date); in a single letter it
is the letter's date line ("Date: 4 October 2017", "13th October 2025",
"Sent: 20 December 2018"). The received date is read from "received on ...".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from ingest.metadata.passages import Message
from ingest.metadata.voice import divide

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DATE = re.compile(
    rf"""(?P<iso>\b(?P<iy>(?:19|20)\d\d)-(?P<im>[01]?\d)-(?P<id>[0-3]?\d)\b)
    | (?P<dmy>\b(?P<d>[0-3]?\d)(?:\^?(?:st|nd|rd|th))?\s+(?:of\s+)?(?P<m>{_MONTH})\.?,?\s+(?P<y>(?:19|20)\d\d)\b)
    | (?P<dash>\b(?P<d4>[0-3]?\d)-(?P<m4>{_MONTH})-(?P<y4>(?:19|20)?\d\d)\b)
    | (?P<mdy>\b(?P<m2>{_MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)\b)
    | (?P<num>\b(?P<d3>[0-3]?\d)(?P<sep>[/.\-])(?P<m3>[01]?\d)(?P=sep)(?P<y3>(?:19|20)?\d\d)\b)""",
    re.VERBOSE | re.IGNORECASE,
)
_DATE_LINE = re.compile(r"^\s*(?:Date(?:d)?|Sent|Date\s+of\s+response)\s*:?\s*(?P<rest>.{0,60})$",
                        re.IGNORECASE | re.MULTILINE)
_RECEIVED = re.compile(r"received\s+(?:by\s+[^.\n]{0,60}?\s+)?(?:on\s+)?(?P<rest>.{0,80})",
                       re.IGNORECASE | re.DOTALL)
# Dates in these sentences are not the letter's own date.
_NOT_LETTER_DATE = re.compile(r"received|request(?:ed)?\s+(?:of|dated|on)|dated|by\s*$|within|due|until|from\s*$",
                              re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """The first date written in ``text``, as ISO, or None."""
    for m in DATE.finditer(text):
        iso = _iso(m)
        if iso:
            return iso
    return None


def _iso(m: re.Match[str]) -> str | None:
    try:
        if m["iso"]:
            d = date(int(m["iy"]), int(m["im"]), int(m["id"]))
        elif m["dmy"]:
            d = date(int(m["y"]), _MONTHS[m["m"][:3].lower()], int(m["d"]))
        elif m["mdy"]:
            d = date(int(m["y2"]), _MONTHS[m["m2"][:3].lower()], int(m["d2"]))
        elif m["dash"]:  # "01-May-18"
            year = int(m["y4"])
            d = date(year + 2000 if year < 100 else year, _MONTHS[m["m4"][:3].lower()], int(m["d4"]))
        else:
            year = int(m["y3"])
            d = date(year + 2000 if year < 100 else year, int(m["m3"]), int(m["d3"]))  # UK order
    except ValueError:
        return None
    return d.isoformat() if 1990 <= d.year <= 2100 else None


def response_date(text: str, substantive: list[Message], hints: dict | None = None) -> str | None:
    """The date of the response: its first deciding reply in a thread, else the letter's date.

    A letter without a date line falls back on the date it was sent, where the file says
    it (an e-mail's Date header); a file's creation date is only the source's (source_date)."""
    dated = [m for m in substantive if m.date]
    if dated:
        return parse_date(dated[0].date or "")
    if substantive and substantive[0].date is None:
        hints = hints or {}
        # The letter's own date, not one in the e-mail it quotes or the request ("Sent: 1 May").
        voice, base = divide(text), substantive[0].start
        return letter_date(substantive[0].text, own=lambda at: voice.own(base + at)) or hints.get("date")
    return None


#: The source's dates, most telling first: a published page's date, its Last-Modified, the
#: file's own creation date.
SOURCE_DATE_HINTS = ("published", "last_modified", "created")


def source_date(hints: dict | None) -> str | None:
    """A date the source gives for a response with no date of its own in the text."""
    for key in SOURCE_DATE_HINTS:
        value = (hints or {}).get(key)
        found = parse_date(str(value)) if value else None
        if found:
            return found
    return None


def best_date(response: str | None, received: str | None, source: str | None) -> tuple[str | None, str | None]:
    """The date a response is filed under and where it came from (``date_source``): the
    response's own, else the source's if it falls in the weeks after receipt (a reply is
    written after the request arrives, so that is the nearer), else the received date, else
    the source's."""
    if response:
        return response, "response"
    if received and not (source and 0 <= _days(received, source) <= 60):
        return received, "received"
    return (source, "source") if source else (None, None)


def _days(earlier: str, later: str) -> int:
    try:
        return (date.fromisoformat(later[:10]) - date.fromisoformat(earlier[:10])).days
    except ValueError:
        return -1


def letter_date(text: str, own: Callable[[int], bool] = lambda at: True) -> str | None:
    """The date a single letter or e-mail was written; ``own`` says whether an offset is the
    writer's own words (voice.py), else a date there is passed over."""
    for m in _DATE_LINE.finditer(text[:4000]):
        if not own(m.start()):
            continue
        # A form's "Date Received:" label on the line above names this date, not the letter's.
        above = text[:m.start()].rstrip().rsplit("\n", 1)[-1]
        if _NOT_LETTER_DATE.search(above) and len(above) < 40:
            continue
        found = parse_date(m["rest"])
        if found:
            return found
    # Otherwise a date standing alone on its line near the top, as letters put it.
    head = text[:2500]
    for m in DATE.finditer(head):
        line_start = head.rfind("\n", 0, m.start()) + 1
        line_end = head.find("\n", m.end())
        line = head[line_start:line_end if line_end >= 0 else len(head)]
        if line.strip() != m.group(0).strip() and not line.rstrip().endswith(m.group(0)) or not own(m.start()):
            continue
        if _NOT_LETTER_DATE.search(line[:m.start() - line_start]):
            continue
        iso = _iso(m)
        if iso:
            return iso
    return None


def received_date(text: str, messages: list[Message]) -> str | None:
    """The date the request was received: as the authority states it, else the request's own date."""
    for m in _RECEIVED.finditer(text):
        found = parse_date(m["rest"])
        if found:
            return found
    for message in messages:
        if message.role == "requester" and message.date:
            return parse_date(message.date)
    return None

"""The authority's reference for a request.

References come in many shapes (``01.FOI.23.029569``, ``2018080000612``,
``FOI 34625``, ``01/FOI/25/006753/Z``, ``FOI 1306/25``, ``F-2010-00325``,
``FOI / 1680``, ``EIR / 1050729``, ``DC/FOI 59/18``, ``CHS/AWZBQX``,
``ECC4537301``, ``CRN00166467``) behind many labels ("Our ref", "Reference
No", "FOI Reference", "Request ID", "Your request number is", "Case ref",
"Freedom of Information – Response – 16078"). The authority's own reference
wins over the requester's ("Your ref"); a labelled one over a bare shape found
in the text; the text over its title, and the title over the file's name.
A date, a word or a phrase is never a reference. docs/metadata.md has the rules.
"""

from __future__ import annotations

import os
import re

from ingest.metadata.passages import split_messages

# A reference value, read case-sensitively: codes are written in capitals and digits.
# Either it holds three digits or more ("FOI 1306/25", "DC/FOI 59/18", "ECC4537301"), or it is
# a code of capitals with a separator ("CHS/AWZBQX", "TRE-AWZBQX"). Up to two prefixes of
# capitals ("FOI / 1680", "DC/FOI 1153/20", "IM-FOI-2023-1145").
_PREFIX = r"(?:[A-Z]{1,6}(?:[ \t]?[/\-.][ \t]?|[ \t]|(?=\d)))"
_DIGITAL = (rf"(?=[A-Z0-9./ \t\-]{{0,20}}?\d[A-Z0-9./\-]{{0,20}}?\d[A-Z0-9./\-]{{0,20}}?\d){_PREFIX}{{0,2}}"
            r"[A-Z0-9][A-Z0-9./\-]*(?:[ \t]?/[ \t]?[A-Z0-9][A-Z0-9\-]*)*")
_LETTERS = r"[A-Z]{2,6}[/\-][A-Z0-9]{4,}(?:[/\-][A-Z0-9]+)*"
# A year and a number spaced apart ("FOI 2021 131"), not a date ("2021 13 May").
_SPACED = (rf"{_PREFIX}{{0,2}}(?:19|20)\d{{2}}[ \t]\d{{2,6}}"
           r"(?![ \t]*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))")
# A code may end in one small letter: "FOI DA3720a" (a part of request DA3720).
_VALUE = rf"(?-i:(?P<value>{_SPACED}|(?:{_DIGITAL}|{_LETTERS})[a-z]?))(?![\w/])"
# Between a label and its value: a colon, dash, "is" or "#", and perhaps a line break when
# the label ends its line ("Reference Number:\n\nFOI20186816DJL").
# Atomic, so that a long run of spaces is crossed once, not tried in every split.
_GAP = (r"(?>[ \t]*(?:[:\-–—#.]|\bis\b|\bno\.?)?[ \t]*(?:ref(?:erence)?\b[ \t]*[:\-–—]?[ \t]*)?"
        r"(?:\n[ \t]*(?:\n[ \t]*)?)?)")
_LABEL = r"""(?:
      \b(?:our|my|authority|council|force|trust|department)[’']?s?\s+ref(?:erence)?\b(?:\s+(?:no|number|id)\b)?
    | \b(?:FOIA?|EIR|FOISA|information|request|case|service\s+request|enquiry|log)\s+
         (?:request\s+)?(?:ref(?:erence)?|no|number|id)\b(?:\s+(?:no|number|id)\b)?
    | \breference\s+(?:no|number|id)\b
    | \b(?:Freedom\s+of\s+Information|Environmental\s+Information)(?:\s+(?:Act|Regulations))?(?:\s+\d{4})?
         \s+(?:request|response)(?:\s+(?:no|number|ref(?:erence)?))?\b
    | \byour\s+request\s+(?:number|reference)\b
    | \breference\s+(?:number\s+)?(?:for|of)\s+your\s+(?:request|enquiry)\b
    | \bquote\s+(?:the\s+|our\s+|this\s+)?ref(?:erence)?\b(?:\s+(?:no|number))?
    | \bm/r\b
    | ^[ \t]*ref(?:erence)?\b
    | ^[ \t]*(?:Freedom\s+of\s+Information|FOI|EIR)(?:\s+(?:Act|request|response|\d{4}))*\s*[–—\-:]
         \s*(?:(?:request|response|reference)\s*[–—\-:]\s*)*
    )"""
_LABELLED = re.compile(rf"{_LABEL}{_GAP}{_VALUE}", re.VERBOSE | re.IGNORECASE | re.MULTILINE)
# A reference standing without a label: "FOI 1306/25", "EIR/1050729", "01/FOI/25/006753/Z",
# "F-2010-00325", "FOI10862", "ECC4537301", "DC/FOI 59/18".
_PREFIXED = re.compile(
    r"""(?<![\w/#])(?P<value>(?:FOIA?|EIR)[ \t](?:(?:19|20)\d{2}[ \t]\d{2,6}(?![ \t]*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))|[A-Z]{2,5}[/\-](?:19|20)\d{2}[/\-]\d{2,6})(?![\w/])
        |(?:[A-Z]{2}[ \t]?/[ \t]?)?(?:FOIA?|EIR|FOISA|IR)(?:[ \t]?\n)?[ \t]?/?[ \t]?\d[\d\-/]*\d(?:/[A-Z])?
        |\d{2}[./]FOI[./]\d{2}[./]\d{4,}(?:/[A-Z])?
        |F-\d{4}-\d{3,}
        |[A-Z]{1,3}\d{3,}[/-]\d{2})(?![\w/])""",
    re.VERBOSE,
)
# A code of capitals and five digits or more ("ECC4537301", "F0013056"): taken only where
# no reference of the shapes above is found.
_CODE = re.compile(r"(?<![\w/#])(?P<value>[A-Z]{1,4}\d{5,}[A-Z]{0,4})(?![\w/])")
_YOUR = re.compile(r"\b(?:your|y/r)\s*(?:own\s+)?ref|\bICO\s+ref|\bcase\s+ref\w*\s+(?:IC|FS)|\bcrime\s+ref"
                   r"|decision\s+notice",
                   re.IGNORECASE)
# A date, or a prefix and a year ("IR 2019" cut from "IR 2019 20 1881 25 June 2021.pdf").
_DATE_LIKE = re.compile(r"^(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
                        r"|(?:[A-Z]{1,6}[ /\-]?)?(?:19|20)\d\d)$")
# Words of capitals that follow a label but are no reference.
_NOT_A_CODE = re.compile(r"^(?:N/A|TBC|TBA|NONE|NIL)$", re.IGNORECASE)
# WhatDoTheyKnow's own request number ("[FOI #1111836 email]") is the site's, not the body's.
_WDTK_NUMBER = re.compile(r"FOI\s+#\d+")


def find_reference(text: str, *, title: str | None = None, filename: str | None = None) -> str | None:
    """The authority's reference, as written, or None."""
    return read_reference(text, title=title, filename=filename)[0]


def read_reference(text: str, *, title: str | None = None, filename: str | None = None
                   ) -> tuple[str | None, str | None]:
    """The authority's reference and where it was read: "labelled" ("Our ref: …"), "prefixed"
    (a prefixed value heading a line: "FOI / 1680"), "code" (a bare code of capitals and
    digits), "title" or "filename"; (None, None) when there is none."""
    messages = [m for m in split_messages(text) if m.role == "authority"] or split_messages(text)
    for message in messages:
        ref = _labelled(message.full)
        if ref:
            return ref, "labelled"
    for pattern, how in ((_PREFIXED, "prefixed"), (_CODE, "code")):
        for message in messages:
            ref = _prefixed(message.full, pattern)
            if ref:
                return ref, how
    if title:
        ref = _labelled(title) or _prefixed(title, _PREFIXED) or _prefixed(title, _CODE)
        if ref:
            return ref, "title"
    if filename:
        # A file is often named after its reference ("FOI 1306-25 Response.pdf").
        stem = os.path.splitext(os.path.basename(filename))[0].replace("_", " ")
        ref = _prefixed(stem, _PREFIXED) or _prefixed(stem, _CODE)
        if ref:
            return ref, "filename"
    return None, None


def _labelled(text: str) -> str | None:
    for m in _LABELLED.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _YOUR.search(text[line_start:m.start("value")]):
            continue
        value = _clean(m["value"])
        if _acceptable(value):
            return value
    return None


def _prefixed(text: str, pattern: re.Pattern[str]) -> str | None:
    for m in pattern.finditer(text):
        if _WDTK_NUMBER.match(text, max(0, m.start() - 5)) or text[max(0, m.start() - 1):m.start()] == "#":
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if _YOUR.search(text[line_start:m.start()]) or not _heading_like(line, line_start):
            continue
        value = _clean(m["value"])
        if _acceptable(value):
            return value
    return None


# A reference without a label counts where a heading or subject line carries it, or near the
# top of a letter; in running prose ("in our response to FOI 2019-20-1881") it names
# another request. The names of the files a reply attaches are short lines too.
_SUBJECT = re.compile(r"^[ \t]*(?:Subject|Re|RE|Title|Our\s+ref)\b", re.IGNORECASE)


def _heading_like(line: str, line_start: int) -> bool:
    return bool(_SUBJECT.match(line)) or len(line.strip()) <= 80 or line_start < 400


def _acceptable(value: str) -> bool:
    if not value or _DATE_LIKE.match(value) or _NOT_A_CODE.match(value):
        return False
    digits = sum(c.isdigit() for c in value)
    return digits >= 3 or re.fullmatch(_LETTERS, value) is not None


def _clean(value: str) -> str:
    value = value.replace("\n", " ").strip().rstrip(".,;:-/–")
    # A reference does not run on into the next word of the sentence, nor into a dash
    # that starts a heading's next part ("TRE/AWZBQX – INTERNAL REVIEW").
    value = re.split(r"\s+(?=[a-z]|[A-Z][a-z])|\s+[–—-]\s+", value)[0].strip()
    return value.rstrip(".,;:-/–").strip()

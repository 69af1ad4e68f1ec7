"""The authority's reference for a request.

References come in many shapes (``01.FOI.23.029569``, ``2018080000612``,
``FOI 34625``, ``01/FOI/25/006753/Z``, ``FOI 1306/25``, ``F-2010-00325``,
``FOI / 1680``, ``EIR / 1050729``, ``Our reference: 4320762``, ``DC/FOI 1153/20``). The authority's own
reference wins over the requester's ("Your reference"), and a labelled one
("Our ref", "Reference No", "m/r") over one found in a subject line.
"""

from __future__ import annotations

import re

from ingest.metadata.text import split_messages

# The shape of a reference value: letters, digits and separators, with at least three digits.
# Up to two letter prefixes ("FOI / 1680", "DC/FOI 1153/20", "IM-FOI-2023-1145").
_VALUE = (r"(?P<value>(?=[A-Z0-9./ \-]*\d{3})(?:[A-Z]{1,6}(?:[ \t]?[/\-.][ \t]?|[ \t])){0,2}"
          r"[A-Z0-9][A-Z0-9./\-]*(?:[ \t]?/[ \t]?[A-Z0-9][A-Z0-9\-]*)*)")
_LABELLED = re.compile(
    rf"""(?:\b(?:our|my|authority)\s+ref(?:erence)?(?:\s+(?:no|number))?\.?
        |\b(?:request\s+)?reference\s+(?:no|number)\.?
        |\bFOI(?:A)?\s+(?:request\s+)?ref(?:erence)?(?:\s+(?:no|number))?\.?
        |\b(?:Freedom\s+of\s+Information|FOI|EIR)\s+request(?:\s+(?:no|number|ref(?:erence)?))?\.?
        |\brequest\s+(?:no|number)\.?
        |\bm/r
        |^\s*ref(?:erence)?\.?)
        [ \t]*[:\-–]?[ \t]*{_VALUE}""",
    re.VERBOSE | re.IGNORECASE | re.MULTILINE,
)
# "Reference – FOI / 1680", "FREEDOM OF INFORMATION REQUEST – FOI 1306/25", "Internal Review FOI/2020-21-2760".
_PREFIXED = re.compile(
    r"""(?<![\w/])(?P<value>(?:FOIA?|EIR|FOISA|IR)(?:[ \t]?\n)?[ \t]?/?[ \t]?\d[\d\-/]*\d(?:/[A-Z])?
        |\d{2}[./]FOI[./]\d{2}[./]\d{4,}(?:/[A-Z])?
        |F-\d{4}-\d{3,}
        |[A-Z]{1,3}\d{3,}[/-]\d{2})(?![\w/])""",
    re.VERBOSE,
)
_YOUR = re.compile(r"\b(?:your|y/r)\s*ref", re.IGNORECASE)
_NOT_A_REFERENCE = re.compile(r"^(?:\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}|[A-Z]+)$", re.IGNORECASE)


def find_reference(text: str, *, title: str | None = None) -> str | None:
    """The authority's reference, as written, or None."""
    messages = [m for m in split_messages(text) if m.role == "authority"] or split_messages(text)
    for message in messages:
        ref = _labelled(message.full)
        if ref:
            return ref
    for message in messages:
        m = _PREFIXED.search(message.full)
        if m:
            return _clean(m["value"])
    if title:
        m = _PREFIXED.search(title)
        if m:
            return _clean(m["value"])
    return None


def _labelled(text: str) -> str | None:
    for m in _LABELLED.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _YOUR.search(text[line_start:m.start("value")]):
            continue
        value = _clean(m["value"])
        if value and not _NOT_A_REFERENCE.match(value) and sum(c.isdigit() for c in value) >= 3:
            return value
    return None


def _clean(value: str) -> str:
    value = value.replace("\n", " ").strip().rstrip(".,;:-/")
    # A reference does not run on into the next word of the sentence.
    return re.split(r"\s+(?=[a-z]|[A-Z][a-z])", value)[0].strip()

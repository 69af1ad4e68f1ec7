"""Under which law a response was made: FOIA, the EIR or FOISA.

A Scottish body answers under FOISA whatever its letter calls the Act. Otherwise
the authority's own words decide ("dealt with under the Environmental Information
Regulations", an "EIR /" reference, "regulation 12(4)(b)"), then the requester's.
"""

from __future__ import annotations

import re

from ingest.metadata.text import split_messages

_FOISA = re.compile(r"Freedom\s+of\s+Information\s*\(\s*Scotland\s*\)\s*Act|\bFOISA\b", re.IGNORECASE)
_EIR = re.compile(
    r"Environmental\s+Information\s+Regulations|\bEIR\s*/|\bEIRs?\b|\bregulations?\s+1[23]\b", re.IGNORECASE
)
_EIR_HANDLED = re.compile(
    r"""(?:dealt\s+with|handled|considered|processed|logged|responded\s+to|treated)\s+(?:it\s+)?(?:under|as)
        \s+(?:an?\s+|the\s+)?(?:Environmental\s+Information|EIR)
      | Environmental\s+Information\s+Regulations\s+(?:2004\s+)?Request
      | ^\s*Environmental\s+Information\s+Regulations\s+2004\s*$
      | Reference\s*[–:-]*\s*EIR\b""",
    re.VERBOSE | re.IGNORECASE | re.MULTILINE,
)
_FOIA = re.compile(r"Freedom\s+of\s+Information|\bFOIA?\b|\bFOI\s*/", re.IGNORECASE)
_FOIA_HANDLED = re.compile(
    r"""(?:dealt\s+with|handled|considered|processed|logged|treated)\s+(?:under|as)\s+(?:an?\s+|the\s+)?
        Freedom\s+of\s+Information
      | Reference\s*[–:-]*\s*FOI\b""",
    re.VERBOSE | re.IGNORECASE,
)


def find_regime(text: str, *, scottish: bool = False, title: str | None = None) -> str | None:
    """The regime of a response, or None when the text names no FOI law at all."""
    if scottish or _FOISA.search(text):
        return "FOISA"
    authority = " ".join(m.text for m in split_messages(text) if m.role == "authority")
    for words in (authority, text + "\n" + (title or "")):
        eir_handled = len(_EIR_HANDLED.findall(words))
        foi_handled = len(_FOIA_HANDLED.findall(words))
        if eir_handled or foi_handled:
            return "EIR" if eir_handled > foi_handled else "FOIA"
        eir, foi = len(_EIR.findall(words)), len(_FOIA.findall(words))
        if eir or foi:
            return "EIR" if eir > foi else "FOIA"
    return None

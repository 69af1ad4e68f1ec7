"""Under which law a response was made: FOIA, the EIR or FOISA.

A Scottish body answers under FOISA whatever its letter calls the Act. Otherwise
the authority's own words decide, strongest first: a statement of how the request
was handled ("considered under the Environmental Information Regulations 2004"),
then a reference's prefix ("EIR / 1038892"), then which law is named more often
("regulation 12(4)(b)", "the EIR") outside the appeals paragraph, which names
the FOI Act whatever the regime; then the requester's words.
"""

from __future__ import annotations

import re

from ingest.metadata.prefilter import Spans, fold, folded_pattern, may_match
from ingest.metadata.passages import sentences, split_messages

_FOISA = re.compile(r"Freedom\s+of\s+Information\s*\(\s*Scotland\s*\)\s*Act|\bFOISA\b", re.IGNORECASE)
_EIR = re.compile(
    r"Environmental\s+Information\s+Regulations|\bEIR\s*/|\bEIRs?\b|\bregulations?\s+1[23]\b", re.IGNORECASE
)
_EIR_HANDLED = re.compile(
    r"""(?:dealt\s+with|handled|considered|processed|logged|responded\s+to|treated)\s+(?:it\s+)?(?:under|as)
        \s+(?:an?\s+|the\s+)?(?:Environmental\s+Information|EIR)
      | Environmental\s+Information\s+Regulations\s+(?:2004\s+)?Request
      | ^\s*Environmental\s+Information\s+Regulations\s+2004\b""",
    re.VERBOSE | re.IGNORECASE | re.MULTILINE,
)
_FOIA = re.compile(r"Freedom\s+of\s+Information|\bFOIA?\b|\bFOI\s*/", re.IGNORECASE)
_FOIA_HANDLED = re.compile(
    r"""(?:dealt\s+with|handled|considered|processed|logged|treated)\s+(?:under|as)\s+(?:an?\s+|the\s+)?
        Freedom\s+of\s+Information""",
    re.VERBOSE | re.IGNORECASE,
)
# A reference's prefix ("Reference – EIR / 1038892", "Our reference: FOI 58022") says less: many
# offices number every request "FOI ..." whatever law answers it.
_EIR_REFERENCE = re.compile(r"Reference\s*(?:no\.?|number)?\s*[–:-]*\s*EIR\b", re.IGNORECASE)
_FOIA_REFERENCE = re.compile(r"Reference\s*(?:no\.?|number)?\s*[–:-]*\s*FOI\b", re.IGNORECASE)
# The appeals paragraph names the Act whatever the regime ("section 50 of the Freedom of Information Act").
_APPEALS = re.compile(r"Information\s+Commissioner|internal\s+review|dissatisfied|unhappy|complain|appeal|re-use|Open\s+Government",
                      re.IGNORECASE)


def find_regime(text: str, *, scottish: bool = False, title: str | None = None) -> str | None:
    """The regime of a response, or None when the text names no FOI law at all."""
    folded = fold(text)
    if scottish or (may_match(_FOISA, folded) and _FOLDED[_FOISA].search(folded)):
        return "FOISA"
    authority = " ".join(m.text for m in split_messages(text) if m.role == "authority")
    for words in (authority, text + "\n" + (title or "")):
        sents = sentences(words)
        # Only a sentence holding the appeals paragraph's words can be one of it (prefilter.py).
        appeals = Spans(fold(words), [(s.start, s.end) for s in sents]).candidates(_APPEALS)
        decided = fold("\n".join(s.text for i, s in enumerate(sents)
                                  if not ((appeals is None or i in appeals) and _APPEALS.search(s.text))))
        for eir_rule, foi_rule in ((_EIR_HANDLED, _FOIA_HANDLED), (_EIR_REFERENCE, _FOIA_REFERENCE), (_EIR, _FOIA)):
            eir, foi = _count(eir_rule, decided), _count(foi_rule, decided)
            if eir or foi:
                return "EIR" if eir > foi else "FOIA"
    return None


# The rules as they read the folded text: the same matches, found several times faster.
_FOLDED = {rule: folded_pattern(rule) for rule in (_FOISA, _EIR_HANDLED, _FOIA_HANDLED, _EIR_REFERENCE,
                                                    _FOIA_REFERENCE, _EIR, _FOIA)}


def _count(rule: re.Pattern[str], folded: str) -> int:
    """How many times ``rule`` matches (the folded text): none where its words are missing."""
    return len(_FOLDED[rule].findall(folded)) if may_match(rule, folded) else 0

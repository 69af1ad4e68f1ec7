"""Which provisions a response relies on to withhold or refuse.

A citation counts only when (1) it is FOIA, EIR or FOISA and not a section of
another Act, (2) it is not procedural (s.1, s.10, s.17, reg.7 ...), (3) the
authority wrote it (not the requester, nor a quotation of the request), (4) its
sentence uses the language of reliance ("exempt", "withheld", "applies", "by
virtue of", "exceed the cost limit" ...), and (5) it is not in the appeals
paragraph nor said to be considered and then not applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from archive import law
from archive.models import Exemption
from ingest.metadata.prefilter import fold, may_match
from ingest.metadata.passages import Sentence, sentences, split_messages, trim_sentence
from ingest.metadata.voice import divide

# "section 40(2)", "s.40(2)(a)", "S40(2)", "sections 24(2) and 31(3)", "ss.1, 10 and 17",
# "regulation 12(5)(b)", "reg. 13", "section 40 (2) (a)", "s.31(1)(a)(b)".
_SUBS = r"(?:\s?\(\s?[0-9]{1,2}[A-Z]?\s?\)|\s?\(\s?[a-z]{1,4}\s?\))*"
_NUM = r"\d{1,3}[A-Z]?(?![0-9/.,]\d)(?!\s?\d[A-Z]{2}\b)"
# "(national security)": what a listed section is about, between the items of a list.
_GLOSS = r"(?:\s?\((?=[^()]*\s)[A-Za-z][^()\d]{3,60}\))?"
_KIND = r"sections?|sect\.|secs?\.?|ss?\.?|regulations?|regs?\.?"
CITATION = re.compile(
    rf"""(?<![\w.])
    (?P<kind>{_KIND})
    \s?(?P<first>{_NUM}{_SUBS})
    (?P<more>(?:{_GLOSS}\s?(?:,|and|or|&|/)\s?(?:s\.?\s?)?{_NUM}{_SUBS})*)
    (?![\w£%])""",
    re.VERBOSE | re.IGNORECASE,
)
_ONE = re.compile(rf"(?P<num>{_NUM})(?P<subs>{_SUBS})", re.IGNORECASE)

# What follows a citation and names its Act.
_FOI_ACT = re.compile(
    r"""^[\s,]*(?:of|under)?\s*(?:the\s+)?
    (?P<act>Freedom\s+of\s+Information\s*\(\s*Scotland\s*\)\s*Act|FOISA
    |Freedom\s+of\s+Information\s+Act|FOIA?\b|FOI\s+Act|the\s+Act\b|Act\b
    |Environmental\s+Information\s+Regulations|EIRs?\b|Regulations\b)""",
    re.VERBOSE | re.IGNORECASE,
)
_OTHER_ACT = re.compile(
    r"""^[\s,]*(?:of|under|in)\s+(?:the\s+)?
    (?:Schedule\b|Part\b|Chapter\b
    |[A-Z][\w'’&-]*(?:\s+(?:[A-Z][\w'’&-]*|\([^)]{1,60}\)|and|of|for|the|\d{4}))*
      \s+(?:Act|Regulations|Order|Rules|Code)\b)""",
    re.VERBOSE,
)
_FOI_NAME = re.compile(r"Freedom\s+of\s+Information|Environmental\s+Information", re.IGNORECASE)

_RELIANCE = re.compile(
    r"""exempt|exception|withh[oe]ld|withholding|refus|redact|rel(?:y|ied|ying|iance)\b|declin
    |engage|\bappl(?:y|ies|ied|ying)\b|by\s+virtue|neither\s+confirm|confirm\s+(?:n|or)\s*deny|\bNCND\b
    |cost\s+limit|appropriate\s+limit|exceed|vexatious|manifestly\s+unreasonable|not\s+obliged|does\s+not\s+arise
    |legally\s+privileged\s+under|(?:been|are|is)\s+(?:removed|omitted|obscured)\s+(?:under|in\s+line\s+with|in\s+accordance)
    |\bnot\s+(?:been\s+)?(?:included|provided|disclosed|released|shared)\b""",
    re.VERBOSE | re.IGNORECASE,
)
# Considered and not applied: "the public interest lies in favour of disclosure".
_NOT_APPLIED = re.compile(
    r"""public\s+interest\s+(?:lies|is|falls|rests)\s*(?:in\s+favour\s+of|with)\s+(?:the\s+)?(?:disclos|releas)
    |public\s+interest\s+favours\s+(?:the\s+)?(?:disclos|releas)
    |(?:not|no\s+longer)\s+(?:be\s+)?(?:rely|relying|relied|applying|applied|engaged|withholding)
    |(?<!duty\s)(?<!deny\s)(?:does|do)\s+not\s+apply(?!\s+by\s+virtue)|is\s+not\s+engaged|withdr[ae]w\s+(?:its|our|the)\s+reliance
    |not\s+yet\s+(?:reached|made)\s+a\s+decision|(?:consider|determine|decide)\w*\s+whether\s+(?:or\s+not\s+)?(?:the\s+)?(?:balance|exemption|public\s+interest)""",
    re.VERBOSE | re.IGNORECASE,
)
# The appeals paragraph: how to complain, not what was decided.
_APPEALS = re.compile(
    r"internal\s+review|Information\s+Commissioner|\bICO\b|make\s+a\s+complaint|complaint\s+to|appeal|dissatisfied"
    r"|unhappy|right\s+to\s+(?:request|ask|complain|appeal)",
    re.IGNORECASE,
)
_DECIDED_IN_REVIEW = re.compile(r"uph[eo]ld|applied\s+correctly|maintain|withh[oe]ld|exempt|redact", re.IGNORECASE)
_DECISION_NOTICE = re.compile(r"\bDecision\s+notice\b", re.IGNORECASE)
_COMMISSIONER_DECIDES = re.compile(r"Commissioner[’']s\s+decision\s+is|Commissioner\s+(?:has\s+)?decided",
                                   re.IGNORECASE)


# How sure an exemption is (docs/metadata.md, "How sure"): cited in a sentence of reliance;
# listed under a heading that says "the following exemptions"; a cost refusal naming no section.
SURE_SENTENCE, SURE_LISTED, SURE_COST = 0.95, 0.85, 0.8


@dataclass
class Citation:
    """One provision cited in the text, before deciding whether it was relied on."""

    code: str
    start: int


def is_decision_notice(text: str) -> bool:
    """Whether the document is an Information Commissioner's decision notice, not a response."""
    head = text[:3000]
    # Without the words "decision" and "notice" (prefilter.py) the search is not needed.
    return bool(may_match(_DECISION_NOTICE, fold(head)) and _DECISION_NOTICE.search(head)
                and _COMMISSIONER_DECIDES.search(text[:6000]))


def find_exemptions(text: str, regime: str | None = None) -> list[Exemption]:
    """The provisions relied on in a response, first citation of each code, in text order."""
    if is_decision_notice(text):
        return []
    section_regime = "FOISA" if regime == "FOISA" else "FOIA"
    other_act_numbers = _numbers_of_other_acts(text)
    found: dict[str, Exemption] = {}
    # Only the body's own words count: not the request it quotes ("I appreciate this may exceed
    # the section 12 limit"), earlier e-mails, the appeals paragraphs or the Act quoted (voice.py).
    voice = divide(text)
    for message in split_messages(text):
        if message.role != "authority":
            continue
        sents = sentences(message.text, message.start)
        for i, sent in enumerate(sents):
            # Most sentences cite nothing: look for citations before anything costlier.
            citations = _citations(sent, section_regime, other_act_numbers)
            if not citations or not voice.own(sent.start, sent.end):
                continue
            context = _context(sents, i)
            for cit in citations:
                if not voice.own(cit.start):
                    continue
                if law.is_procedural(cit.code) or law.provision(cit.code) is None:
                    continue
                if not _relied_on(sent, context, sents[i + 1] if i + 1 < len(sents) else None):
                    continue
                # Reliance said in the citation's own sentence, or only by a heading over a list.
                sure = SURE_SENTENCE if _RELIANCE.search(sent.text) else SURE_LISTED
                found.setdefault(cit.code, Exemption(cit.code, trim_sentence(sent.text, cit.start - sent.start),
                                                     cit.start, sure))
    if regime != "EIR" and not any(law.section_of(c) in _COST_SECTIONS for c in found):
        cost = _cost_without_citation(text)
        if cost is not None:
            cost.code = f"{section_regime} s.12"
            found[cost.code] = cost
    return _drop_less_specific(list(found.values()))


_COST_SECTIONS = ("FOIA s.12", "FOISA s.12")


def _cost_without_citation(text: str) -> Exemption | None:
    """A refusal on cost that names no section ("would be beyond the 18 hours", "exceeds
    the appropriate limit" of the Fees Regulations) relies on s.12 all the same: the
    first such sentence of the authority's own words, outside the appeals paragraph."""
    from ingest.metadata.decision import COST, HYPOTHETICAL

    voice = divide(text)
    for message in split_messages(text):
        if message.role != "authority" or not may_match(COST, fold(message.text)):
            continue
        for sent in sentences(message.text, message.start):
            if not voice.own(sent.start, sent.end):
                continue
            m = COST.search(sent.text)
            if m and not _APPEALS.search(sent.text) and not HYPOTHETICAL.search(sent.text):
                return Exemption("", trim_sentence(sent.text, m.start()), sent.start + m.start(), SURE_COST)
    return None




def _context(sents: list[Sentence], i: int) -> str:
    """A sentence with what introduces it: "... by virtue of the following exemptions:" and the
    short headings listed under it ("Section 24(2) National Security", "Section 31(3) Law Enforcement")."""
    parts = [sents[i].text]
    for j in range(i - 1, max(-1, i - 4), -1):
        previous = sents[j].text.rstrip()
        if previous.endswith(":"):
            parts.insert(0, previous)
            break
        if len(previous) > 60 or not CITATION.match(previous):
            break
    return " ".join(parts)


def _relied_on(sent: Sentence, context: str, following: Sentence | None) -> bool:
    if not _RELIANCE.search(context):
        return False
    if _APPEALS.search(sent.text) and not _DECIDED_IN_REVIEW.search(sent.text):
        return False
    after = sent.text + " " + (following.text if following else "")
    return not _NOT_APPLIED.search(after)


def _citations(sent: Sentence, section_regime: str, other_act_numbers: set[str]) -> list[Citation]:
    out: list[Citation] = []
    if not _DIGIT.search(sent.text):  # every citation has a number
        return out
    for m in _cited(sent.text):
        kind = m["kind"].lower()
        tail = sent.text[m.end():m.end() + 160]
        if _of_other_act(tail):
            continue
        act = _FOI_ACT.match(tail)
        named = act["act"].lower() if act else ""
        if kind.startswith("reg") or "environmental" in named or named.startswith("eir"):
            regime = "EIR"
        elif "scotland" in named or named == "foisa":
            regime = "FOISA"
        else:
            regime = section_regime
        body = m["first"] + (m["more"] or "")
        body_start = sent.start + m.start("first")
        for n, one in enumerate(_ONE.finditer(body)):
            # The first provision is cited from its "section"; a later one of a list from its number.
            at = sent.start + m.start() if n == 0 else body_start + one.start()
            num = one["num"].upper()
            if not act and f"{kind[:1]}{num}" in other_act_numbers:
                continue
            subs = re.findall(r"\(\s?([0-9A-Za-z]{1,4})\s?\)", one["subs"])
            for code in _codes(regime, num, subs):
                out.append(Citation(code, at))
    return out


def _codes(regime: str, num: str, subs: list[str]) -> list[str]:
    """Normal-form codes; "31(1)(a)(b)" is two codes, 31(1)(a) and 31(1)(b)."""
    prefix = f"{regime} {'reg.' if regime == 'EIR' else 's.'}{num}"
    # "40(3)(a)(i)": a numeral after a letter is its sub-paragraph, not a second letter.
    if len(subs) >= 2 and subs[-2].isalpha() and len(subs[-2]) == 1 and _ROMAN.fullmatch(subs[-1]) \
            and not (subs[-2] == "h" and subs[-1] == "i"):
        return [prefix + "".join(f"({s})" for s in subs)]
    letters = [s for s in subs if s.isalpha() and s.islower()]
    if len(letters) > 1 and subs[-len(letters):] == letters:
        head = "".join(f"({s})" for s in subs[:-len(letters)])
        return [f"{prefix}{head}({x})" for x in letters]
    return [prefix + "".join(f"({s})" for s in subs)]


def _of_other_act(tail: str) -> bool:
    """Whether what follows a citation ties it to an Act other than FOIA, the EIR or FOISA."""
    return bool(_OTHER_ACT.match(tail)) and not _FOI_NAME.search(tail[:80])


def _numbers_of_other_acts(text: str) -> set[str]:
    """Section numbers the document ties to another Act, so a bare "section 41" later means the same."""
    numbers = set()
    for m in _cited(text):
        if _of_other_act(text[m.end():m.end() + 160]):
            for one in _ONE.finditer(m["first"] + (m["more"] or "")):
                numbers.add(f"{m['kind'][:1].lower()}{one['num'].upper()}")
    return numbers


_DIGIT = re.compile(r"\d")
_ROMAN = re.compile(r"i{1,3}|iv|v|vi{1,3}|ix|x")
# Where a citation may start: its kind and the first digit of its number. Unlike CITATION,
# which starts with a look-behind, this starts with a letter ("s" or "r", in the folded
# text), so ``re`` skips to those letters at C speed instead of trying the whole pattern,
# IGNORECASE, at every position.
_CITATION_START = re.compile(rf"(?:{_KIND})\s?\d")


def _cited(text: str) -> Iterator[re.Match[str]]:
    """``CITATION.finditer(text)``: the pattern tried only where _CITATION_START matches
    the folded text. Every citation starts with such a match, and finditer (non-overlapping)
    reports it: a match of _CITATION_START that began earlier cannot hold the start of a
    citation, which follows neither a letter, a dot, nor (being a letter) the space before
    that match's digit. finditer's leftmost match from where the last ended is so found."""
    end = 0
    for hint in _CITATION_START.finditer(fold(text)):
        at = hint.start()
        if at < end:
            continue
        m = CITATION.match(text, at)
        if m:
            end = m.end()
            yield m


def _drop_less_specific(found: list[Exemption]) -> list[Exemption]:
    """Drop "FOIA s.40" when "FOIA s.40(2)" is also there: the same provision, said less precisely."""
    codes = {e.code for e in found}
    return [e for e in found if not any(c != e.code and c.startswith(e.code + "(") for c in codes)]

"""What the authority decided: disclosed in full, partly, refused, NCND, not held, mixed.

Each authority message of a thread is read for what it says it does: releases
information, withholds it (an exemption, the cost limit, a vexatious request),
does not hold it, neither confirms nor denies. Acknowledgements, holding replies
and requests for clarification decide nothing. The decisions of all substantive
replies (the response, then any internal review) are put together, so a thread
whose review withholds what the response said was not held is "mixed".
The requester's WDTK status is never read here: the text decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive import law
from archive.models import Exemption
from ingest.metadata.text import Message, quoted_from_request, sentences, split_messages

_NO_DECISION = re.compile(
    r"""logged\s+as\s+an?\s+(?:Freedom|Environmental|FOI|EIR)|we\s+must\s+respond\s+to\s+you\s+within
    |currently\s+processing\s+your\s+request|acknowledge\s+(?:receipt|your)|has\s+been\s+received\s+and
    |(?:ask|asking)\s+you\s+to\s+clarify|please\s+(?:could\s+you\s+)?clarify|further\s+information\s+from\s+you
    |apologi[sz]e\s+for\s+the\s+delay|will\s+endeavour\s+to\s+send|as\s+soon\s+as\s+(?:we\s+can|possible)
    |extend(?:ed)?\s+the\s+(?:time|deadline)|public\s+interest\s+extension""",
    re.VERBOSE | re.IGNORECASE,
)
_NOT_HELD = re.compile(
    r"""(?:do|does|did)\s+not\s+(?:hold|possess|have\s+(?:it|this|that|the|any)\b)
    |(?:is|are|was|were)\s+not\s+held|\bnot\s+held\b|hold\s+no\s+(?:recorded\s+)?(?:information|record)
    |no\s+(?:recorded\s+)?information\s+(?:is\s+)?held|(?:can|could)\s+find\s+no\s+record
    |no\s+(?:relevant\s+)?records?\s+(?:of|were|was|could|have)|no\s+longer\s+(?:complete|collect|record|produce|compile|hold)
    |not\s+(?:yet\s+)?been\s+developed|regulation\s+12\s?\(4\)\s?\(a\)""",
    re.VERBOSE | re.IGNORECASE,
)
_WITHHELD = re.compile(
    r"""exempt\s+from\s+disclosure|(?:is|are|been|being)\s+withheld|withholding|we\s+are\s+refusing|refus(?:e|ed|al)\s+(?:notice|your|the|this)
    |(?:is|are)\s+exempt\b|exemptions?\s+(?:applied|appl(?:y|ies))|exceed\s+the\s+(?:cost|appropriate)|cost\s+limit
    |manifestly\s+unreasonable|vexatious|unable\s+to\s+provide\s+(?:this|the)\s+information(?!,?\s+because\s+we\s+do\s+not)
    |not\s+(?:a\s+)?valid\s+request|invalid\s+request|decline\s+(?:to|your)|declining\s+to
    |cannot\s+process\s+your\s+requests?|decided\s+not\s+to\s+disclose""",
    re.VERBOSE | re.IGNORECASE,
)
_PARTIAL = re.compile(
    r"""(?:disclose|provide|release)\s+some\b|\bexempting\s+(?:the\s+)?(?:specific|names?|some|part)|withh\w+\s+some\b|not\s+being\s+withheld|some\s+(?:of\s+the\s+)?(?:information|data)\s+(?:has\s+been|is|was)\s+withheld
    |\bredacted\b|\bredactions\b|partially|(?:remainder|rest)\s+of\s+the\s+information
    |relating\s+to\s+[\w\s]{1,40}?\s+(?:is|are)\s+exempt""",
    re.VERBOSE | re.IGNORECASE,
)
_DISCLOSED = re.compile(
    r"""(?:decided|decision\s+has\s+been\s+(?:taken|made))\s+to\s+disclose|(?:please\s+)?(?:find|see)\s+(?:attached|enclosed)\s+(?:the|a|copies|copy|\w+\s+(?:data|information|documents?|reports?|licen[cs]es?))
    |(?:attached|enclosed)\s+(?:is|are)\s|information\s+(?:is\s+)?(?:attached|enclosed|provided\s+below)|our\s+response\s*:
    |please\s+see\s+(?:the\s+)?(?:response|answers?|information|table|dates|figures|data|list|details)\s+(?:below|attached)|\bhas\s+been\s+released
    |released\s+to\s+you|(?:is|are)\s+as\s+follows|provided\s+(?:below|above)|we\s+(?:can\s+)?provide\s+the\s+following""",
    re.VERBOSE | re.IGNORECASE,
)
# A reply that says it answers, with nothing withheld or missing: the answer is the information.
_ANSWERED = re.compile(
    r"""response\s+to\s+your\s+request\s+(?:is\s+)?set\s+out\s+below|replying\s+(?:informally\s+)?to\s+tell\s+you
    |please\s+(?:find|see)\s+(?:our|the)\s+response\s+below""",
    re.VERBOSE | re.IGNORECASE,
)
_NCND = re.compile(r"neither\s+confirm\s+nor\s+deny|\bNCND\b", re.IGNORECASE)
# The file names of attached response letters are a decision too ("Response not held.pdf").
_ATTACHMENT_NOT_HELD = re.compile(r"not\s*held", re.IGNORECASE)
_ATTACHMENT_WITHHELD = re.compile(r"exempt|refus|withh", re.IGNORECASE)
_ATTACHMENT_RELEASE = re.compile(r"release|disclos|\bdata\b|redacted", re.IGNORECASE)
_REVIEW = re.compile(r"internal\s+review\s+(?:has|of|decision|outcome)|your\s+request\s+for\s+an\s+internal\s+review|(?:carried\s+out|completed)\s+an?\s+internal\s+review",
                     re.IGNORECASE)
_APPEALS = re.compile(r"internal\s+review|Information\s+Commissioner|unhappy|dissatisfied|complain", re.IGNORECASE)


@dataclass
class Decision:
    """What one message says it does."""

    disclosed: bool = False
    withheld: bool = False
    not_held: bool = False
    ncnd: bool = False
    attachments: list[str] = field(default_factory=list)

    @property
    def decided(self) -> bool:
        return self.disclosed or self.withheld or self.not_held or self.ncnd


def substantive_messages(text: str) -> list[Message]:
    """The authority's replies that are more than an acknowledgement, holding reply or clarification."""
    out = []
    for message in split_messages(text):
        if message.role != "authority":
            continue
        decision = read_message(message, text)
        if decision.decided or message.attachments or not _NO_DECISION.search(message.text):
            out.append(message)
    return out


def decision_messages(text: str, substantive: list[Message]) -> list[Message]:
    """The substantive replies that decide something, or all substantive replies when none does."""
    decided = [m for m in substantive if read_message(m, text).decided]
    return decided or substantive


def read_message(message: Message, text: str, exemptions: list[Exemption] = ()) -> Decision:
    """Read one message for what it decides."""
    d = Decision(attachments=message.attachments)
    answered = False
    for sent in sentences(message.text, message.start):
        words = sent.text
        if quoted_from_request(words, text) or (_APPEALS.search(words) and not _WITHHELD.search(words)):
            continue
        d.not_held |= bool(_NOT_HELD.search(words))
        d.withheld |= bool(_WITHHELD.search(words))
        d.disclosed |= bool(_DISCLOSED.search(words))
        d.ncnd |= bool(_NCND.search(words))
        answered |= bool(_ANSWERED.search(words))
        if _PARTIAL.search(words):
            d.disclosed = d.withheld = True
    for e in exemptions:
        if message.start <= e.offset < message.end:
            if law.is_ncnd(e.code):
                d.ncnd = True
            else:
                d.withheld = True
    for name in message.attachments:
        if _ATTACHMENT_NOT_HELD.search(name):
            d.not_held = True
        elif _ATTACHMENT_WITHHELD.search(name):
            d.withheld = True
            d.disclosed |= bool(re.search(r"\bsome\b|\bpart", name, re.IGNORECASE))
        elif _ATTACHMENT_RELEASE.search(name):
            d.disclosed = True
    if answered and not d.decided:
        d.disclosed = True
    return d


def find_outcome(text: str, exemptions: list[Exemption] = (), *, substantive: list[Message] | None = None) -> str | None:
    """The outcome of a response (or thread), or None when nothing was decided."""
    messages = substantive if substantive is not None else substantive_messages(text)
    total = Decision()
    first = True
    for message in messages:
        d = read_message(message, text, exemptions)
        # After the first decision, only an internal review changes it; later replies answer follow-ups.
        if not d.decided or not (first or _REVIEW.search(message.text)):
            continue
        first = False
        total.disclosed |= d.disclosed
        total.withheld |= d.withheld
        total.not_held |= d.not_held
        total.ncnd |= d.ncnd
    return combine(total)


def combine(d: Decision) -> str | None:
    """One outcome from what the replies did."""
    if not d.decided:
        return None
    if d.not_held and (d.disclosed or d.withheld):
        return "mixed"
    if d.not_held:
        return "not_held"
    if d.disclosed and (d.withheld or d.ncnd):
        return "partially_disclosed"
    if d.withheld:
        return "refused"
    if d.ncnd:
        return "neither_confirm_nor_deny"
    return "disclosed_in_full"

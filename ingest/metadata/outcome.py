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
from functools import lru_cache

from archive import law
from archive.models import Exemption
from ingest.metadata.prefilter import Spans, fold, may_match
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
    |not\s+(?:yet\s+)?been\s+(?:developed|implemented|produced|created|finalised|agreed|approved)
    |(?:is|are)\s+(?:currently\s+)?(?:in|under)\s+development|there\s+(?:is|are)\s+(?:currently\s+)?no\s+(?:defined\s+|specific\s+|such\s+|formal\s+)?(?:budget|policy|policies|record|records|data|information|figures|document)
    |regulation\s+12\s?\(4\)\s?\(a\)""",
    re.VERBOSE | re.IGNORECASE,
)
_WITHHELD = re.compile(
    r"""exempt\s+from\s+disclosure|(?:is|are|been|being)\s+withheld|withholding|we\s+are\s+refusing|refus(?:e|ed|al)\s+(?:your|the|this)
    |(?:is|are)\s+exempt\b|exemptions?\s+(?:applied|appl(?:y|ies))|exceed\s+the\s+(?:cost|appropriate)|cost\s+limit
    |manifestly\s+unreasonable|vexatious|unable\s+to\s+provide\s+(?:this|the)\s+information(?!,?\s+because\s+we\s+do\s+not)
    |not\s+(?:a\s+)?valid\s+request|invalid\s+request|decline\s+(?:to|your)|declining\s+to
    |cannot\s+process\s+your\s+requests?|decided\s+not\s+to\s+disclose|legally\s+privileged\s+under""",
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
_NCND = re.compile(r"neither\s+confirm\s+nor\s+deny|refus\w*\s+to\s+confirm\s+or\s+deny|\bNCND\b", re.IGNORECASE)
# "This letter serves as a refusal notice": every refusal says it, NCND and partial ones too,
# so it decides only when nothing else in the message does.
# Files attached again for reference were released before; they are not this reply's decision.
_FOR_REFERENCE = re.compile(
    r"attached\s+(?:it|them|this|these|a\s+copy)\s+for\s+(?:your\s+)?(?:reference|information)"
    r"|previously\s+(?:released|disclosed|provided)|which\s+we\s+(?:released|disclosed|provided)\s+to\s+you\s+on",
    re.IGNORECASE,
)
_REFUSAL_NOTICE = re.compile(r"refusal\s+notice", re.IGNORECASE)
# The lines of an attachment listing ("2 Attachments", "Q1 Redacted.pdf", "285K", "Download"):
# file names are read as names, not as the message's sentences.
_ATTACHMENT_LISTING = re.compile(
    r"^[ \t]*(?:\d+\s+Attachments?|[^\n]{1,120}\.(?:pdf|docx?|xlsx?|csv|odt|ods|zip|txt|msg|eml)|\d+(?:\.\d+)?\s*[KM]B?|Download|View\s+as\s+HTML)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
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
    body = _without_listings(message.text)
    read = _read_sentences(body, message.start, text)
    d.not_held, d.withheld, d.disclosed, d.ncnd = read.not_held, read.withheld, read.disclosed, read.ncnd
    answered, refusal_notice, ncnd_sentences = read.answered, read.refusal_notice, read.ncnd_sentences
    for e in exemptions:
        if not message.start <= e.offset < message.end:
            continue
        # A section cited in the sentence that neither confirms nor denies is the ground for it.
        if law.is_ncnd(e.code) or any(a <= e.offset < b for a, b in ncnd_sentences):
            d.ncnd = True
        else:
            d.withheld = True
    # The names of attached files are a decision too, unless the files are sent again for reference.
    if not _sent_for_reference(body):
        for name in message.attachments:
            if _ATTACHMENT_NOT_HELD.search(name):
                d.not_held = True
            elif _ATTACHMENT_WITHHELD.search(name):
                d.withheld = True
                d.disclosed |= bool(re.search(r"\bsome\b|\bpart", name, re.IGNORECASE))
            elif _ATTACHMENT_RELEASE.search(name):
                d.disclosed = True
    if refusal_notice and not d.decided:
        d.withheld = True
    if answered and d.not_held and not (d.disclosed or d.withheld or d.ncnd) and _answers_some(body, message.start, text):
        d.disclosed = True
    if answered and not d.decided:
        d.disclosed = True
    return d


# A message is read three times per response: what it is, with its listings blanked, is
# worked out once.
@lru_cache(maxsize=64)
def _without_listings(text: str) -> str:
    return _ATTACHMENT_LISTING.sub(lambda m: " " * len(m.group(0)), text)


@lru_cache(maxsize=64)
def _sent_for_reference(body: str) -> bool:
    return may_match(_FOR_REFERENCE, fold(body)) and _FOR_REFERENCE.search(body) is not None


@dataclass(frozen=True)
class _Sentences:
    """What a message's own sentences say, before exemptions and attachments are weighed."""

    not_held: bool = False
    withheld: bool = False
    disclosed: bool = False
    ncnd: bool = False
    answered: bool = False
    refusal_notice: bool = False
    ncnd_sentences: tuple[tuple[int, int], ...] = ()


# A message is read three times per response (which are substantive, which decide, what
# they decide): its sentences are tested once. Only the sentences that hold one of a
# pattern's required words (prefilter.py) can match it, so only they are searched; a
# sentence no decision pattern can match says nothing, whatever else it holds.
@lru_cache(maxsize=64)
def _read_sentences(body: str, base: int, text: str) -> _Sentences:
    flags = dict.fromkeys(("not_held", "withheld", "disclosed", "ncnd", "answered", "refusal_notice"), False)
    ncnd_sentences: list[tuple[int, int]] = []
    sents = sentences(body, base)
    spans = Spans(fold(body), [(s.start - base, s.end - base) for s in sents])
    may = {pattern: spans.candidates(pattern) for pattern in _SENTENCE_PATTERNS}
    every = range(len(sents))
    todo = sorted(set().union(*(every if c is None else c for p, c in may.items() if p in _DECIDING)))

    def found(pattern: re.Pattern[str], i: int, words: str) -> bool:
        c = may[pattern]
        return (c is None or i in c) and pattern.search(words) is not None

    for i in todo:
        sent = sents[i]
        words = sent.text
        if quoted_from_request(words, text, sent.start) or (found(_APPEALS, i, words) and not found(_WITHHELD, i, words)):
            continue
        flags["not_held"] |= found(_NOT_HELD, i, words)
        flags["withheld"] |= found(_WITHHELD, i, words)
        # "which we released to you on 13 May" tells of an earlier release, not this one.
        flags["disclosed"] |= found(_DISCLOSED, i, words) and not found(_FOR_REFERENCE, i, words)
        if found(_NCND, i, words):
            flags["ncnd"] = True
            ncnd_sentences.append((sent.start, sent.end))
        flags["answered"] |= found(_ANSWERED, i, words)
        flags["refusal_notice"] |= found(_REFUSAL_NOTICE, i, words)
        if found(_PARTIAL, i, words):
            flags["disclosed"] = flags["withheld"] = True
    return _Sentences(**flags, ncnd_sentences=tuple(ncnd_sentences))


# The patterns that decide something, and those read with them.
_DECIDING = (_NOT_HELD, _WITHHELD, _DISCLOSED, _NCND, _ANSWERED, _REFUSAL_NOTICE, _PARTIAL)
_SENTENCE_PATTERNS = (*_DECIDING, _APPEALS, _FOR_REFERENCE)


def _answers_some(body: str, base: int, text: str) -> bool:
    """Whether a reply that answers the request's questions one by one gives some answers
    that are not "not held" (so the reply is mixed, not simply not held)."""
    blocks: list[list[str]] = []
    for sent in sentences(body, base):
        if quoted_from_request(sent.text, text, sent.start):
            blocks.append([])
        elif blocks and not _APPEALS.search(sent.text):
            blocks[-1].append(sent.text)
    answers = [b for b in blocks if b]
    if len(answers) < 2:
        return False
    held = [b for b in answers if not any(_NOT_HELD.search(s) for s in b)]
    return 0 < len(held) < len(answers)


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
    """One outcome from what the replies did (the definitions of shared/domain.md)."""
    if not d.decided:
        return None
    if d.disclosed and (d.withheld or d.ncnd):
        return "partially_disclosed"
    if d.not_held and (d.disclosed or d.withheld or d.ncnd):
        return "mixed"
    if d.not_held:
        return "not_held"
    if d.ncnd:
        # Under NCND the other sections cited are what would apply if the information were held.
        return "neither_confirm_nor_deny"
    if d.withheld:
        return "refused"
    return "disclosed_in_full"

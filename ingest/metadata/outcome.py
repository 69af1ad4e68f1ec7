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
from archive.models import Evidence, Exemption, Question
from ingest.metadata.decision import (APPEALS, BOILERPLATE, COST, DISCLOSED, HYPOTHETICAL, NCND, NOT_HELD, OTHER_MEANS, PARTIAL, POINTER,
                                     COST_CODES, UNABLE, WITHHELD, gives_information)
from ingest.metadata.prefilter import Spans, fold, may_match
from ingest.metadata.passages import Message, Sentence, evidence, quoted_from_request, sentences, split_messages
from ingest.metadata.passages import split_messages as _split_messages_of
from ingest.metadata.voice import divide

_NO_DECISION = re.compile(
    r"""logged\s+as\s+an?\s+(?:Freedom|Environmental|FOI|EIR)|we\s+must\s+respond\s+to\s+you\s+within
    |currently\s+processing\s+your\s+request|acknowledge\s+(?:receipt|your)|has\s+been\s+received\s+and
    |(?:ask|asking)\s+you\s+to\s+clarify|please\s+(?:could\s+you\s+)?clarify|further\s+information\s+from\s+you
    |apologi[sz]e\s+for\s+the\s+delay|will\s+endeavour\s+to\s+send|as\s+soon\s+as\s+(?:we\s+can|possible)
    |extend(?:ed)?\s+the\s+(?:time|deadline)|public\s+interest\s+extension""",
    re.VERBOSE | re.IGNORECASE,
)
# The sentence patterns are decision.py's, one vocabulary for a question's answer and a
# whole reply's decision.
_NOT_HELD, _WITHHELD, _COST, _PARTIAL, _DISCLOSED, _UNABLE = NOT_HELD, WITHHELD, COST, PARTIAL, DISCLOSED, UNABLE
_POINTER, _OTHER_MEANS = POINTER, OTHER_MEANS
# A request refused as invalid (no full name, s.8) is asked again: not the decision on it.
_INVALID = re.compile(
    r"not\s+(?:a\s+)?valid\s+request|invalid\s+request|cannot\s+process\s+your\s+requests?"
    r"|(?:cannot|can\s?not|unable\s+to)\s+(?:consider|accept|treat|process)\s+(?:this|it|your\s+request)\s+as\s+(?:a\s+)?valid"
    r"|(?:have|has)\s+not\s+(?:given|provided)\s+(?:us\s+(?:with\s+)?)?(?:your|a)\s+(?:full|real)\s+name",
    re.IGNORECASE,
)
# A reply that says it answers, with nothing withheld or missing: the answer is the information.
_ANSWERED = re.compile(
    r"""response\s+to\s+your\s+request\s+(?:is\s+)?set\s+out\s+below|replying\s+(?:informally\s+)?to\s+tell\s+you
    |please\s+(?:find|see)\s+(?:our|the)\s+response\s+below""",
    re.VERBOSE | re.IGNORECASE,
)
_NCND = NCND
# "This letter serves as a refusal notice": every refusal says it, NCND and partial ones too,
# so it decides only when nothing else in the message does.
# Files attached again for reference were released before; they are not this reply's decision.
_FOR_REFERENCE = re.compile(
    r"attached\s+(?:it|them|this|these|a\s+copy)\s+for\s+(?:your\s+)?(?:reference|information)"
    r"|previously\s+(?:released|disclosed|provided)|which\s+we\s+(?:released|disclosed|provided)\s+to\s+you\s+on",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"[ \t]*(?:\d{1,2}[.)]|\(?[a-h]\)|[•·▪◦●\-–*])[ \t]")  # a line of a list: the request's items
_GREETING = re.compile(r"^[ \t]*(?:dear|good\s+(?:morning|afternoon)|hello)\b[^\n]*\n", re.IGNORECASE | re.MULTILINE)
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
# A spreadsheet a body sends is the data asked for.
_ATTACHMENT_RELEASE = re.compile(r"release|disclos|\bdata\b|redacted|(?<!not\s)(?<!not\sto\sbe\s)(?:suppl(?:y|ied)|provided)\b"
                                 r"|\.(?:xlsx?|csv|ods)$", re.IGNORECASE)
_REVIEW = re.compile(r"internal\s+review\s+(?:has|of|decision|outcome)|your\s+request\s+for\s+an\s+internal\s+review|(?:carried\s+out|completed)\s+an?\s+internal\s+review",
                     re.IGNORECASE)
_APPEALS = APPEALS
# A cost refusal of the request as a whole, not of one part of it (docs/metadata.md, "Outcome:
# the hard lines").
_WHOLE_REQUEST = re.compile(r"\b(?:your|the|this)\s+(?:whole\s+|entire\s+)?request\b|\bcomply(?:ing)?\s+with\s+(?:it|your|the)\b",
                            re.IGNORECASE)
_ONE_PART = re.compile(r"\b(?:question|part|point|item|q)\s?\d|\b(?:this|that|one|the\s+(?:first|second|third|last))\s+(?:part|question|element|point)",
                       re.IGNORECASE)


@dataclass
class Decision:
    """What one message says it does."""

    disclosed: bool = False
    withheld: bool = False
    not_held: bool = False
    ncnd: bool = False
    attachments: list[str] = field(default_factory=list)
    invalid: bool = False  # refused as no valid request (s.8): asked again, not decided
    # For each of disclosed, withheld, not_held, ncnd: the first sentence that says so, and where.
    evidence: dict[str, tuple[str, int]] = field(default_factory=dict)
    # For each flag, what said so first: "sentence" (decision words), "exemption" (a section
    # relied on), "attachment" (a file's name), "answered", "pointer", "unable", "facts",
    # "refusal_notice" (docs/metadata.md, "How sure").
    how: dict[str, str] = field(default_factory=dict)

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


def decision_messages(text: str, substantive: list[Message], exemptions: list[Exemption] = ()) -> list[Message]:
    """The substantive replies that decide something, or all substantive replies when none does."""
    readings = [(m, read_message(m, text, exemptions)) for m in substantive]
    decided = [(m, d) for m, d in readings if d.decided]
    # A refusal as invalid (s.8) that a later reply follows with a decision is not the decision.
    while len(decided) > 1 and _only_invalid(decided[0][1]) and not all(_only_invalid(d) for _, d in decided):
        decided.pop(0)
    return [m for m, _ in decided] or substantive


def _only_invalid(d: Decision) -> bool:
    return d.invalid and not (d.disclosed or d.not_held or d.ncnd)


def read_message(message: Message, text: str, exemptions: list[Exemption] = ()) -> Decision:
    """Read one message for what it decides."""
    d = Decision(attachments=message.attachments)
    body = _without_listings(message.text)
    read = _read_sentences(body, message.start, text)
    d.not_held, d.withheld, d.disclosed, d.ncnd = read.not_held, read.withheld, read.disclosed, read.ncnd
    d.invalid = read.invalid
    d.evidence = {flag: (sentence, at) for flag, sentence, at in read.where}
    d.how = dict(read.how)
    answered, refusal_notice, ncnd_sentences = read.answered, read.refusal_notice, read.ncnd_sentences
    for e in exemptions:
        if not message.start <= e.offset < message.end:
            continue
        # A section cited in the sentence that neither confirms nor denies is the ground for it.
        flag = "ncnd" if law.is_ncnd(e.code) or any(a <= e.offset < b for a, b in ncnd_sentences) else "withheld"
        setattr(d, flag, True)
        d.evidence.setdefault(flag, (e.sentence, e.offset))
        d.how.setdefault(flag, "exemption")
    # The names of attached files are a decision too, unless the files are sent again for reference.
    if not _sent_for_reference(body):
        for name in message.attachments:
            flags: tuple[str, ...] = ()
            if _ATTACHMENT_NOT_HELD.search(name):
                flags = ("not_held",)
            elif _ATTACHMENT_WITHHELD.search(name):
                flags = ("withheld", "disclosed") if re.search(r"\bsome\b|\bpart", name, re.IGNORECASE) else ("withheld",)
            elif _ATTACHMENT_RELEASE.search(name):
                flags = ("disclosed",)
            for flag in flags:
                setattr(d, flag, True)
                d.evidence.setdefault(flag, (f"Attachment: {name}", _offset_of(text, name, message)))
                d.how.setdefault(flag, "attachment")
    if refusal_notice and not d.decided:
        d.withheld = True
        d.evidence.setdefault("withheld", read.refusal_notice_at)
        d.how.setdefault("withheld", "refusal_notice")
    if answered and d.not_held and not (d.disclosed or d.withheld or d.ncnd) and _answers_some(body, message.start, text):
        d.disclosed = True
        d.evidence.setdefault("disclosed", read.answered_at)
        d.how.setdefault("disclosed", "answered")
    if answered and not d.decided:
        d.disclosed = True
        d.evidence.setdefault("disclosed", read.answered_at)
        d.how.setdefault("disclosed", "answered")
    # A letter that gives facts and withholds a part released the rest (partly released). Facts
    # alone decide nothing: attachments, notes and correspondence give facts too.
    if read.cost_whole and d.withheld and not d.disclosed and d.not_held:
        # The whole request refused on cost: what it says is not held ("we do not hold the
        # correspondence in one file") explains the cost or advises (s.16); it decides nothing.
        d.not_held = False
        d.evidence.pop("not_held", None)
        d.how.pop("not_held", None)
    facts = read.facts
    cost = read.cost or any(law.section_of(e.code) in COST_CODES for e in exemptions
                            if message.start <= e.offset < message.end)
    if len(facts) >= 2 and d.withheld and not (d.disclosed or d.ncnd or cost):
        d.disclosed = True
        d.evidence.setdefault("disclosed", facts[0])
        d.how.setdefault("disclosed", "facts")
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
    invalid: bool = False
    cost: bool = False  # refused on cost (s.12): the whole request, whatever facts are given
    cost_whole: bool = False  # a sentence refuses the request as a whole on cost
    ncnd_sentences: tuple[tuple[int, int], ...] = ()
    where: tuple[tuple[str, str, int], ...] = ()  # (flag, sentence, offset): the first of each flag
    how: tuple[tuple[str, str], ...] = ()  # (flag, what said so: "sentence", "pointer", "unable")
    answered_at: tuple[str, int] = ("", -1)
    facts: tuple[tuple[str, int], ...] = ()  # up to three sentences that give facts and decide nothing
    refusal_notice_at: tuple[str, int] = ("", -1)


# A message is read three times per response (which are substantive, which decide, what
# they decide): its sentences are tested once. Only the sentences that hold one of a
# pattern's required words (prefilter.py) can match it, so only they are searched; a
# sentence no decision pattern can match says nothing, whatever else it holds.
@lru_cache(maxsize=64)
def _read_sentences(body: str, base: int, text: str) -> _Sentences:
    flags = dict.fromkeys(("not_held", "withheld", "disclosed", "ncnd", "answered", "refusal_notice", "invalid",
                           "unable", "pointer", "other_means", "cost", "cost_whole"), False)
    ncnd_sentences: list[tuple[int, int]] = []
    sents = sentences(body, base)
    spans = Spans(fold(body), [(s.start - base, s.end - base) for s in sents])
    may = {pattern: spans.candidates(pattern) for pattern in _SENTENCE_PATTERNS}
    every = range(len(sents))
    todo = sorted(set().union(*(every if c is None else c for p, c in may.items() if p in _DECIDING)))

    def found(pattern: re.Pattern[str], i: int, words: str) -> bool:
        c = may[pattern]
        return (c is None or i in c) and pattern.search(words) is not None

    where: dict[str, tuple[str, str, int]] = {}
    how: dict[str, str] = {}

    deciding_sentences: set[int] = set()

    def note(flag: str, hit: bool, sent: Sentence) -> None:
        if hit:
            deciding_sentences.add(sent.start)
            flags[flag] = True
            where.setdefault(flag, (flag, *evidence(sent.text, sent.start)))

    # Only the body's own words decide: not the request it quotes, earlier e-mails, the
    # appeals paragraphs or the Act quoted (voice.py).
    voice = divide(text)
    for i in todo:
        sent = sents[i]
        words = sent.text
        if not voice.own(sent.start, sent.end) \
                or (found(_APPEALS, i, words) and not found(_WITHHELD, i, words)):
            continue
        if BOILERPLATE.search(words) and not found(_WITHHELD, i, words):
            continue  # the re-use licence, an e-mail's disclaimer: no decision of this reply
        note("not_held", found(_NOT_HELD, i, words), sent)
        note("withheld", found(_WITHHELD, i, words) or found(_COST, i, words), sent)
        note("cost", found(_COST, i, words), sent)
        note("cost_whole", found(_COST, i, words) and _WHOLE_REQUEST.search(words) is not None
             and not _ONE_PART.search(words) and not HYPOTHETICAL.search(words), sent)
        note("invalid", found(_INVALID, i, words), sent)
        note("unable", found(_UNABLE, i, words), sent)
        note("pointer", found(_POINTER, i, words) and not found(_FOR_REFERENCE, i, words), sent)
        note("other_means", found(_OTHER_MEANS, i, words), sent)
        # "which we released to you on 13 May" tells of an earlier release, not this one.
        note("disclosed", found(_DISCLOSED, i, words) and not found(_FOR_REFERENCE, i, words), sent)
        if found(_NCND, i, words):
            note("ncnd", True, sent)
            ncnd_sentences.append((sent.start, sent.end))
        note("answered", found(_ANSWERED, i, words), sent)
        note("refusal_notice", found(_REFUSAL_NOTICE, i, words), sent)
        if found(_PARTIAL, i, words):
            note("disclosed", True, sent)
            note("withheld", True, sent)
    if flags.pop("pointer") and not flags["other_means"] and not flags["not_held"]:
        # Pointed to where it is published, and not refused as accessible by other means (s.21);
        # beside "we do not hold it", a link is advice on where else to look (s.16), no release.
        flags["disclosed"] = True
        if "disclosed" not in where:
            where["disclosed"] = ("disclosed", *where["pointer"][1:])
            how["disclosed"] = "pointer"
    flags.pop("other_means")
    if flags.pop("unable") and not flags["not_held"]:
        # "Unable to provide" is a refusal where nothing is said to be not held.
        flags["withheld"] = True
        if "withheld" not in where:
            where["withheld"] = ("withheld", *where["unable"][1:])
            how["withheld"] = "unable"
    # Sentences that give facts without deciding (counted to three): what a reply answers
    # with when it does not say "please find attached".
    # Only in a letter (a thread's replies say what they send); never in the request it
    # quotes, nor a question, nor the lines above the greeting.
    facts: list[tuple[str, int]] = []
    letter = len(_split_messages_of(text)) == 1
    greeting = _GREETING.search(body)
    after = base + (greeting.end() if greeting else 0)
    for i, sent in enumerate(sents):
        if not letter or len(facts) >= 3:
            break
        if sent.start < after or not voice.own(sent.start, sent.end) or sent.start in deciding_sentences \
                or _LIST_ITEM.match(body, sent.start - base) \
                or "?" in sent.text or sent.text.rstrip().endswith(":") or quoted_from_request(sent.text, text, sent.start) \
                or BOILERPLATE.search(sent.text) or APPEALS.search(sent.text):
            continue
        if gives_information(sent.text):
            facts.append(evidence(sent.text, sent.start))
    at = {flag: (sentence, offset) for flag, sentence, offset in where.values()}
    deciding = tuple(v for k, v in where.items() if k in ("not_held", "withheld", "disclosed", "ncnd"))
    how_deciding = tuple((v[0], how.get(k, "sentence")) for k, v in where.items()
                         if k in ("not_held", "withheld", "disclosed", "ncnd"))
    return _Sentences(**flags, ncnd_sentences=tuple(ncnd_sentences), where=deciding, how=how_deciding,
                      facts=tuple(facts),
                      answered_at=at.get("answered", ("", -1)),
                      refusal_notice_at=at.get("refusal_notice", ("", -1)))


# The patterns that decide something, and those read with them.
_DECIDING = (_NOT_HELD, _WITHHELD, _COST, _DISCLOSED, _NCND, _ANSWERED, _REFUSAL_NOTICE, _PARTIAL, _INVALID, _UNABLE,
             _POINTER)
_SENTENCE_PATTERNS = (*_DECIDING, _APPEALS, _FOR_REFERENCE, _OTHER_MEANS)


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
    return read_outcome(text, exemptions, substantive=substantive)[0]


def read_outcome(text: str, exemptions: list[Exemption] = (), *, substantive: list[Message] | None = None
                 ) -> tuple[str | None, Evidence | None]:
    """The outcome of a response (or thread) and the sentence that decides it; (None, None)
    when nothing was decided."""
    reading = read_decision(text, exemptions, substantive=substantive)
    return reading.outcome, reading.evidence


@dataclass
class OutcomeReading:
    """The outcome, the sentence that decides it, and what the confidence is computed from."""

    outcome: str | None
    evidence: Evidence | None
    decision: Decision  # every reply that counts, put together
    replies: list[str | None] = field(default_factory=list)  # the outcome each counted reply alone gives


def read_decision(text: str, exemptions: list[Exemption] = (), *, substantive: list[Message] | None = None
                  ) -> OutcomeReading:
    """What the replies that count decided, put together (``read_outcome``), with the
    evidence of each part."""
    messages = substantive if substantive is not None else substantive_messages(text)
    total = Decision()
    replies: list[str | None] = []
    first = True
    for message in decision_messages(text, messages, exemptions):
        d = read_message(message, text, exemptions)
        # After the first decision, only an internal review changes it; later replies answer follow-ups.
        if not d.decided or not (first or _REVIEW.search(message.text)):
            continue
        first = False
        replies.append(combine(d))
        for flag in ("disclosed", "withheld", "not_held", "ncnd"):
            if getattr(d, flag):
                setattr(total, flag, True)
                if flag in d.evidence:
                    total.evidence.setdefault(flag, d.evidence[flag])
                total.how.setdefault(flag, d.how.get(flag, "sentence"))
    outcome = combine(total)
    return OutcomeReading(outcome, _evidence(outcome, total.evidence), total, replies)


#: For each outcome, the flags whose sentence shows it best, the first found.
_DECIDED_BY = {"partially_disclosed": ("withheld", "ncnd"), "mixed": ("not_held",), "not_held": ("not_held",),
               "neither_confirm_nor_deny": ("ncnd",), "refused": ("withheld",), "disclosed_in_full": ("disclosed",)}


def _evidence(outcome: str | None, where: dict[str, tuple[str, int]]) -> Evidence | None:
    for flag in _DECIDED_BY.get(outcome or "", ()):
        sentence, offset = where.get(flag, ("", -1))
        if sentence:
            return Evidence(sentence, offset)
    return None


def _offset_of(text: str, name: str, message: Message) -> int:
    at = text.find(name, message.start)
    return at


#: What each answer of a question adds to the decision of the whole response.
ANSWER_FLAGS = {"released": ("disclosed",), "partly_released": ("disclosed", "withheld"), "not_held": ("not_held",),
                 "withheld": ("withheld",), "cost": ("withheld",), "ncnd": ("ncnd",)}


def from_answers(questions: list[Question]) -> tuple[str | None, Evidence | None]:
    """The outcome that the answers to the questions add up to, with the answer that decides it."""
    d = Decision()
    for q in questions:
        for flag in ANSWER_FLAGS.get(q.answer, ()):
            setattr(d, flag, True)
    outcome = combine(d)
    # The evidence: the answer that makes the outcome what it is (what was withheld of a
    # partial release, what was not held of a mixed one, ...).
    wanted = {"partially_disclosed": ("partly_released", "withheld", "cost", "ncnd"), "mixed": ("not_held",),
              "not_held": ("not_held",), "neither_confirm_nor_deny": ("ncnd",), "refused": ("withheld", "cost"),
              "disclosed_in_full": ("released",)}.get(outcome or "", ())
    for answer in wanted:
        for q in questions:
            if q.answer == answer and q.evidence is not None:
                return outcome, q.evidence
    return outcome, None


def combine(d: Decision) -> str | None:
    """One outcome from what the replies did (the definitions of docs/metadata.md)."""
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

"""How sure each claim is, from the evidence found for it, and which claims are stated.

Every claim (outcome, each exemption, authority, reference, date) gets a confidence from 0 to
1, computed from what the reader found: what kind of words decided it, whether the replies
that count agree, whether quoted words (voice.py) say otherwise. The rules are in
docs/metadata.md ("How sure"); none is fitted to a document.

A claim whose confidence is below its field's threshold (THRESHOLDS) is not stated: the
field is null ("not read") and the reading is kept in ``Metadata.unstated``. The thresholds
are chosen by grouped cross-validation on the labelled sets (``foi-archive evaluate
--by-source``; ingest/tasks/evaluate.py, ``choose_threshold``): the lowest at which stated
claims are right at least TARGET_PRECISION of the time on sources held out.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from archive.models import Question
from ingest.metadata.authorities import AuthorityEvidence
from ingest.metadata.decision import APPEALS, COST, DISCLOSED, NCND, NOT_HELD, PARTIAL, POINTER, UNABLE, WITHHELD
from ingest.metadata.outcome import ANSWER_FLAGS, OutcomeReading
from ingest.metadata.passages import sentences
from ingest.metadata.prefilter import Spans, fold, may_match
from ingest.metadata.voice import OWN, Division

#: What stated claims must reach on sources held out (issue's "stated precision").
TARGET_PRECISION = 0.90

#: Below these a claim is not stated. Chosen by ``foi-archive evaluate --by-source`` on
#: ../shared/corpus/labels.json and heldout_labels.json together (docs/metadata.md, "How sure").
THRESHOLDS = {"outcome": 0.72, "exemptions": 0.0, "authority": 0.0, "reference": 0.0, "date": 0.0}

# How much each kind of evidence says a part of the decision by itself.
_STRENGTH = {
    "sentence": 0.95,  # the reply's own decision words: "we do not hold", "is exempt under"
    "exemption": 0.95,  # a section relied on, in the body's words
    "answered": 0.8,  # "our response is set out below", answers following
    "attachment": 0.7,  # a file's name: "Response not held.pdf"
    "pointer": 0.7,  # "can be found on our website"
    "unable": 0.7,  # "we are unable to provide"
    "facts": 0.6,  # figures given without words that say they are released
    "refusal_notice": 0.6,  # "this letter serves as a refusal notice" and nothing else
}
#: The flags each outcome rests on (outcome.combine): each must be evidenced.
_RESTS_ON = {
    "disclosed_in_full": ("disclosed",),
    "partially_disclosed": ("disclosed", "withheld|ncnd"),
    "refused": ("withheld",),
    "neither_confirm_nor_deny": ("ncnd",),
    "not_held": ("not_held",),
    "mixed": ("not_held", "disclosed|withheld|ncnd"),
}
# What a decision sentence in quoted words says, for "conflicting signals".
_QUOTED_SAYS = (("ncnd", NCND), ("withheld", COST), ("withheld", PARTIAL), ("withheld", WITHHELD),
                ("not_held", NOT_HELD), ("disclosed", DISCLOSED))


def outcome_confidence(outcome: str | None, reading: OutcomeReading, questions: list[Question],
                       from_questions: bool, text: str, voice: Division, *, ocr: bool = False,
                       exemptions: int = 0) -> float:
    """How sure the outcome is: the weakest of the evidence it rests on, less where only one
    sentence says a part of it, where the replies disagree, where the letter never says it
    answers a request for information, where the text was read from a scan, where the
    outcome sits on a line the definitions draw finely, and where quoted words say otherwise
    (docs/metadata.md, "How sure")."""
    if outcome is None:
        return 0.0
    if from_questions:
        answered = [q for q in questions if q.answer != "not_answered"]
        shown = [q for q in answered if q.evidence is not None]
        # Each answer read from its own sentence; unread questions weaken the sum.
        share = len(shown) / len(answered) if answered else 0.0
        coverage = len(answered) / len(questions) if questions else 0.0
        score = 0.95 * (0.7 + 0.3 * share) * (0.8 + 0.2 * coverage)
        kinds = {flag for q in answered for flag in ANSWER_FLAGS.get(q.answer, ())}
    else:
        d = reading.decision
        score = 1.0
        for need in _RESTS_ON.get(outcome, ()):
            options = [f for f in need.split("|") if getattr(d, f)]
            score = min(score, max((_STRENGTH.get(d.how.get(f, "sentence"), 0.6) for f in options), default=0.0))
        kinds = {f for f in ("disclosed", "withheld", "not_held", "ncnd") if getattr(d, f)}
        if len(set(reading.replies)) > 1:
            score *= 0.8  # the response and its review decided differently
    if len(kinds) >= 3:
        score *= 0.85  # released, withheld and not held in one letter: the outcome is a judgement
    flags = _flags_of(outcome)
    if "not_held" in kinds and kinds & {"withheld", "ncnd"} and "disclosed" not in kinds:
        score *= 0.8  # refused in part, not held for the rest: mixed or refused is a fine line
    said = _own_sentences(text, voice)
    if not _FOI_FRAME.search(said):
        score *= 0.7  # never says it answers a request for information: perhaps no FOI response
    support = {flag: _support(flag, text, voice, exemptions) for flag in flags}
    needed = [max(support[f] for f in need.split("|")) for need in _RESTS_ON.get(outcome, ())]
    if needed and min(needed) < 2:
        score *= 0.9  # one sentence alone says it
    if ocr:
        score *= 0.85  # read from a scan: words may be missing
    if _quoted_conflict(text, voice, flags):
        score *= 0.85
    return round(score, 3)


# What a response to a request for information says of itself somewhere.
_FOI_FRAME = re.compile(
    r"freedom\s+of\s+information|\bFOI|\bFOISA\b|\bEIRs?\b|environmental\s+information|request\s+for\s+information"
    r"|information\s+request|your\s+request|you\s+(?:asked|requested)|the\s+information\s+(?:you|requested)"
    r"|requested\s+information|information\s+(?:you\s+)?requested",
    re.IGNORECASE,
)
# The sentences that say each part of a decision.
_SAYS = {"disclosed": (DISCLOSED, POINTER), "withheld": (WITHHELD, COST, PARTIAL, UNABLE), "not_held": (NOT_HELD,),
         "ncnd": (NCND,)}


def _own_sentences(text: str, voice: Division) -> str:
    return "\n".join(text[p.start:p.end] for p in voice.parts if p.kind == OWN)


def _support(flag: str, text: str, voice: Division, exemptions: int) -> int:
    """How many of the body's own sentences (outside the appeals paragraph) say this part of the
    decision, up to two; each exemption relied on counts for withheld."""
    n = exemptions if flag == "withheld" else 0
    for sents, spans in _own_parts(text, voice):
        if n >= 2:
            break
        may: set[int] = set()
        for p in _SAYS[flag]:
            found = spans.candidates(p)
            may |= set(range(len(sents))) if found is None else found
        for i in sorted(may):
            if not APPEALS.search(sents[i].text) and any(p.search(sents[i].text) for p in _SAYS[flag]):
                n += 1
                if n >= 2:
                    break
    return n


@lru_cache(maxsize=4)
def _own_parts(text: str, voice: Division) -> tuple[tuple[list, Spans], ...]:
    """The sentences of each part in the body's own words, with their prefilter spans: read
    for each part of the decision."""
    out = []
    for part in voice.parts:
        if part.kind == OWN:
            words = text[part.start:part.end]
            sents = sentences(words, part.start)
            out.append((sents, Spans(fold(words), [(s.start - part.start, s.end - part.start) for s in sents])))
    return tuple(out)


def _candidates(words: str, base: int, patterns: tuple[re.Pattern[str], ...]) -> tuple[list, set[int]]:
    """The sentences of ``words`` and the indices of those that may match one of ``patterns``
    (prefilter.py: only sentences holding a pattern's required words can)."""
    sents = sentences(words, base)
    if not sents or not any(may_match(p, fold(words)) for p in patterns):
        return sents, set()
    spans = Spans(fold(words), [(s.start - base, s.end - base) for s in sents])
    out: set[int] = set()
    for p in patterns:
        found = spans.candidates(p)
        out |= set(range(len(sents))) if found is None else found
    return sents, out


def _flags_of(outcome: str | None) -> set[str]:
    return {f for need in _RESTS_ON.get(outcome or "", ()) for f in need.split("|")}


def _quoted_conflict(text: str, voice: Division, flags: set[str]) -> bool:
    """Whether words the body quotes (earlier replies, the request) state a decision that the
    outcome does not include: a sign the letter is harder than it looks."""
    for part in voice.parts:
        if part.kind != "history" or part.end - part.start > 20000:
            continue
        sents, may = _candidates(text[part.start:part.end], part.start, tuple(p for _, p in _QUOTED_SAYS))
        for i in sorted(may):
            if APPEALS.search(sents[i].text):
                continue
            said = next((flag for flag, pattern in _QUOTED_SAYS if pattern.search(sents[i].text)), None)
            if said and said not in flags:
                return True
    return False


def authority_confidence(ev: AuthorityEvidence | None) -> float:
    """How sure the body is: the source's own record, a decision notice's form, or how far the
    winner's score in the text stands above the next body's (docs/metadata.md)."""
    if ev is None:
        return 0.0
    if ev.how in ("source", "notice"):
        return 0.99
    margin = ev.score - ev.second
    score = 1 - math.exp(-margin / 3)
    return round(score * (1.0 if ev.registered else 0.9), 3)


#: How sure a reference is, by where it was read (reference.read_reference).
REFERENCE_STRENGTH = {"labelled": 0.95, "prefixed": 0.85, "title": 0.8, "code": 0.7, "filename": 0.6}
#: How sure a date is, by where it came from (dates.py; ``date_source``, and for a response's
#: own date whether a thread's heading or a letter's date line gave it).
DATE_STRENGTH = {"thread": 0.95, "letter": 0.9, "received": 0.7, "source": 0.5}


def stated(field: str, confidence: float) -> bool:
    """Whether a claim of this field with this confidence is stated."""
    return confidence >= THRESHOLDS.get(field, 0.0)

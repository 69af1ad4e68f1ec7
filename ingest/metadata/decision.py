"""The language of FOI decisions, sentence by sentence: what a sentence of a reply says
the authority did with the information asked for.

A sentence is read for one decision, the strongest it states, in this order:
neither confirm nor deny > refused on cost > withheld > not held > released.
Sentences that decide nothing are passed over: the appeals paragraph ("if you are
unhappy ... internal review"), the re-use licence, words quoted from the request.
``read_answer`` reads the answer to one item of a request (questions.py);
outcome.py reads whole messages with the same patterns. The rules follow the
wording of FOI letters (docs/metadata.md), never one document; docs/metadata.md
lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive import law
from archive.models import Exemption
from ingest.metadata.passages import evidence, quoted_from_request, sentences

# What a request asks for, as a reply says it has none of it.
_THINGS = r"""(?:information|records?|reports?|summaries|documents?|documentation|data|contracts?|materials?|details
    |figures|minutes|correspondence|systems?|software|tools?|polic(?:y|ies)|plans?|procedures?|guidance|budgets?
    |agreements?|strateg(?:y|ies)|evaluations?|assessments?|trials?|studies|analysis|training|statistics|notes)"""
NOT_HELD = re.compile(
    r"""(?:(?:do|does|did)\s+not\s+(?:currently\s+|presently\s+|now\s+|actually\s+)?(?:hold|possess|record|collect|retain|capture|keep\s+(?:a\s+)?records?
         |have\s+(?:it|this|that|these|those|the|any|such|a|an|records?|data|information|details|figures?)\b)
    |(?:is|are|was|were)\s+not\s+held|\bnot\s+held\b|hold\s+no\s+(?:recorded\s+)?(?:information|records?|data|documents?)
    |no\s+(?:such\s+|relevant\s+|recorded\s+)?(?:information|data|records?|documents?)\s+(?:is\s+|are\s+|was\s+|were\s+)?(?:still\s+|currently\s+|now\s+)?held|(?:can|could)\s+find\s+no\s+record
    |no\s+(?:relevant\s+)?records?\s+(?:of|were|was|could|have|exist)|no\s+longer\s+(?:complete|collect|record|produce|compile|hold)
    |not\s+(?:yet\s+)?been\s+(?:developed|implemented|produced|created|finalised|agreed|approved)
    |(?:is|are)\s+(?:currently\s+)?(?:in|under)\s+development
    |there\s+(?:is|are|was|were)\s+(?:currently\s+)?no\s+(?:\w+\s+){0,3}?{things}\b
    |regulation\s+12\s?\(4\)\s?\(a\)
    |\b(?:have|has|had)\s+no\s+(?:\w+\s+){0,3}?{things}\b
    |\bholds?\s+none\s+of
    |no\s+(?:such\s+)?(?:information|records?|documents?|data|reports?|material|contracts?|correspondence|minutes)\s+(?:is|are|was|were|has\s+been|have\s+been)\s+(?:held|found|located|identified|kept|recorded|produced|created)
    |no\s+(?:procedures|documentation|guidance|policy|policies|training|materials?|contracts?)\s+(?:is|are|was|were|has\s+been|have\s+been|exists?)\b
    |there\s+(?:is|are|was|were|has\s+been|have\s+been)\s+no\s+(?:requirement|need)\s+to\s+(?:produce|record|collect|create|hold)
    |(?:is|are|was|were)\s+not\s+(?:recorded|collected|captured|retained)\b(?!\s+in\s+(?:a|any|the)\s+(?:way|format|form|manner))
    |(?:does|do)\s+not\s+exist|no\s+such\s+\w+\s+exists?|nil\s+return|\bnone\s+held
    |(?:has|have|had)\s+not\s+received\s+(?:the|any|a|this|that)\s+(?:letter|document|report|correspondence|e-?mail|information)
    |(?:unable|not\s+able)\s+to\s+(?:locate|find|identify)\s+(?:any\s+)?(?:information|records?|documents?)
    |does\s+not\s+have\s+any\s+(?:information|records?|data|documents?))
    # ...but "not recorded in a format that allows a report", "we do not have the systems to
    # pull it together" argue the cost of finding it (s.12): it is held.
    (?![^.]{0,80}?\b(?:in\s+(?:a|any|the|an)\s+(?:\w+\s+)?(?:format|way|form|manner)\s+(?:that|which|to)\s+(?:would\s+)?(?:allows?|enables?|makes?|permits?|readily|easily)
                    |in\s+(?:a|any|the|an)\s+(?:\w+\s+)?(?:format|way|form|manner)\s+(?:that\s+)?(?:can|could)\s+be|systems?\s+in\s+place
                    |(?:readily|easily)\s+(?:available|retrievable|accessible)|without\s+(?:a\s+)?manual))""".replace("{things}", _THINGS),
    re.VERBOSE | re.IGNORECASE,
)
COST = re.compile(
    r"""exceed\w*\s+the\s+(?:appropriate\s+|cost\s+|fees?\s+|statutory\s+)?limit|cost\s+limit|appropriate\s+limit
    |(?:beyond|more\s+than|over|in\s+excess\s+of)\s+(?:the\s+)?(?:18|24|eighteen|twenty[\s-]four)\s+hours
    |excessive\s+cost|cost\s+of\s+compliance\s+(?:is\s+)?excessive""",
    re.VERBOSE | re.IGNORECASE,
)
WITHHELD = re.compile(
    r"""exempt\s+from\s+disclosure|(?:is|are|been|being)\s+withheld|withholding|we\s+are\s+refusing|refus(?:e|ed|al)\s+(?:your|the|this)
    |(?:is|are)\s+exempt\b|\bexempts\s+(?:information|the|this|it|them)\b|(?<!nless\s)(?<!\bif\s)(?<!hether\s)exemptions?\s+(?:applied|appl(?:y|ies)|applicable)\b(?![\s:\-–]*(?:not\s+applicable|none|n/?a\b|nil\b))|manifestly\s+unreasonable|vexatious
    |not\s+(?:a\s+)?valid\s+request|invalid\s+request|decline\s+(?:to|your)|declining\s+to
    |cannot\s+process\s+your\s+requests?|(?:cannot|can\s?not|unable\s+to)\s+(?:consider|accept|treat|process)\s+(?:this|it|your\s+request)\s+as\s+(?:a\s+)?valid
    |decided\s+not\s+to\s+(?:disclose|release|provide)|legally\s+privileged\s+under
    |(?:will\s+not|won['’]t)\s+be\s+(?:shared|disclosed|released|provided)\b
    |not\s+(?:required|obliged)\s+(?:by\s+(?:statute|law)\s+)?to\s+(?:release|disclose|provide)
    |(?:engag(?:e|es|ed|ing)|rel(?:y|ies|ied|ying)\s+(?:up)?on|invok(?:e|ed|ing))\s+(?:the\s+)?(?:section|exemption|regulation|exception|s\.?\s?\d)
    |(?:deemed|considered)\s+(?:these|this|it|them)\s+(?:to\s+be\s+)?(?:\w+\s+)?(?:commercially\s+)?sensitive""",
    re.VERBOSE | re.IGNORECASE,
)
# "Unable to provide", "cannot share": a refusal, unless the reply says the information is
# not held ("unable to provide this information, because we do not have it").
UNABLE = re.compile(
    r"""(?:cannot|can\s+not|can['’]t|unable\s+to|not\s+able\s+to|not\s+in\s+a\s+position\s+to)\s+(?:be\s+)?
    (?:share|shared|disclose|disclosed|release|released|provide|provided|supply|supplied)\b""",
    re.VERBOSE | re.IGNORECASE,
)
PARTIAL = re.compile(
    r"""(?:disclose|release)\s+some\b|provide\s+some\s+of\s+the\b|\bexempting\s+(?:the\s+)?(?:specific|names?|some|part)|withh\w+\s+some\b
    |not\s+being\s+withheld|some\s+(?:of\s+the\s+)?(?:information|data)\s+(?:has\s+been|is|was)\s+withheld
    |\bredacted\b|\bredactions\b|partially|(?:remainder|rest)\s+of\s+the\s+information
    |relating\s+to\s+[\w\s]{1,40}?\s+(?:is|are)\s+exempt|upheld\s+in\s+part
    |(?:names?|details|personal\s+(?:data|information)|identif\w+|signatures?)\b[^.]{0,80}?\b(?:have|has)\s+
       (?:been\s+(?:removed|omitted|obscured|blanked)|not\s+been\s+(?:included|provided|disclosed|released|shared))
    |\bnot\s+(?:included|provided|disclosed|released)\s+(?:the\s+)?(?:names?|personal\s+(?:data|information)|signatures?)\b""",
    re.VERBOSE | re.IGNORECASE,
)
DISCLOSED = re.compile(
    r"""(?:decided|decision\s+has\s+been\s+(?:taken|made))\s+to\s+disclose
    |(?:please\s+)?(?:find|see)\s+(?:attached|enclosed)\s+(?!(?:our|my|the|a)\s+(?:formal\s+|full\s+)?(?:response|letter|reply|decision|refusal))(?:the|a|copies|copy|our|\w+\s+(?:data|information|documents?|reports?|licen[cs]es?|spreadsheets?))
    |(?:attached|enclosed)\s+(?:is|are|please\s+find|you\s+will\s+find)\s|information\s+(?:is\s+)?(?:attached|enclosed|provided\s+below)
    |please\s+see\s+(?:the\s+)?(?:response|answers?|information|table|dates|figures|data|list|details|link|links)\s+(?:below|attached|above)
    |\bhas\s+been\s+released|released\s+to\s+you
    |(?<!response\s)(?<!letter\s)(?<!notice\s)(?<!decision\s)\b(?:is|are|has\s+been|have\s+been)\s+(?:attached|enclosed)\b
    |(?:information|figures?|data|answers?|details\s+(?:of|on|about)|breakdown|numbers?|results?|costs?|response|totals?)
       \s+(?:\w+\s+){0,3}?(?:is|are)\s+as\s+follows
    |we\s+(?:can\s+)?provide\s+the\s+following|(?:we|I)\s+(?:am|are)\s+(?:attaching|enclosing|pleased\s+to\s+(?:provide|enclose|attach|confirm))
    |(?:we|I)\s+(?:have\s+)?(?:attached|enclosed)\b(?!\s+(?:my|our|a|the)\s+(?:formal\s+|full\s+)?(?:response|letter|reply|decision|refusal))
    |(?:we|I)\s+attach\b(?!\s+(?:my|our|a|the)\s+(?:formal\s+|full\s+)?(?:response|letter|reply|decision|refusal))
""",
    re.VERBOSE | re.IGNORECASE,
)
# The information pointed to where it is published: a release, unless the reply says it is
# exempt as accessible by other means (FOIA s.21), which makes it a refusal.
POINTER = re.compile(
    r"""(?:please\s+)?see\s+the\s+(?:following\s+|attached\s+)?links?\b|provided\s+(?:below|above)
    |(?:details|information|copies|copy|it|this|these|they|data|figures)\s+(?:can|may)\s+be\s+(?:found|accessed|viewed|downloaded)\s+(?:at|on|via|here|using|in)
    |(?:is|are)\s+(?:published|publicly\s+available|available)\s+(?:on|at|via)\s+(?:our|the|its)\s+(?:\w+\s+)?(?:website|web\s*site|web\s+page|page|link)""",
    re.VERBOSE | re.IGNORECASE,
)
OTHER_MEANS = re.compile(r"accessible\s+(?:to\s+(?:you|the\s+applicant)\s+)?(?:by|through)\s+other\s+means"
                         r"|otherwise\s+accessible|reasonably\s+accessible", re.IGNORECASE)
ACCESSIBLE_CODES = ("FOIA s.21", "FOISA s.25", "EIR reg.6")
NCND = re.compile(r"neither\s+confirm\s+nor\s+deny|refus\w*\s+to\s+confirm\s+or\s+deny|\bNCND\b", re.IGNORECASE)
# How to complain, the re-use licence, the law quoted at length: no decision of this reply.
APPEALS = re.compile(r"internal\s+review|Information\s+Commissioner|\bICO\b|unhappy|dissatisfied|complain"
                     r"|\bappeal", re.IGNORECASE)
BOILERPLATE = re.compile(
    r"""re-?use|copyright|Open\s+Government\s+Licen[cs]e|publication\s+scheme|disclosure\s+log
    |this\s+(?:e-?mail|message)\s+(?:and\s+any\s+attachments?\s+)?(?:is|may|contains?)|virus|intended\s+recipient
    |statutory\s+obligation|privacy\s+notice|data\s+protection\s+act\s+is\s+available""",
    re.VERBOSE | re.IGNORECASE,
)
# Courtesies and the handling of the request: words of a reply that give no information.
FILLER = re.compile(
    r"""^\W*(?:dear\b|thank|thanks|many\s+thanks|we\s+(?:have\s+)?(?:now\s+)?received|(?:this|your\s+request)\s+(?:has|was)\s+been
    |I\s+hope|we\s+hope|hope\s+this|please\s+(?:do\s+not|don['’]t)\s+hesitate|if\s+you\s+(?:have|require|need)\s+any
    |yours\b|kind\s+regards|regards\b|the\s+reference|please\s+(?:quote|remember|note\s+that\s+(?:we|this))|apologi
    |I\s+am\s+writing|we\s+are\s+writing|please\s+(?:find|see)\s+below|(?:below|here)\s+(?:is|are)\s+(?:our|the)\s+response|further\s+to|following\s+(?:your|our)|in\s+response\s+to\s+your
    |I\s+(?:can\s+)?confirm\s+(?:that\s+)?(?:we|the\s+\w+)\s+(?:have|has)\s+received|your\s+request\s+(?:for|of|dated|reads))""",
    re.VERBOSE | re.IGNORECASE,
)
_CONTENT_WORD = re.compile(r"[A-Za-z]{2,}")
_LIST_MARKER = re.compile(r"^\W*(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]?\W*$", re.IGNORECASE)
_SHORT_ANSWER = re.compile(r"^\W*(?:yes|no|none|nil|zero|\d[\d,.]*%?|£\s?\d[\d,.]*)\b", re.IGNORECASE)


def _gives_facts(words: str) -> bool:
    """Whether a sentence that states no decision gives information: a fact of some length,
    or a short answer ("Yes.", "12", "£4,500"), but no courtesy."""
    if FILLER.search(words) or _LIST_MARKER.match(words):
        return False
    return len(_CONTENT_WORD.findall(words)) >= 4 or bool(_SHORT_ANSWER.match(words))

# The words of a reply's reasoning, not of its answers: a sentence holding one of them
# explains the decision (the law, the public interest, the search made) rather than giving
# the information asked for.
_REASONING = re.compile(
    r"""\bsection\b|\bregulation|\bs\.\s?\d|\bact\b|exempt|disclos|withh|refus|public\s+interest|prejudic|request|appeal
    |review|complain|commissioner|\bconfirm|\bdeny|\bheld\b|\bhold|locat|search|\bcosts?\s+(?:of|limit)|hours|\blimit
    |clarif|advice|assist|you\s+(?:may|can|might|could)|please|if\s+you|thank|aware|note\s+that|factors|favour|balanc
    |\bharm|likely|would|should|consider|believe|decision|decided|personal\s+data|data\s+protection|third\s+part
    |confiden|commercial|sensitive|interests?\b|respond|reply|email|e-mail|letter|website|www\.|https?:""",
    re.VERBOSE | re.IGNORECASE,
)


def gives_information(words: str) -> bool:
    """Whether a sentence that states no decision answers with facts ("The force uses
    Qlikview V12", "CareCentric takes a feed from the primary care record"): of some length,
    neither courtesy nor the reasoning of a decision."""
    return len(_CONTENT_WORD.findall(words)) >= 6 and not FILLER.search(words) and not _REASONING.search(words)


# "If your request would exceed the cost limit, we would ..." advises; it refuses nothing.
HYPOTHETICAL = re.compile(r"^\W*(?:if|should|where|when|unless|in\s+case)\b|\b(?:may|might|could)\s+exceed",
                          re.IGNORECASE)

#: Refusals on cost, faceted with the exemptions (docs/metadata.md).
COST_CODES = ("FOIA s.12", "FOISA s.12")

# The patterns a sentence is read with, the strongest decision first. "unable" (to provide)
# and "pointer" (to where it is published) are settled by the rest of the answer.
_BY_STRENGTH = (("ncnd", NCND), ("cost", COST), ("partly_released", PARTIAL), ("withheld", WITHHELD),
                ("not_held", NOT_HELD), ("unable", UNABLE), ("released", DISCLOSED), ("pointer", POINTER))


@dataclass
class Reading:
    """What one answer (the sentences given) says was done, and the sentence that says it."""

    answer: str | None  # one of archive.models.ANSWERS but not_answered; None: nothing read
    exemptions: list[str] = field(default_factory=list)
    sentence: str = ""
    offset: int = -1
    explicit: bool = True  # False: information given without words that say so


def sentence_decision(words: str) -> str | None:
    """The one decision a sentence states, the strongest first, or None."""
    return next((decision for decision, pattern in _BY_STRENGTH if pattern.search(words)), None)


def read_answer(text: str, spans: list[tuple[int, int]], exemptions: list[Exemption]) -> Reading:
    """Read the answer made of text[a:b] for each span: released, partly_released, not_held,
    withheld, cost, ncnd, or None when it holds no answer at all."""
    found: dict[str, tuple[str, int]] = {}
    content: tuple[str, int] | None = None
    codes: list[str] = []
    for a, b in spans:
        for e in exemptions:
            if a <= e.offset < b and e.code not in codes:
                codes.append(e.code)
        for sent in sentences(text[a:b], a):
            words = sent.text
            if quoted_from_request(words, text, sent.start) or BOILERPLATE.search(words):
                continue
            decision = sentence_decision(words)
            if APPEALS.search(words) and decision not in ("withheld", "cost", "ncnd", "partly_released"):
                continue
            if decision is not None:
                found.setdefault(decision, evidence(words, sent.start))
            elif content is None and _gives_facts(words):
                content = evidence(words, sent.start)
    cited = [e for e in exemptions if e.code in codes]
    cost = next((e for e in cited if law.section_of(e.code) in COST_CODES), None)
    if cost is not None and "cost" not in found:
        found["cost"] = (cost.sentence, cost.offset)
    other = next((e for e in cited if law.section_of(e.code) not in COST_CODES), None)
    if other is not None and not ({"withheld", "ncnd", "partly_released"} & set(found)):
        found["ncnd" if law.is_ncnd(other.code) else "withheld"] = (other.sentence, other.offset)
    return _combine(found, content, codes)


def _combine(found: dict[str, tuple[str, int]], content: tuple[str, int] | None, codes: list[str]) -> Reading:
    pointer = found.pop("pointer", None)
    if pointer is not None and "not_held" not in found and not any(law.section_of(c) in ACCESSIBLE_CODES
                                                                    for c in codes):
        found.setdefault("released", pointer)
    unable = found.pop("unable", None)
    if unable is not None and "not_held" not in found:
        found.setdefault("withheld", unable)
    released = "released" in found or "partly_released" in found
    refused = [k for k in ("ncnd", "cost", "withheld") if k in found]
    if "partly_released" in found or (released and refused):
        key = "partly_released" if "partly_released" in found else refused[0]
        return _reading("partly_released", found[key], codes)
    if refused:
        return _reading(refused[0], found[refused[0]], codes)
    if "not_held" in found:
        return _reading("not_held", found["not_held"], codes)
    if released:
        return _reading("released", found["released"], codes)
    if content is not None:
        # An answer that gives facts without saying so ("Gwent Police uses Qlikview V12").
        return Reading("released", codes, *content, explicit=False)
    return Reading(None)


def _reading(answer: str, where: tuple[str, int], codes: list[str]) -> Reading:
    sentence, offset = where
    return Reading(answer, codes, sentence, offset)

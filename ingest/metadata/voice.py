"""Whose words: a response divided into the body's own voice and what it quotes or attaches.

Before any decision is read, the text is divided into parts (docs/metadata.md, "Whose words"):

- ``own``: the body's reply;
- ``request``: the requester's words: a thread's requester messages, a letter's quote of the
  request ("You asked:", "Your request:"), the questions as the requester numbered them, a
  sentence that repeats the request;
- ``history``: earlier e-mails below a reply ("From: … Sent:", "-----Original Message-----",
  "On … wrote:", "Below is our original response");
- ``template``: the review and complaint paragraphs ("If you are dissatisfied …");
- ``annex``: legislation quoted ("Section 40 states: “Any information … is exempt information
  if …”", a legal annex at the end);
- ``attachment``: an attached file that is not a letter to the requester (released material);
- ``other``: a thread's headings and annotations.

Exemptions and outcomes are read from ``own`` only; the division is kept on the record
(``Metadata.voice``) and shown on the document page.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Container

from archive.models import VOICES
from ingest.metadata.passages import MESSAGE_HEAD, attachment_lines, quoted_from_request, sentences, split_messages
from ingest.metadata.prefilter import Spans, fold
from ingest.metadata.request import quote_spans

OWN, REQUEST, HISTORY, TEMPLATE, ANNEX, ATTACHMENT, OTHER = VOICES
#: Every kind of part, in the order a later rule wins over an earlier one.
KINDS = (OWN, REQUEST, TEMPLATE, ANNEX, HISTORY, ATTACHMENT, OTHER)
assert set(KINDS) == set(VOICES)
_CODE = {kind: i for i, kind in enumerate(KINDS)}
# For each kind's code, a byte table raising every lower code to it.
_RAISE = [bytes(max(c, code) for c in range(256)) for code in range(len(KINDS))]


@dataclass(frozen=True)
class Part:
    """A stretch of the text and whose words it is; ``why`` quotes what marks its start."""

    kind: str
    start: int
    end: int
    why: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "why": self.why}


@dataclass(frozen=True)
class Division:
    """The parts of a text, in order, covering it whole."""

    parts: tuple[Part, ...]
    starts: tuple[int, ...] = ()  # each part's start, for bisect (filled in from ``parts``)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(p.start for p in self.parts))

    def kind_at(self, offset: int) -> str:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.parts[i].kind if 0 <= i < len(self.parts) and offset < self.parts[i].end else OTHER

    def own_share(self, start: int, end: int) -> float:
        """The share of text[start:end] that is the body's own words."""
        if end <= start:
            return 1.0 if self.kind_at(start) == OWN else 0.0
        own = 0
        for p in self.parts[max(0, bisect.bisect_right(self.starts, start) - 1):]:
            if p.start >= end:
                break
            if p.kind == OWN:
                own += max(0, min(end, p.end) - max(start, p.start))
        return own / (end - start)

    def own(self, start: int, end: int | None = None) -> bool:
        """Whether the words at ``start`` (or most of text[start:end]) are the body's own."""
        return self.kind_at(start) == OWN if end is None else self.own_share(start, end) >= 0.5

    def quoted(self) -> list[Part]:
        """The parts that are not the body's own words."""
        return [p for p in self.parts if p.kind != OWN]


def divide(text: str) -> Division:
    """Divide a response into whose words each part is."""
    return _divide(text or "")


# Every reader of a response asks; the division of the last few texts is kept.
@lru_cache(maxsize=16)
def _divide(text: str) -> Division:
    paint = _Painter(len(text))
    for m in MESSAGE_HEAD.finditer(text):
        paint(OTHER, m.start(), m.end(), "")
    for message in split_messages(text):
        full_end = message.start + len(message.full)
        if message.role != "authority":
            kind = REQUEST if message.role == "requester" else OTHER
            paint(kind, message.start, full_end, "the requester's message" if kind == REQUEST else "")
            continue
        if message.end < full_end:
            paint(HISTORY, message.end, full_end, _line(text, message.end))
        for lo, hi in _units(text, message.start, message.end, paint):
            _read_unit(text, lo, hi, paint)
    return Division(paint.parts(text))


class _Painter:
    """Kinds painted over the text, a later kind of KINDS winning where two overlap."""

    def __init__(self, n: int) -> None:
        self.codes = bytearray(n)
        self.why: dict[tuple[str, int], str] = {}
        self.marks: list[tuple[int, int, str, str]] = []
        self._by_kind: dict[str, list[tuple[int, int, int, str]]] | None = None

    def __call__(self, kind: str, start: int, end: int, why: str) -> None:
        start, end = max(0, start), min(len(self.codes), end)
        if end <= start:
            return
        code = _CODE[kind]
        self.codes[start:end] = self.codes[start:end].translate(_RAISE[code])
        self.marks.append((start, end, kind, why))

    def parts(self, text: str) -> tuple[Part, ...]:
        out: list[Part] = []
        codes = self.codes
        i, n = 0, len(codes)
        while i < n:
            code = codes[i]
            j = i + 1
            # Runs are long: find the next change a slice at a time.
            while j < n and codes[j] == code:
                step = min(n, j + 256)
                chunk = codes[j:step]
                if chunk.count(code) == len(chunk):
                    j = step
                else:
                    j += next(k for k, c in enumerate(chunk) if c != code)
            kind = KINDS[code]
            out.append(Part(kind, i, j, self._why(kind, i)))
            i = j
        return tuple(out) or (Part(OWN, 0, 0),)

    def _why(self, kind: str, at: int) -> str:
        """The words of the latest mark of ``kind`` that covers ``at`` (marks of a kind are
        looked up by their start: the nearest before ``at`` almost always covers it)."""
        if kind == OWN:
            return ""
        if self._by_kind is None:
            self._by_kind = {}
            for order, (s, e, k, w) in enumerate(self.marks):
                self._by_kind.setdefault(k, []).append((s, order, e, w))
            for marks in self._by_kind.values():
                marks.sort()
        marks = self._by_kind.get(kind, [])
        i = bisect.bisect_right(marks, (at, len(self.marks)))
        best: tuple[int, str] | None = None
        for s, order, e, w in reversed(marks[max(0, i - WHY_LOOKBACK):i]):
            if e > at and (best is None or order > best[0]):
                best = (order, w)
        return best[1] if best else ""


WHY_LOOKBACK = 64  # marks of one kind looked at before a run for its words


def _line(text: str, at: int, limit: int = 80) -> str:
    """The words at ``at`` to the end of their line, as ``why``."""
    end = text.find("\n", at)
    words = " ".join(text[at:end if end >= 0 else len(text)].split())
    if not words:
        words = " ".join(text[at:at + limit].split())
    return words[:limit]


# ---------------------------------------------------------------- attachments

# What a letter to the requester says near its start; an attached file without any of it is
# material released or sent for reference, not the body's reply.
_LETTER = re.compile(
    r"\bdear\b|\byour\s+(?:request|e-?mail|letter|application)\b|\byou\s+(?:asked|requested)\b|freedom\s+of\s+information"
    r"|environmental\s+information\s+regulations|\bFOI\b|\bEIR\b",
    re.IGNORECASE,
)


def _units(text: str, lo: int, hi: int, paint: _Painter) -> list[tuple[int, int]]:
    """The pieces of an authority message read as the body's letters: the message before its
    attachments, and each attached file that is a letter to the requester; other attached
    files are painted as attachments."""
    heads = [(start, end, name) for start, end, name, heading in attachment_lines(text, lo, hi) if heading]
    units = [(lo, heads[0][0] if heads else hi)]
    for i, (start, head_end, name) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else hi
        paint(OTHER, start, head_end, "")
        if _LETTER.search(text, head_end, min(end, head_end + 3000)):
            units.append((head_end, end))
        else:
            paint(ATTACHMENT, head_end, end, f"Attachment: {name}")
    return units


# ---------------------------------------------------------------- a letter's parts

# Earlier e-mails quoted below a reply, and an earlier reply reproduced under a heading.
_HISTORY = re.compile(
    r"""^[ \t>]*(?:From:[^\n]*\n[ \t>]*(?:Sent|Date):|-{2,}\s*(?:Original|Forwarded)\s+Message\s*-{2,}
    |Begin\s+forwarded\s+message:|show\s+quoted\s+sections|On\s[^\n]{5,80}\swrote:[ \t]*$
    |(?:(?:below|here)\s+is\s+(?:a\s+copy\s+of\s+)?)?(?:(?:our|my|the)\s+)?(?:original|previous|earlier|initial)\s+(?:response|reply|letter|e-?mail|decision)
      (?:[ \t]+(?:of|dated|sent)[^\n:]{0,40})?(?:[ \t]+is[ \t]+(?:copied[ \t]+|reproduced[ \t]+)?below)?[ \t]*(?::[ \t]*)?$)""",
    re.MULTILINE | re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z]{2,}")
# A header line of an e-mail ("To: …", "Subject: …"): not words of a reply above a quote.
_HEADER_LINE = re.compile(r"^[ \t]*(?:From|Sent|Date|To|Cc|Subject|Importance|Attachments?)\s*:[^\n]*$",
                          re.MULTILINE | re.IGNORECASE)
# Fewer words above the first quoted e-mail than this, and the top is a forwarding note or a
# header: the mail below is the reply itself, not its history.
MIN_REPLY_WORDS = 20


def _history_start(text: str, lo: int, hi: int) -> re.Match[str] | None:
    words, counted = 0, lo  # the reply's words above, counted once as the matches go down
    for m in _HISTORY.finditer(text, lo, hi):
        words += len(_WORD.findall(_HEADER_LINE.sub(" ", text[counted:m.start()])))
        counted = m.start()
        if words >= MIN_REPLY_WORDS:
            return m
    return None


# The review and complaint paragraphs: how to complain, not what was decided.
_TEMPLATE_START = re.compile(
    r"""\bif\s+you\s+(?:are|were|remain|feel|continue\s+to\s+be)\s+(?:\w+\s+){0,2}?(?:dissatisfied|unhappy|not\s+(?:satisfied|happy|content)|aggrieved)
    |\bif\s+you\s+(?:\w+\s+)?(?:wish|want|would\s+like)\s+to\s+(?:request|ask\s+for|apply\s+for|appeal|complain|make\s+a\s+complaint|seek)
    |\bif\s+you\s+(?:are\s+)?(?:disagree|not\s+content|not\s+satisfied)
    |\byou\s+(?:have|has)\s+(?:the\s+)?right\s+to\s+(?:request|ask|appeal|complain|make|seek|apply)
    |\byou\s+(?:may|can|could|are\s+entitled\s+to)\s+(?:request|ask\s+for|apply\s+for|seek|make\s+a\s+request\s+for)\s+an?\s+(?:internal\s+)?review
    |\b(?:complain|appeal|apply)\s+(?:directly\s+)?to\s+the\s+(?:Scottish\s+)?Information\s+Commissioner
    |^[ \t]*(?:your\s+)?rights?\s+(?:of|to)\s+(?:appeal|complain|review|request\s+a\s+review)[^\n]{0,40}$
    |^[ \t]*(?:complaints?|appeals?|internal\s+review)(?:\s+(?:procedure|process|rights))?[ \t:]*$""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
# What the paragraphs go on to say: the review, the Commissioner, how to reach them.
_TEMPLATE_MORE = re.compile(
    r"""review|commissioner|\bICO\b|complain|appeal|tribunal|dissatisf|unhappy|\bright|contact|write\s+to|address
    |e-?mail|telephone|\btel\b|phone|www\.|https?:|@|yours|regards|sincerely|faithfully|working\s+days|calendar\s+days
    |within\s+\d+|\bdays\b|\bdecision\b|wycliffe|water\s+lane|wilmslow|cheshire|\bSK9\b|helpline|procedure|\bform\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence that decides something ends the appeals paragraphs (an internal review's
# "I uphold the decision to withhold …"); decision.py holds the patterns.
_DECIDES = re.compile(
    r"""\buph[eo]ld|\boverturn|exempt\s+from\s+disclosure|(?:is|are|been)\s+withheld|neither\s+confirm
    |(?:do|does)\s+not\s+hold|not\s+held|please\s+find\s+attached|decided\s+to\s+(?:disclose|release)""",
    re.IGNORECASE | re.VERBOSE,
)
SHORT_LINE_WORDS = 8  # an address line, a name, a sign-off: goes on with the paragraph around it


# Legislation quoted: "Section 40 of the Act states:" and the words of the Act after it, or a
# legal annex at the end of the letter.
_STATES = re.compile(r"(?:states|provides|reads|says|is\s+as\s+follows|sets\s+out)(?:[ \t]*:)?\s*$", re.IGNORECASE)
_STATUTE = re.compile(
    r"""\bexempt\s+information\s+(?:if|to\s+the\s+extent)|\bIn\s+this\s+section\b|for\s+the\s+purposes\s+of\s+(?:this\s+section|subsection)
    |mentioned\s+in\s+subsection|does\s+not\s+oblige\s+a\s+public\s+authority|duty\s+to\s+confirm\s+or\s+deny\s+does\s+not\s+arise\s+if
    |a\s+public\s+authority\s+may\s+refuse\s+to\s+disclose|shall\s+(?:not\s+)?apply|\bany\s+information\s+to\s+which\s+a\s+request""",
    re.IGNORECASE | re.VERBOSE,
)
_ANNEX_HEAD = re.compile(
    r"""^[ \t]*(?:(?:legal|legislative)\s+)?(?:annex|appendix|schedule)(?:\s+[A-Z0-9]{1,3})?\b[^\n]{0,60}$
    |^[ \t]*(?:relevant\s+|the\s+)?(?:legislation|legal\s+framework|statutory\s+provisions?)\b[^\n]{0,40}$
    |^[ \t]*(?:extracts?|the\s+text|wording)\s+(?:from|of)\s+the\s+(?:Act|legislation|Freedom\s+of\s+Information)[^\n]{0,60}$""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
ANNEX_LOOKAHEAD = 1500  # a heading is a legal annex when statute follows within this many characters

# What a requester asks, as a letter repeats it: a question, or an item that asks.
_ASKS = re.compile(
    r"""^\W*(?:(?:q(?:uestion)?\s*)?\d{1,2}[.):]?\s+|\(?[a-h][.)]\s+|[•·▪◦●\-–*]\s*)?
    (?:please\s+(?:could\s+you\s+)?(?:provide|supply|send\s+me|confirm|tell\s+me|list|state|advise|disclose|give|include|forward)
    |(?:could|can|would|will)\s+you\b|i\s+(?:would\s+like|wish|want|request|am\s+requesting|am\s+writing\s+to\s+request|appreciate|understand)
    |how\s+(?:many|much|often|long)|what\b|which\b|when\b|where\b|who\b|whether\b|does\b|do\s+you\b|has\b|have\s+you\b|is\s+there\b|are\s+there\b)""",
    re.IGNORECASE | re.VERBOSE,
)
# The request in quotation marks after the words that introduce it: "You asked for “copies of …”".
_QUOTED_REQUEST = re.compile(
    r"""\b(?:you\s+(?:asked|requested|wrote|sought|said|stated)|your\s+(?:original\s+)?request\s+(?:was|read|reads|stated|for|asked))
    \b[^“"\n]{0,60}?[“"](?P<quote>[^”"]{30,3000})[”"]""",
    re.IGNORECASE | re.VERBOSE,
)
# Read from the stripped words before a sentence on its line: one item marker, or nothing.
_MARKER_ONLY = re.compile(r"(?:(?:q(?:uestion)?[ \t]?)?\d{1,2}[.):]?|\(?[a-h][.)]|[•·▪◦●\-–*])?", re.IGNORECASE)
_ITEM = re.compile(r"^[ \t]*(?:(?:q(?:uestion)?\s*)?\d{1,2}[.):]|\(?[a-h][.)]|[•·▪◦●\-–*])[ \t]", re.IGNORECASE)


def _read_unit(text: str, lo: int, hi: int, paint: _Painter) -> None:
    """Paint one letter's parts: its quoted history, the request it repeats, the appeals
    paragraphs and the legislation it quotes; the rest stays the body's own."""
    history = _history_start(text, lo, hi)
    if history:
        paint(HISTORY, history.start(), hi, _line(text, history.start()))
        hi = history.start()
    for a, b in quote_spans(text, lo, hi):
        paint(REQUEST, a, b, _line(text, a))
    for m in _QUOTED_REQUEST.finditer(text, lo, hi):
        paint(REQUEST, m.start("quote"), m.end("quote"), m["quote"][:80])
    sents = sentences(text[lo:hi], lo)
    # Only sentences that hold a pattern's required words can match it (prefilter.py).
    spans = Spans(fold(text[lo:hi]), [(s.start - lo, s.end - lo) for s in sents])
    _paint_asked(text, sents, paint)
    _paint_templates(text, sents, _may(spans, _TEMPLATE_START, len(sents)), paint)
    _paint_annex(text, sents, _may(spans, _STATES, len(sents)), lo, hi, paint)


def _may(spans: Spans, pattern: re.Pattern[str], n: int) -> frozenset[int] | range:
    found = spans.candidates(pattern)
    return range(n) if found is None else found


def _paint_asked(text: str, sents: list, paint: _Painter) -> None:
    """Sentences that repeat the request: quoted back from a requester's message, or a
    question as the requester numbered or asked it."""
    threaded = MESSAGE_HEAD.search(text) is not None
    for s in sents:
        if threaded and quoted_from_request(s.text, text, s.start):
            paint(REQUEST, s.start, s.end, s.text[:80])
            continue
        line_start = text.rfind("\n", 0, s.start) + 1
        item = _ITEM.match(text, line_start) is not None
        question = s.text.rstrip().endswith("?")
        # A numbered or bulleted question, or an item that asks ("Please provide …"):
        # the requester's words. An authority's plain sentence ending in "?" is rare, and a
        # question is no decision either way.
        if question or (item and _ASKS.match(s.text)):
            # With its number: "1." before the question, split off as a sentence of its own.
            start = line_start if _MARKER_ONLY.fullmatch(text[line_start:s.start].strip()) else s.start
            paint(REQUEST, start, s.end, text[start:s.end][:80])


def _paint_templates(text: str, sents: list, may: Container[int], paint: _Painter) -> None:
    i = 0
    while i < len(sents):
        s = sents[i]
        if i not in may or not _TEMPLATE_START.search(s.text) or _DECIDES.search(s.text):
            i += 1
            continue
        start, end = s.start, s.end
        j = i + 1
        while j < len(sents):
            t = sents[j]
            short = len(_WORD.findall(t.text)) <= SHORT_LINE_WORDS
            if _DECIDES.search(t.text) or not (short or _TEMPLATE_MORE.search(t.text)):
                break
            end = t.end
            j += 1
        paint(TEMPLATE, start, end, s.text[:80])
        i = j


def _paint_annex(text: str, sents: list, may: Container[int], lo: int, hi: int, paint: _Painter) -> None:
    # A legal annex: its heading, with statute after it, to the end of the letter.
    for head in _ANNEX_HEAD.finditer(text, lo, hi):
        if _STATUTE.search(text, head.end(), min(hi, head.end() + ANNEX_LOOKAHEAD)):
            paint(ANNEX, head.start(), hi, _line(text, head.start()))
            break
    # The Act quoted after "section 43(2) states:": the quoted words, as far as they run
    # in statute.
    for i, s in enumerate(sents[:-1]):
        if i not in may or not _STATES.search(s.text):
            continue
        j = i + 1
        while j < len(sents) and (_STATUTE.search(sents[j].text) or _quoted(sents[j].text)):
            paint(ANNEX, sents[j].start, sents[j].end, sents[j].text[:80])
            j += 1


def _quoted(sentence: str) -> bool:
    t = sentence.strip()
    return len(t) > 20 and t[0] in "\"“‘'" and t.rstrip(".")[-1:] in "\"”’'"

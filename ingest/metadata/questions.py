"""Question by question: the items of a request and what the reply did with each.

A request is often a list ("1. How many ...", "(a) ...", "• Any contracts ...",
"Q3 ..."). Replies answer it in one of four shapes, read here in this order:

1. **Interleaved**: each item quoted again and its answer below it (letters, and
   "Q1 ... A1 ..." tables). The answer of an item runs to the next item.
2. **Answers numbered apart**: the request's items first, then "1. ... 2. ..." answers.
3. **A thread**: the items in the requester's message; the reply quotes them (1) or
   numbers its answers (2).
4. **One answer for all**: the list, then one reply. Sentences that name items
   ("In relation to questions 4 and 6: no information held", "the remainder of the
   request") decide those items; the rest of the reply decides the others.

Each answer is read for what it says it does (decision.py): released, partly
released, not held, withheld (with the exemptions cited in it), refused on cost
(s.12), neither confirmed nor denied, or not answered, with the sentence it was
read from. docs/metadata.md, "Questions", explains the rules and their limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.models import Evidence, Exemption, Question
from ingest.metadata.decision import Reading, read_answer
from ingest.metadata.passages import Message, sentences, split_messages, squash
from ingest.metadata.voice import Division, divide

MAX_ITEMS = 40  # a longer "list" is a table of data, not a request
MAX_ITEM_CHARS = 600  # an item's own words beyond this are the answer running on

# The start of an item: "1.", "1)", "(1)", "Q1", "Question 1:", "(a)", "a)", "(iv)", a bullet.
_MARKER = re.compile(
    r"""^[ \t]*["“‘']?[ \t]*(?:
        (?P<q>(?:Q|Question)[ \t]?(?P<qn>\d{1,2})\b[.:)]?)
      | (?P<num>\(?(?P<n>\d{1,2})[.)](?![\d.]))
      | (?P<let>\((?P<l>[a-hj-z]|[ivx]{1,4})\)|(?P<l2>[a-h])\))
      | (?P<bullet>[•·▪◦●○■□➢►✓\-–*]|\.(?=[ \t]{2}|\t|[ \t][A-Z])|o(?=\t))
    )[ \t]*(?=\S)""",
    re.VERBOSE | re.MULTILINE,
)
# An answer's own label: "A1", "Answer 1:", "Response:", "Our response:".
_ANSWER_LABEL = re.compile(
    r"^[ \t]*(?:A[ \t]?(?P<an>\d{1,2})\b[.:)]?|Answer(?:[ \t]+(?P<an2>\d{1,2}))?[ \t]*[.:)\-–]"
    r"|(?:Our[ \t]+)?(?:Response|Reply)(?:[ \t]+(?P<an3>\d{1,2}))?[ \t]*[:\-–])[ \t]*",
    re.MULTILINE | re.IGNORECASE,
)
# Words a request item starts with (or it ends with "?"): what tells a request's list from
# a list of facts in an answer ("• SPSS • STATA").
_ASKING = re.compile(
    r"""^\W*(?:any|all|copies|copy|how|what|which|when|where|who|whom|why|whether|do|does|did|is|are|was|were
    |has|have|can|could|would|will|please|provide|the\s+(?:number|total|amount|name|date|cost|details|policy)
    |a\s+(?:list|copy|breakdown|summary)|list|details|information|info|documents?|reports?|data|total|number
    |breakdown|confirmation|confirm|minutes|correspondence|emails?|contracts?|policies|policy|guidance|figures
    |statistics|evidence|records?|training|briefing|under|for\s+(?:each|the|every)|in\s+(?:each|the|relation)
    |if\s)""",
    re.VERBOSE | re.IGNORECASE,
)
# Where a reply's answers end: the sign-off, the appeals paragraph, the re-use licence.
_REPLY_END = re.compile(
    r"""^[ \t]*(?:yours\s+(?:sincerely|faithfully)|kind\s+regards|best\s+wishes|regards\b
    |if\s+you\s+are\s+(?:unhappy|dissatisfied|not\s+(?:satisfied|happy|content))
    |if\s+you\s+(?:wish|would\s+like)\s+to\s+(?:request|ask\s+for|complain|appeal|make)
    |(?:complaint|appeal)\s+rights|your\s+right\s+to|right\s+of\s+(?:appeal|review)|internal\s+review\b
    |the\s+information\s+(?:provided|supplied|released)\s+(?:in\s+this\s+response\s+)?is\s+(?:available\s+for\s+re-?use|subject\s+to)
    |copyright|re-?use\s+of\s+(?:the\s+)?information)""",
    re.VERBOSE | re.IGNORECASE | re.MULTILINE,
)
# A sentence that names items: "In relation to questions 4 and 6", "Q3 and Q4", "points 1-3",
# "parts (a) and (b)", "the remainder of the request", "all other questions".
_NAMES_ITEMS = re.compile(
    r"""\b(?:questions?|q|points?|parts?|items?|requests?|elements?)
    [ \t]*(?P<list>\(?(?:\d{1,2}|[a-h])\)?(?:[ \t]*(?:,|and|&|to|-|–|or)[ \t]*(?:questions?[ \t]+|q)?\(?(?:\d{1,2}|[a-h])\)?)*)(?![\w(])""",
    re.VERBOSE | re.IGNORECASE,
)
_THE_REST = re.compile(
    r"\b(?:the\s+)?(?:remainder|rest)\s+of\s+(?:the|your)\s+(?:request|questions?)|\ball\s+(?:the\s+)?other\s+(?:questions|parts|points|items)"
    r"|\bremaining\s+(?:questions|parts|points|items)",
    re.IGNORECASE,
)
_BLANK = re.compile(r"\n[ \t]*\n")
_RUNS_ON = re.compile(r"(?:\be\.g\.|\bi\.e\.|[a-z,])[ \t]*$")
# A reply's line that starts with an item's number ("1) Yes", "7. NEC NeoFace", "6 & 8."):
# the answer to those items, numbered as the request numbered them.
_NUMBERED_LINE = re.compile(r"[ \t]*(?P<list>\d{1,2}(?:[ \t]*(?:&|and|,)[ \t]*\d{1,2})*)[ \t]*[.):](?=\s|$)")
_WRAPPED = re.compile(r"^[ \t]*[a-z(]")  # a line that carries on the one above it
# How an unnumbered item of a request starts (stricter than _ASKING: an answer paragraph
# may start "Information is ..." or "The data ...").
_REQUEST_WORDS = re.compile(
    r"""^\W*(?:any\s|all\s|copies\s+of|a\s+copy\s+of|details\s+(?:of|on|about|regarding)|information\s+(?:on|about|regarding|relating|as\s+to)
    |documents?\s+(?:on|about|regarding|relating|that|which)|how\s|what\s|which\s|when\s|where\s|who\s|whether\s
    |please\s+(?:could\s+you\s+|can\s+you\s+)?(?:provide|send|supply|give|list|confirm|tell|state|disclose|let)
    |a\s+(?:list|breakdown|summary|copy)\s+of|the\s+(?:number|total|amount|names?|dates?|costs?)\s+of|the\s+model\s+by
    |(?:do|does|did|is|are|has|have|can|could|would)\s+(?:you|the|your|any))""",
    re.VERBOSE | re.IGNORECASE,
)
_QUESTION_WORD = re.compile(r"^\W*(?:how|what|which|when|where|who|whether|do|does|did|is|are|has|have|can|could|would)\b",
                            re.IGNORECASE)
_ANSWER_START = re.compile(r"^\W*(?:we|i|our|the\s+(?:council|force|trust|department)|yes|no)\b", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]*(?-i:[A-Z][A-Z0-9 ,&/()'’-]{4,})[ \t]*$")
# A line that starts an answer, not the next line of a wrapped question.
_ANSWER_OPENER = re.compile(
    r"""\n[ \t]*(?=(?:We|I|Our|Yes|No|None|Nil|N/A|There|This|These|Please|Unfortunately|Currently|At\s+present
    |The\s+(?:Council|Force|Trust|Department|Authority|information|answer|figures?|data|number|total)\b
    |(?:[A-Z][a-z]+[ \t]+){1,3}(?:Council|Police|Constabulary|Trust|Board|Authority)\s+(?:does|do|has|have|is|are|holds?|uses?|can|will|would)\b)\b)""",
    re.VERBOSE,
)


@dataclass
class Questions:
    """The items found and their answers; ``specific`` when the reply answers items one by
    one (then the response's outcome follows from the answers), not as one whole."""

    questions: list[Question]
    specific: bool = False


@dataclass
class Item:
    """One item of a request: its number, words, and where it stands in the text."""

    number: str
    text: str
    start: int
    end: int  # where its own words end (its answer, when interleaved, starts here)
    kind: str  # "q", "num", "let", "bullet"


def find_questions(text: str, exemptions: list[Exemption], replies: list[Message] | None = None) -> Questions:
    """The request's items with what happened to each; [] when no list of items is found.

    ``replies``: the authority's messages that decide something (outcome.decision_messages),
    else every message of the authority's."""
    messages = split_messages(text)
    replies = replies if replies is not None else [m for m in messages if m.role == "authority"]
    if not replies:
        return Questions([])
    requests = [m for m in messages if m.role == "requester"]
    if requests:
        return _thread(text, requests[0], replies, exemptions)
    return _letter(text, replies[0], exemptions)


# -- the shapes of a reply --------------------------------------------------------------


def _letter(text: str, reply: Message, exemptions: list[Exemption]) -> Questions:
    """A single letter: its request list, answered interleaved, numbered apart, or as one."""
    body_end = _answers_end(text, reply.start, reply.end)
    lists = _lists(text, reply.start, body_end)
    request = _request_list(lists, divide(text))
    if request is None:
        # No numbers or bullets: paragraphs that ask, each followed by its answer.
        paragraphs = _paragraph_items(text, reply.start, body_end)
        if paragraphs is None:
            return Questions([])
        return Questions(_read_spans(text, paragraphs, _spans_to_next(paragraphs, body_end), exemptions),
                         specific=True)
    answered = _interleaved(text, request, body_end, exemptions)
    if answered is not None:
        return Questions(answered, specific=True)
    after = request[-1].end
    numbered = _numbered_answers(text, request, [lst for lst in lists if lst[0].start >= after], body_end)
    if numbered is not None:
        return Questions(_read_spans(text, request, numbered, exemptions), specific=True)
    return _one_answer(text, request, after, body_end, exemptions)


def _thread(text: str, request: Message, replies: list[Message], exemptions: list[Exemption]) -> Questions:
    """A thread: the items of the requester's first message, answered in the first reply that decides."""
    items = _request_list(_lists(text, request.start, request.end))
    if items is None:
        return Questions([])
    best = Questions([])
    for reply in replies:
        end = _answers_end(text, reply.start, reply.end)
        if end <= reply.start:
            continue
        specific = (_quoted_in_reply(text, items, reply.start, end, exemptions)
                    or _numbered_in_reply(text, items, reply.start, end, exemptions))
        found = Questions(specific, specific=True) if specific else _one_answer(text, items, reply.start, end,
                                                                               exemptions)
        if any(q.answer != "not_answered" for q in found.questions):
            # The first reply that answers decides; a later internal review is read as a whole.
            return found
        best = best if best.questions else found
    return best


def _interleaved(text: str, items: list[Item], body_end: int, exemptions: list[Exemption]
                 ) -> list[Question] | None:
    """Each item followed by its answer, up to the next item. None when the items stand
    together (no words between them): then the reply comes after the list."""
    spans = []
    for i, item in enumerate(items):
        nxt = items[i + 1].start if i + 1 < len(items) else body_end
        spans.append((item.end, nxt))
    # Lines that are items themselves (of a list in another glyph) are no answer.
    between = [_words("\n".join(line for line in text[a:b].split("\n") if not _MARKER.match(line)))
               for a, b in spans[:-1]]
    if not between or sum(1 for w in between if w >= 3) < max(1, len(between) // 2):
        return None
    # The last item's answer runs to the end of the reply's answers, but no further than a
    # paragraph more than the longest answer above it would.
    return _read_spans(text, items, spans, exemptions)


def _paragraph_items(text: str, start: int, end: int) -> list[Item] | None:
    """Items that stand as lines of their own, unnumbered, each answered by the lines below
    it ("Details of any software packages used ...", then the answer). A line (with the
    lines a PDF wrapped it onto) is an item when it asks in a request's words and lines that
    do not ask follow it. Two such at least, and items that alternate with answers, not a
    list of them (then one answer for all is read as a whole), else None."""
    units = _units(text, start, end)
    asking = [_asks_as_request(text[a:b]) for a, b in units]
    items: list[Item] = []
    followed_by_item = 0
    for i, (a, b) in enumerate(units):
        if not asking[i]:
            continue
        if i + 1 < len(units) and asking[i + 1]:
            followed_by_item += 1
            continue
        if i + 1 < len(units) and len(text[b:end].split()) >= 3:
            items.append(Item(str(len(items) + 1), " ".join(text[a:b].split()), a, b, "paragraph"))
    if len(items) < 2 or followed_by_item * 3 > sum(asking):
        return None
    return items


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of text[start:end], each with the lines wrapped onto it (that start in
    lower case), as spans; blank lines dropped."""
    units: list[tuple[int, int]] = []
    at = start
    while at < end:
        stop = text.find("\n", at, end)
        stop = end if stop < 0 else stop
        line = text[at:stop]
        if line.strip():
            a = at + len(line) - len(line.lstrip())
            b = at + len(line.rstrip())
            if units and _WRAPPED.match(line) and text[units[-1][1]:a].count("\n") == 1:
                units[-1] = (units[-1][0], b)
            else:
                units.append((a, b))
        at = stop + 1
    return units


def _spans_to_next(items: list[Item], end: int) -> list[tuple[int, int] | None]:
    return [(it.end, items[i + 1].start if i + 1 < len(items) else end) for i, it in enumerate(items)]


def _asks_as_request(line: str) -> bool:
    """Whether a line reads as an item of a request, not as an answer to one: a question
    ("How many ...?"), or what a request asks for ("Details of ...", "Any contracts ...")."""
    if len(line.split()) < 4 or _ANSWER_START.match(line):
        return False
    if "?" in line:
        return True
    m = _REQUEST_WORDS.match(line)
    return bool(m) and not _QUESTION_WORD.match(m.group(0))


def _numbered_answers(text: str, items: list[Item], later: list[list[Item]], end: int
                      ) -> list[tuple[int, int]] | None:
    """The spans of answers numbered like the items, after them ("1. ... 2. ...")."""
    for lst in later:
        if lst[0].kind == items[0].kind and len(lst) == len(items):
            spans = []
            for i, a in enumerate(lst):
                spans.append((a.start, lst[i + 1].start if i + 1 < len(lst) else end))
            return spans
    return None


def _quoted_in_reply(text: str, items: list[Item], start: int, end: int,
                     exemptions: list[Exemption]) -> list[Question]:
    """A reply that quotes each item again: the answer is what follows the quote."""
    body = squash(text[start:end])
    places = []
    for item in items:
        probe = squash(item.text)[:60]
        if len(probe) < 20:
            return []
        places.append(body.find(probe))
    if sum(1 for p in places if p >= 0) < max(2, len(items) // 2 + 1):
        return []
    # Map the squashed offsets back by searching the raw text in order.
    spans: list[tuple[int, int] | None] = []
    cursor = start
    raw_places = []
    for item in items:
        at = _find_loose(text, item.text[:60], cursor, end)
        raw_places.append(at)
        if at >= 0:
            cursor = at + 1
    for i, at in enumerate(raw_places):
        if at < 0:
            spans.append(None)
            continue
        own_end = _own_end(text, at, end)
        nxt = next((p for p in raw_places[i + 1:] if p >= 0), end)
        spans.append((own_end, nxt))
    return _read_spans(text, items, spans, exemptions)


def _numbered_in_reply(text: str, items: list[Item], start: int, end: int,
                       exemptions: list[Exemption]) -> list[Question]:
    lists = _lists(text, start, end)
    spans = _numbered_answers(text, items, lists, end)
    return _read_spans(text, items, spans, exemptions) if spans else []



def _one_answer(text: str, items: list[Item], start: int, end: int, exemptions: list[Exemption]
                ) -> Questions:
    """One reply for the whole list. A sentence that names items ("In relation to Question 1:",
    "Question 2", "the remainder of the request") starts their answer, which runs to the next
    such sentence or heading; what no item is named in answers the items never named."""
    numbers = [it.number for it in items]
    own: dict[str, list[tuple[int, int]]] = {n: [] for n in numbers}
    general: list[tuple[int, int]] = []
    rest: list[tuple[int, int]] = []
    target: list[str] | None = None  # the items the sentences now being read answer
    by_number: set[str] = set()  # items a line numbered like them has answered
    for sent in sentences(text[start:end], start):
        named = _named_items(sent.text, numbers) or _claim(_numbered_line(text, sent.start), numbers, by_number)
        if named:
            target = named
            if _NUMBERED_LINE.fullmatch(sent.text.strip()):
                continue  # "6 & 8." alone: the answer is below it
        elif _THE_REST.search(sent.text):
            target = ["*rest"]
        elif _HEADING.match(sent.text):
            target = None  # "LEGAL ANNEX", "DECISION": the answers above end here
            continue
        span = (sent.start, sent.end)
        if target is None:
            general.append(span)
        elif target == ["*rest"]:
            rest.append(span)
        else:
            for n in target:
                own[n].append(span)
    # What the reply says of the whole: only what it says in words (a reply's facts are not
    # known to answer every item).
    whole = read_answer(text, general, exemptions)
    if not whole.explicit or whole.answer == "partly_released":
        # "I have today decided to disclose some of the requested information" says what
        # happened to the request, not to any one item of it: such an item's answer is not read.
        whole = Reading(None)
    claimed = any(own.values())
    questions = []
    for item in items:
        if own[item.number]:
            reading = read_answer(text, own[item.number], exemptions)
            if (reading.answer is None or not reading.explicit) and item.number in by_number:
                # Under its own number, what follows is the answer, however short ("7. NEC
                # NeoFace", "4) FY2015/16 £2.5K"): given, without words that say so.
                reading = _given(text, own[item.number]) or reading
        elif rest and claimed:
            reading = read_answer(text, rest, exemptions)
        else:
            reading = whole
        questions.append(_question(item, reading))
    return Questions(questions, specific=claimed)


def _given(text: str, spans: list[tuple[int, int]]) -> Reading | None:
    """The first words after an answer's number, as a release; None when there are none."""
    for a, b in spans:
        span = text[a:b]
        m = _NUMBERED_LINE.match(span)
        words = (span[m.end():] if m else span).strip()
        if len(_WORDS.findall(words)) >= 1:
            at = text.find(words[:20], a, b)
            return Reading("released", [], " ".join(words.split())[:200], at, explicit=False)
    return None


_WORDS = re.compile(r"\w{2,}")


def _numbered_line(text: str, at: int) -> tuple[list[str], str] | None:
    """The numbers a sentence at the start of a line carries ("1) Yes", "6 & 8.") and the
    mark after them; None when it starts with none."""
    if at and text[text.rfind("\n", 0, at) + 1:at].strip():
        return None
    m = _NUMBERED_LINE.match(text, at)
    if not m:
        return None
    return _expand(m["list"]), text[m.end() - 1]


def _claim(line: tuple[list[str], str] | None, numbers: list[str], taken: set[str]) -> list[str]:
    """The items a numbered line answers, each once: a number already answered is no new
    answer."""
    if line is None:
        return []
    found = [n for n in line[0] if n in numbers and n not in taken]
    taken.update(found)
    return found


def _named_items(sentence: str, numbers: list[str]) -> list[str]:
    found: list[str] = []
    for m in _NAMES_ITEMS.finditer(sentence):
        for n in _expand(m["list"]):
            if n in numbers and n not in found:
                found.append(n)
    return found


def _expand(listing: str) -> list[str]:
    """ "4 and 6" -> 4, 6; "1-3" -> 1, 2, 3; "(a) and (b)" -> a, b."""
    tokens = re.findall(r"\d{1,2}|\b[a-h]\b|(?:to|-|–)", listing.replace("(", " ").replace(")", " "))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("to", "-", "–") and out and i + 1 < len(tokens) and tokens[i + 1].isdigit() and out[-1].isdigit():
            out.extend(str(k) for k in range(int(out[-1]) + 1, min(int(tokens[i + 1]), int(out[-1]) + 40) + 1))
            i += 2
            continue
        if tok not in ("to", "-", "–"):
            out.append(tok)
        i += 1
    return out


# -- finding the items -----------------------------------------------------------------


def _lists(text: str, start: int, end: int) -> list[list[Item]]:
    """Runs of items of one kind, numbered in order, between start and end."""
    markers = []
    for m in _MARKER.finditer(text, start, end):
        kind = next(k for k in ("q", "num", "let", "bullet") if m[k])
        label = m["qn"] or m["n"] or m["l"] or m["l2"] or (m["bullet"].strip() if m["bullet"] else "")
        if kind == "bullet" and label in (".", "•", "●"):
            label = "·"  # one glyph, as documents converted from Word lose or swap it
        markers.append((m, kind, label))
    lists: list[list[Item]] = []
    open_lists: dict[tuple[str, str], list[Item]] = {}
    for m, kind, label in markers:
        own_end = _own_end(text, m.end(), end)
        words = text[m.end():own_end].strip()
        key = (kind, label if kind == "bullet" else "")
        current = open_lists.get(key)
        number = label
        if kind == "bullet":
            number = str(len(current) + 1) if current else "1"
        elif current and not _follows(current[-1].number, label, kind):
            current = None
        if current is None:
            if kind != "bullet" and label not in ("1", "a", "i"):
                continue  # a list starts at its first number
            current = []
            lists.append(current)
            open_lists[key] = current
            number = "1" if kind == "bullet" else label
        current.append(Item(number, " ".join(words.split()), m.start(), own_end, kind))
    return [lst for lst in lists if 2 <= len(lst) <= MAX_ITEMS]


def _follows(previous: str, label: str, kind: str) -> bool:
    if kind in ("q", "num"):
        return label.isdigit() and previous.isdigit() and int(label) == int(previous) + 1
    romans = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
    if previous in romans and label in romans:
        return romans.index(label) == romans.index(previous) + 1
    return len(label) == 1 and len(previous) == 1 and ord(label) == ord(previous) + 1


def _own_end(text: str, at: int, end: int) -> int:
    """Where an item's own words end: a blank line, the next marker or answer label, or a
    line that starts an answer, at most MAX_ITEM_CHARS on."""
    limit = min(end, at + MAX_ITEM_CHARS)
    stops = [limit]
    blank = _BLANK.search(text, at, limit)
    # A blank line inside a sentence ("hardware e.g.\n\ncameras?": a page break of a PDF)
    # does not end the item: the words before it run on and the next line starts in lower case.
    while blank and _RUNS_ON.search(text, max(at, blank.start() - 8), blank.start()) \
            and text[blank.end():blank.end() + 1].islower():
        blank = _BLANK.search(text, blank.end(), limit)
    if blank:
        stops.append(blank.start())
    nxt = _MARKER.search(text, text.find("\n", at, limit) + 1 if "\n" in text[at:limit] else limit, limit)
    if nxt:
        stops.append(nxt.start())
    label = _ANSWER_LABEL.search(text, at + 1, limit)
    if label:
        stops.append(label.start())
    # A question ends at its question mark when an answer follows on the next line, and at
    # a line that starts as answers do ("We do not hold", "Kent County Council use").
    qmark = re.search(r"\?[ \t]*\n", text[at:limit])
    if qmark:
        stops.append(at + qmark.end() - 1)
    opener = _ANSWER_OPENER.search(text, at, limit)
    if opener:
        stops.append(opener.start())
    # A paragraph of its own: the item's line ends a sentence and the next starts another.
    full_stop = re.compile(r"[.?!][ \t]*\n(?=[ \t]*[A-Z(\[])").search(text, at, limit)
    if full_stop:
        stops.append(full_stop.start() + 1)
    return max(at, min(stops))


def _request_list(lists: list[list[Item]], voice: Division | None = None) -> list[Item] | None:
    """The list that is the request: items that ask, the most of them, the first such. A list
    in the request as the letter quotes it (voice.py) is the request whether or not its items
    ask ("2. The unit's annual report.")."""
    best: list[Item] | None = None
    best_score = 0.0
    for lst in lists:
        asking = sum(1 for it in lst if _asks(it.text))
        quoted = voice is not None and len(lst) >= 2 and voice.kind_at(lst[0].start) == "request" \
            and voice.kind_at(lst[-1].start) == "request"
        if quoted:
            asking = max(asking, len(lst))
        if asking < max(2, (len(lst) + 1) // 2):
            continue
        score = asking + (2 if lst[0].kind == "q" else 0)
        if score > best_score:
            best, best_score = lst, score
    return best


def _asks(words: str) -> bool:
    return len(words.split()) >= 3 and (bool(_ASKING.match(words)) or words.rstrip().endswith("?"))


# -- reading the answers ---------------------------------------------------------------


def _read_spans(text: str, items: list[Item], spans: list[tuple[int, int] | None],
                exemptions: list[Exemption]) -> list[Question]:
    out = []
    for item, span in zip(items, spans):
        if span is None or span[1] <= span[0]:
            out.append(_question(item, None))
            continue
        a, b = span
        label = _ANSWER_LABEL.match(text, a) or _ANSWER_LABEL.match(text, _skip_space(text, a))
        if label:
            a = label.end()
        out.append(_question(item, read_answer(text, [(a, b)], exemptions)))
    return out


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def _question(item: Item, reading: Reading | None) -> Question:
    if reading is None or reading.answer is None:
        return Question(text=item.text, answer="not_answered", number=item.number)
    return Question(text=item.text, answer=reading.answer, exemptions=list(reading.exemptions),
                    evidence=Evidence(reading.sentence, reading.offset) if reading.sentence else None,
                    number=item.number)


def _answers_end(text: str, start: int, end: int) -> int:
    """Where a reply's answers end: its sign-off or appeals paragraph."""
    m = _REPLY_END.search(text, start, end)
    return m.start() if m else end


def _words(chunk: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", chunk))


def _find_loose(text: str, words: str, start: int, end: int) -> int:
    """Where ``words`` stand in text[start:end], white space and quote marks aside; -1 if not."""
    tokens = re.findall(r"\w+", words)[:8]
    if len(tokens) < 3:
        return -1
    pattern = r"\W+".join(re.escape(t) for t in tokens)
    m = re.search(pattern, text[start:end], re.IGNORECASE)
    return start + m.start() if m else -1

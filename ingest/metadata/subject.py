"""A title that says what was asked.

The source's own title wins where it has one that says something (a WhatDoTheyKnow
request's title, a disclosure-log page's heading, an e-mail's subject). Otherwise the
title is made from the letter: its subject line ("Re: Request for information about
school meals"), the sentence that names the request ("Thank you for your request for
information relating to X"), or the request itself ("documents relating to X", its
first item or sentence). A title that is only the law's name, a reference, a
letterhead, a greeting, a person's or a team's name or a file name says nothing of
what was asked and is never kept (docs/metadata.md, "Titles").
"""

from __future__ import annotations

import re

from ingest.metadata.request import request_text

MAX_WORDS = 14

# Words that say what a document is, not what it is about.
_GENERIC = frozenset("""
    freedom information act acts environmental regulations scotland foi foia eir foisa request requests
    requested response responses reply replies re subject reference ref refs number no your our my the a an
    of to for under and on in from with by at team unit office internal review template publishing letter
    letters decision notice section outcome completed complete email e-mail emails copy final draft
    signature legal docx doc pdf google docs page date dear sir madam requester protection service
    services enquiry enquiries case disclosure log information-request informationrequest via
    rights compliance governance records management department directorate division access
    name address recipient addressee
    """.split())
# Words that carry no subject: what is left of "The questions we asked" or "The contract was".
_EMPTY = frozenset("""
    was were is are be been being have has had do does did we you i it this that these those which what who
    any all some question questions asked ask asking following below above here there can could would will
    please provide send tell let me us them they their its his her said says each every element
    elements part parts item items point points matter matters request""".split())
_MONTHS = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# References and codes ("ASC/AWZC3P", "FOI 1306/25", "2018/20985"): no subject.
_CODE = re.compile(r"\b[A-Z]{0,6}[/\-.]?[A-Z0-9]*\d[A-Z0-9/\-.]*\b|\b[A-Z]{2,6}/[A-Z0-9]{3,}\b")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|xlsx?|html?|txt|odt|msg|eml)\b", re.IGNORECASE)
_SALUTATION = re.compile(r"^\s*(?:dear|good\s+(?:morning|afternoon|evening)|hello|hi)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"^\s*(?:you|your|we|i|my|our|thank|please|this|if|as|further|following|in\s+(?:response|reply)"
                       r"|with\s+(?:reference|regard)|on\s+\d)\b", re.IGNORECASE)

# "Thank you for your request for information (received on ...) relating to X".
_NAMED = re.compile(
    r"""\b(?:your|the|this|a)\s+(?:(?:freedom\s+of\s+information|foi|eir|information|internal\s+review)\s+)?
    (?:request|enquiry|application)\b(?:\s+for\s+(?:information|an\s+internal\s+review))?
    (?:[^.\n:]|\n(?![ \t]*\n)){0,100}?\b(?:relating\s+to|regarding|about|concerning|in\s+relation\s+to|in\s+respect\s+of
    |on\s+the\s+subject\s+of|which\s+concerns|for\s+information\s+(?:on|about))\s+(?P<what>(?:[^.\n]|\n(?![ \t]*\n)){4,240})""",
    re.VERBOSE | re.IGNORECASE,
)
# At the top of a letter: what it says it is "about" (a line broken by a PDF, going on in
# lower case, is one line).
_ABOUT = re.compile(
    r"""\b(?:relating\s+to|related\s+to|regarding|about|concerning|in\s+relation\s+to|in\s+respect\s+of
    |on\s+the\s+subject\s+of|(?:request|enquiry)\s+concerns)\s+(?P<what>(?:[^.\n?]|\n(?=[ \t]*(?-i:[a-z]))){4,240})""",
    re.VERBOSE | re.IGNORECASE,
)
# In the request itself, only what asks for material: "documents relating to X", "information
# about X"; "complaints received about X" is a question about complaints, not about X.
_MATERIAL_ABOUT = re.compile(
    r"""\b(?:information|documents?|data|details|records|correspondence|copies|material|anything|policy|policies
    |request|enquiry)
    \s+(?:held\s+|you\s+hold\s+)?(?:relating\s+to|related\s+to|regarding|about|concerning|in\s+relation\s+to
    |in\s+respect\s+of|on\s+the\s+subject\s+of)\s+(?P<what>(?:[^.\n?]|\n(?=[ \t]*(?-i:[a-z]))){4,240})""",
    re.VERBOSE | re.IGNORECASE,
)
# "The complainant asked the council to provide information on X"; "requested copies of X".
_ASKED = re.compile(
    r"""\b(?:asked|requested|sought)\s+(?:[^.\n]{0,60}?\bto\s+(?:provide|disclose|supply|release)\s+)?
    (?:(?:all|any|the|copies\s+of|a\s+copy\s+of|details\s+of)\s+)?(?:information|details|data|documents|records)\s+
    (?:on|about|regarding|concerning|relating\s+to|in\s+relation\s+to|held\s+on)\s+(?P<what>(?:[^.\n]|\n(?![ \t]*\n)){4,240})""",
    re.VERBOSE | re.IGNORECASE,
)
# The line under "Dear ...": in a British letter, the subject heading.
_AFTER_GREETING = re.compile(r"^[ \t]*dear\b[^\n]{0,60}\n(?:[ \t]*\n)*[ \t]*(?P<what>[^\n.]{8,200}?)[ \t]*\n",
                             re.IGNORECASE | re.MULTILINE)
# Lines of an address block or a signature, never a heading.
_NOT_HEADING = re.compile(r"@|https?:|www\.|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\d{5,}|\b\d{3,5}\s\d{3,}\b|[:|;]|[.,]$|\b(?:and|or|of|to|the)$"
                          r"|\b(?:road|street|lane|avenue|square|house|building|campus|floor|suite|po\s+box)\b", re.IGNORECASE)
_LIST_START = re.compile(r"^\W*(?:\d{1,2}|[a-z])[.)]\s+")
_SUBJECT_LINE = re.compile(r"^[ \t]*(?:re|subject|title)[ \t]*[:\-–][ \t]*(?P<what>[^\n]{4,200})$",
                           re.IGNORECASE | re.MULTILINE)
# Where the subject's words stop: what follows is the request's handling, not its subject.
_CUT = re.compile(
    r"""\s+(?:which|that)\s+(?:we|was|were|you)\b|\s+(?:received|dated|sent|submitted|made)\s+(?:on|by)\b|\s+(?:sent|submitted|made)\s+to\s+(?:us|you|this)\b
    |\s+(?:has|have)\s+been\b|\s+is\s+(?:now|being|as)\b|\s+under\s+the\s+(?:freedom|environmental|foi)
    |\s+(?:and|but)\s+(?:we|i|our|your|the\s+(?:council|force|trust))\b|\s*[;(]|\s+-\s+|\s+–\s+
    |\s+(?:we|i)\s+(?:are|am|have|would|can|will)\b|,\s+(?:we|i|please|which|as|our|this)\b
    |\s+(?:please|specifically|for\s+example|e\.g\.|i\.e\.|such\s+as)\b|\s*:|\s+(?:was|were|is|are)\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
# Boilerplate a request starts with before it says what it wants.
_OPENING = re.compile(
    r"""^\W*(?:(?:dear\s+[^\n,]*,?\s*)?(?:we|i)\s+(?:are|am)\s+(?:submitting|writing|making)[^.:\n]*?(?:request|to\s+request)\s*(?:for\s+)?
    |(?:i|we)\s+(?:would\s+like|wish|want)\s+to\s+(?:request|ask\s+for|know|see|obtain|receive)\s+
    |(?:please|could\s+you|can\s+you|would\s+you)\s+(?:please\s+)?(?:provide|send|supply|tell|let)\s+(?:me|us)\s+(?:with\s+)?
    |under\s+the\s+(?:provisions\s+of\s+the\s+)?(?:freedom\s+of\s+information|foi)\s+act[^,\n]*,\s*
    |[^:\n]{0,120}?\b(?:provide|send|supply|let\s+me\s+know|tell\s+me)\b[^:\n]{0,40}?\bfollowing\b[^:\n]{0,20}:\s*)+""",
    re.VERBOSE | re.IGNORECASE,
)
# Ways of asking that say nothing of what is asked: "Could you answer if X" is "Whether X".
_ASKING = (
    (re.compile(r"^(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:answer|confirm|tell\s+me|advise|state|let\s+me\s+know)\s+(?:if|whether)\s+",
                re.IGNORECASE), "Whether "),
    (re.compile(r"^(?:please\s+)?(?:(?:could|can|would)\s+you\s+)?(?:please\s+)?(?:provide|send|supply|disclose)\s+(?:me\s+|us\s+)?(?:with\s+)?"
                r"(?:(?:a\s+)?cop(?:y|ies)\s+of\s+|details\s+of\s+|information\s+(?:on|about|regarding)\s+)?", re.IGNORECASE), ""),
    (re.compile(r"^the\s+total\s+number\s+of\s+", re.IGNORECASE), "Number of "),
    (re.compile(r"^(?:various\s+matters|a\s+number\s+of\s+(?:matters|issues))\s+(?:including|such\s+as)\s+", re.IGNORECASE), ""),
)
# Words addressed to the body, which say nothing of the subject: "crimes logged by your force".
_TO_YOU = re.compile(r"\s+(?:(?:held|kept|recorded|logged)\s+)?by\s+(?:your|the)\s+(?:force|council|authority|organisation|organization|"
                     r"trust|department|constabulary|service|board)\b|\s+held\s+by\s+you\b", re.IGNORECASE)
# A subject that points elsewhere ("the specifics of this policy", "the data in the attached
# file") says nothing read on its own.
_POINTS_ELSEWHERE = re.compile(
    r"\b(?:this|these|those|the\s+above|above|the\s+attached|attached|the\s+following|said)\s+(?:\w+\s+)?\w+", re.IGNORECASE)


def says_what(title: str | None, names: tuple[str, ...] = (), *, letterhead: bool = False) -> bool:
    """Whether a title tells what was asked: two words or more that are not the law's
    name, a reference, a date, a greeting, a body's name or a file's name; with
    ``letterhead`` (a letter's first line), not a name in capitals either."""
    if not title or _FILE_NAME.search(title) or _SALUTATION.match(title):
        return False
    text = _CODE.sub(" ", title)
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    words = [w for w in _WORD.findall(text) if w.lower().strip("'’") not in _GENERIC and not _MONTHS.match(w)]
    if len(words) < 2 or sum(1 for w in words if w.lower() not in _EMPTY) < 1:
        return False
    # "Payal Panchal", "Data Justice Lab", "Libraries, Heritage and Archives": at the top of
    # a letter, a name in capitals is the writer's or a department's, not a subject.
    return not (letterhead and len(words) <= 3 and len(_WORD.findall(text)) <= 4
                and all(w[0].isupper() for w in words))


def find_title(text: str, title: str | None, *, source_title: str | None = None,
               names: tuple[str, ...] = (), reference: str | None = None, date: str | None = None) -> str | None:
    """A title that says what was asked: the source's, else one made from the letter, else
    the extracted one if it says something, else who answered, with the reference and date
    ("Manchester City Council: response ASC/AWZC3P of 2018-04-03"). None when not even that
    is known. ``names``: the body's names, never a title on their own."""
    if source_title and says_what(source(source_title), names):
        return source(source_title)
    for made in _candidates(text):
        if says_what(made, names) and _content_words(_POINTS_ELSEWHERE.sub(" ", made)) >= 2:
            return made
    if says_what(title, names, letterhead=True):
        return title
    if names and (reference or date):
        return f"{names[0]}: response" + (f" {reference}" if reference else "") + (f" of {date}" if date else "")
    return None


def _content_words(text: str) -> int:
    return sum(1 for w in _WORD.findall(_CODE.sub(" ", text)) if w.lower() not in _EMPTY | _GENERIC)


def _candidates(text: str):  # type: ignore[no-untyped-def]
    head = text[:6000]
    for m in _SUBJECT_LINE.finditer(head[:1500]):
        yield source(m["what"])
    for m in _AFTER_GREETING.finditer(head[:3000]):
        if not _SENTENCE.match(m["what"]) and not m["what"].rstrip().endswith(":"):
            yield _shorten(source(m["what"]))
    for m in _NAMED.finditer(head):
        what = _tidy(m["what"])
        if what:
            yield what
    request = request_text(text)
    if request:
        m = _MATERIAL_ABOUT.search(request[:600])
        if m:
            what = _tidy(m["what"])
            if what:
                yield what
        first = _tidy(_LIST_START.sub("", _OPENING.sub("", _LIST_START.sub("", request.strip())))[:300])
        if first:
            yield first
    # A decision notice or a letter that tells the request: "the complainant asked the
    # council to provide information on X".
    for m in _ASKED.finditer(head):
        what = _tidy(m["what"])
        if what:
            yield what
    # No request quoted: what the top of the letter says it is about.
    for m in _ABOUT.finditer(head[:1500]):
        what = _tidy(m["what"])
        if what:
            yield what
    # Nor that: a heading among the first lines, in capitals or title case, as a table or
    # form sent as an attachment has one ("Reported Crimes Committed on Hospital Grounds").
    for line in [line.strip() for line in head[:1200].splitlines() if line.strip()][:8]:
        long_words = [w for w in _WORD.findall(line) if len(w) > 3]
        if (len(line.split()) <= 16 and not _NOT_HEADING.search(line) and says_what(line, letterhead=True)
                and sum(1 for w in long_words if w.lower() not in _GENERIC) >= 4
                and sum(1 for w in long_words if w[0].isupper()) >= 0.8 * len(long_words)):
            yield source(line)


_FORWARDED = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|wg|subject)\s*:\s*)+", re.IGNORECASE)
_REQUEST_WORDS = re.compile(
    r"^(?:[A-Z]{0,4}\d{4,}\s*[-–:]\s*)?"  # a leading reference: "F0013056 - "
    r"(?:(?:(?:freedom\s+of\s+information|foi|eir|environmental\s+information)(?:\s+(?:act|regulations))?"
    r"(?:\s+\d{4})?\s*(?:request|response)?|request\s+for\s+information)\s*[-–:]\s*"
    r"|request\s+for\s+information(?:\s+held)?\s+(?:on|about|regarding|concerning)\s+)+", re.IGNORECASE)


def source(title: str) -> str:
    """A source's title or subject line as written, without "RE:"/"FW:" and a leading
    "Freedom of Information request –"."""
    title = " ".join(title.split())
    title = _REQUEST_WORDS.sub("", _FORWARDED.sub("", title)).strip().removesuffix(".") or title
    if title.isupper():  # a heading in capitals reads better as a sentence; "9H-ABU" stays
        title = re.sub(r"(?<![\w-])[A-Z]+(?![\w-])", lambda m: m[0].lower(), title)
    return title[0].upper() + title[1:]


_SENTENCE_END = re.compile(r"[.!](?=\s+[A-Z])")
_ASIDE = re.compile(r"\s*\([^()]{0,80}\)")  # "drones (unmanned aerial vehicles) does": an aside
_FUNCTION_WORD = re.compile(r"\b(?:in|on|of|or|and|to|for|the|a|an|at|by|with)$", re.IGNORECASE)


def _shorten(what: str) -> str:
    """At most MAX_WORDS words: stopped at a clause break within the limit, else at the
    limit; never at the comma of "in, or on,"."""
    words = what.split()
    if len(words) <= MAX_WORDS:
        return what
    head = " ".join(words[:MAX_WORDS])
    for comma in reversed([i for i, c in enumerate(head) if c == ","]):
        if comma <= len(head) // 2:
            break
        if not _FUNCTION_WORD.search(head[:comma]):
            return head[:comma]
    return head.rstrip(",;:") + "…"


def _tidy(what: str) -> str | None:
    what = " ".join(_ASIDE.sub("", what).split())
    for asking, instead in _ASKING:
        what = asking.sub(instead, what, count=1)
    what = _TO_YOU.sub("", what)
    question = what.find("?")
    if question > 0:
        what = what[:question + 1]  # a question is whole at its question mark
    cut = _CUT.search(what)
    if cut:
        what = what[:cut.start()]
    sentence = _SENTENCE_END.search(what)
    if sentence:
        what = what[:sentence.start()]
    what = _shorten(what.strip(" ,.:;\"“”‘-–"))
    if not what:
        return None
    if what.isupper():
        what = what.lower()  # a heading in capitals reads better as a sentence
    return what[0].upper() + what[1:]

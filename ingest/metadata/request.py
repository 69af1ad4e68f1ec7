"""The words of the request a response answers, read from the response itself.

Letters quote the request ("You asked:", "Your request:", "I note you seek access
to the following information:"); a WhatDoTheyKnow thread carries the requester's
own message. ``request_text`` finds those words; ``normalise_request`` strips what
differs between copies of one request sent to many bodies (the body's name, dates
and figures, greetings and sign-offs), so that a round robin's copies compare equal.
"""

from __future__ import annotations

import re

from ingest.metadata.passages import MESSAGE_HEAD, split_messages

MAX_REQUEST = 4000  # the longest request we keep; longer is a whole letter, not a quote

# Where a letter starts quoting the request. The phrase must end in a colon or a line
# break: "you asked for information about X" in running prose is not a quote.
_START = re.compile(
    r"""(?:
        # a label at the start of a line: "Request:", "Your request:", "Information requested:"
        ^[^\S\n]*(?:your\s+(?:original\s+)?request|request(?:\s+details)?|information\s+requested
                  |details\s+of\s+(?:your\s+)?request|the\s+request|you\s+asked)[^\S\n]*:
        # a heading of its own: "Your Request" on a line, the request below it
      | ^[^\S\n]*(?:your\s+request|the\s+request|request)[^\S\n]*\n
        # "your request for information received on 11 September 2017 concerning:"
      | \byour\s+request\b[^:]{0,100}?\b(?:concerning|regarding|about|as\s+follows)\s*:
        # or a phrase that introduces the quote, ending in a colon
      | \b(?:you|which\s+you)\s+(?:asked|requested|wrote)(?:\s+(?:for|us))?(?:\s+the\s+following(?:\s+information)?)?\s*:
      | \byour\s+(?:original\s+)?request\s+(?:was|reads?|read\s+as\s+follows|stated|was\s+as\s+follows)\s*:
      | \b(?:i|we)\s+note\s+(?:that\s+)?you\s+(?:seek|sought|requested|asked\s+for)[^:]{0,60}:
      | \byou\s+(?:requested|asked\s+for|sought)\s+(?:details\s+of\s+)?the\s+following[^:]{0,40}:
    )\s*""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)

# Where the quote ends: the reply begins.
_END = re.compile(
    r"""^[^\S\n]*(?:
        (?-i:[A-Z][A-Z0-9 ,&/()'’-]{5,})$                # a heading in capitals
      | (?:our\s+)?(?:response|reply|answer|decision)\b[^\n]{0,40}(?::|$)
      | (?:i|we)\s+(?:can\s+)?confirm\b
      | (?:please\s+find|please\s+see|i\s+have\s+(?:today\s+)?decided|following\s+a\s+(?:thorough\s+)?search)
      | (?:searches\s+(?:to|were)|to\s+locate\s+the\s+information|your\s+request\b[^\n]{0,40}?\b(?:has|have)\s+(?:now\s+)?been)
      | (?:this\s+letter|in\s+response\s+to\s+your|the\s+(?:council|force|trust|department)\s+(?:holds|does))
      | (?:yours\s+(?:sincerely|faithfully)|kind\s+regards|regards)\b
      | (?:in\s+(?:relation|response|regard|respect)\s+to|with\s+regards?\s+to|regarding)\s+
        (?:(?:your\s+)?questions?|q\s?\d|points?|parts?|items?|the\s+(?:first|second|remainder|rest))\b
        # a paragraph, after a blank line, that opens in the body's voice: "We have handled your
        # request", "The Department holds", "Under section 12"
      | (?<=\n\n)(?:we\s+(?!would\s+(?:also\s+)?like|are\s+(?:submitting|writing|requesting)|request\b|ask\b)
                   |our\s|the\s+(?:department|council|trust|force|authority|board|ministry|office|constabulary|service)\s
                   |this\s+(?:letter|response|information|request\s+has)|under\s+(?:the|section)\b|having\s|in\s+(?:response|reply)\b)
    )""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)

_GREETING = re.compile(r"^\s*dear\b[^\n]*\n", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^[^\S\n]*(?:yours\s+(?:sincerely|faithfully|truly)|kind\s+regards|best\s+regards|many\s+thanks|"
    r"regards|thank\s+you(?:\s+(?:in\s+advance|for\s+your\s+(?:help|time)))?[.,]?\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
# What every request says, whoever sends it, and the words WDTK adds.
_BOILERPLATE = re.compile(
    r"""(?:under|in\s+terms\s+of|in\s+accordance\s+with)\s+the\s+(?:provisions\s+of\s+the\s+)?
        (?:freedom\s+of\s+information(?:\s*\(scotland\))?\s+act|environmental\s+information\s+regulations)
      | i\s+(?:am\s+writing|write)\s+to\s+(?:make|request|submit)[^.:\n]*[.:]?
      | please\s+(?:could\s+you\s+)?(?:provide|send|supply)\s+(?:me\s+with\s+)?
      | (?:could|would|can)\s+you\s+(?:please\s+)?(?:provide|send|tell)\s+(?:me\s+)?(?:with\s+)?
      | (?:freedom\s+of\s+information|foi)\s+request
      | is\s+your\s+(?:e-?mail|request)\s+address[^\n]*
      | please\s+use\s+this\s+email\s+address[^\n]*
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NUMBERS = re.compile(r"\b(?:\d[\d,./:-]*|(?:19|20)\d\d)\b|£\s*\S+")
_MONTHS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.IGNORECASE)


def request_text(text: str) -> str:
    """The request as the response quotes it (or the requester's own message); '' if not found."""
    span = request_span(text)
    return _cut(text[span[0]:span[1]]) if span else ""


def request_span(text: str) -> tuple[int, int] | None:
    """Where the request stands in the text: the requester's first message of a thread, or the
    quote in a letter from its marker ("You asked:") to where the reply begins; None if none."""
    # A thread: the requester's own message. Only a text with a message heading is one
    # (without, split_messages gives the whole text as the authority's): the search for a
    # heading is cheaper than the split, which lists attachments too.
    if MESSAGE_HEAD.search(text or ""):
        requester = [m for m in split_messages(text or "") if m.role == "requester"]
        if requester:
            return requester[0].start, requester[0].end
    # A single letter: the first quote after a marker of a few words at least (not "Request:
    # see below"), up to where the reply begins.
    return next(((a, b) for a, b in quote_spans(text) if len(text[a:b].split()) >= 6), None)


def quote_spans(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Every place in text[lo:hi] where a letter quotes the request, from its marker ("You
    asked:", "Request:") to where the reply begins; a letter answering item by item quotes
    it more than once."""
    hi = len(text) if hi is None else hi
    out: list[tuple[int, int]] = []
    at = lo
    while True:
        m = _START.search(text, at, hi)
        if not m:
            return out
        rest = text[m.end():min(hi, m.end() + MAX_REQUEST * 2)]
        end = _END.search(rest, pos=_first_line_end(rest))
        quote = rest[:end.start()] if end else rest[:MAX_REQUEST]
        if len(quote.split()) >= 3:
            out.append((m.end(), m.end() + len(quote)))
        at = max(m.end() + len(quote), m.end() + 1)


def _first_line_end(rest: str) -> int:
    # The quote's first line is the request even if it looks like a heading.
    newline = rest.find("\n", 1)
    return 0 if newline < 0 else min(newline, 200)


def _cut(quote: str) -> str:
    """The request without its greeting and sign-off, at most MAX_REQUEST characters."""
    quote = _GREETING.sub("", quote.strip(), count=1)
    sign_off = _SIGN_OFF.search(quote)
    if sign_off and sign_off.start() > 0:
        quote = quote[:sign_off.start()]
    return quote.strip()[:MAX_REQUEST]


def normalise_request(request: str, names: tuple[str, ...] = ()) -> str:
    """The request with what differs between bodies' copies taken out, lower case, one space."""
    text = request
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    text = _BOILERPLATE.sub(" ", text)
    text = _NUMBERS.sub(" ", text)
    text = _MONTHS.sub(" ", text)
    words = re.findall(r"[a-z]+", text.lower().replace("’", "'"))
    return " ".join(words)

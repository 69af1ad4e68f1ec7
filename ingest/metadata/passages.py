"""Shared text handling for the metadata readers: OCR repairs, messages of a thread,
sentences with their offsets.

Every repair here keeps the text's length, so an offset found in the repaired
text is an offset in the original too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.metadata.prefilter import fold

# "| write" / "| have" (OCR reads a capital I as a bar): a bar standing alone as a word.
_BAR_AS_I = re.compile(r"(?:(?<=^)|(?<=[\s\"'(]))\|(?=\s+[a-z])", re.MULTILINE)
# "Sectlon", "Sect1on", "Regu1ation": letters read as digits or l for i inside the words we look for.
_OCR_WORDS = [
    (re.compile(r"\bS[e3]ct[il1|]on", re.IGNORECASE), "Section"),
    (re.compile(r"\bR[e3]gu[l1|]at[il1|]on", re.IGNORECASE), "Regulation"),
    (re.compile(r"\bExempt[il1|]on", re.IGNORECASE), "Exemption"),
]
# "4O", "1O(3)": a capital O among digits is a zero.
_O_IN_NUMBER = re.compile(r"(?<=\d)[Oo](?=[\d()\s.,]|$)|(?<=\s)[Oo](?=\d)")

# The headings of a thread: "----- Response from authority, 2024-11-25 -----". Headings are
# short: what lies between the kind and the closing dashes is bounded, and the dashes are taken
# whole (possessive), so a line of dashes is not tried at every split.
MESSAGE_HEAD = re.compile(
    r"^-{3,}+[ \t]*(?P<kind>Response from authority|Request from requester|Follow.?up from requester"
    r"|Request|Response|Follow.?up|Annotation)[^,\n]{0,80}?(?:,[ \t]*(?P<date>[^\n]{1,80}?))?[ \t]*+-{3,}+[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


# Cheap tests that a repair has anything to do: most texts need none.
_DIGIT_BY_O = re.compile(r"\d(?:(?<=[Oo]\d)|(?=[Oo]))")


def normalise(text: str) -> str:
    """Repair common OCR errors without changing the text's length."""
    if "|" in text:
        text = _BAR_AS_I.sub("I", text)
    folded = fold(text)
    for pattern, word in _OCR_WORDS:
        if _repairs(pattern, word, text, folded):
            text = pattern.sub(lambda m, w=word: _same_case(m.group(0), w), text)
            folded = fold(text)
    if _DIGIT_BY_O.search(text):
        text = _O_IN_NUMBER.sub("0", text)
    return text


# The OCR words without "\b", in lower case: they match the folded text wherever the
# words themselves match the text (and at other places too, tried and passed over).
_OCR_LOOSE = {pattern: re.compile(pattern.pattern.removeprefix(r"\b").lower()) for pattern, _ in _OCR_WORDS}
assert all(p.pattern.startswith(r"\b") and "\\" not in p.pattern[2:] for p, _ in _OCR_WORDS)


def _repairs(pattern: re.Pattern[str], word: str, text: str, folded: str) -> bool:
    """Whether repairing ``pattern`` to ``word`` changes the text: "Section" and "section"
    are read and written back the same."""
    loose = _OCR_LOOSE[pattern]
    m = loose.search(folded)
    while m:
        found = pattern.match(text, m.start())
        if found and _same_case(found.group(0), word) != found.group(0):
            return True
        m = loose.search(folded, m.start() + 1)
    return False


def _same_case(found: str, word: str) -> str:
    return word if found[0].isupper() else word.lower()


@dataclass
class Message:
    """One message of a thread (or the whole document when it is a single letter)."""

    role: str  # "authority", "requester" or "other"
    date: str | None  # as written in the heading
    start: int
    end: int
    text: str  # the message's own words, without the e-mail it quotes
    attachments: list[str]
    full: str = ""  # the whole message, quoted e-mails included


def split_messages(text: str) -> list[Message]:
    """Split a thread into its messages; a single letter is one authority message."""
    return list(_split_messages(text))


# Every reader of a response asks for its messages, some once per sentence: the split of
# the last few texts is kept (it was called about 40 times a letter).
@lru_cache(maxsize=16)
def _split_messages(text: str) -> tuple[Message, ...]:
    heads = list(MESSAGE_HEAD.finditer(text))
    if not heads:
        return (Message("authority", None, 0, len(text), text, attachment_names(text), text),)
    messages = []
    for i, m in enumerate(heads):
        start = m.end()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        kind = m["kind"].lower()
        role = "authority" if "response" in kind else "requester" if "request" in kind or "follow" in kind else "other"
        full = text[start:end]
        body = full[:own_text_end(full)]
        messages.append(Message(role, (m["date"] or "").strip() or None, start, start + len(body), body,
                                attachment_names(full), full))
    return tuple(messages)


# Where an e-mail starts quoting the mail it answers: that text is not this message's own.
_QUOTED_TAIL = re.compile(
    r"""^\s*(?:From:[^\n]*\n\s*(?:Sent|Date):|-{2,}\s*Original\s+Message\s*-{2,}|show\s+quoted\s+sections
    |On\s[^\n]{5,80}\swrote:\s*$)""",
    re.MULTILINE | re.IGNORECASE | re.VERBOSE,
)


def own_text_end(body: str) -> int:
    """Where a message's own words end, before any quoted earlier e-mail."""
    m = _QUOTED_TAIL.search(body)
    return m.start() if m and m.start() > 0 else len(body)


# "----- Attachment: NAME -----" (a file joined to its parent's text) or "Attachment: NAME":
# the line found by its start, the name read from the whole line (a pattern that looked for
# the dashes after a lazy name tried every split of a line of dashes).
_ATTACHMENT_ANY = re.compile(r"^[ \t]*(?:-{3,}[ \t]*)?Attachment:[^\n]*", re.MULTILINE)
_ATTACHMENT_FILE = re.compile(r"^\s*(?!Attachment:)(?P<name>[^\n/\\]{3,120}\.(?:pdf|docx?|xlsx?|csv|odt|ods|zip|txt))\s*$",
                              re.MULTILINE | re.IGNORECASE)


def attachment_lines(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int, str, bool]]:
    """(start, end, name, heading) of each attachment line in text[lo:hi]; ``heading`` for a
    "----- Attachment: NAME -----" line that joins a file's text to its parent's."""
    out = []
    for m in _ATTACHMENT_ANY.finditer(text, lo, len(text) if hi is None else hi):
        line = m.group(0).strip()
        name = line.split("Attachment:", 1)[1].strip().rstrip("-").strip()
        if name and (not line.startswith("-") or line.endswith("---")):
            out.append((m.start(), m.end(), name, line.startswith("-")))
    return out


def attachment_names(text: str) -> list[str]:
    """File names of attachments listed in a message ("Attachment: X.pdf" or a bare file name line)."""
    found = attachment_lines(text)
    names = [name for _, _, name, heading in found if heading] + [name for _, _, name, heading in found if not heading]
    names += [m["name"] for m in _ATTACHMENT_FILE.finditer(text)]
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n.strip(), None)
    return list(seen)


@dataclass
class Sentence:
    """A sentence of the text and where it starts."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


# A sentence ends at . ! ? followed by space and a capital/number/quote, at a blank line,
# or at a line that ends with a colon (a heading introducing a list), or before a numbered
# or bulleted line: the breaks
#   (?<=[.!?])_END | \n_LINE | (?<=:)_LINE | \n_LIST
# tried in that order at each position.
_END = r"""["”’)]?\s+(?=["“‘(]?[A-Z0-9])"""
_LINE = r"[ \t]*\n\s*"  # after a "\n", a blank line; after a colon, the line's end
_LIST = r"(?=[ \t]*(?:\d{1,2}[.)]|[•\-*])\s)"
# Every break starts just after one of . ! ? : or at a "\n": the search consumes that
# character first, which lets ``re`` skip to those characters at C speed instead of trying
# the whole pattern at every position (most of the time spent splitting). The break is the
# group after a punctuation mark, the whole match from a "\n" (``break_span``).
_SENTENCE_BREAK = re.compile(
    rf"""[.!?:\n](?:(?<=[.!?])(?P<end>{_END}|\n{_LINE}|\n{_LIST})
                  |(?<=:)(?P<colon>\n{_LINE}|{_LINE}|\n{_LIST})
                  |(?<=\n)(?:{_LINE}|{_LIST}))""",
    re.VERBOSE,
)


def break_span(m: re.Match[str]) -> tuple[int, int]:
    """Where the break a match of a pattern written as _SENTENCE_BREAK is (its group when one
    matched, else the whole match)."""
    return m.span(m.lastindex or 0)


_ABBREVIATION = re.compile(r"(?<![\w.])(?:s|ss|sec|sect|reg|regs|para|paras|art|no|nos|e\.g|i\.e|cf)\.[\"”’)]?$", re.IGNORECASE)


def sentences(text: str, base: int = 0) -> list[Sentence]:
    """The sentences of a text with their offsets (plus ``base``)."""
    return list(_sentences(text, base))


# Each reader of a response (regime, exemptions, outcome) splits the same text into
# sentences: the split of the last few texts is kept.
@lru_cache(maxsize=16)
def _sentences(text: str, base: int) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    pos = 0
    for m in _SENTENCE_BREAK.finditer(text):
        end, after = break_span(m)
        # An abbreviation ends in "." (and perhaps a quote mark), at the end of the window
        # or before a newline there: without a "." in its last three characters, none does.
        if ("." in text[max(pos, end - 3):end] and _ABBREVIATION.search(text, max(pos, end - 8), end)
                and "\n\n" not in text[end:after]):
            continue  # "under s. 40(2)", "reg. 13", "e.g. The": not the end of a sentence
        if end > pos:
            _add(out, text, pos, end, base)
        pos = after
    if pos < len(text):
        _add(out, text, pos, len(text), base)
    return tuple(out)


def _add(out: list[Sentence], text: str, start: int, end: int, base: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        out.append(Sentence(stripped, base + start + chunk.index(stripped)))


def squash(text: str) -> str:
    """Lower-case with runs of white space and quote marks made uniform, for comparisons."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[\s>]+", " ", text).strip()


@lru_cache(maxsize=16)
def _requester_parts(text: str) -> tuple[tuple[int, str], ...]:
    """Each requester message's start and squashed words, worked out once a text."""
    parts = ((m.start, squash(m.text)) for m in _split_messages(text) if m.role == "requester")
    return tuple((start, words) for start, words in parts if words)


def _requester_blob(text: str, before: int) -> str:
    return " ".join(words for start, words in _requester_parts(text) if start < before)


def quoted_from_request(sentence: str, text: str, at: int | None = None) -> bool:
    """Whether an authority's sentence only repeats words of the request (quoted back).

    Only the requester's messages before ``at`` (the sentence's offset) count: a
    later request for review often quotes the response, which stays the authority's.
    """
    s = squash(sentence).rstrip(".,;: ")
    blob = _requester_blob(text, len(text) if at is None else at)
    # "You asked: <the request>" quotes it too.
    tail = s.split(": ", 1)[-1]
    return any(len(x) >= 25 and x in blob for x in (s, tail))


# The longest evidence sentence we show; longer "sentences" are a paragraph the splitter
# could not break (OCR, tables, lists without full stops), cut to the clauses around the
# citation. Line breaks are no cut: wrapped prose breaks anywhere ("the Environmental\n
# Information Regulations"), so a line cannot be told from a row.
MAX_SENTENCE = 320
_CLAUSE_BREAK = re.compile(r";\s+|:\s+|,\s+(?=(?:and|but|which|as|because|however)\b)")


def trim_sentence(sentence: str, at: int, limit: int = MAX_SENTENCE) -> str:
    """The sentence, or when it runs longer than ``limit``, the clauses around position ``at``."""
    if len(sentence.strip()) <= limit:
        return sentence.strip()
    start, end = _piece(sentence, at, _CLAUSE_BREAK, 0, len(sentence), limit)
    if end - start > limit:  # one clause longer than the limit: a window around the citation
        start = max(start, min(at - limit // 3, end - limit))
        end = min(end, start + limit)
    piece = " ".join(sentence[start:end].split()).strip(" ,;:")
    return ("…" if sentence[:start].strip() else "") + piece + ("…" if sentence[end:].strip() else "")


def _piece(text: str, at: int, breaks: re.Pattern[str], lo: int, hi: int, limit: int) -> tuple[int, int]:
    """The span between ``breaks`` around ``at`` within [lo, hi), widened while it fits ``limit``."""
    cuts = sorted({lo, hi, *(m.end() for m in breaks.finditer(text, lo, hi))})
    start = max(c for c in cuts if c <= at)
    end = min((c for c in cuts if c > at), default=hi)
    while True:
        before = max((c for c in cuts if c < start), default=None)
        after = min((c for c in cuts if c > end), default=None)
        if after is not None and after - start <= limit:
            end = after
        elif before is not None and end - before <= limit:
            start = before
        else:
            return start, end


# A first line that is a greeting or a short heading ("Dear Sir", "Briefing notes and
# evaluations"), run into the sentence below it by the splitter.
_LEAD_LINE = re.compile(r"^(?:dear\b[^\n]{0,60}|[^\n.,;:!?]{1,60})\n(?=\s*\S)", re.IGNORECASE)


def evidence(sentence: str, start: int) -> tuple[str, int]:
    """The words to show as evidence of a reading, and their offset: the sentence without a
    greeting or heading line above it, cut to MAX_SENTENCE around its start."""
    while True:
        m = _LEAD_LINE.match(sentence)
        if not m or (len(m.group(0).split()) > 6 and not m.group(0).lower().startswith("dear")):
            break
        rest = sentence[m.end():]
        lead = len(rest) - len(rest.lstrip())
        sentence, start = rest.lstrip(), start + m.end() + lead
    return trim_sentence(sentence, 0), start

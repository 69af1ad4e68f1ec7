"""Who answered: the responding body, its type, its police force and its regime.

Known bodies come from the registry ``data/registry.json`` (canonical name, short
and former names, web and e-mail domains, type, regime), built from the curated
``data/bodies.json`` and public lists of UK bodies (data/REGISTRY.md). Mentions are weighed by
where they stand: a letterhead, a signature, "Dear <body>", "received by <body>"
or a WhatDoTheyKnow title ("a Freedom of Information request to <body>") count
more than a passing mention; the Information Commissioner named in an appeals
paragraph (or any body named there) does not count at all. Bodies missing from the registry are read from
the shapes of their names ("X City Council", "X NHS Foundation Trust").
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ingest.metadata.prefilter import WORD, Spans, fold, folded_pattern, starting_words, word_starts
from ingest.metadata.request import request_span

DATA = Path(__file__).with_name("data") / "registry.json"
# The registry also tells fire services and universities apart; the authority_type
# facet keeps its five values (archive.models.AUTHORITY_TYPES), so they are "other".
_TYPE = {"fire": "other", "education": "other"}


@dataclass(frozen=True)
class Body:
    """One public body of the registry."""

    name: str
    type: str
    regime: str = "FOIA"
    aliases: tuple[str, ...] = field(default=())
    domains: tuple[str, ...] = field(default=())

    @property
    def force(self) -> str | None:
        return self.name if self.type == "police" else None


@dataclass
class Authority:
    """The body that answered, as read from a document."""

    name: str
    type: str
    force: str | None = None
    regime: str | None = None


class Registry:
    """The bodies of the registry, with a matcher for their names in text."""

    def __init__(self, bodies: list[Body]) -> None:
        self._by_key: dict[str, Body] = {}
        for body in bodies:
            for n in (body.name, *body.aliases):
                self._by_key.setdefault(key(n), body)
        names = [(n, b) for b in bodies for n in (b.name, *b.aliases)]
        names.sort(key=lambda nb: -len(nb[0]))
        # One alternation of every name, tried at every position of the text, cost 25 ms
        # a letter. Instead each name is filed under its first word, and only positions
        # where such a word starts are tried, longest name first, as the alternation did.
        self._by_first: dict[str, list[tuple[re.Pattern[str], Body]]] = {}
        for n, b in names:
            first = WORD.match(n)
            assert first, f"a body's name must start with a word: {n!r}"
            flags = 0 if _case_sensitive(n) else re.IGNORECASE
            pattern = re.escape(n).replace(r"\ ", r"\s+").replace(r"\&", "&").replace("&", "(?:&|and)")
            self._by_first.setdefault(first.group().lower(), []).append(
                (re.compile(pattern + r"(?![\w])", flags), b))
        # Where such a word starts, found in one search of the folded text (prefilter.starting_words).
        self._starts = word_starts(self._by_first)
        doms = [(d, b) for b in bodies for d in b.domains]
        self._domain_owner = {d: b for d, b in doms}
        self._domains = re.compile(
            r"[@.](" + "|".join(re.escape(d) for d, _ in sorted(doms, key=lambda x: -len(x[0]))) + r")\b", re.I)

    def lookup(self, name: str) -> Body | None:
        """The registry entry for a name or alias, if any."""
        return self._by_key.get(key(name))

    def mentions(self, text: str) -> list[tuple[Body, int, int]]:
        """Each mention of a registered body in the text, with its span."""
        out: list[tuple[Body, int, int]] = []
        end = 0
        # The words that start no name do nothing: only those that do are looked at.
        for word in starting_words(self._starts, text):
            start = word.start()
            if start < end or (start and text[start - 1] in _NOT_BEFORE) or text[start - 1:start].isalnum():
                continue
            for pattern, body in self._by_first.get(fold(word.group()), ()):
                found = pattern.match(text, start)
                if found:
                    out.append((body, start, found.end()))
                    end = found.end()
                    break
        # The domain is matched ignoring case, so it is looked up folded as IGNORECASE reads it
        # ("polİce.uk" matched, and its lower case, with a dotted i of two characters, was no key).
        for m in self._domains.finditer(text):
            owner = self._domain_owner.get(fold(m.group(1)))
            if owner is not None:
                out.append((owner, m.start(), m.end()))
        return out


_NOT_BEFORE = frozenset("_@.")  # with letters and digits: what may not come just before a name


def _case_sensitive(name: str) -> bool:
    # Acronyms ("MPS", "GMP") and "the Met" must not match ordinary words.
    return name.isupper() or len(name) <= 7


def key(name: str) -> str:
    """A name reduced for comparison: lower case, "&" as "and", no "the", no punctuation."""
    name = re.sub(r"\([^)]*\)", " ", name).lower().replace("&", " and ").replace("’", "'")
    name = re.sub(r"[^a-z0-9' ]+", " ", name)
    return " ".join(w for w in name.split() if w != "the")


@lru_cache(maxsize=4)
def load_registry(path: Path = DATA) -> Registry:
    """Read the registry of bodies once."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Registry([
        Body(b["name"], _TYPE.get(b["type"], b["type"]), b.get("regime", "FOIA"), tuple(b.get("aliases", ())),
             tuple(b.get("domains", ())))
        for b in raw["bodies"]
    ])


def canonical(name: str) -> str:
    """The registry's canonical name for a name (former names included), else the name itself."""
    body = load_registry().lookup(name)
    return body.name if body else re.sub(r"\s*\([^)]*\)", "", name).strip()


# Names of bodies not in the registry, by their shape.
_UNREGISTERED = re.compile(
    r"""\b(?P<name>
      (?:London|Royal)[ \t]+Borough[ \t]+of[ \t]+(?:[A-Z][\w'-]+)(?:[ \t]+(?:and|upon|on)[ \t]+[A-Z][\w'-]+)*
    | (?:[A-Z][\w'-]+[ \t]+){1,4}(?:City|County|Borough|District|Metropolitan[ \t]+Borough|County[ \t]+Borough|Town|Parish)[ \t]+Council
    | (?:[A-Z][\w'-]+[ \t]+){1,3}Council
    | (?:[A-Z][\w'-]+[ \t]+){1,5}NHS[ \t]+(?:Foundation[ \t]+)?Trust
    | NHS(?:[ \t]+(?:and[ \t]+)?[A-Z][\w'-]+){1,4}(?=[ \t]*(?:\n|,|\.|[ \t](?:has|is|holds|can|on|received)\b))
    | (?:[A-Z][\w'-]+[ \t]+){1,4}(?:Health[ \t]+Board|Integrated[ \t]+Care[ \t]+Board|Clinical[ \t]+Commissioning[ \t]+Group)
    | (?:[A-Z][\w'-]+[ \t]+){1,3}(?:Fire[ \t]+and[ \t]+Rescue[ \t]+Service|Combined[ \t]+Authority)
    | (?:[A-Z][\w'-]+[ \t]+){1,3}(?:Police|Constabulary)
    | University[ \t]+of[ \t]+[A-Z][\w'-]+
    )\b""",
    re.VERBOSE,
)
_NOT_A_NAME_START = re.compile(r"^(?:The|Dear|To|From|Your|Our|This|That|If|Please|Contains|Any|Whilst|All)\s+")
_SIGNATURE = re.compile(r"Yours\s+(?:sincerely|faithfully)|Kind\s+regards|Best\s+wishes|Regards", re.IGNORECASE)
_STRONG_BEFORE = re.compile(
    r"(?:request\s+to|received\s+by|Dear|held\s+by|on\s+behalf\s+of|Public\s+Authority:)\s*$", re.IGNORECASE)
# What makes a name part of a document's title: "... Interim Audit Report", "... Strategy 2020".
_DOCUMENT_WORDS = (r"(?:Report|Reports|Strategy|Plan|Review|Audit|Guidance|Policy|Framework|Programme|Code|Survey"
                   r"|Index|Model|Dataset|Budget|Conference|Presentation|Minutes|Paper|Newsletter|Toolkit|Handbook"
                   r"|Manual|Bulletin|Briefing|Evaluation|Assessment|Scheme|Project|Initiative|Standards?)")
_DOCUMENT_AFTER = re.compile(rf"[ \t]+(?:[A-Z][\w'’-]*[ \t]+){{0,4}}{_DOCUMENT_WORDS}\b")
_DOCUMENT_WORD = re.compile(rf"\b{_DOCUMENT_WORDS}\b")
# A row of a table that quotes the requester ("Request for Review<tab>...", "Q3<tab>...").
_REQUEST_ROW = re.compile(r"^[ \t]*(?:request(?:\s+for\s+\w+)?|question\s*\d*|q\d+|your\s+request|you\s+asked"
                          r"|original\s+request)[^\n:\t]{0,20}[:\t]")
_APPEALS = re.compile(r"Information\s+Commissioner|\bICO\b|complain|appeal|internal\s+review", re.IGNORECASE)


@dataclass(frozen=True)
class AuthorityEvidence:
    """How the body that answered was read: from the source's own record ("source"), a
    decision notice ("notice"), or the text ("text"), with the winning body's score, the
    best other body's and whether the registry knows it (docs/metadata.md, "How sure")."""

    how: str
    score: float = 0.0
    second: float = 0.0
    registered: bool = True


def find_authority(text: str, *, title: str | None = None, hints: dict[str, Any] | None = None,
                   decision_notice: bool = False) -> Authority | None:
    """The body that answered, or None when the text does not say."""
    return read_authority(text, title=title, hints=hints, decision_notice=decision_notice)[0]


def read_authority(text: str, *, title: str | None = None, hints: dict[str, Any] | None = None,
                   decision_notice: bool = False) -> tuple[Authority | None, AuthorityEvidence | None]:
    """The body that answered and how strongly the text says so; (None, None) when it does not say."""
    registry = load_registry()
    hints = hints or {}
    if decision_notice:
        body = registry.lookup("Information Commissioner's Office")
        return (_from_body(body), AuthorityEvidence("notice")) if body else (None, None)
    if hints.get("authority"):
        # The source says who answered (a WhatDoTheyKnow request's body, a force's own log).
        return _resolve(str(hints["authority"]), registry), AuthorityEvidence("source")
    scores: defaultdict[str, float] = defaultdict(float)
    found: dict[str, Authority] = {}
    doc = (title or "") + "\n" + text
    folded = fold(doc)  # what the rules below read, case-sensitive (prefilter.folded_pattern)
    # The requester's words name other bodies ("the Department's Transparency Code"); there a
    # mention counts for little, unless it addresses the body ("Dear Sheffield City Council").
    quoted = request_span(text)
    shift = len(title or "") + 1
    request = (quoted[0] + shift, quoted[1] + shift) if quoted else (0, 0)
    for body, start, end in registry.mentions(doc):
        # Whoever the appeals paragraph names (a Commissioner, a tribunal, the body's own
        # review team) is where to complain, not who answered; a body named in the title of
        # a document ("NHS Digital Interim Audit Report") is what it is about.
        if _in_appeals(folded, start) or _DOCUMENT_AFTER.match(doc, end) or _referred(doc, start, end):
            continue
        weight = _weight(folded, start, end, request)
        scores[body.name] += weight
        found[body.name] = _from_body(body)
    for m in _unregistered(doc, folded):
        name = _NOT_A_NAME_START.sub("", m["name"]).strip()
        if len(name.split()) < 2 or registry.lookup(name) or _DOCUMENT_AFTER.match(doc, m.end()) \
                or _DOCUMENT_WORD.search(name) or _referred(doc, m.start(), m.end()):
            continue
        scores[name] += _weight(folded, m.start(), m.end(), request)
        found.setdefault(name, _resolve(name, registry))
    if not scores:
        return None, None
    best, score = max(scores.items(), key=lambda kv: (kv[1], len(kv[0])))
    # The runner-up: another body, not another name of the same one.
    second = max((v for k, v in scores.items() if found[k].name != found[best].name), default=0.0)
    registered = registry.lookup(found[best].name) is not None
    return found[best], AuthorityEvidence("text", score, second, registered)


def _unregistered(doc: str, folded: str | None = None) -> Iterator[re.Match[str]]:
    """``_UNREGISTERED.finditer(doc)``, searching only the lines that hold the words its
    names end with: a name never runs over a line (words and the spaces between them
    are on one line, and what it looks at after the name stops at the line's end)."""
    spans, at = [], 0
    for line in doc.split("\n"):
        spans.append((at, at + len(line)))
        at += len(line) + 1
    may = Spans(fold(doc) if folded is None else folded, spans).candidates(_UNREGISTERED)
    if may is None:
        yield from _UNREGISTERED.finditer(doc)
        return
    for i in sorted(may):
        start, end = spans[i]
        yield from _UNREGISTERED.finditer(doc, start, end + 1)  # the line and its "\n"


def _weight(folded: str, start: int, end: int, request: tuple[int, int] = (0, 0)) -> float:
    """How strongly a mention at this place says who answered (``folded``: the document,
    folded; ``request``: where the requester's words stand)."""
    strong = _FOLDED[_STRONG_BEFORE].search(folded[max(0, start - 40):start])
    line = folded[folded.rfind("\n", 0, start) + 1:start]
    if (request[0] <= start < request[1] or _REQUEST_ROW.match(line)) and not strong:
        return 0.5
    weight = 1
    if start < 600:
        weight += 3
    if strong:
        weight += 3
    sign = _FOLDED[_SIGNATURE].search(folded, max(0, start - 200), start)
    if sign:
        weight += 3
    return weight


# A body the reply sends the requester to ("held by X. You would need to contact them") is
# where the information is, not who wrote.
_REFERRAL_BEFORE = re.compile(r"(?:contact|write\s+to|direct\s+your\s+request\s+to|redirect\s+your\s+request\s+to"
                              r"|transfer(?:red)?\s+(?:your\s+request\s+)?to)\s+(?:the\s+)?$", re.IGNORECASE)
_REFERRAL_AFTER = re.compile(r"^[^.\n]{0,120}[.\n]?\s*(?:They|you)\s+(?:would|will|may|might)\s+(?:need|wish|want)\s+to"
                             r"\s+(?:contact|apply|write|approach|ask|direct|be\s+contacted|be\s+asked)", re.IGNORECASE)


def _referred(doc: str, start: int, end: int) -> bool:
    return bool(_REFERRAL_BEFORE.search(doc[max(0, start - 40):start]) or _REFERRAL_AFTER.match(doc[end:end + 240]))


def _in_appeals(folded: str, start: int) -> bool:
    line_start = max(folded.rfind(".", 0, start), folded.rfind("\n\n", 0, start), start - 300)
    return bool(_FOLDED[_APPEALS].search(folded[line_start:start + 120]))


# The rules as they read the folded document: the same matches, found several times faster.
_FOLDED = {rule: folded_pattern(rule) for rule in (_STRONG_BEFORE, _SIGNATURE, _APPEALS)}


def _from_body(body: Body) -> Authority:
    return Authority(body.name, body.type, body.force, body.regime)


def _resolve(name: str, registry: Registry) -> Authority:
    body = registry.lookup(name)
    if body:
        return _from_body(body)
    return Authority(name, type_of(name), name if type_of(name) == "police" else None, None)


def type_of(name: str) -> str:
    """The type of a body from the shape of its name."""
    if re.search(r"\bPolice\b|\bConstabulary\b", name):
        return "police"
    if re.search(r"\bCouncil\b|\bBorough\s+of\b|Combined\s+Authority", name):
        return "council"
    if re.search(r"\bNHS\b|Health\s+Board|Care\s+Board|Commissioning\s+Group|Hospital", name):
        return "nhs"
    if re.search(r"^(?:Department|Ministry|HM\s)|\bAgency\b|\bExecutive\s+Agency\b|Office$", name):
        return "central_gov"
    return "other"

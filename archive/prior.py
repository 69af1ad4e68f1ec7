"""Check before you file: prior responses to a draft request, and what became of them.

A requester pastes a draft; we take its most telling terms (Whoosh's Bo1
key-term model against the archive's own statistics), find the responses that
share them, put the chosen body's own answers first, and say in plain words
what was released, what was withheld and under which provision.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from whoosh import query
from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.searching import Searcher

from archive import law
from archive.reader import Source, viewing
from archive.matcher import Matcher
from archive.query import TIME_BUDGET
from archive.search import Hit, QueryError, hit_from_stored
from archive.snippets import plain_snippet

MAX_DRAFT = 5000
KEY_TERMS = 15
RESULTS = 10
CANDIDATES = 50
RELATIVE_SCORE = 0.4  # a prior response must score at least this share of the best one
COMMON = 0.5  # a key term in more than this share of the responses is not a key term...
MIN_TELLING = 3  # ...but at least this many are kept, the least common first
READ_BUDGET = 100_000  # postings the key terms may hold between them (past the first three)

# Words every FOI request uses: they say nothing about what is asked.
_REQUEST_BOILERPLATE = re.compile(
    r"\b(dear|sir|madam|please|provide|information|request|requests|freedom|foi|act|"
    r"would|like|know|under|copy|copies|details|number|numbers|regards|yours|faithfully|"
    r"sincerely|thank|thanks|following|held|hold|year|years|many|much)\b",
    re.IGNORECASE,
)


# Stop words as the stemmed index has them ("they" is indexed as "thei").
_STOPS = frozenset(STOP_WORDS) | {stem(w) for w in STOP_WORDS} | {"how", "were", "doe", "ha"}


@dataclass
class PriorHit:
    hit: Hit
    same_body: bool
    summary: str
    score: float = 0.0  # how similar, as ranked (not shown: its scale means nothing to a reader)


@dataclass
class PriorResult:
    text: str
    authority: str | None
    terms: list[str]  # the draft's own words matched on ("since", "deployed"), shown to the public
    hits: list[PriorHit] = field(default_factory=list)
    summary: str = ""  # the plain answer on top
    accessible_hint: PriorHit | None = None  # a release that makes a repeat request s.21 territory


def describe_decision(outcome: str | None, codes: list[str],
                      questions: list[dict[str, Any]] | None = None) -> str:
    """A plain phrase for what a body decided: 'partly released; cost limit (s.12) for
    question 5, staffing costs; …'. ``questions``: the response's questions as the record
    keeps them (``Question.to_dict``), which say which part each exemption covered."""
    phrases = {
        "disclosed_in_full": "released in full",
        "partially_disclosed": "partly released",
        "refused": "refused",
        "neither_confirm_nor_deny": "would neither confirm nor deny holding it",
        "not_held": "said it holds no such information",
        "mixed": "answered in part (some not held)",
    }
    # Null: not read, or read below the confidence to state it (docs/metadata.md, "How sure").
    parts = [phrases.get(outcome or "", "outcome not read")]
    short = lambda c: c.split(" ", 1)[1] if " " in c else c  # noqa: E731 - "FOIA s.12" -> "s.12"
    cost = [short(c) for c in codes if law.section_of(c) in law.COST_LIMIT]
    vexatious = [short(c) for c in codes if law.section_of(c) in law.VEXATIOUS]
    ncnd = [short(c) for c in codes if law.is_ncnd(c) and c not in cost + vexatious]
    rest = [c for c in codes if short(c) not in cost + vexatious + ncnd]
    questions = questions or []
    if cost:
        parts.append(f"cost limit ({', '.join(cost)})" + _covering(questions, cost_codes(codes), "cost"))
    if vexatious:
        parts.append(f"vexatious or repeated ({', '.join(vexatious)})")
    if ncnd:
        parts.append(f"neither confirm nor deny ({', '.join(ncnd)})"
                     + _covering(questions, [c for c in codes if law.is_ncnd(c)], "ncnd"))
    for code in rest:
        parts.append(f"withheld under {short(code)} ({law.describe(code).lower()})" + _covering(questions, [code]))
    return "; ".join(parts)


def cost_codes(codes: list[str]) -> list[str]:
    return [c for c in codes if law.section_of(c) in law.COST_LIMIT]


# What a question asks for, without the words every question starts with.
_ASKING = re.compile(
    r"^\W*(?:(?:please\s+)?(?:provide|send|supply|give|list|confirm|tell\s+(?:me|us))\s+(?:me\s+|us\s+)?(?:with\s+)?"
    r"|(?:how\s+(?:many|much)|what\s+(?:is|are|was|were)|what|which|whether|do|does|did|is|are|has|have)\s+"
    r"|(?:any|all|copies\s+of|a\s+copy\s+of|details\s+of|the\s+number\s+of|a\s+list\s+of|a\s+breakdown\s+of)\s+)+",
    re.IGNORECASE,
)


def _covering(questions: list[dict[str, Any]], codes: list[str], answer: str | None = None) -> str:
    """' for question 5, staffing costs': the questions an exemption (or the cost limit, or
    NCND) was applied to, when the response was read question by question and not all of
    them were answered so."""
    sections = {law.section_of(c) for c in codes}
    hit = [q for q in questions
           if (answer is not None and q.get("answer") == answer)
           or sections & {law.section_of(c) for c in q.get("exemptions") or []}]
    if not hit or len(hit) == len(questions):
        return ""
    if len(hit) == 1:
        words = _ASKING.sub("", str(hit[0].get("text") or "")).split()
        if words and words[0].lower() in ("the", "a", "an", "your"):
            words = words[1:]
        what = " ".join(words[:6]).rstrip(",.;:?") + ("…" if len(words) > 6 else "")
        return f" for question {hit[0].get('number')}" + (f", {what}" if what else "")
    numbers = [str(q.get("number")) for q in hit]
    return f" for questions {', '.join(numbers[:-1])} and {numbers[-1]}"


def _long_date(iso: str | None) -> str:
    if not iso:
        return "on an unknown date"
    d = date.fromisoformat(iso)
    return f"on {d.day} {d.strftime('%B %Y')}"


def summarise(hit: Hit, questions: list[dict[str, Any]] | None = None) -> str:
    """One sentence: who answered, when, the reference to cite, and what they decided."""
    who = hit.force or hit.authority or "A public body"
    ref = f" (ref {hit.reference})" if hit.reference else ""
    codes = [e.code for e in hit.exemptions]
    return (f"{who} answered a similar request {_long_date(hit.date)}{ref}: "
            f"{describe_decision(hit.outcome, codes, questions)}.")


def key_terms(searcher: Searcher, text: str) -> list[tuple[str, float]]:
    """The draft's most telling terms against the archive's statistics."""
    cleaned = _REQUEST_BOILERPLATE.sub(" ", text)
    # normalize=False: Whoosh's Bo1 normaliser divides by zero when no term is known.
    terms = searcher.key_terms_from_text("text", cleaned, numterms=KEY_TERMS * 2, normalize=False)
    kept = [(t, w) for t, w in terms if len(t) > 2 and t not in _STOPS and w > 0]
    # A word in nearly every response ("section", "search" in "searches were conducted")
    # tells nothing about which are similar, and reading where it occurs is the dearest
    # part of the search: it is left out, unless a short draft has little else to go on.
    common = COMMON * searcher.doc_count()
    frequency = {t: searcher.doc_frequency("text", t) for t, _ in kept}
    telling = [(t, w) for t, w in kept if frequency[t] <= common]
    if len(telling) < MIN_TELLING:  # a short draft: the least common of the rest make up the number
        rest = sorted((item for item in kept if frequency[item[0]] > common), key=lambda i: frequency[i[0]])
        chosen = {t for t, _ in telling + rest[:MIN_TELLING - len(telling)]}
        telling = [(t, w) for t, w in kept if t in chosen]
    # The most telling first, until the postings to read pass a budget: the first search
    # of a draft reads each term's postings from disk (docs/performance.md).
    kept, read = [], 0
    for t, w in telling[:KEY_TERMS]:
        if len(kept) >= MIN_TELLING and read + frequency[t] > READ_BUDGET:
            continue
        kept.append((t, w))
        read += frequency[t]
    top = max((w for _, w in kept), default=1.0)
    return [(t, w / top) for t, w in kept]


def draft_words(searcher: Searcher, text: str, stems: list[str]) -> list[str]:
    """The word of the draft behind each index term, as the requester wrote it (lower case):
    the public reads "deployed", not the stem "deploi"."""
    words: dict[str, str] = {}
    for token in searcher.schema["text"].analyzer(text, keeporiginal=True):
        words.setdefault(token.text, token.original.lower())
    return [words.get(stem, stem) for stem in stems]


def prior(source: Source, text: str, authority: str | None = None,
          limit: int = RESULTS) -> PriorResult:
    """Responses to requests like ``text``; the chosen body's own first."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Paste the text of your draft request.")
    if len(text) > MAX_DRAFT:
        raise QueryError(f"The draft is too long: at most {MAX_DRAFT:,} characters.")
    authority = (authority or "").strip() or None
    with viewing(source) as view:
        searcher, columns = view.searcher, view.columns
        if authority:
            authority = columns.canonical["authority"].get(authority.lower(), authority)
        terms = key_terms(searcher, text)
        result = PriorResult(text=text, authority=authority, terms=draft_words(searcher, text, [t for t, _ in terms]))
        if not terms:
            return result
        # A real overlap: at least a third of the key terms (and two) in common.
        minmatch = max(2, len(terms) // 3) if len(terms) > 2 else 1
        similar = query.Or([query.Term("text", t, boost=w) for t, w in terms], minmatch=minmatch)
        # Rank everything by similarity, keep what is close to the best match, then put
        # the chosen body's own answers first: a weak match from the right body is
        # still a weak match.
        # Scored over numpy postings, as searcher.search(similar) would rank them.
        mask, scores = Matcher(searcher, columns, time.monotonic() + TIME_BUDGET).run(similar)
        docs = np.flatnonzero(mask & columns.live)
        ranked = docs[np.lexsort((docs, columns.tiebreak[docs], -scores[docs]))][:CANDIDATES]
        best = scores[ranked[0]] if len(ranked) else 0.0
        close = [int(d) for d in ranked if scores[d] >= best * RELATIVE_SCORE]
        # The chosen body's own answers first (stable: rank order kept within each);
        # only the ones shown are read from the stored fields.
        own = columns.having("authority", [authority]) if authority else None
        close.sort(key=lambda d: not (own is not None and own[d]))
        for docnum in close[:limit]:
            stored = searcher.stored_fields(docnum)
            hit = hit_from_stored(stored, plain_snippet(stored.get("text", "")))
            same_body = own is not None and bool(own[docnum])
            questions = json.loads(stored.get("details_json") or "{}").get("questions") or []
            result.hits.append(PriorHit(hit=hit, same_body=same_body, summary=summarise(hit, questions),
                                        score=float(scores[docnum])))
    if result.hits:
        result.summary = result.hits[0].summary
        # Section 21 is about what *this* body has already made accessible: only its own
        # releases (or any release, when no body was chosen) make the hint.
        for p in result.hits:
            if p.hit.outcome in ("disclosed_in_full", "partially_disclosed") and (
                    p.same_body or not authority):
                result.accessible_hint = p
                break
    return result


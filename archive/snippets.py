"""Snippets: a result's best passages with the query's words marked, at a cost that does
not grow with the document.

Whoosh's highlighter re-tokenises a hit's whole stored text (1.3 ms for an 8 KB letter;
responses run to hundreds of KB). Here the words are first looked for by their letters
(``str.find`` on a lower-cased copy, in C), each place is checked by tokenising the one
word found there, and only windows around the first few matches are tokenised and cut
into fragments, as Whoosh's ContextFragmenter and top_fragments would cut them. The
highlighted words are the text field's: a token is marked when its Porter stem is one of
the query's words (docs/performance.md, "Snippets").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from whoosh import highlight, query
from whoosh.analysis import Token
from whoosh.lang.porter import stem as porter_stem
from whoosh.searching import Searcher

from archive.postings import FacetColumns, expansions, range_expansions
from archive.query import MAX_TERMS

SNIPPET_CHARS = 300  # the longest passage
SURROUND = 60  # characters of context before and after a match
FIRST_MATCHES = 6  # windows opened around the earliest matches
MAX_CANDIDATES = 200  # places a word's letters are checked before it is given up
CHUNK = 4_096  # characters lower-cased and searched at a time
WINDOW = 2 * (SNIPPET_CHARS + SURROUND)  # after a match: room for its whole fragment
MAX_SNIPPET_WORDS = MAX_TERMS  # words a snippet looks for: as many as a plain query's most

_TOKEN_RE = re.compile(r"\w+(\.?\w+)*")  # StemmingAnalyzer's tokens
_stem = lru_cache(maxsize=100_000)(porter_stem)


class _EscapingFormatter(highlight.Formatter):
    """Marks matched terms with <mark>, escaping all document text (it is untrusted)."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        out = []
        index = fragment.startchar
        text = fragment.text
        for t in fragment.matches:
            if t.startchar < index:
                continue
            if t.startchar > index:
                out.append(str(escape(text[index:t.startchar])))
            out.append(self.format_token(text, t, replace))
            index = t.endchar
        out.append(str(escape(text[index:fragment.endchar])))
        return "".join(out)


# No charlimit: Whoosh's default (32 KB) left a match past it unshown; here a late match
# costs no more than an early one.
_FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND, charlimit=None)
_SCORER = highlight.BasicFragmentScorer()
_FORMATTER = _EscapingFormatter()


def plain_snippet(text: str) -> Markup:
    """The opening of a text, escaped, for a result with no highlighted words."""
    # Only the opening is shown: squash just enough of it (a text can be megabytes).
    text = re.sub(r"\s+", " ", (text or "")[:SNIPPET_CHARS * 8]).strip()
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return escape(text)


def _letters(word: str) -> str:
    """What every spelling of a stem starts with: the stem less its last letter, which Porter
    may have changed ("happi" from "happy"), unless that leaves under three letters."""
    return word[:-1] if len(word) > 3 else word


def first_matches(text: str, words: frozenset[str], limit: int = FIRST_MATCHES,
                  cost: dict[str, int] | None = None) -> list[int]:
    """Where the first ``limit`` tokens whose stem is one of ``words`` start, in order.

    The text is lower-cased and searched a chunk at a time, so a response whose words
    come early costs the same however long it is.
    """
    found: list[int] = []
    tries = dict.fromkeys(sorted({_letters(w) for w in words}), 0)
    matched = dict.fromkeys(tries, 0)
    given_up = 0
    overlap = max(map(len, tries), default=0) + 64  # a word that straddles two chunks
    scanned = 0
    for begin in range(0, len(text), CHUNK):
        if len(found) >= limit or not tries:
            break
        chunk = text[begin:begin + CHUNK + overlap]
        lowered = chunk.lower()
        if len(lowered) != len(chunk):  # a letter whose lower case is longer: offsets would drift
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in chunk)
        scanned += len(chunk)
        for letters in list(tries):
            start = 0
            while tries[letters] < MAX_CANDIDATES and matched[letters] < limit:
                at = lowered.find(letters, start)
                if at < 0 or at >= CHUNK:  # the overlap is the next chunk's
                    break
                start = at + 1
                tries[letters] += 1
                if at + begin and (text[begin + at - 1].isalnum() or text[begin + at - 1] == "_"):
                    continue  # inside a word
                token = _TOKEN_RE.match(lowered, at)
                if token is not None and _stem(token.group()) in words:
                    found.append(begin + at)
                    matched[letters] += 1
            if tries[letters] >= MAX_CANDIDATES or matched[letters] >= limit:
                given_up += tries.pop(letters)  # done, or crowded out by look-alikes
    if cost is not None:
        cost["candidates"] = cost.get("candidates", 0) + given_up + sum(tries.values())
        cost["chars"] = cost.get("chars", 0) + scanned
    return sorted(set(found))[:limit]


def _windows(text: str, starts: Iterable[int]) -> list[tuple[int, int]]:
    """Spans around each match, wide enough for a fragment, cut at white space and merged."""
    spans: list[tuple[int, int]] = []
    for at in starts:
        begin = max(0, at - 2 * SURROUND)  # the context Whoosh keeps is measured from the token before
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        end = min(len(text), at + WINDOW)
        while end < len(text) and not text[end].isspace():
            end += 1
        if spans and begin <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((begin, end))
    return spans


def _tokens(text: str, begin: int, end: int, words: frozenset[str],
            cost: dict[str, int] | None) -> Iterator[Token]:
    """The tokens of ``text[begin:end]`` as the text field's analyzer makes them (lower case,
    stop words kept, Porter stems), each marked if it is sought."""
    token = Token(positions=True, chars=True)
    n = 0
    for m in _TOKEN_RE.finditer(text, begin, end):
        token.text = m.group().lower()
        token.pos, token.startchar, token.endchar = n, m.start(), m.end()
        token.matched = _stem(token.text) in words
        n += 1
        yield token
    if cost is not None:
        cost["tokens"] = cost.get("tokens", 0) + n


def highlight_text(words: frozenset[str], text: str, cost: dict[str, int] | None = None) -> Markup:
    """The best two passages near the first matches of ``words`` (Porter stems) in ``text``,
    escaped, the matched words in <mark>; empty if none is found.

    ``cost``, if given, counts the work done: "candidates" (places checked) and "tokens"
    (tokens made). Neither depends on the length of the text beyond its first matches.
    """
    if not words or not text:
        return Markup("")
    fragments = []
    for begin, end in _windows(text, first_matches(text, words, cost=cost)):
        fragments += _FRAGMENTER.fragment_tokens(text, _tokens(text, begin, end, words, cost))
    return Markup(_FORMATTER.format(best_fragments(fragments)))


def best_fragments(fragments: list[Any], count: int = 2) -> list[Any]:
    """The ``count`` best fragments by Whoosh's BasicFragmentScorer, in text order.

    Whoosh breaks ties by the fragments' ``id()`` (memory order); here the earlier wins.
    """
    scored = sorted(((-_SCORER(f), f.startchar, i) for i, f in enumerate(fragments)))
    return sorted((fragments[i] for score, _, i in scored[:count] if -score >= 1),
                  key=lambda f: f.startchar)


def query_words(searcher: Searcher, q: query.Query, columns: FacetColumns) -> frozenset[str]:
    """The words of the text field the query looks for (prefixes expanded, as the matcher
    expanded them) that the index has."""
    # Not Query.existing_terms: its loop variable shadows its fieldname argument, so
    # after the first leaf of Or(title:x, text:x, ...) it skips the rest.
    reader, field_ = searcher.reader(), searcher.schema["text"]
    leaves = q.leaves() if not q.is_leaf() else [q]
    words: set[str] = set()
    expanded: list[bytes] = []
    for leaf in leaves:
        if leaf.field() != "text":
            continue
        if isinstance(leaf, query.PatternQuery):
            expanded += expansions(leaf, searcher, columns)
        elif isinstance(leaf, (query.TermRange, query.NumericRange)):
            expanded += range_expansions(leaf, searcher, columns)
        else:
            for _, text in leaf.expanded_terms(reader, phrases=True):
                btext = text if isinstance(text, bytes) else field_.to_bytes(text)
                if ("text", btext) in reader:
                    words.add(field_.from_bytes(btext))
    # A snippet looks for at most as many words as the longest plain query has: a wildcard
    # or a range that stands for 2,000 words must not make every snippet scan for each.
    for btext in expanded:
        if len(words) >= MAX_SNIPPET_WORDS:
            break
        words.add(field_.from_bytes(btext))
    return frozenset(words)

"""Cheap tests that rule a regular expression out before it is run.

Python's ``re`` tries a pattern of many alternatives (``_NOT_HELD``, ``_WITHHELD`` ...)
at every position of a text, the more slowly with IGNORECASE: that was most of the
time spent reading a letter. But every match of such a pattern contains one of a few
literal words ("held", "withheld", "exempt" ...), and ``str.find`` looks for a word
far faster than ``re`` tries a pattern. ``required_words`` reads those words from
the pattern itself (so they follow any change to the rule), ``may_match`` tells
whether a text holds them, and ``Spans`` which of its sentences (or lines, or parts)
do: only those can match, and only those are searched.

A prefilter only ever lets more through: the pattern itself still decides.

Two more shortcuts live here: ``fold`` and ``folded_pattern`` read an IGNORECASE
rule case-sensitively from the folded text (the same matches, found faster), and
``word_starts`` with ``starting_words`` visits only the words a table is keyed by.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Iterable, Iterator

try:  # the parser of the re module: private, so used only where it is there as expected
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - another Python: no prefilter, every sentence is searched
    _parser = None  # type: ignore[assignment]


def fold(text: str) -> str:
    """The text in lower case with every character IGNORECASE takes for an ASCII letter
    made that letter, keeping the text's length (offsets stay the same).

    ``str.lower`` does most of it (the Kelvin sign becomes "k") and keeps what each
    character is to ``re`` (a word character, a space, a digit) and, but for "İ" (which
    it makes two characters), the length of the text; it leaves "ı" (an i) and "ſ"
    (an s) alone. Those three are replaced, each only where the text holds one (a
    ``str.translate`` of the whole text cost twenty times a ``str.lower``)."""
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    low = text.lower()
    if "\u0131" in low:
        low = low.replace("\u0131", "i")
    if "\u017f" in low:
        low = low.replace("\u017f", "s")
    return low


def required_words(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...] | None:
    """What every match of ``pattern`` contains, as alternatives of sets of lower-case
    ASCII words: each match holds all the words of at least one of the sets (as
    IGNORECASE reads them: compare with a ``fold``-ed text). None when some match
    need hold no word at all (then nothing can be ruled out)."""
    if _parser is None:
        return None
    try:
        need = _required(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # pragma: no cover - a parser that is not the one we know
        return None
    if any(not words for words in need):
        return None
    return tuple(sorted(set(need), key=sorted))


# A requirement: any of these sets of words, all the words of a set. [frozenset()] is
# no requirement at all. Words shorter than MIN_WORD, or among the commonest, are left
# out: leaving a word out only lets more through, and they rule out little for the
# time it takes to find them.
_NONE = [frozenset()]
MIN_WORD = 3
_COMMON = frozenset({"the", "and", "you", "your", "for", "are", "our", "this", "that", "with"})
_MAX_ALTERNATIVES = 256


def _and(a: list[frozenset[str]], b: list[frozenset[str]]) -> list[frozenset[str]]:
    if a == _NONE:
        return b
    if b == _NONE:
        return a
    if len(a) * len(b) > _MAX_ALTERNATIVES:  # keep the one that says more
        return a if _strength(a) >= _strength(b) else b
    return _simplest({x | y for x in a for y in b})


def _strength(need: list[frozenset[str]]) -> int:
    return min(sum(len(w) for w in words) for words in need)


def _word(chars: list[str]) -> list[frozenset[str]]:
    word = "".join(chars)
    return _NONE if len(word) < MIN_WORD or word in _COMMON else [frozenset({word})]


def _required(items) -> list[frozenset[str]]:  # noqa: ANN001 - a re._parser.SubPattern
    need = _NONE
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        if op is _c.BRANCH:  # (None, [items, items, ...]): any alternative
            # The parser takes the letters all alternatives start with out in front
            # ("deci(?:ded|sion)"): they are put back, to read whole words.
            head = [(_c.LITERAL, ord(ch)) for ch in run]
            alternatives = [_required(head + list(p)) for p in av[1]]
            run = []
            if all(a != _NONE for a in alternatives):
                need = _and(need, _simplest({words for a in alternatives for words in a}))
            continue
        need = _and(need, _word(run))
        run = []
        if op is _c.SUBPATTERN:  # (group, add_flags, del_flags, items)
            need = _and(need, _required(av[3]))
        elif op is _c.ATOMIC_GROUP:
            need = _and(need, _required(av))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            need = _and(need, _required(av[2]))
        # Anything else (a class, a look-around, an anchor, an optional part) needs no word.
    return _and(need, _word(run))


def _simplest(either: set[frozenset[str]]) -> list[frozenset[str]]:
    """Alternatives without those that hold all the words of another (they add nothing)."""
    kept = [w for w in either if not any(o < w for o in either)]
    return kept if len(kept) <= _MAX_ALTERNATIVES else _NONE


@lru_cache(maxsize=256)
def _words_of(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...] | None:
    """``required_words``, each set longest word first: a set is given up on at its first
    word missing (``may_match``) or held by no sentence the words before it are in (``Spans``)."""
    need = required_words(pattern)
    return None if need is None else tuple(tuple(sorted(words, key=lambda w: (-len(w), w))) for words in need)


class Spans:
    """The sentences (or lines, or parts) of a folded text, as (start, end) offsets in it,
    in order, for telling which of them hold an occurrence of a pattern's required words."""

    def __init__(self, folded: str, spans: list[tuple[int, int]]) -> None:
        self.folded = folded
        self.spans = spans
        self._starts = [a for a, _ in spans]
        self._found: dict[str, frozenset[int]] = {}

    def _holding(self, word: str) -> frozenset[int]:
        found = self._found.get(word)
        if found is None:
            out = set()
            text, starts, spans, n = self.folded, self._starts, self.spans, len(word)
            at = text.find(word)
            while at >= 0:
                i = bisect_right(starts, at) - 1
                if i < 0:
                    at = text.find(word, at + 1)
                    continue
                end = spans[i][1]
                if at + n <= end:
                    out.add(i)
                # Any later occurrence that starts in this sentence tells nothing new.
                at = text.find(word, max(at + 1, end))
            found = self._found[word] = frozenset(out)
        return found

    def candidates(self, pattern: re.Pattern[str]) -> frozenset[int] | None:
        """The indices of the sentences that may match ``pattern``; None: any may."""
        need = _words_of(pattern)
        if need is None:
            return None
        out: set[int] = set()
        for words in need:
            found = None
            for word in words:
                found = self._holding(word) if found is None else found & self._holding(word)
                if not found:
                    break
            if found:
                out |= found
        return frozenset(out)


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """Whether ``pattern`` may match somewhere in a text (``folded`` is the text, ``fold``-ed)."""
    need = _words_of(pattern)
    return need is None or any(all(word in folded for word in words) for words in need)


def word_starts(words: Iterable[str], stems: Iterable[str] = ()) -> re.Pattern[str] | None:
    """A pattern for the folded text (``starting_words``) that finds where a word starts
    that is one of ``words`` or starts with one of ``stems``: one search of the text
    instead of a look at each of its words. None for words not all lower-case ASCII
    (the lower case of a word is its folded form only for ASCII letters).

    The alternatives are a tree, each choice starting with its own letter, which ``re``
    rules out at once; a flat alternation of a hundred words is tried word by word."""
    words, stems = set(words), set(stems)
    if not words | stems or not all(w.isascii() and w == w.lower() for w in words | stems):
        return None
    tree: dict = {}
    for word, end in sorted([(w, r"(?!\w)") for w in words - stems] + [(s, "") for s in stems]):
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = end

    def emit(node: dict) -> str:
        alternatives = [re.escape(ch) + emit(child) if ch else child
                        for ch, child in sorted(node.items(), key=lambda kv: (kv[0] == "", kv[0]))]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return re.compile(r"(?<!\w)" + emit(tree))


WORD = re.compile(r"\w+")


def starting_words(starts: re.Pattern[str] | None, text: str) -> Iterator[re.Match[str]]:
    """The words (runs of ``\\w``) of ``text`` where ``starts``, a ``word_starts`` pattern,
    finds one starting, in one search of the ``fold``-ed text (every word without a pattern).

    Among them is every word whose ``fold`` is, or starts with, one of the pattern's
    words; a caller looks each word up by its ``fold`` too ("ſtop" is "stop", as
    IGNORECASE reads it)."""
    if starts is None:
        return WORD.finditer(text)
    return (WORD.match(text, m.start()) for m in starts.finditer(fold(text)))


def folded_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` for the ``fold``-ed text: its letters in lower case, without IGNORECASE,
    which ``re`` runs several times faster. It matches the folded text exactly where
    ``pattern`` matches the text, with the same spans and groups: IGNORECASE takes an
    ASCII letter for the characters ``fold`` makes that letter and for no others, and
    folding keeps every offset, word character, space and digit. A pattern this cannot
    rewrite safely (scoped flags, escapes naming characters, letters beyond ASCII) is
    returned as it is."""
    source = pattern.pattern
    if not pattern.flags & re.IGNORECASE:
        return pattern
    if any(x in source for x in ("(?-", "(?i", "(?P=", "\\N", "\\x", "\\u", "\\U", "\\0")) or not all(
            c.isascii() or c.lower() == c.upper() for c in source):
        return pattern
    out = []
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":  # an escape stays as written ("\S", "\b", "\(")
            out.append(source[i:i + 2])
            i += 2
        elif source.startswith("(?P<", i):  # a group's name too
            j = source.index(">", i)
            out.append(source[i:j + 1])
            i = j + 1
        else:
            out.append(c.lower() if c.isascii() else c)
            i += 1
    return re.compile("".join(out), pattern.flags & ~re.IGNORECASE)

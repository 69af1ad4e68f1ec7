"""Did you mean: each unknown word of a query replaced by the nearest word the archive has.

The answer is Whoosh's ReaderCorrector's (words of the text field's spelling list that
share the first letter, within one edit, else two; the most frequent first, then
the last in alphabetical order), but found differently: Whoosh walks every
word of that letter through a Python edit-distance loop on a multi-segment index (160 ms
for a word of a 120,000-word vocabulary), here the words of a letter are read once a
generation and compared in C by rapidfuzz (docs/performance.md, "Suggestions").
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein
from whoosh.searching import Searcher

from archive.postings import first_doc_numbers
from archive.segments import prefix_terms

_WORD_RE = re.compile(r"(?<![\w:*?\"])([A-Za-z]{4,})(?![\w:*?])")
_OPERATORS = {"AND", "OR", "NOT", "TO"}


#: Each segment's spelling words by first letter, kept across generations (a segment never
#: changes once written, and a new generation keeps most of the old one's): (segment id, field,
#: letter) -> words, least recently used out past SEGMENT_WORDS words in all.
_segment_words: OrderedDict[tuple[str, str, str], list[str]] = OrderedDict()
_held = 0
_lock = threading.Lock()
SEGMENT_WORDS = 500_000


def _words_of(leaf: Any, name: str, first: str) -> list[str]:
    global _held
    if not hasattr(leaf, "segment"):  # not a segment (an empty index's reader)
        return [b.decode("utf-8") for b in leaf.expand_prefix(name, first)]
    key = (leaf.segment().segment_id(), name, first)
    with _lock:
        found = _segment_words.get(key)
        if found is not None:
            _segment_words.move_to_end(key)
            return found
    found = prefix_terms(leaf, name, first.encode("utf-8"))
    if found is None:
        found = list(leaf.expand_prefix(name, first))
    words = [b.decode("utf-8") for b in found]
    with _lock:
        if key not in _segment_words:
            _segment_words[key] = words
            _held += len(words)
        while _held > SEGMENT_WORDS and len(_segment_words) > 1:
            _held -= len(_segment_words.popitem(last=False)[1])
    return words


def spelling_words(searcher: Searcher, first: str, remember: Any) -> list[str]:
    """The words of the text field's spelling list that start with ``first``, once a generation."""
    def read() -> list[str]:
        name = searcher.schema["text"].spelling_fieldname("text")
        # Segment by segment, then merged: a multi-segment reader merges the segments' words
        # one at a time through a heap (328 ms for "p" at 100k responses; 92 ms this way).
        words: set[str] = set()
        for leaf, _ in searcher.reader().leaf_readers():
            words.update(_words_of(leaf, name, first))
        return sorted(words)

    return remember(("spelling", first), read)


def nearest(searcher: Searcher, word: str, remember: Any) -> str | None:
    """The word the archive has nearest ``word`` (lower case), as Whoosh's corrector ranks them."""
    words = spelling_words(searcher, word[:1], remember)
    reader = searcher.reader()
    # Whoosh measures by a Levenshtein automaton on one segment, and by its
    # damerau_levenshtein (optimal string alignment: a swap is one edit) across several.
    scorer = Levenshtein.distance if reader.is_atomic() else OSA.distance
    for maxdist in (1, 2):
        # The nearest first: Whoosh ranks within a distance by frequency, so a common
        # word two edits away ("water") would beat the one-edit answer ("taser").
        close = [found for found, _, _ in process.extract(
            word, words, scorer=scorer, score_cutoff=maxdist, limit=None)]
        # Whoosh's score and heap: the most frequent, and of equals the last in order.
        def score(w: str) -> tuple[float, str]:
            return 0 - (maxdist + (1.0 / (reader.frequency("text", w) or 1) * 0.5)), w

        for found in sorted(close, key=score, reverse=True):
            if _live(searcher, found):
                return found
    return None


def _live(searcher: Searcher, word: str) -> bool:
    """Whether a live document has the word: the spelling list keeps a deleted document's
    words until its segment is merged, and a word of a response taken down must never be
    offered back (docs/reliability.md, "Takedowns")."""
    stems = [t.text for t in searcher.schema["text"].analyzer(word, tokenize=False)]
    if not stems:
        return False
    leaves = searcher.reader().leaf_readers()
    return bool(first_doc_numbers(leaves, "text", stems[0].encode("utf-8"), 1))


def suggest(searcher: Searcher, text: str, remember: Any) -> str | None:
    """The query with each unknown word replaced by the nearest word the archive has."""
    analyzer = searcher.schema["text"].analyzer
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        word = m.group(1)
        if word in _OPERATORS or m.start() > 0 and text[:m.start()].count('"') % 2:
            return word  # operators, and words inside a phrase, stay as typed
        stems = [t.text for t in analyzer(word)]
        if not stems or searcher.doc_frequency("text", stems[0]) > 0:
            return word
        found = nearest(searcher, word.lower(), remember)
        if found is None:
            return word
        changed = True
        return found

    fixed = _WORD_RE.sub(fix, text)
    return fixed if changed else None

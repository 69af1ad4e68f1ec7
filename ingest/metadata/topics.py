"""What a response is about, from the taxonomy in ``data/topics.toml``.

A topic needs real evidence: ``min`` mentions (default 2) of its phrases in the
title and the text, leaving out the paragraphs every response carries whatever
it is about (appeals, re-use and copyright, e-mail disclaimers, the cost limit,
the public interest test). A mention in the title counts three times. Several
topics can be read from one response, but a second topic needs at least
``SECONDARY_SHARE`` of the evidence of the first, so "unmanned aerial vehicles"
in a request about drones does not make it a response about vehicles.
The values are the topics' display names ("Stop and search"), the facet values.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.metadata.prefilter import WORD, Spans, fold, may_match, starting_words, word_starts
from ingest.metadata.passages import break_span

DATA = Path(__file__).with_name("data") / "topics.toml"
TITLE_WEIGHT = 3
SECONDARY_SHARE = 0.4

# Sentences every response carries, whatever it is about.
_BOILERPLATE = re.compile(
    r"""Open\s+Government\s+Licence|internal\s+review|Information\s+Commissioner|Copyright|re-use
    |This\s+Email,?\s+and\s+any\s+attachments|anti-virus|Data\s+Protection\s+Act|privacy\s+notice
    |(?:lodge|make)\s+a\s+complaint|complaint\s+rights|dissatisfied|unhappy
    |cost\s+limit|appropriate\s+limit|£\s?(?:450|600)\b|18\s+hours|24\s+hours|public\s+interest""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy."""

    name: str
    slug: str
    pattern: re.Pattern[str]
    min: int = 2
    unless: re.Pattern[str] | None = None  # phrases whose words are another topic's ("aerial vehicles")
    phrases: tuple[str, ...] = ()

    def count(self, text: str) -> int:
        """How many mentions of the topic the text holds."""
        if self.unless is not None:
            text = self.unless.sub(" ", text)
        return len(self.pattern.findall(text))


def _phrase(p: str) -> str:
    body = re.escape(p.rstrip("*")).replace(r"\ ", r"[\s-]+")
    tail = r"\w*" if p.endswith("*") else ""
    # Acronyms are matched as written ("CED", "IT"); words in any case.
    return f"(?-i:{body}{tail})" if p.rstrip("*").isupper() else f"{body}{tail}"


def _alternatives(phrases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(_phrase(p) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=4)
def load_topics(path: Path = DATA) -> tuple[Topic, ...]:
    """Read the taxonomy once."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    topics = []
    for t in raw.get("topic", []):
        topics.append(Topic(t["name"], t["slug"], _alternatives(t["phrases"]), int(t.get("min", 2)),
                            _alternatives(t["unless"]) if t.get("unless") else None,
                            tuple(t["phrases"])))
    return tuple(topics)


class _Counter:
    """Every topic's mentions counted in one pass over the words of a text.

    One ``findall`` of each topic's alternation, tried at every position, cost about
    3 ms a letter for 31 topics. Here each phrase is filed under its first word (or,
    for "drone*", under the stem its words start with) and tried only where such a
    word starts, in the topic's phrase order, a topic's mentions never overlapping:
    what ``findall`` counted (a word is looked up by its ``fold``, which reads "ſ", "ı"
    and "İ" as IGNORECASE does).
    Topics with ``unless`` phrases are counted as before.
    """

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.topics = topics
        self.exact: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
        self.stems: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
        for n, topic in enumerate(topics):
            if topic.unless is not None:
                continue
            for order, phrase in enumerate(topic.phrases):
                first = WORD.match(phrase)
                assert first, f"a topic's phrase must start with a word: {phrase!r}"
                entry = (n, order, re.compile(rf"(?:{_phrase(phrase)})(?!\w)", re.IGNORECASE))
                one_word = first.end() == len(phrase.rstrip("*"))
                table = self.stems if one_word and phrase.endswith("*") else self.exact
                table.setdefault(first.group().lower(), []).append(entry)
        self.stem_lengths = sorted({len(stem) for stem in self.stems})
        # One search of the folded text finds where a phrase's first word (or stem) starts,
        # instead of a look at every word (prefilter.starting_words).
        self.starts = word_starts(self.exact, self.stems)

    def count(self, text: str) -> list[int]:
        counts = [0] * len(self.topics)
        ends = [0] * len(self.topics)
        for word in starting_words(self.starts, text):
            key = fold(word.group())  # "ſtop" is "stop" to IGNORECASE, as to findall
            found = list(self.exact.get(key, ()))
            for length in self.stem_lengths:
                if length > len(key):
                    break
                found += self.stems.get(key[:length], ())
            if not found:
                continue
            start = word.start()
            for n, _, pattern in sorted(found, key=lambda e: (e[0], e[1])):
                if start < ends[n]:
                    continue
                match = pattern.match(text, start)
                if match:
                    counts[n] += 1
                    ends[n] = match.end()
        folded = None
        for n, topic in enumerate(self.topics):
            if topic.unless is not None:
                folded = fold(text) if folded is None else folded
                # Taking the "unless" phrases out leaves no word that was not there.
                counts[n] = topic.count(text) if may_match(topic.pattern, folded) else 0
        return counts


@lru_cache(maxsize=4)
def _counter(path: Path = DATA) -> _Counter:
    return _Counter(load_topics(path))


def topic_names(path: Path = DATA) -> list[str]:
    """The display names of the taxonomy, in its order."""
    return [t.name for t in load_topics(path)]


# The breaks between parts, "\n\s*\n|(?<=[.!?])\s+", written as text._SENTENCE_BREAK is
# (read from their first character, the break a group or the whole match).
_PART_BREAK = re.compile(r"[\n.!?](?:(?<=[.!?])(?P<end>\n\s*\n|\s+)|(?<=\n)\s*\n)")


def evidence(text: str) -> str:
    """The text a topic may be read from: the sentences that are not boilerplate."""
    # The parts re.split would give, with their offsets; only a part holding the words
    # boilerplate is made of (prefilter.py) can be boilerplate.
    spans, at = [], 0
    for m in _PART_BREAK.finditer(text):
        start, end = break_span(m)
        spans.append((at, start))
        at = end
    spans.append((at, len(text)))
    may = Spans(fold(text), spans).candidates(_BOILERPLATE)
    return "\n".join(text[a:b] for i, (a, b) in enumerate(spans)
                     if not ((may is None or i in may) and _BOILERPLATE.search(text[a:b])))


def find_topics(text: str, title: str | None = None) -> list[str]:
    """The display names of the topics a response is about, best evidenced first."""
    body = evidence(text)
    counter = _counter()
    scored = []
    for topic, in_body, in_title in zip(counter.topics, counter.count(body), counter.count(title or "")):
        n = in_body + TITLE_WEIGHT * in_title
        if n >= topic.min:
            scored.append((n, topic.name))
    if not scored:
        return []
    top = max(n for n, _ in scored)
    return [name for n, name in sorted(scored, key=lambda c: -c[0]) if n >= SECONDARY_SHARE * top]

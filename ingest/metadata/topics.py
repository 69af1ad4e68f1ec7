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
                            _alternatives(t["unless"]) if t.get("unless") else None))
    return tuple(topics)


def topic_names(path: Path = DATA) -> list[str]:
    """The display names of the taxonomy, in its order."""
    return [t.name for t in load_topics(path)]


def evidence(text: str) -> str:
    """The text a topic may be read from: the sentences that are not boilerplate."""
    parts = re.split(r"\n\s*\n|(?<=[.!?])\s+", text)
    return "\n".join(p for p in parts if not _BOILERPLATE.search(p))


def find_topics(text: str, title: str | None = None) -> list[str]:
    """The display names of the topics a response is about, best evidenced first."""
    body = evidence(text)
    scored = []
    for topic in load_topics():
        n = topic.count(body) + TITLE_WEIGHT * topic.count(title or "")
        if n >= topic.min:
            scored.append((n, topic.name))
    if not scored:
        return []
    top = max(n for n, _ in scored)
    return [name for n, name in sorted(scored, key=lambda c: -c[0]) if n >= SECONDARY_SHARE * top]

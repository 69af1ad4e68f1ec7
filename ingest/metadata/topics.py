"""What a response is about, from the taxonomy in ``data/topics.toml``.

A topic needs enough evidence: ``min`` mentions (default 2) of its phrases in
the title and the text outside appeals, re-use and e-mail disclaimer
boilerplate, so one passing mention does not make a topic.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "topics.toml"

# Paragraphs every response carries, whatever it is about.
_BOILERPLATE = re.compile(
    r"""Open\s+Government\s+Licence|internal\s+review|Information\s+Commissioner|Copyright|re-use
    |This\s+Email,?\s+and\s+any\s+attachments|anti-virus|Data\s+Protection\s+Act|privacy\s+notice
    |(?:lodge|make)\s+a\s+complaint|complaint\s+rights|dissatisfied|unhappy""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy."""

    name: str
    slug: str
    pattern: re.Pattern[str]
    min: int = 2


def _phrase(p: str) -> str:
    body = re.escape(p.rstrip("*")).replace(r"\ ", r"[\s-]+")
    tail = r"\w*" if p.endswith("*") else ""
    # Acronyms and "£" are matched as written; words in any case.
    return f"(?-i:{body}{tail})" if p.isupper() else f"{body}{tail}"


@lru_cache(maxsize=4)
def load_topics(path: Path = DATA) -> tuple[Topic, ...]:
    """Read the taxonomy once."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    topics = []
    for t in raw.get("topic", []):
        alternatives = "|".join(_phrase(p) for p in t["phrases"])
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)" if "£" not in t["phrases"]
                             else rf"(?:(?<!\w)(?:{alternatives})(?!\w)|£)", re.IGNORECASE)
        topics.append(Topic(t["name"], t["slug"], pattern, int(t.get("min", 2))))
    return tuple(topics)


def find_topics(text: str, title: str | None = None) -> list[str]:
    """The slugs of the topics a response is about, most mentioned first."""
    body = "\n".join(p for p in re.split(r"\n\s*\n|(?<=[.!?])\s+", text) if not _BOILERPLATE.search(p))
    counts = []
    for topic in load_topics():
        n = len(topic.pattern.findall(body)) + 2 * len(topic.pattern.findall(title or ""))
        if n >= topic.min:
            counts.append((n, topic.slug))
    return [slug for _, slug in sorted(counts, key=lambda c: -c[0])]

"""The sentence and part breaks, written to be searched from their first character
(text._SENTENCE_BREAK, topics._PART_BREAK), find the breaks the plain patterns find."""

import random
import re

from ingest.metadata import passages as text_module
from ingest.metadata import topics

PLAIN_SENTENCE_BREAK = re.compile(
    r"""(?<=[.!?])["”’)]?\s+(?=["“‘(]?[A-Z0-9])
    | \n[ \t]*\n\s*
    | (?<=:)[ \t]*\n\s*
    | \n(?=[ \t]*(?:\d{1,2}[.)]|[•\-*])\s)
    """,
    re.VERBOSE,
)
PLAIN_PART_BREAK = re.compile(r"\n\s*\n|(?<=[.!?])\s+")
PIECES = list("aA1 .!?:\n\t\"”’)(“‘•-*2") + ["  ", "\n\n", ". ", "9.", "s.", "e.g.", " 1) ", "\n- ", "\n \n"]


def _texts(n: int = 20000) -> list[str]:
    rng = random.Random(2024)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) for _ in range(n)] + [
        "Dear Sir,\n\nThank you. We hold it: \n1. A list\n- a bullet\n\n“Quoted.” (See s. 40.) Done!"]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [text_module.break_span(m) for m in pattern.finditer(text)]


def test_sentence_breaks_are_the_plain_patterns():
    for text in _texts():
        assert _spans(text_module._SENTENCE_BREAK, text) == [m.span() for m in PLAIN_SENTENCE_BREAK.finditer(text)], text


def test_part_breaks_are_the_plain_patterns():
    for text in _texts():
        assert _spans(topics._PART_BREAK, text) == [m.span() for m in PLAIN_PART_BREAK.finditer(text)], text

"""What a snippet costs by the length of the response: the archive's against Whoosh's highlighter.

    .venv/bin/python bench/snippet_cost.py

Realistic letters (bench/realistic.py) grouped by length; for each group and a few
words, the time to make one snippet with archive.snippets and with Whoosh's own
highlighter over the whole text (as the search page made them before), median of 5.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh import highlight  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402

from archive import snippets  # noqa: E402
from bench.realistic import compose  # noqa: E402

WORDS = [frozenset({"inform"}), frozenset({"polic"}), frozenset({"public", "interest"}),
         frozenset({"taser"})]
GROUPS = [(3_000, 5_000), (30_000, 50_000), (300_000, 450_000)]


def whoosh_snippet(words: frozenset[str], text: str) -> str:
    fragmenter = highlight.ContextFragmenter(maxchars=snippets.SNIPPET_CHARS, surround=snippets.SURROUND)
    return highlight.highlight(text, words, StemmingAnalyzer(), fragmenter, snippets._EscapingFormatter(),
                               top=2)


def median_ms(fn, *args) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    letters = [compose(i, 2024).text for i in range(4000)]
    print("| length | letters | archive.snippets ms | Whoosh's highlighter ms |")
    print("|---|---|---|---|")
    for low, high in GROUPS:
        group = [t for t in letters if low <= len(t) < high][:8]
        ours = [median_ms(snippets.highlight_text, w, t) for t in group for w in WORDS]
        theirs = [median_ms(whoosh_snippet, w, t) for t in group for w in WORDS]
        print(f"| {low // 1000}–{high // 1000} KB | {len(group)} | {statistics.median(ours):.2f} "
              f"| {statistics.median(theirs):.2f} |")


if __name__ == "__main__":
    main()

"""Snippets: Whoosh's passages and marks, at a cost that does not grow with the document."""

import re

import pytest
from whoosh import highlight
from whoosh.analysis import StemmingAnalyzer

from archive import snippets
from archive.snippets import FIRST_MATCHES, first_matches, highlight_text
from samplegen.letters import iter_letters

QUERIES = [["polic"], ["taser"], ["inform"], ["public", "interest"], ["drone", "cost"],
           ["disclosur"], ["section", "40"], ["complaint", "review"]]


def whoosh_highlight(words: frozenset[str], text: str) -> str:
    """Whoosh's own analysis and fragments over the whole text (as the search page used to
    make them), the best two chosen by the same rule (Whoosh breaks ties by memory address)."""
    fragmenter = highlight.ContextFragmenter(maxchars=snippets.SNIPPET_CHARS, surround=snippets.SURROUND)
    tokens = StemmingAnalyzer()(text, chars=True, mode="query", removestops=False)
    fragments = list(fragmenter.fragment_tokens(text, highlight.set_matched_filter(tokens, words)))
    return snippets._EscapingFormatter().format(snippets.best_fragments(fragments))


def test_the_passages_are_whooshs_where_the_first_matches_are_all_the_matches() -> None:
    compared = 0
    for letter in iter_letters(120, seed=7):
        for query_words in QUERIES:
            words = frozenset(query_words)
            count = len(first_matches(letter.text, words, limit=10_000))
            if 0 < count <= FIRST_MATCHES:
                assert str(highlight_text(words, letter.text)) == whoosh_highlight(words, letter.text)
                compared += 1
    assert compared > 150


def test_the_marked_words_are_the_query_words_wherever_they_are() -> None:
    for letter in iter_letters(60, seed=8):
        for query_words in QUERIES:
            words = frozenset(query_words)
            ours = str(highlight_text(words, letter.text))
            marked = {StemmingAnalyzer()(w).__next__().text for w in re.findall(r"<mark>(.*?)</mark>", ours)}
            assert marked <= words
            # Found where Whoosh finds something, and the other way round.
            assert bool(ours) == bool(whoosh_highlight(words, letter.text))


def test_document_text_is_escaped_around_the_marks() -> None:
    text = "Intro. <script>alert(1)</script> the Taser & <b>drones</b> were used."
    out = str(highlight_text(frozenset({"taser", "drone"}), text))
    assert out == ("Intro. &lt;script&gt;alert(1)&lt;/script&gt; the <mark>Taser</mark> &amp; "
                   "&lt;b&gt;<mark>drones</mark>&lt;/b&gt; were used")  # a fragment ends on a word


FILLER = ("The force holds records of vehicles, buildings and staff. Figures are taken from "
          "live systems and may change; the tasting panel and tassel makers are not ours. ")


def _cost(words: frozenset[str], text: str) -> tuple[dict[str, int], str]:
    cost: dict[str, int] = {}
    out = str(highlight_text(words, text, cost))
    return cost, out


def _response(size: int, late: bool) -> str:
    """A response of about ``size`` bytes: "Taser" throughout it, or only at its very end."""
    if late:
        return (FILLER * (size // len(FILLER) + 1))[:size - 40] + " Officers drew a Taser 40 times."
    unit = FILLER + " Officers drew a Taser. "
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize("late", [False, True], ids=["matches-throughout", "only-a-late-match"])
def test_a_400_kb_response_costs_no_more_than_a_4_kb_one(late: bool) -> None:
    words = frozenset({"taser"})
    short_cost, short_out = _cost(words, _response(4_000, late))
    long_cost, long_out = _cost(words, _response(400_000, late))
    assert "<mark>Taser</mark>" in short_out and "<mark>Taser</mark>" in long_out
    assert long_cost["tokens"] <= short_cost["tokens"]
    assert long_cost["candidates"] <= short_cost["candidates"]
    # Tokenising the whole 400 KB would make about 70,000 tokens.
    assert long_cost["tokens"] < 600


def test_a_word_crowded_out_by_lookalikes_is_given_up_not_hunted() -> None:
    # "tase" is where "taser" is looked for: 10,000 words starting so, then the word.
    text = "tasel " * 10_000 + "Taser"
    cost: dict[str, int] = {}
    assert first_matches(text, frozenset({"taser"}), cost=cost) == []
    assert cost["candidates"] == snippets.MAX_CANDIDATES

"""Postings: positions decoded from Whoosh's stored values, whatever their sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import formats

from archive.segments import decode_positions

ENCODE = formats.Positions().encode

# Gaps of every width BININT1, BININT2 and BININT store (under 256, 65,536 and beyond).
gaps = st.one_of(st.integers(1, 255), st.integers(256, 65_535), st.integers(65_536, 3_000_000))
position_lists = st.lists(st.lists(gaps, min_size=1, max_size=40).map(
    lambda g: list(np.cumsum(g) - g[0] + (g[0] % 7))), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(postings=position_lists, strip_stop=st.booleans())
def test_positions_come_back_as_whoosh_wrote_them(postings, strip_stop) -> None:
    raw = [ENCODE([int(p) for p in positions]) for positions in postings]
    if strip_stop:  # stored values sometimes lack the final STOP
        raw = [v[:-1] for v in raw]
    counts, flat = decode_positions(raw)
    assert counts.tolist() == [len(p) for p in postings]
    assert flat.tolist() == [int(p) for positions in postings for p in positions]


def test_small_and_large_gaps_mixed_in_one_read() -> None:
    postings = [[0, 1, 2], [5], [0, 300, 70_000], [3, 4], [100_000]]
    counts, flat = decode_positions([ENCODE(p) for p in postings])
    assert counts.tolist() == [3, 1, 3, 2, 1]
    assert flat.tolist() == [0, 1, 2, 5, 0, 300, 70_000, 3, 4, 100_000]


@pytest.mark.parametrize("position", [0, 5, 40, 46, 75, 78, 93, 125, 255, 256, 70_000])
def test_a_lone_position_whose_byte_is_also_an_opcode(position: int) -> None:
    # A posting of one position pickles as BININT1 <byte> APPEND: the byte is data,
    # however it reads as an opcode ('(' 40, 'N' 78, '}' 125).
    postings = [[position], [3, position + 4], [position]]
    counts, flat = decode_positions([ENCODE(p) for p in postings])
    assert counts.tolist() == [1, 2, 1]
    assert flat.tolist() == [position, 3, position + 4, position]


def test_a_posting_of_more_than_a_thousand_positions() -> None:
    # pickle writes such a list in batches of 1,000, each framed on its own.
    postings = [[1, 2], list(range(0, 5000, 2)), [7]]
    counts, flat = decode_positions([ENCODE(p) for p in postings])
    assert counts.tolist() == [2, 2500, 1]
    assert flat.tolist() == [p for ps in postings for p in ps]

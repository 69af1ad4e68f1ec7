"""The faster ways grouping computes what it computed before (ingest/groups.py) give the
same values: the MinHash signature (band keys of it are stored in existing indexes)."""

from __future__ import annotations

import random

from ingest.groups import _MASK, _PERMS, signature


def integer_signature(sh: frozenset[int]) -> tuple[int, ...]:
    """The formula as first written, in Python integers."""
    return tuple(min((a * x + b) % _MASK for x in sh) for a, b in _PERMS)


def test_signature_is_the_integer_formula() -> None:
    edges = [0, 1, _MASK - 1, _MASK, _MASK + 1, 2 * _MASK, 8 * _MASK, 2**32 - 1, 2**32,
             2**61, 2**63, 2**64 - 2, 2**64 - 1]
    assert signature(frozenset(edges)) == integer_signature(frozenset(edges))
    for x in edges:
        assert signature(frozenset([x])) == integer_signature(frozenset([x]))
    rng = random.Random(7)
    for _ in range(300):
        sh = frozenset(rng.getrandbits(64) for _ in range(rng.randint(1, 200)))
        got = signature(sh)
        assert got == integer_signature(sh)
        assert all(type(v) is int for v in got)  # band keys are made of repr(rows)

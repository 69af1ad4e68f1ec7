"""The faster ways grouping computes what it computed before (ingest/grouping.py) give the
same values: the MinHash signature (band keys of it are stored in existing indexes) and the
band look-ups (the candidates, and their order, decide which group a document joins)."""

from __future__ import annotations

import random
import re
from itertools import islice
from pathlib import Path

import pytest
from whoosh import query

from archive.index import IndexWriter
from archive.models import Document, Metadata
from ingest.grouping import _MASK, _PERMS, PER_BAND, Grouper, names_of, request_print, signature
from ingest.metadata.request import request_text


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


def test_request_text_splits_only_threads(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A text without a message heading is one letter (split_messages gives it whole, as
    the authority's), so request_text does not split it: the same requests as splitting all."""
    from ingest.metadata import request
    from samplegen.letters import compose_letter, sample_plan

    asked = "You asked: how many drones does the force own or lease?\n\nDECISION\nWe hold it."
    texts = [asked, "----- Annotation -----\n" + asked,
             "----- Request from requester, 2024-01-02 -----\nDear Kent Police,\nHow many drones "
             "does the force own or lease?\nYours faithfully,\nA Person\n\n----- Response from "
             "authority, 2024-01-20 -----\n" + asked]
    texts += [compose_letter(random.Random(n), spec).text for n, spec in enumerate(sample_plan(30, 2024))]
    found = [request_text(t) for t in texts]
    monkeypatch.setattr(request, "MESSAGE_HEAD", re.compile(""))  # every text split
    assert [request_text(t) for t in texts] == found
    assert sum(map(bool, found)) >= 25


def letter(i: int) -> Document:
    topic = ("drones", "overtime", "tasers")[i % 3]
    text = (f"Dear Requester,\n\nYou asked:\nHow many {topic} did the force buy, lease or use in each "
            f"of the last five years, and at what cost to the public purse, broken down by year?\n\n"
            f"DECISION\nWe hold it.\n")
    return Document(id=f"d{i}", sha256="", title=str(i), text=text, format="txt", source="t",
                    source_url=None, ingested="", meta=Metadata(authority=f"Body {i}"))


def test_band_look_ups_are_docs_for_query(tmp_path: Path) -> None:
    """Several segments, and documents replaced (deleted) in a later commit."""
    writer = IndexWriter(tmp_path / "ix")
    for batch in (range(0, 12), range(12, 20), range(4, 9)):
        grouper = Grouper(writer.ix)
        for i in batch:
            doc = letter(i)
            grouper.assign(doc)
            writer.update(doc)
        grouper.close()
        writer.commit()
    grouper = Grouper(writer.ix)
    keys = letter(0), letter(1), letter(2)
    for doc in keys:
        grouper.assign(doc)
    searcher = writer.ix.searcher()
    try:
        assert searcher.reader().doc_count() == 20 and len(grouper._leaves) > 1
        for doc in keys:
            for key in doc.request_bands:
                expected = list(islice(searcher.docs_for_query(query.Term("lsh", key)), PER_BAND))
                assert expected and list(grouper._band_docs(key)) == expected
                assert list(grouper._band_docs(key)) == expected  # and again, from what it kept
    finally:
        searcher.close()
        grouper.close()


def test_band_look_ups_are_docs_for_query_over_blocks_and_the_limit(tmp_path: Path) -> None:
    """A band shared by more documents than PER_BAND, in postings blocks of 128 over three
    segments, some documents replaced: the block reader gives docs_for_query's first ones."""
    writer = IndexWriter(tmp_path / "ix")
    for batch in (range(0, 300), range(300, 650), range(100, 160)):
        for i in batch:
            doc = letter(3 * i)  # one topic: every letter shares its bands
            found = request_print(doc.text, names_of(doc))
            doc.request, doc.request_bands = found.request, found.bands
            writer.update(doc)
        writer.commit()
    grouper = Grouper(writer.ix)
    probe = letter(0)
    grouper.assign(probe)
    searcher = writer.ix.searcher()
    try:
        assert searcher.reader().has_deletions() and len(grouper._leaves) == 3
        for key in probe.request_bands:
            expected = list(islice(searcher.docs_for_query(query.Term("lsh", key)), PER_BAND))
            assert len(expected) == PER_BAND and list(grouper._band_docs(key)) == expected
    finally:
        searcher.close()
        grouper.close()


def test_a_band_key_in_no_segment_is_not_looked_up_in_each(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Most of a letter's band keys are new in a varied archive: the hashes of every
    segment's keys answer for them, and a segment committed later is known after committed()."""
    import ingest.grouping as groups

    writer = IndexWriter(tmp_path / "ix")
    grouper = Grouper(writer.ix)
    for i in range(6):
        doc = letter(i)
        grouper.assign(doc)
        writer.update(doc)
    writer.commit()
    grouper.committed()
    looked: list[bytes] = []
    real = groups.first_doc_numbers
    monkeypatch.setattr(groups, "first_doc_numbers",
                        lambda leaves, field, key, limit: looked.append(key) or real(leaves, field, key, limit))
    assert len(grouper._band_docs("00" + "f" * 16)) == 0 and looked == []  # no segment has it
    known = letter(0)
    found = request_print(known.text, names_of(known))
    assert list(grouper._band_docs(found.bands[0])) and looked == [found.bands[0].encode()]
    later = letter(7)
    later.text = ("Dear Requester,\n\nYou asked:\nPlease send me every report written about the "
                  "helicopter unit's maintenance contracts since 2015, with the names of the firms "
                  "that bid for them and the value of each bid.\n\nDECISION\nWe hold it.\n")
    grouper.assign(later)
    assert not grouper._may_hold(later.request_bands[0])
    writer.update(later)
    writer.commit()
    grouper.committed()
    assert list(grouper._band_docs(later.request_bands[0]))
    grouper.close()

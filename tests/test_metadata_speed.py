"""The shortcuts that make metadata reading fast must never change what it reads.

The prefilter (ingest/metadata/prefilter.py) may only let more through than a
pattern matches: every sentence a pattern matches must be among its candidates.
"""

from __future__ import annotations

import random
import re

import pytest

from ingest.metadata import authorities, decision, exemptions, outcome, regime, topics, voice
from ingest.metadata.prefilter import Spans, fold, required_words
from ingest.metadata.passages import normalise, sentences

PATTERNS = [
    outcome._NOT_HELD, outcome._WITHHELD, outcome._PARTIAL, outcome._DISCLOSED, outcome._ANSWERED,
    outcome._NCND, outcome._FOR_REFERENCE, outcome._REFUSAL_NOTICE, outcome._APPEALS,
    exemptions._APPEALS, exemptions._RELIANCE, regime._APPEALS, topics._BOILERPLATE,
    # Whose words and how sure read only the sentences these may match (voice.py, confidence.py).
    voice._TEMPLATE_START, voice._STATES, decision.POINTER, decision.UNABLE, decision.COST,
]


def test_fold_keeps_offsets_and_reads_letters_as_ignorecase_does() -> None:
    for text in ("Not HELD", "İnformation ıs exempt", "ſection 40 KEPT", "Ünïcödé and “quotes”"):
        folded = fold(text)
        assert len(folded) == len(text)
        for a, b in zip(text, folded):
            if a.isascii() and a.isalpha():
                assert b == a.lower()
            elif re.fullmatch("[a-z]", a, re.IGNORECASE):
                assert re.fullmatch(b, a, re.IGNORECASE) and b.isascii()
            else:
                assert b == a or b == a.lower()


def test_required_words_of_a_simple_pattern() -> None:
    need = required_words(re.compile(r"(?:is|are)\s+withheld|refus(?:e|ed)\s+to|\bNCND\b", re.I))
    assert need is not None
    assert {frozenset({"withheld"}), frozenset({"refuse"}), frozenset({"refused"}), frozenset({"ncnd"})} == set(need)
    # An alternative that needs no word: nothing can be ruled out.
    assert required_words(re.compile(r"withheld|\d+", re.I)) is None


def _texts() -> list[str]:
    from samplegen.letters import compose_letter, sample_plan

    out = []
    for index, spec in enumerate(sample_plan(40, 7), 1):
        out.append(compose_letter(random.Random(index), spec).text)
    # Odd characters IGNORECASE takes for ASCII letters, and words run across lines.
    out.append("We do not\nHOLD that. The ınformatıon is WİTHHELD. ſome information is exempt under\n\ns.40. "
               "Please find ATTACHED the data.\n\nThe Information Commiſſioner: you may complain.")
    return out


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:30])
def test_every_matching_sentence_is_a_candidate(pattern: re.Pattern[str]) -> None:
    assert required_words(pattern) is not None
    for text in _texts():
        body = normalise(text)
        sents = sentences(body)
        spans = Spans(fold(body), [(s.start, s.end) for s in sents])
        may = spans.candidates(pattern)
        assert may is not None
        for i, s in enumerate(sents):
            if pattern.search(s.text):
                assert i in may, (pattern.pattern[:40], s.text)


def test_topic_counts_found_from_word_starts_are_those_of_every_word(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = topics._counter()
    texts = [*_texts(), "Drones, UAVs and unmanned aerial vehicles; İT and ıt; ANPR cameras and CCTV. Its IT."]
    fast = [counter.count(t) for t in texts]
    monkeypatch.setattr(counter, "starts", None)  # word by word, as before
    assert fast == [counter.count(t) for t in texts]


def test_evidence_is_the_split_text_without_boilerplate() -> None:
    for text in _texts():
        parts = re.split(r"\n\s*\n|(?<=[.!?])\s+", text)
        assert topics.evidence(text) == "\n".join(p for p in parts if not topics._BOILERPLATE.search(p))


def test_registry_mentions_found_from_word_starts_are_those_of_every_word(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.metadata.authorities import load_registry

    registry = load_registry()
    texts = [*_texts(), "The Metropolitan Police Service and the MPS; İSLİNGTON Council, the Met.\nGMP"]
    fast = [registry.mentions(t) for t in texts]
    monkeypatch.setattr(registry, "_starts", None)
    assert fast == [registry.mentions(t) for t in texts]


def test_unregistered_names_are_found_line_by_line_as_in_the_whole_text() -> None:
    from ingest.metadata import authorities

    texts = [*_texts(), "Barsetshire NHS Foundation Trust\nNHS Wessex Valley\nreceived by Omnium District Council.",
             "NHS Wessex and Barset has held it. Royal Borough of Kings Upon Thames\nUniversity of Barchester"]
    for text in texts:
        want = [(m.span(), m["name"]) for m in authorities._UNREGISTERED.finditer(text)]
        assert [(m.span(), m["name"]) for m in authorities._unregistered(text)] == want


def _normalise_every_time(text: str) -> str:
    """normalise() as it was: every repair run on every text."""
    from ingest.metadata import passages as t

    text = t._BAR_AS_I.sub("I", text)
    for pattern, word in t._OCR_WORDS:
        text = pattern.sub(lambda m, w=word: t._same_case(m.group(0), w), text)
    return t._O_IN_NUMBER.sub("0", text)


def test_normalise_repairs_what_it_did_when_every_repair_ran() -> None:
    texts = [*_texts(), "SECTION 4O(2) and Sectlon 1O; | have the REGU1ATION 12; exempt1on, EXEMPTION, Exemption.",
             "ſection 43 and sect|on 4o. o1 O 2O24 |x", "Section 40, section 41, Regulation 13, exemption.", "| | a"]
    for text in texts:
        assert normalise(text) == _normalise_every_time(text)


@pytest.mark.parametrize("pattern", [regime._FOISA, regime._EIR_HANDLED, regime._FOIA_HANDLED, regime._EIR_REFERENCE,
                                     regime._FOIA_REFERENCE, regime._EIR, regime._FOIA, exemptions.CITATION,
                                     authorities._STRONG_BEFORE, authorities._SIGNATURE, authorities._APPEALS],
                         ids=lambda p: p.pattern[:30])
def test_a_folded_pattern_matches_the_folded_text_where_the_pattern_matches_the_text(pattern: re.Pattern[str]) -> None:
    from ingest.metadata.prefilter import folded_pattern

    folded = folded_pattern(pattern)
    assert not folded.flags & re.IGNORECASE
    texts = [*_texts(), "FREEDOM OF INFORMATION (SCOTLAND) ACT; FOISA, ſection 4O, ENVİRONMENTAL INFORMATİON "
             "REGULATIONS 2004 request; EIR/123; Reference: EIR 5; REGULATION 12(4)(b); S.40(2)(A), sect. 43",
             "Handled under the EIR. Dealt with as a Freedom of Information request. FOI / 99 reg. 13 and 12",
             "Yours ſincerely, KIND REGARDS; on behalf of the ICO. Appeal to the İnformation Commissioner, Dear"]
    for text in texts:
        want = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        got = [(m.span(), {k: text[slice(*m.span(k))] if m.span(k) != (-1, -1) else None for k in m.groupdict()})
               for m in folded.finditer(fold(text))]
        assert got == want


def test_words_written_with_letters_ignorecase_folds_are_looked_up_as_it_reads_them() -> None:
    """The word-start look-ups read "ſ", "ı" and "İ" as IGNORECASE does (s, i, i): a topic
    phrase counts as findall counted it, and a body's e-mail domain written with a dotted
    capital I is found, not a KeyError that failed the whole document."""
    from ingest.metadata.authorities import load_registry
    from ingest.metadata.topics import _counter, load_topics

    topics = load_topics()
    plain = _counter().count("Figures on stop and search by officers in 2022.")
    odd = _counter().count("Figures on ſtop and ſearch by officers in 2022.")
    assert odd == plain and plain[[t.name for t in topics].index("Stop and search")] > 0
    mentions = load_registry().mentions("Reply from foi@cumbria.polİce.uk about the request.")
    assert [body.name for body, _, _ in mentions] == ["Cumbria Constabulary"]

"""How sure, and silent when not (ingest/metadata/confidence.py, ingest/tasks/evaluate.py):
confidences follow the evidence, claims below the threshold are kept unstated, and the
threshold is chosen with whole sources held out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.models import Exemption, Metadata
from ingest.metadata import confidence, enrich, state
from ingest.metadata.authorities import AuthorityEvidence
from ingest.tasks.evaluate import Claim, choose_threshold, cross_validate, source_groups

LETTER = ("Freedom of Information request FOI 5512\n\nDear Mr Example\n\nThank you for your request for "
          "information about speed cameras, received on 4 March 2024.\n\n{body}\n\nIf you are dissatisfied "
          "with this response you may ask for an internal review.\n\nYours sincerely\nInformation Team\n")


def test_a_plain_decision_said_twice_is_stated() -> None:
    meta = enrich(LETTER.format(body="We do not hold any information about speed cameras. The council has no "
                                     "records of camera locations, as the cameras are run by the police."))
    assert meta.outcome == "not_held"
    assert meta.confidence["outcome"] >= confidence.THRESHOLDS["outcome"]
    assert "outcome" not in meta.unstated


def test_one_sentence_says_less_than_two() -> None:
    once = enrich(LETTER.format(body="We do not hold any information about speed cameras."))
    twice = enrich(LETTER.format(body="We do not hold any information about speed cameras. The council has "
                                      "no records of camera locations."))
    assert once.confidence["outcome"] < twice.confidence["outcome"]


def test_a_text_that_never_says_it_answers_a_request_is_less_sure() -> None:
    framed = enrich(LETTER.format(body="We do not hold any information. There are no records of it."))
    bare = enrich("We do not hold any information. There are no records of it.")
    sure_bare = bare.confidence.get("outcome") or bare.unstated["outcome"]["confidence"]
    assert sure_bare < framed.confidence["outcome"]


def test_below_the_threshold_the_outcome_is_not_read_and_kept_unstated() -> None:
    meta = enrich("Attachment: Response not held.pdf")
    assert meta.outcome is None and meta.outcome_evidence is None
    kept = meta.unstated["outcome"]
    assert kept["value"] == "not_held" and kept["confidence"] < kept["threshold"] == confidence.THRESHOLDS["outcome"]
    assert kept["evidence"]["sentence"] == "Attachment: Response not held.pdf"


def test_state_withholds_each_field_below_its_threshold(monkeypatch) -> None:
    monkeypatch.setattr(confidence, "THRESHOLDS", {"outcome": 0.5, "exemptions": 0.9, "authority": 0.6,
                                                   "reference": 0.9, "date": 0.5})
    meta = Metadata(authority="Kent Police", authority_type="police", force="Kent Police", reference="FOI 1",
                    date="2024-01-02", date_source="response", outcome="refused",
                    exemptions=[Exemption("FOIA s.40(2)", "s", 1, 0.95), Exemption("FOIA s.12", "c", 2, 0.8)])
    out = state(meta, {"outcome": 0.7, "authority": 0.5, "reference": 0.85, "date": 0.9})
    assert (out.outcome, out.date, out.authority, out.force, out.reference) == ("refused", "2024-01-02", None, None, None)
    assert out.confidence == {"outcome": 0.7, "date": 0.9}
    assert out.unstated["authority"] == {"value": "Kent Police", "confidence": 0.5, "threshold": 0.6,
                                         "type": "police", "force": "Kent Police"}
    assert out.unstated["reference"]["value"] == "FOI 1"
    assert [e.code for e in out.exemptions] == ["FOIA s.40(2)"]
    assert out.unstated["exemptions"] == {"value": ["FOIA s.12"], "confidence": 0.8, "each": {"FOIA s.12": 0.8},
                                          "threshold": 0.9}
    # Kept on the record whole: to_dict and back.
    assert Metadata.from_dict(json.loads(json.dumps(out.to_dict()))) == out


def test_authority_confidence_follows_the_margin() -> None:
    assert confidence.authority_confidence(AuthorityEvidence("source")) == 0.99
    clear = confidence.authority_confidence(AuthorityEvidence("text", 10, 1))
    close = confidence.authority_confidence(AuthorityEvidence("text", 4, 3))
    unknown = confidence.authority_confidence(AuthorityEvidence("text", 10, 1, registered=False))
    assert clear > unknown > close and confidence.authority_confidence(None) == 0.0


def test_exemption_confidence_listed_and_inferred() -> None:
    said = enrich(LETTER.format(body="The names are withheld under section 40(2) of the Act."))
    assert [(e.code, e.confidence) for e in said.exemptions] == [("FOIA s.40(2)", 0.95)]
    cost = enrich(LETTER.format(body="Answering would exceed the appropriate limit of 18 hours, so we are "
                                     "refusing your request."))
    assert [(e.code, e.confidence) for e in cost.exemptions] == [("FOIA s.12", 0.8)]


def test_choose_threshold_is_the_lowest_that_reaches_the_target() -> None:
    claims = [Claim("a", 0.9, True), Claim("a", 0.8, True), Claim("b", 0.6, False), Claim("b", 0.7, True),
              Claim("c", 0.5, False)]
    assert choose_threshold(claims, 0.9) == 0.7
    assert choose_threshold(claims, 0.5) == 0.0
    assert choose_threshold([Claim("a", 0.9, False)], 0.9) > 1  # nothing can be stated


def test_cross_validation_chooses_each_threshold_without_the_group_held_out() -> None:
    # Group "b" alone has wrong claims at 0.6: held out, the others' threshold (0.0) states
    # them; in the training folds its claims raise the threshold for "a" and "c".
    claims = {"outcome": [Claim("a", 0.9, True), Claim("a", 0.5, True), Claim("b", 0.6, False),
                          Claim("b", 0.6, False), Claim("c", 0.9, True)]}
    [cv] = cross_validate(claims, 0.9)
    assert cv.groups == 3 and cv.threshold == 0.9
    # a: threshold from b+c = 0.9 -> states 1 (right); b: from a+c = 0.0 -> states 2 (wrong); c: 0.9 -> 1.
    assert (cv.stated, cv.stated_right) == (4, 2)


def test_sources_that_share_a_body_are_one_group(tmp_path: Path) -> None:
    (tmp_path / "SOURCES.md").write_text(
        "| file | repo | path |\n|---|---|---|\n| a.pdf | one/repo@abc | x |\n| b.pdf | two/repo@def | y |\n"
        "| c.pdf | three/repo@123 | z |\n", encoding="utf-8")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"file": "a.pdf", "authority": "Durham Constabulary"},
                                  {"file": "b.pdf", "authority": "Durham Constabulary (the force)"},
                                  {"file": "c.pdf", "authority": "Kent Police"}]))
    groups = source_groups([labels])
    assert groups["a.pdf"] == groups["b.pdf"] != groups["c.pdf"]


@pytest.mark.parametrize("field", ["outcome", "authority", "reference", "date"])
def test_every_stated_claim_has_a_confidence(field: str) -> None:
    meta = enrich(LETTER.format(body="Please find attached the locations of the council's speed cameras."))
    if getattr(meta, field) is not None:
        assert 0 < meta.confidence[field] <= 1

"""The hard lines of the outcome (docs/metadata.md, "Outcome: the hard lines"), each in the
words different kinds of body use: central government, an NHS trust, a council, a force."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich

DEPT = ("Our ref: FOI2024/04417\n\nDear Ms Example,\n\nThank you for your email of 3 April 2024, in which you "
        "requested the following information:\n\n{request}\n\nWe have handled your request under the Freedom "
        "of Information Act 2000.\n\n{body}\n\nIf you are unhappy with our response you may request an "
        "internal review within two months. If you remain dissatisfied you may complain to the Information "
        "Commissioner.\n\nYours sincerely,\n\nFOI Team\n")
TRUST = ("Freedom of Information Request: EPUT.FOI.24.1935\n\nDear Requester\n\nThank you for your request "
         "for information under the Freedom of Information Act 2000, received on 5 June 2024.\n\n{request}\n\n"
         "{body}\n\nIf you are not satisfied with the handling of your request you have the right to ask for "
         "an internal review.\n\nKind regards\nInformation Governance\n")


def outcome(text: str) -> tuple[str | None, str | None]:
    meta = enrich(text)
    read = meta.outcome or (meta.unstated.get("outcome") or {}).get("value")
    return meta.outcome, read


@pytest.mark.parametrize("letter", [
    DEPT.format(request="All correspondence between the Department and any housing association since 2015.",
                body="We estimate that the cost of complying with your request would exceed the cost limit of "
                     "£600 set out in the Fees Regulations. Under section 12 of the Act we are therefore not "
                     "obliged to comply with your request. You may wish to narrow your request, for example by "
                     "asking for one year only; we do not hold the correspondence in one central file, so a "
                     "search would have to cover every team."),
    TRUST.format(request="1. Every incident report about falls in 2023.\n2. The cost of each incident.",
                 body="To locate and extract this information would exceed the appropriate limit of 18 hours, "
                      "so we are unable to comply with your request under section 12(1) of the Act. If you "
                      "refine your request to a single ward we may be able to help."),
])
def test_a_whole_request_refused_on_cost_is_refused(letter: str) -> None:
    assert outcome(letter) == ("refused", "refused")


def test_part_refused_on_cost_beside_answers_is_partial() -> None:
    letter = TRUST.format(
        request="1. How many falls were reported in 2023?\n2. Please send every incident report.",
        body="1. There were 412 falls reported across the trust in 2023.\n"
             "2. Providing every incident report would exceed the appropriate limit of 18 hours under "
             "section 12 of the Act, so we are not able to provide this part of your request.")
    assert outcome(letter)[1] == "partially_disclosed"


def test_part_answered_part_pointed_to_a_website_under_s21_is_partial() -> None:
    letter = DEPT.format(
        request="1. How many staff work in the policy unit?\n2. The unit's annual report.",
        body="1. There are 23 staff in the policy unit.\n"
             "2. The annual report is published on our website and is therefore exempt under section 21 of "
             "the Act, as it is reasonably accessible to you by other means.")
    assert outcome(letter)[1] == "partially_disclosed"


@pytest.mark.parametrize("words", [
    "The names of junior members of staff have been removed under section 40(2) of the Act, as they are "
    "personal data.",
    "Please note that personal data has been redacted from the minutes under section 40(2).",
    "The names of junior staff have not been included, as they are personal data under section 40(2).",
    "Names of individual members of staff have not been provided under section 40(2) of the Act.",
    "We have not included the names of staff below director level, in line with section 40(2).",
])
def test_names_withheld_under_s40_in_a_full_answer_is_partial(words: str) -> None:
    letter = TRUST.format(request="Copies of the board minutes for May 2024.",
                          body="Please find attached the minutes of the board meeting of May 2024. " + words)
    assert outcome(letter)[1] == "partially_disclosed"
    assert [e.code for e in enrich(letter).exemptions] == ["FOIA s.40(2)"]


def test_not_held_for_one_part_beside_answers_is_mixed() -> None:
    letter = DEPT.format(
        request="1. How many grants were awarded in 2023?\n2. How many applications were refused?",
        body="1. 57 grants were awarded in 2023.\n2. We do not hold this information, as refused "
             "applications are not recorded.")
    assert outcome(letter)[1] == "mixed"


def test_ncnd_for_one_part_beside_answers_is_partial() -> None:
    letter = ("Reference No: 2024060000123\n\nDear Requester\n\nThank you for your request for information. "
              "You asked:\n1. How many drones does the force own?\n2. Have drones been used covertly?\n\n"
              "1. The force owns 6 drones.\n2. The force can neither confirm nor deny that it holds "
              "information about covert use, by virtue of sections 24(2) and 31(3) of the Act.\n\n"
              "Yours sincerely\nFreedom of Information Unit\n")
    assert outcome(letter)[1] == "partially_disclosed"


def test_not_held_for_one_part_and_refused_for_the_rest_is_mixed() -> None:
    # Nothing released: domain.md's refused is "nothing released", its mixed "parts answered
    # differently"; the labelled letters call this mixed (two to one), and so do we.
    letter = DEPT.format(
        request="1. The legal advice on the scheme.\n2. The minutes of the 2019 meeting.",
        body="1. The legal advice is exempt under section 42 of the Act, as it is subject to legal "
             "professional privilege.\n2. We do not hold minutes of that meeting.")
    assert outcome(letter)[1] == "mixed"

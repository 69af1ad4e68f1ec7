"""Outcomes read from what replies say they do; whole threads, latest decision."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich


def thread(*messages: tuple[str, str, str]) -> str:
    return "\n".join(f"----- {'Response from authority' if who == 'a' else 'Request from requester'}, {day} -----\n{body}\n"
                     for who, day, body in messages)


@pytest.mark.parametrize("text, outcome", [
    ("I have today decided to disclose the requested information. Please see the table below.",
     "disclosed_in_full"),
    ("I can confirm that the London Borough of Bexley holds the information you requested. However, we are "
     "withholding some of that information since we consider that the following exemptions apply to it.",
     "partially_disclosed"),
    ("The information you requested is exempt from disclosure under section 21(1) of the Freedom of Information "
     "Act 2000 as it is accessible by other means.", "refused"),
    ("We do not hold the information requested.", "not_held"),
    ("1. Yes.\n\n2. We do not hold the information requested as the return is being prepared.\n\n"
     "Our response: 1 answered above.", "mixed"),
    ("The force can neither confirm nor deny that it holds the information by virtue of section 23(5).",
     "neither_confirm_nor_deny"),
    ("We are refusing your request under Regulation 12(4)(b) as manifestly unreasonable.", "refused"),
    ("Unfortunately the council cannot process your request because you have not given your full name. "
     "Section 8 of the Freedom of Information Act states that you must give us your full name.", "refused"),
])
def test_letters(text: str, outcome: str) -> None:
    assert enrich(text).outcome == outcome


def test_acknowledgement_decides_nothing() -> None:
    text = thread(("r", "2024-10-28", "Dear council, please send me the spend on lights."),
                  ("a", "2024-10-31", "This has been logged as a Freedom of Information Request. We must respond to "
                                      "you within 20 working days, by 25/11/2024."))
    meta = enrich(text, hints={"wdtk_status": "successful"})
    assert meta.outcome is None and meta.date is None


def test_requester_status_never_outranks_the_text() -> None:
    text = thread(("r", "2025-03-01", "Please send the business case."),
                  ("a", "2025-04-02", "The information is exempt from disclosure under section 31(1)(a) and is "
                                      "withheld."))
    assert enrich(text, hints={"wdtk_status": "successful"}).outcome == "refused"


def test_attachment_names_of_the_response_letter_are_read() -> None:
    text = thread(("r", "2019-06-01", "Please send the guidance."),
                  ("a", "2019-07-01", "Please find attached our response.\nAttachment: Response not held.pdf"))
    meta = enrich(text)
    assert meta.outcome == "not_held" and meta.date == "2019-07-01"


def test_a_follow_up_answer_does_not_change_the_decision() -> None:
    text = thread(("r", "2019-07-01", "Please send the appeals list."),
                  ("a", "2019-07-09", "We do not hold this information.\nAttachment: Response not held.pdf"),
                  ("r", "2019-07-10", "Can the appeals be filtered?"),
                  ("a", "2019-07-12", "Thank you. I can confirm that it is possible to filter them. "
                                      "Please see the details below."))
    assert enrich(text).outcome == "not_held"


def test_internal_review_joins_the_decision() -> None:
    text = thread(("r", "2022-10-28", "Please send records of the idea."),
                  ("a", "2022-11-25", "We can find no record of this idea in our case management system."),
                  ("r", "2023-01-08", "Please review."),
                  ("a", "2023-03-03", "Thank you for your request for an internal review. We have located a file: "
                                      "this information is legally privileged and is withheld under section 42(1) "
                                      "of the Act."))
    meta = enrich(text)
    assert meta.outcome == "mixed"
    assert [e.code for e in meta.exemptions] == ["FOIA s.42(1)"]
    assert meta.date == "2022-11-25"


def test_an_appeals_annex_alone_has_no_outcome() -> None:
    text = ("Your right to appeal\n\nIf you are dissatisfied with the way TfL has handled your information request, "
            "you can ask us to conduct an internal review. Complaints to the Information Commissioner: Wycliffe House.")
    meta = enrich(text)
    assert meta.outcome is None and meta.exemptions == []

"""Outcomes read from what replies say they do; whole threads, latest decision."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich


def read(meta):
    """The outcome as the reader read it, stated or left unstated below its confidence
    threshold: these tests are of the reading rules (tests/test_confidence.py: of stating)."""
    return meta.outcome or (meta.unstated.get("outcome") or {}).get("value")


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
    ("Your Request:\n1. Could you tell me if the library completes the annual statistics return?\n"
     "2. If so, please could you send the 2017 return?\n\nOur Response:\n1. Yes.\n"
     "2. We do not hold the information requested as the return is being prepared.", "mixed"),
    ("The force can neither confirm nor deny that it holds the information by virtue of section 23(5).",
     "neither_confirm_nor_deny"),
    ("We are refusing your request under Regulation 12(4)(b) as manifestly unreasonable.", "refused"),
    ("Unfortunately the council cannot process your request because you have not given your full name. "
     "Section 8 of the Freedom of Information Act states that you must give us your full name.", "refused"),
])
def test_letters(text: str, outcome: str) -> None:
    assert read(enrich(text)) == outcome


def test_acknowledgement_decides_nothing() -> None:
    text = thread(("r", "2024-10-28", "Dear council, please send me the spend on lights."),
                  ("a", "2024-10-31", "This has been logged as a Freedom of Information Request. We must respond to "
                                      "you within 20 working days, by 25/11/2024."))
    meta = enrich(text, hints={"wdtk_status": "successful"})
    assert read(meta) is None and meta.outcome_evidence is None
    # No response date: the year comes from the request, and the record says so.
    assert (meta.date, meta.date_source) == ("2024-10-28", "received")


def test_requester_status_never_outranks_the_text() -> None:
    text = thread(("r", "2025-03-01", "Please send the business case."),
                  ("a", "2025-04-02", "The information is exempt from disclosure under section 31(1)(a) and is "
                                      "withheld."))
    assert read(enrich(text, hints={"wdtk_status": "successful"})) == "refused"


def test_attachment_names_of_the_response_letter_are_read() -> None:
    text = thread(("r", "2019-06-01", "Please send the guidance."),
                  ("a", "2019-07-01", "Please find attached our response.\nAttachment: Response not held.pdf"))
    meta = enrich(text)
    assert read(meta) == "not_held" and meta.date == "2019-07-01"


def test_a_follow_up_answer_does_not_change_the_decision() -> None:
    text = thread(("r", "2019-07-01", "Please send the appeals list."),
                  ("a", "2019-07-09", "We do not hold this information.\nAttachment: Response not held.pdf"),
                  ("r", "2019-07-10", "Can the appeals be filtered?"),
                  ("a", "2019-07-12", "Thank you. I can confirm that it is possible to filter them. "
                                      "Please see the details below."))
    assert read(enrich(text)) == "not_held"


def test_internal_review_joins_the_decision() -> None:
    text = thread(("r", "2022-10-28", "Please send records of the idea."),
                  ("a", "2022-11-25", "We can find no record of this idea in our case management system."),
                  ("r", "2023-01-08", "Please review."),
                  ("a", "2023-03-03", "Thank you for your request for an internal review. We have located a file: "
                                      "this information is legally privileged and is withheld under section 42(1) "
                                      "of the Act."))
    meta = enrich(text)
    assert read(meta) == "mixed"
    assert [e.code for e in meta.exemptions] == ["FOIA s.42(1)"]
    assert meta.date == "2022-11-25"


def test_an_appeals_annex_alone_has_no_outcome() -> None:
    text = ("Your right to appeal\n\nIf you are dissatisfied with the way TfL has handled your information request, "
            "you can ask us to conduct an internal review. Complaints to the Information Commissioner: Wycliffe House.")
    meta = enrich(text)
    assert read(meta) is None and meta.exemptions == []


@pytest.mark.parametrize("text, outcome", [
    # NCND through the subsection that excludes the duty to confirm or deny.
    ("West Midlands Police can neither confirm nor deny that it holds the information you requested. This letter "
     "serves as a Refusal Notice under Section 17 of the Act.\n\nWest Midlands Police can neither confirm nor deny "
     "whether it holds information about covert tactics, as the duty in Section 1(1)(a) of the Act does not apply "
     "by virtue of Sections 24(2) and 31(3).", "neither_confirm_nor_deny"),
    ("The Ministry can neither confirm nor deny that it holds information about the named individual, as the duty "
     "in section 1(1)(a) of the Act does not apply by virtue of section 40(5).", "neither_confirm_nor_deny"),
    # FOISA s.18: the other sections are what would apply if the information were held.
    ("Police Scotland is refusing to confirm or deny whether it holds the information, in terms of section 18(1) "
     "of the Act. If the information were held, it would be exempt under sections 31(1) (national security) and "
     "35(1)(a) (prevention and detection of crime) of the Act.", "neither_confirm_nor_deny"),
    # Released with redactions and one part not held: partially disclosed (docs/metadata.md), not mixed.
    ("Please find attached the emails. The names of staff have been redacted under section 40(2) of the Freedom "
     "of Information Act 2000.\n\nWe do not hold any information about the scrutiny of this email.",
     "partially_disclosed"),
    # Some released and some not held, nothing withheld: mixed.
    ("There is currently no defined budget for this work.", "not_held"),
    ("The policy is currently in development and has not yet been implemented.", "not_held"),
    # A refusal notice that says nothing else refuses.
    ("This letter serves as a refusal notice under section 17 of the Freedom of Information Act 2000.", "refused"),
    # "The public interest favours disclosure": the exemption was weighed and not used.
    ("Section 42 is engaged, but the public interest favours disclosure. Please find attached the emails.",
     "disclosed_in_full"),
])
def test_more_letters(text: str, outcome: str) -> None:
    assert read(enrich(text)) == outcome


def test_a_review_request_quoting_the_response_leaves_the_response_the_authority_s() -> None:
    text = thread(
        ("r", "2020-12-27", "Please provide the documents that communicated the process to officers."),
        ("a", "2022-06-29", "Dear Mr C\nTo the best of our knowledge, we hold no record from the start of the "
                            "process which sets out how officers were informed.\nKind regards"),
        ("r", "2022-07-28", "I request an internal review. You said: \"we hold no record from the start of the "
                            "process which sets out how officers were informed.\""),
    )
    assert read(enrich(text)) == "not_held"


def test_files_attached_again_for_reference_are_not_this_reply_s_release() -> None:
    text = thread(
        ("r", "2021-01-01", "Please provide the policy."),
        ("a", "2021-02-01", "1 Attachment\nEmail of 18 February 2020 Redacted.pdf\n285K\nDownload\n"
                            "Dear Mr C\nYour reference is to an email which we released to you on 13 May 2022. "
                            "We have attached it for reference.\nWe hold no record of such a policy."),
    )
    assert read(enrich(text)) == "not_held"


def test_not_held_then_withheld_on_review_is_mixed() -> None:
    text = thread(
        ("r", "2022-10-28", "Please provide any information about the judicial review."),
        ("a", "2022-11-25", "We can find no record of this idea in our legal case management system."),
        ("r", "2022-11-26", "Please review your response."),
        ("a", "2023-01-09", "Sheffield City Council has not yet reached a decision on whether or not the balance of "
                            "the public interest lies in maintaining an exemption under section 42 for legal "
                            "professional privilege; we are extending the deadline."),
        ("a", "2023-03-03", "Thank you for your request for an internal review. We have located information, which "
                            "is in scope. This information is legally privileged under section 42(1) of the Act."),
    )
    meta = enrich(text)
    assert read(meta) == "mixed"
    assert [e.code for e in meta.exemptions] == ["FOIA s.42(1)"]
    assert "legally privileged" in meta.exemptions[0].sentence


def test_some_questions_answered_and_some_not_held_is_mixed() -> None:
    text = thread(
        ("r", "2023-11-08", "1.) Are your employees allowed to use generative AI at work?\n"
                            "2.) Do you have a budget allocated to generative AI tools?"),
        ("a", "2023-12-06", "Please find Sheffield City Council's response to your request set out below:\n"
                            "1.) Are your employees allowed to use generative AI at work?\n"
                            "Our employees complete information management training annually.\n"
                            "2.) Do you have a budget allocated to generative AI tools?\n"
                            "There is currently no defined budget for implementing generative AI tools."),
    )
    assert read(enrich(text)) == "mixed"


@pytest.mark.parametrize("text, outcome", [
    # A WhatDoTheyKnow reply whose letter is only an attached file, named for what it does.
    ("----- Response from authority, 2019-06-17 -----\nDear Requester\nPlease find attached our formal "
     "response to your request.\nAttachment: Response all information to be supplied.pdf\n", "disclosed_in_full"),
    ("----- Response from authority, 2019-06-17 -----\nDear Requester\nPlease find attached our formal "
     "response to your request.\nAttachment: Response information not supplied.pdf\n", None),
    # Material sent, said with the material as the subject.
    ("Thank you for your request for information. Copies of the earlier responses are attached to the "
     "covering email.", "disclosed_in_full"),
    ("Thank you for your request for information. Our response letter is attached.", None),
    # What never reached the body is not held by it.
    ("Thank you for your request for information. The council has not received the letter you refer to, "
     "and as such has not responded to it.", "not_held"),
    # A request refused as invalid (s.8), in other words than "not a valid request".
    ("Unfortunately, we cannot consider this as a valid request under the Freedom of Information Act. "
     "Section 8 requires your real name.", "refused"),
])
def test_decisions_said_in_other_words(text: str, outcome: str | None) -> None:
    assert read(enrich(text)) == outcome

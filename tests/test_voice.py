"""Whose words (ingest/metadata/voice.py): each kind of quoted or attached text, built into
generated letters, is divided from the body's own words, and no claim is read from it."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich
from ingest.metadata.voice import divide

HEAD = ("Freedom of Information Request Reference: FOI 4821\n\nDear Ms Example\n\n"
        "Thank you for your request for information received on 2 May 2024.\n\n")
APPEALS = ("If you are dissatisfied with the handling of your request, you have the right to ask for an "
           "internal review within 40 working days. If you remain dissatisfied you may complain to the "
           "Information Commissioner under section 50 of the Freedom of Information Act.\n"
           "Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF\n")
SIGN = "Yours sincerely\n\nInformation Rights Team\n"


def codes(meta) -> list[str]:
    return [e.code for e in meta.exemptions]


def read(meta):
    return meta.outcome or (meta.unstated.get("outcome") or {}).get("value")


def kinds_at(text: str, *phrases: str) -> list[str]:
    division = divide(text)
    return [division.kind_at(text.index(p)) for p in phrases]


def test_the_request_quoted_after_you_asked_is_the_requesters() -> None:
    text = (HEAD + "You asked:\nPlease provide copies of all evaluations of the Taser trial. I appreciate this "
            "may exceed the section 12 cost limit, in which case please provide the 2023 evaluation only.\n\n"
            "Our response\nI can confirm that the force holds this information. Please find attached the "
            "evaluations, released in full.\n\n" + APPEALS + SIGN)
    assert kinds_at(text, "I appreciate", "Please find attached", "If you are dissatisfied") == [
        "request", "own", "template"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"


def test_the_request_in_quotation_marks_is_the_requesters() -> None:
    text = (HEAD + "On 2 May you asked for “the number of officers suspended in 2023, knowing section 40 "
            "may apply to small numbers”. We have searched our records. There were 14 officers "
            "suspended in 2023. Please find the figures below.\n\n" + APPEALS + SIGN)
    assert kinds_at(text, "knowing section 40", "There were 14") == ["request", "own"]
    assert codes(enrich(text)) == []


def test_questions_as_the_requester_numbered_them() -> None:
    text = (HEAD + "1. Does the council refuse requests under section 14 as vexatious?\n"
            "The council has refused three requests as vexatious in 2023.\n"
            "2. How many were exempt under section 43?\n"
            "We do not hold this information in a central record.\n\n" + APPEALS + SIGN)
    assert kinds_at(text, "1. Does the council", "2. How many", "The council has refused") == [
        "request", "request", "own"]
    assert codes(enrich(text)) == []


def test_an_earlier_email_below_the_reply_is_history() -> None:
    text = (HEAD + "I can confirm that we hold the information you asked for. Please find attached a "
            "spreadsheet of the contracts awarded in 2023, released in full with nothing withheld.\n\n"
            + SIGN + "\nFrom: Jo Example <jo@example.org>\nSent: 1 May 2024 09:12\nTo: FOI\n"
            "Subject: Contracts\n\nI know you may say the contracts are exempt under section 43 as commercially "
            "sensitive, but the public interest favours release.\n")
    assert kinds_at(text, "From: Jo", "exempt under section 43") == ["history", "history"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"
    assert {"kind": "history"}.items() <= next(p for p in meta.voice if p["kind"] == "history").items()


def test_an_earlier_reply_reproduced_below_a_review_is_history() -> None:
    text = (HEAD + "I have now completed the internal review you asked for. I have decided to disclose the "
            "information in full, and it is attached to this letter. The original decision is overturned.\n\n"
            + SIGN + "\nOur original response of 20 March 2024 is below:\n"
            "The information is exempt from disclosure under section 43(2) of the Act, as its release "
            "would prejudice the commercial interests of the supplier.\n")
    assert kinds_at(text, "The information is exempt") == ["history"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"


def test_the_appeals_paragraphs_are_a_template() -> None:
    text = (HEAD + "Please find attached the information you requested.\n\n" + APPEALS + SIGN)
    division = divide(text)
    template = [p for p in division.quoted() if p.kind == "template"]
    assert len(template) == 1 and text[template[0].start:].startswith("If you are dissatisfied")
    assert text.index("Wycliffe House") < template[0].end
    assert codes(enrich(text)) == []


def test_a_review_that_upholds_is_not_swallowed_by_the_template() -> None:
    text = (HEAD + "If you are unhappy with this outcome you may complain to the Information Commissioner.\n\n"
            "I uphold the decision to withhold the names of staff under section 40(2) of the Act, as "
            "they are personal data.\n" + SIGN)
    assert kinds_at(text, "If you are unhappy", "I uphold") == ["template", "own"]
    assert codes(enrich(text)) == ["FOIA s.40(2)"]


def test_a_legal_annex_is_legislation_quoted() -> None:
    text = (HEAD + "Some of the information is exempt under section 40(2) of the Act and has been redacted; "
            "the rest is attached.\n\n" + SIGN + "\nLegal Annex\n"
            "Section 12(1) Section 1(1) does not oblige a public authority to comply with a request for "
            "information if the authority estimates that the cost of complying with the request would exceed "
            "the appropriate limit.\nSection 31(1) Information which is not exempt information by virtue of "
            "section 30 is exempt information if its disclosure under this Act would, or would be likely to, "
            "prejudice the prevention or detection of crime.\n")
    assert kinds_at(text, "Legal Annex", "Section 12(1)", "Section 31(1)") == ["annex"] * 3
    meta = enrich(text)
    assert codes(meta) == ["FOIA s.40(2)"] and read(meta) == "partially_disclosed"


def test_the_act_quoted_after_states_is_legislation() -> None:
    text = (HEAD + "The information is withheld under section 43(2) of the Act. Section 43(2) states:\n\n"
            "“Information is exempt information if its disclosure under this Act would, or would be likely "
            "to, prejudice the commercial interests of any person.”\n\n" + SIGN)
    assert kinds_at(text, "“Information is exempt") == ["annex"]
    assert codes(enrich(text)) == ["FOIA s.43(2)"]


def test_an_attached_document_that_is_no_letter_is_an_attachment() -> None:
    text = (HEAD + "Please find attached the force's policy on the use of drones, released in full.\n\n" + SIGN
            + "\n----- Attachment: drone-policy.pdf -----\nDRONE POLICY\nOfficers must record each flight. "
            "Footage of members of the public is exempt information under section 40 and is withheld from "
            "any publication of flight logs.\n")
    assert kinds_at(text, "Officers must record") == ["attachment"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"


def test_an_attached_response_letter_is_the_bodys_own() -> None:
    text = ("Please see the attached response to your request.\n\n"
            "----- Attachment: response.pdf -----\nDear Mr Example\nFreedom of Information request FOI 77\n"
            "The information you requested is exempt from disclosure under section 31(1)(a) of the Act.\n")
    assert kinds_at(text, "The information you requested is exempt") == ["own"]
    assert codes(enrich(text)) == ["FOIA s.31(1)(a)"]


def test_a_thread_requesters_words_are_the_requesters() -> None:
    text = ("----- Request from requester, 1 May 2024 -----\nDear Council,\nPlease send the 2023 budget for "
            "parks. I realise section 21 may apply if it is published.\nYours, Jo\n\n"
            "----- Response from authority, 20 May 2024 -----\nDear Jo,\nThank you for your request for "
            "information. Please find attached the parks budget for 2023, released in full.\nRegards\n")
    assert kinds_at(text, "I realise section 21", "Please find attached") == ["request", "own"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"


def test_the_division_covers_the_text_in_order() -> None:
    text = HEAD + "You asked:\nHow many cameras are there?\n\nThere are 40 cameras.\n\n" + APPEALS + SIGN
    parts = divide(text).parts
    assert parts[0].start == 0 and parts[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    assert {p.kind for p in parts} == {"own", "request", "template"}


@pytest.mark.parametrize("text", ["", "Dear Sir", "From: x\nSent: today\n\nDear Jo, the figures are attached."])
def test_short_and_header_only_texts(text: str) -> None:
    division = divide(text)
    assert division.parts[-1].end == len(text)
    # A mail that starts with its own header is the reply, not history.
    assert "history" not in {p.kind for p in division.parts}


def _divide_all(texts: list[str]) -> None:
    for text in texts:
        division = divide(text)
        assert division.parts[0].start == 0 and division.parts[-1].end == len(text)


def test_hostile_layouts_end() -> None:
    # Lines padded with spaces (layout-mode PDF text), runs of dashes after "Attachment:",
    # thousands of quoted headers or questions: each once made a pattern try every split of
    # the line or rescan the text above (docs/metadata.md, "Whose words"). In a child, so that
    # a regression fails here instead of hanging the suite.
    import multiprocessing

    n = 100_000
    texts = ["Dear X\n" + " " * n + "Ok. What is it?\nWe hold it.\n",
             "Dear X\nOur original response" + " " * n + "x\n",
             "Dear X\n---Attachment: " + "-" * n + "x\n",
             "Section 43 states" + " " * n + "x\nMore.\n",
             "From: a\nSent: b\n" * 12_000,
             "Dear Sir\n" + "What?\nWe hold it.\n" * 18_000]
    child = multiprocessing.get_context("fork").Process(target=_divide_all, args=(texts,))
    child.start()
    child.join(120)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive and child.exitcode == 0


def test_a_heading_over_the_first_reply_in_a_review_is_history() -> None:
    text = (HEAD + "I have completed the internal review you asked for and I have decided to release the "
            "report in full. It is attached, and the original decision is overturned.\n\n" + SIGN
            + "\nOriginal response\nThe report is exempt from disclosure under section 36 of the Act.\n")
    assert kinds_at(text, "The report is exempt") == ["history"]
    meta = enrich(text)
    assert codes(meta) == [] and read(meta) == "disclosed_in_full"

"""Titles that say what was asked (ingest/metadata/subject.py)."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich
from ingest.metadata.subject import says_what, source


@pytest.mark.parametrize("title, says", [
    ("FOIA Response", False),
    ("Freedom of Information Team", False),
    ("FREEDOM OF INFORMATION REQUEST – FOI 1306/25", False),
    ("Request for Information - Reference Number: ASC/AWZC3P", False),
    ("Dear Data Justice Lab,", False),
    ("TREAWZBQX Internal Review Aug 2018 FINAL Legal with Signature.docx", False),
    ("The questions we asked", False),
    ("Pensions Release", True),
    ("Use of generative AI tools (e.g. ChatGPT) by employees", True),
    ("Integrated Data Model and related risk assessments", True),
])
def test_says_what(title: str, says: bool) -> None:
    assert says_what(title) is says


def test_a_letterhead_name_is_no_title_but_a_subject_in_capitals_is() -> None:
    assert says_what("Payal Panchal", letterhead=True) is False
    assert says_what("Libraries, Heritage and Archives", letterhead=True) is False
    assert says_what("The Charity Common Purpose and the PSNI", letterhead=True) is True


def test_source_titles_lose_forwarding_and_law_words() -> None:
    assert source("FW: RE: FOI 34960 re CSA Inquiry") == "FOI 34960 re CSA Inquiry"
    assert source("Freedom of Information request – cost of agency staff.") == "Cost of agency staff"


@pytest.mark.parametrize("text, title", [
    # The sentence that names the request, wrapped across lines as a PDF gives it.
    ("Dear Ms Redden\n\nThank you for your request for information made under the Freedom of Information "
     "Act \n(FOIA) 2000, relating to Integrated Data Model and related risk assessments. I am pleased to "
     "provide the response below.\n", "Integrated Data Model and related risk assessments"),
    # The request quoted, when the letter does not name it.
    ("Dear Sir\n\nYour request:\nWe are submitting the following Freedom of Information Request for documents "
     "relating to data systems used for risk assessment. Specifically:\n• Any reports.\n\nOur response:\n"
     "We do not hold any information.\n", "Data systems used for risk assessment"),
    # A question is whole at its question mark.
    ("You asked:\n1. Are you currently paying for facial recognition software? If no, have you ever?\n"
     "We do not hold this.\n", "Are you currently paying for facial recognition software?"),
])
def test_a_title_made_from_the_letter(text: str, title: str) -> None:
    assert enrich(text, title="FOIA Response").title == title


def test_the_sources_title_wins_and_a_bare_letter_gets_who_answered() -> None:
    meta = enrich("Thank you for your request about bins.", title="x",
                  hints={"request_title": "Bin collection complaints 2023"})
    assert meta.title == "Bin collection complaints 2023"
    letter = "Kent Police\nOur ref: FOI 1234/23\nDate: 4 May 2023\n\nDear Sir\nWe do not hold the information.\n"
    assert enrich(letter, title="Kent Police").title == "Kent Police: response FOI 1234/23 of 2023-05-04"

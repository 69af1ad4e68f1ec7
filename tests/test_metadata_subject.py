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


def test_a_source_title_in_capitals_with_a_reference_says_its_subject() -> None:
    assert source("F0013056 - FREEDOM OF INFORMATION ACT - REQUEST FOR INFORMATION HELD ON THE CRASH OF "
                  "PIPER LANCE 9H-ABU") == "The crash of piper lance 9H-ABU"
    assert source("Freedom of Information Act 2000") == "Freedom of Information Act 2000"  # nothing left: as written


@pytest.mark.parametrize("text, title", [
    # A lead-in that asks for "the following", a list number, "the total number of" and
    # words addressed to the body go; a comma inside "in, or on," is no place to stop.
    ("Dear Ms Robinson,\n\nI note you seek access to the following information:\n\nUnder the provisions of the "
     "FOI Act, please can you provide the following: \n1.  The total number of crimes logged by your force that "
     "happened in, or on, hospital grounds in the years \n2019/20 to 2023/24.\n\nYour request has now been "
     "considered.\n", "Number of crimes that happened in, or on, hospital grounds in the years 2019/20…"),
    # A way of asking that says nothing: "Could you answer if X" is "Whether X".
    ("Your request:\nCould you answer if the library service completes annual CIPFA library stats. If yes, "
     "please send them.\n\nOur response:\nWe do not.\n", "Whether the library service completes annual CIPFA library stats"),
    # The line under the greeting is the letter's subject heading.
    ("Dear Mr Boomer\n\nMaltese Investigation to Piper Lance 9H-ABU on 3rd December 1995\n\nThank you for your "
     "email.\n", "Maltese Investigation to Piper Lance 9H-ABU on 3rd December 1995"),
    # An aside in brackets goes, not the rest of the question after it.
    ("You asked:\n1. How many drones (unmanned aerial vehicles) does the force own or lease, and of which "
     "make and model?\n\nWe hold this.\n", "How many drones does the force own or lease"),
    # "about" in a question about something else is not the subject; a line a PDF broke is one.
    ("You asked:\n1. How many complaints were received about Ministry of Justice staff for the financial\n"
     "years 2013/14 to 2017/18?\n\nWe hold this.\n",
     "How many complaints were received about Ministry of Justice staff for the financial years…"),
    ("Your request:\nPlease provide information relating to the Integrated Data Model and\nrelated risk "
     "assessments.\n\nOur response:\nWe hold this.\n", "The Integrated Data Model and related risk assessments"),
    # What a decision notice says the complainant asked for.
    ("Decision notice\n\nThe complainant asked the council to provide information on the council’s standing "
     "orders and its code of conduct.\n", "The council’s standing orders and its code of conduct"),
    # A table sent as an attachment: its heading, not the force's name above it.
    ("Hertfordshire Constabulary\nReported Crimes Committed on Hospital Grounds/Premises\nDate - 01/04/19 - "
     "31/03/24\n\nTotal\n883\n", "Reported Crimes Committed on Hospital Grounds/Premises"),
])
def test_a_title_made_from_the_words_of_the_request(text: str, title: str) -> None:
    assert enrich(text, title="FOIA Response").title == title


def test_a_subject_that_points_elsewhere_is_no_title() -> None:
    # "the specifics of this policy" says nothing read on its own; nor does a form's
    # placeholder. Who answered, with the reference and date, is more honest.
    letter = ("NHS Greater Glasgow and Clyde\nOur Ref: FOI 16358\n13 November 2020\n\nDear Uma\n\nThank you for "
              "your request. I would like to know more about the specifics of this policy.\n")
    meta = enrich(letter, title="Name and address of recipient")
    assert meta.title == "NHS Greater Glasgow and Clyde: response FOI 16358 of 2020-11-13"


def test_lines_of_an_address_or_a_wrapped_sentence_are_no_heading() -> None:
    letter = ("Your right to appeal\n\nIf you are dissatisfied, you can ask us\nto conduct an internal review. "
              "The internal review will be conducted by\nsomeone who was not involved in the processing of your "
              "original request, in accordance with\nthe complaints procedure.\nJ B Russell House\n")
    assert enrich(letter, title="Your right to appeal").title == "Your right to appeal"

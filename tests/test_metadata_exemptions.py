"""Exemptions relied on, read from the phrasings of real FOI letters."""

from __future__ import annotations

import pytest

from ingest.metadata.exemptions import find_exemptions
from ingest.metadata.passages import normalise


def codes(text: str, regime: str | None = "FOIA") -> list[str]:
    return [e.code for e in find_exemptions(normalise(text), regime)]


@pytest.mark.parametrize("text, expected", [
    ("This information is exempt from disclosure under section 40(2) of the Freedom of Information Act 2000.",
     ["FOIA s.40(2)"]),
    ("The information is withheld under S40(2) of the Act.", ["FOIA s.40(2)"]),
    ("We are applying s.31(1)(a) to this part of your request.", ["FOIA s.31(1)(a)"]),
    # A numeral after a letter is its sub-paragraph; two letters are two provisions.
    ("The information is exempt from disclosure under sections 40(2)(a), 40(3)(a)(i) and 40(3)(b) of the Act.",
     ["FOIA s.40(2)(a)", "FOIA s.40(3)(a)(i)", "FOIA s.40(3)(b)"]),
    ("The information is exempt under section 31(1)(a)(b) of the Act.", ["FOIA s.31(1)(a)", "FOIA s.31(1)(b)"]),
    # A refusal on cost relies on s.12 whether it names it or not; advice about the limit does not.
    ("To provide all the briefing notes would be beyond the 18 hours, as we would need to search two diaries.",
     ["FOIA s.12"]),
    ("If your request would exceed the cost limit, we would help you to narrow it.", []),
    # "the public interest in favour of disclosing" is weighed here, not found to prevail.
    ("The agreement is attached in a redacted format as per the FOI exemption S43, relating to the commercial "
     "interests of the supplier. Having regard to all relevant factors the public interest in favour of "
     "maintaining the section 43 exemption outweighs the public interest in favour of disclosing the documents "
     "unredacted.", ["FOIA s.43"]),
    ("The MPS can neither confirm nor deny whether information is held by virtue of Sections 24(2) and 31(3).",
     ["FOIA s.24(2)", "FOIA s.31(3)"]),
    ("To answer question 5 would engage Section 12(1) of the FOIA (excess costs).", ["FOIA s.12(1)"]),
    ("Your request is refused as vexatious under section 14(1) of the Act.", ["FOIA s.14(1)"]),
    ("We consider that the absolute exemption set out in Section 21 (Information accessible by other means) applies.",
     ["FOIA s.21"]),
    ("We are refusing your request under Regulation 12(4)(b) of the Environmental Information Regulations 2004.",
     ["EIR reg.12(4)(b)"]),
    ("Crime reference numbers have been withheld under Regulation 12(5)(b).", ["EIR reg.12(5)(b)"]),
    ("Names have been redacted under Regulation 12(3) and Regulation 13 EIR.", ["EIR reg.12(3)", "EIR reg.13"]),
    ("| have decided the information is exempt under Sectlon 4O(2) of the Act.", ["FOIA s.40(2)"]),  # OCR
    ("the information is exempt from disclosure under section\n40(2) of the Freedom of Information Act 2000",
     ["FOIA s.40(2)"]),
])
def test_relied_on(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_scottish_body_reads_foisa() -> None:
    assert codes("The information is exempt under section 38(1)(b) of FOISA.", "FOISA") == ["FOISA s.38(1)(b)"]


@pytest.mark.parametrize("text", [
    # appeals paragraph
    "If you are dissatisfied you may apply to the Information Commissioner under section 50 of the Act.",
    "If you are unhappy you can ask for an internal review; section 40 does not stop you doing so.",
    # another Act
    "Belongings are disposed of under Section 41 of the Local Government (Miscellaneous Provisions) Act 1982.",
    "The road was adopted under section 38(6) of the Highways Act 1980 and is exempt from charges.",
    # procedural sections
    "This response serves as a Refusal Notice under Section 17(1) of the Freedom of Information Act 2000.",
    "We have extended the time under Regulation 7(1) of the EIR, relying on the complexity of the request.",
    "Section 8 of the Act requires your full name; we are refusing to process the request until then.",
    # considered and not applied
    "We consider the exemption under section 42 applies to this email. However, on application of the public "
    "interest test, we believe that the public interest lies in favour of releasing it.",
    # a postcode is not a section
    "Withheld: the site at Albert Road Car Park S2 4HT.",
    # the public interest favours disclosure
    "Section 42 is engaged, but the public interest favours disclosure, so the emails are released.",
    # a public interest decision not yet made (a section 10(3) extension)
    "The council has not yet reached a decision on whether or not the balance of the public interest lies in "
    "maintaining an exemption under section 42 for legal professional privilege.",
    # the exemption does not apply
    "We have considered section 43 but it does not apply to this information, which is exempt from nothing.",
])
def test_not_relied_on(text: str) -> None:
    assert codes(text) == []


def test_request_quoted_back_is_not_the_authority_s() -> None:
    thread = (
        "----- Request from requester, 2019-07-03 -----\n"
        "If it is not possible to provide the information requested due to the information exceeding the cost "
        "limits identified in Section 12, please provide advice under Section 16.\n\n"
        "----- Response from authority, 2019-07-18 -----\n"
        "You asked: If it is not possible to provide the information requested due to the information exceeding "
        "the cost limits identified in Section 12, please provide advice under Section 16.\n"
        "I have attached my response.\n"
    )
    assert codes(thread) == []


def test_a_bare_number_tied_to_another_act_keeps_that_meaning() -> None:
    text = ("Items are stored for the section 41 notice period, then disposed of and withheld from sale.\n\n"
            "The legal basis is Section 41 of the Local Government (Miscellaneous Provisions) Act 1982.")
    assert codes(text) == []


def test_exemption_carries_sentence_and_offset() -> None:
    text = "Dear Sir,\n\nThe names are exempt under section 40(2) of the Act."
    [e] = find_exemptions(text, "FOIA")
    assert text[e.offset:].lower().startswith("section 40(2)")
    assert e.sentence == "The names are exempt under section 40(2) of the Act."


@pytest.mark.parametrize("text, expected", [
    # NCND: the duty in s.1(1)(a) "does not apply by virtue of" the NCND subsections.
    ("West Midlands Police can neither confirm nor deny whether it holds information about the covert use of "
     "facial recognition technology, as the duty in Section 1(1)(a) of the Act does not apply by virtue of "
     "Sections 24(2) and 31(3).", ["FOIA s.24(2)", "FOIA s.31(3)"]),
    ("The Ministry can neither confirm nor deny that it holds information about the named individual, as the duty "
     "in section 1(1)(a) of\nthe Act does not apply by virtue of section 40(5).", ["FOIA s.40(5)"]),
    ("The force neither confirms nor denies that it holds the information by virtue of section 23(5) and "
     "section 24(2) of the Freedom of Information Act 2000.", ["FOIA s.23(5)", "FOIA s.24(2)"]),
    # a list glossed with what each section is about
    ("If the information were held, it would be exempt under sections 31(1) (national security) and 35(1)(a) "
     "(prevention and detection of crime) of the Act.", ["FOIA s.31(1)", "FOIA s.35(1)(a)"]),
    # "under s. 40(2)": the abbreviation does not end the sentence
    ("The names of staff have been withheld under s. 40(2) of the Act.", ["FOIA s.40(2)"]),
])
def test_relied_on_more(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_each_provision_of_a_list_has_its_own_offset() -> None:
    text = "Dear Sir,\n\nThe duty to confirm or deny does not apply by virtue of Sections 24(2) and 31(3)."
    first, second = find_exemptions(text, "FOIA")
    assert text[first.offset:].startswith("Sections 24(2)")
    assert text[second.offset:].startswith("31(3)")
    assert first.sentence == second.sentence == text.split("\n\n")[1]


def test_a_paragraph_without_full_stops_is_cut_around_the_citation() -> None:
    rows = "\n".join(f"Site {i} Car Park S8 0YE - 2 time Unavailable 11/03/2024 Yes Cables Yes Stolen" for i in range(12))
    text = rows + "\nWe have withheld the crime reference numbers under Regulation 12(5)(b) of the EIR\n" + rows
    [e] = find_exemptions(text, "EIR")
    assert e.code == "EIR reg.12(5)(b)" and text[e.offset:].startswith("Regulation 12(5)(b)")
    assert "We have withheld the crime reference numbers under Regulation 12(5)(b)" in e.sentence
    assert len(e.sentence) <= 330 and e.sentence.startswith("…") and e.sentence.endswith("…")

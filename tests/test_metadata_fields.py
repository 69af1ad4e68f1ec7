"""References, dates, authorities, regimes and topics, from real FOI phrasings."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich
from ingest.metadata.authorities import canonical, find_authority
from ingest.metadata.dates import letter_date, parse_date
from ingest.metadata.reference import find_reference
from ingest.metadata.regime import find_regime


@pytest.mark.parametrize("text, reference", [
    ("Freedom of Information Request Reference No: 2018080000612\nI write in connection", "2018080000612"),
    ("Your reference: FOI-24576-25-0300-000\nMy Reference:   FOI 1306/25\n", "FOI 1306/25"),
    ("Our ref: FOI 17551\n\n25 September 2017", "FOI 17551"),
    ("m/r 4567496\ny/r\n", "4567496"),
    ("Our reference: 4320762             Information request", "4320762"),
    ("Re – Freedom of Information Request – Reference – FOI / 1680\nDear Mr Jones", "FOI / 1680"),
    ("Subject: Re – Environmental Information Regulations Request – Reference –\nEIR / 1050729\n", "EIR / 1050729"),
    ("Reference: FOIA1266\nDear Dave,", "FOIA1266"),
    ("Our Ref: 01/FOI/25/006753/Z\n", "01/FOI/25/006753/Z"),
    ("FOI Request Reference: F-2010-00325\n", "F-2010-00325"),
    ("Reference:  FS50379341 \n", "FS50379341"),
    ("Freedom of Information Request Reference No: DC/FOI 1153/20\nDate: 16/12/2020", "DC/FOI 1153/20"),
    ("Freedom of Information Request Reference No: IM-FOI-2023-1145\n", "IM-FOI-2023-1145"),
    ("Subject: Re – Freedom of Information Request – Reference – FOI\n/2022-23-0864\nDear Mr B", "FOI /2022-23-0864"),
    ("Dear Sir, thank you for your letter of 4 May 2017.", None),
    # Forms seen on letters from bodies the rules were not written for.
    ("Freedom of Information – Response – 20417\n\nWe are submitting", "20417"),
    ("\tReceived on 15/01/2018 Our Ref: DC/FOI 59/18\n", "DC/FOI 59/18"),
    ("Request for Information - Reference Number: CHS/AWZBQX\n", "CHS/AWZBQX"),
    ("Request for Information - Reference Number: TRE/AWZBQX – INTERNAL REVIEW\n", "TRE/AWZBQX"),
    ("Reference Number: ASC/AWZC3P\n", "ASC/AWZC3P"),
    ("Reference Number: \n\nFOI20186816DJL \n", "FOI20186816DJL"),
    ("Your request number is CRN00166467\n\nDear Sir", "CRN00166467"),
    ("Our ref\nYour ref\n\nSERVICE REQUEST REF 180302\n", "180302"),
    ("If you are unhappy please ask for a review. Please quote reference 1189733.", "1189733"),
    ("Case reference: 12345\n", "12345"),
    ("Request ID: 77812\n", "77812"),
    ("Subject: ECC4537301 05 18-S12 - Cost Exemption\n", "ECC4537301"),
    ("You sent us a Freedom of Information request on 01/05/2018 asking about", None),
    ("Your ref: AB/1234/56\nDear Sir", None),
    ("Please use this email address for all replies to this request: [FOI #1111836 email]", None),
    ("Dear Ms Smith\n" + "Thank you for your e-mail about our records.\n" * 12 + "We stand by the approach we "
     "described in detail to you in our letter about this practice in our response to FOI 2019-20-1881, and "
     "we will not revisit it.", None),
    ("The Commissioner's decision (decision notice FS50681336) was upheld.", None),
    # Spaced, dotted, suffixed and departmental forms (docs/metadata.md, "Reference").
    ("Our ref: FOI 2021 131\n\nDear Sir", "FOI 2021 131"),
    ("FOI 2021 131\n\nDear Sir", "FOI 2021 131"),
    ("Our ref: FOI 2021 13 May 2021\n", None),
    ("FOI 2021 13 May\nDear", None),
    ("Freedom of Information Request: EPUT.FOI.21.1935\n\nDear Requester", "EPUT.FOI.21.1935"),
    ("Request ID: FOI DA3720a\nDear X", "FOI DA3720a"),
    ("Our reference: FOI DOF/2023-0003\nDear X", "FOI DOF/2023-0003"),
    ("Re: FOI DOF/2023-0003 – request for information\nDear X", "FOI DOF/2023-0003"),
    ("Case number: 101004567\nDear", "101004567"),
    # In a table of the letterhead (DOCX rows come as tab-separated lines).
    ("Request ID\tFOI 1234/24\nDate\t3 May 2024", "FOI 1234/24"),
    ("Our Ref\tYour Ref\nFOI/2024/118\tJB/22\n", "FOI/2024/118"),
])
def test_reference(text: str, reference: str | None) -> None:
    assert find_reference(text) == reference


def test_reference_from_title_then_file_name() -> None:
    assert find_reference("Dear Sir", title="F0013056 - FREEDOM OF INFORMATION ACT") == "F0013056"
    assert find_reference("Dear Sir", filename="/in/Response FOI 1306-25.pdf") == "FOI 1306-25"
    assert find_reference("Our ref: EIR 1234\n", filename="FOI 9999-25.pdf") == "EIR 1234"
    assert find_reference("Dear Sir", filename="letter 16078.doc") is None  # a bare number names nothing


@pytest.mark.parametrize("text, iso", [
    ("4 October 2017", "2017-10-04"),
    ("13th October 2025", "2025-10-13"),
    ("Wednesday, April 3, 2024 6:05 PM", "2024-04-03"),
    ("11/08/2018", "2018-08-11"),  # UK order
    ("2024-11-25", "2024-11-25"),
    ("31 February 2020", None),
    ("(received 29-05-2018)", "2018-05-29"),
    ("Date: 01-May-18", "2018-05-01"),
])
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_letter_date_skips_the_received_date() -> None:
    letter = "Our ref: FOI 1\n\nThank you for your request received on 11 September 2017.\n\nDate: 4 October 2017\n"
    assert letter_date(letter) == "2017-10-04"


def test_a_forms_received_label_above_its_date_line_is_not_the_letters_date() -> None:
    form = "Reference Number:\n\nFOI123456\n\n15 May 2018\n\nDate Received:\n\nDate: 01-May-18\n\nYou Requested:\n"
    assert letter_date(form) == "2018-05-15"


def test_received_and_response_dates_of_a_letter() -> None:
    meta = enrich("Sent: 20 December 2018 15:39\n\nI write in connection with your request for information which "
                  "was received by the Metropolitan Police Service (MPS) on 11/08/2018.")
    assert (meta.date, meta.received) == ("2018-12-20", "2018-08-11")


@pytest.mark.parametrize("text, name, type_, force", [
    ("received by the Metropolitan Police Service (MPS) on 11/08/2018", "Metropolitan Police Service", "police",
     "Metropolitan Police Service"),
    ("Yours sincerely\nGMP Information Compliance", "Greater Manchester Police", "police", "Greater Manchester Police"),
    ("www.cumbria.police.uk\nDear Ms Robinson", "Cumbria Constabulary", "police", "Cumbria Constabulary"),
    ("Police Service of Northern Ireland\nFreedom of Information Request", "Police Service of Northern Ireland",
     "police", "Police Service of Northern Ireland"),
    ("Yours sincerely,\nSheffield City Council\nPO Box 1283", "Sheffield City Council", "council", None),
    ("Department for Communities and Local Government\nFry Building", "Ministry of Housing, Communities and Local "
     "Government", "central_gov", None),
    ("Yours sincerely\nInformation Governance\nLeeds Teaching Hospitals NHS Trust", "Leeds Teaching Hospitals NHS "
     "Trust", "nhs", None),
    ("Kind regards\nWokingham Borough Council", "Wokingham Borough Council", "council", None),
    # A Northern Ireland department that calls itself only "the Department": its reference's
    # prefix and its e-mail domain say which.
    ("Our reference: FOI DOF/2023-0003\n\nDear Ms Example\nThe Department has considered your request. The "
     "Department does not hold the information.\nYours sincerely\nEmail: foi@finance-ni.gov.uk",
     "Department of Finance (Northern Ireland)", "central_gov", None),
    ("Dear Sir\nThe Department holds no records.\nRegards\nfoi.officer@daera-ni.gov.uk",
     "Department of Agriculture, Environment and Rural Affairs (Northern Ireland)", "central_gov", None),
])
def test_authority(text: str, name: str, type_: str, force: str | None) -> None:
    a = find_authority(text)
    assert a is not None and (a.name, a.type, a.force) == (name, type_, force)


def test_commissioner_in_the_appeals_paragraph_is_not_the_author() -> None:
    text = ("Yours sincerely\nBirmingham City Council\n\nIf you are not satisfied you may apply to the "
            "Information Commissioner's Office, Wycliffe House.")
    assert find_authority(text).name == "Birmingham City Council"


@pytest.mark.parametrize("appeals", [
    "If you remain dissatisfied following our review response, you can appeal to the Office of the Scottish "
    "Information Commissioner (OSIC) within six months under section 47(1) of the Act.",
    "If you are unhappy you may complain to the Information Commissioner's Office, Wycliffe House.",
    "Should you wish to appeal against the Scottish Information Commissioner's decision, there is an appeal to "
    "the Court of Session.",
])
def test_no_body_named_in_the_appeals_paragraph_is_the_author(appeals: str) -> None:
    text = ("NHS Greater Glasgow and Clyde\nFreedom of Information Team\n\nDear Ms H,\n\nI can confirm that NHS "
            "Greater Glasgow and Clyde holds the information.\n\n" + appeals + "\n\nYours sincerely,\nFOI Officer")
    a = find_authority(text)
    assert a is not None and (a.name, a.type, a.regime) == ("NHS Greater Glasgow and Clyde", "nhs", "FOISA")


def test_former_names_resolve_to_the_canonical_name() -> None:
    assert canonical("DCLG") == canonical("Department for Communities and Local Government") == \
        "Ministry of Housing, Communities and Local Government"
    assert canonical("the Met") == "Metropolitan Police Service"


@pytest.mark.parametrize("text, scottish, regime", [
    ("This has been logged as a Freedom of Information Request and will be dealt with under the Freedom of "
     "Information Act 2000.", False, "FOIA"),
    ("Subject: Re – Environmental Information Regulations Request – Reference – EIR / 1050729", False, "EIR"),
    ("Your request has been handled under the Freedom of Information (Scotland) Act 2002.", False, "FOISA"),
    ("We have considered your request under the Freedom of Information Act.", True, "FOISA"),  # Police Scotland
    ("Please find attached a reply to your recent query.", False, None),
    # A handling statement outranks the "FOI" prefix every request number carries, and the appeals
    # paragraph's "section 50 of the Freedom of Information Act 2000" says nothing about the regime.
    ("Our reference: FOI 58022\n\nENVIRONMENTAL INFORMATION REGULATIONS 2004 – FOI 58022\n\nYour request has "
     "been considered under the Environmental Information Regulations 2004.\n\nIf you remain dissatisfied, you may "
     "apply to the Information Commissioner under section 50 of the Freedom of Information Act 2000. The "
     "Freedom of Information Act 2000 applies.", False, "EIR"),
    ("Our reference: EIR 1038892\nWe are writing about your request.", False, "EIR"),
])
def test_regime(text: str, scottish: bool, regime: str | None) -> None:
    assert find_regime(text, scottish=scottish) == regime


def test_police_scotland_sections_are_foisa() -> None:
    text = ("Yours sincerely\nPolice Scotland\n\nThe names are exempt under section 38(1)(b) of the Act and are "
            "withheld.")
    meta = enrich(text)
    assert meta.regime == "FOISA" and [e.code for e in meta.exemptions] == ["FOISA s.38(1)(b)"]


@pytest.mark.parametrize("text, hints, date, source", [
    ("Date: 4 October 2017\nThank you for your request received on 11 September 2017.", {},
     "2017-10-04", "response"),
    # A date the source gives itself in the weeks after receipt is nearer the reply's.
    ("Thank you for your request received on 11 September 2017. We do not hold it.", {"created": "2017-10-20"},
     "2017-10-20", "source"),
    ("Thank you for your request received on 11 September 2017. We do not hold it.", {"created": "2017-09-01"},
     "2017-09-11", "received"),
    ("Thank you for your request received on 11 September 2017. We do not hold it.", {"created": "2019-03-02"},
     "2017-09-11", "received"),
    ("We do not hold the information.", {"created": "2017-10-20"}, "2017-10-20", "source"),
    ("We do not hold the information.", {"last_modified": "2019-03-02", "created": "2017-10-20"},
     "2019-03-02", "source"),
    ("We do not hold the information.", {"date": "2018-01-05"}, "2018-01-05", "response"),  # e-mail sent
    ("We do not hold the information.", {}, None, None),
])
def test_every_dated_response_says_where_its_date_came_from(text, hints, date, source) -> None:
    meta = enrich(text, hints=hints)
    assert (meta.date, meta.date_source) == (date, source)


def test_a_body_named_in_a_documents_title_or_the_requesters_words_did_not_answer() -> None:
    letter = ("Dear Ms Redden\n\nThank you for your request. Please see the documents listed below:\n"
              "·  NHS Digital Interim Audit Report\n·  NHS Digital Toolkit Assessment\n\n"
              "If you are unhappy, please contact us.\n\nYours sincerely\n\nKent County Council\n")
    assert find_authority(letter).name == "Kent County Council"
    review = ("Dear Sir/Madam,\nYour request under the Freedom of Information Act 2000 – internal review outcome\n"
              "Request for Review\tSection 20 of the Department for Communities and Local Government’s "
              "Transparency Code says contracts should be published.\n"
              "Response\tThe contracts are exempt under section 43(2).\n\nYours faithfully\nLeeds City Council\n")
    assert find_authority(review).name == "Leeds City Council"


@pytest.mark.parametrize("referral", [
    "The rota is held by Leeds Teaching Hospitals NHS Trust; you may wish to contact them directly.",
    "We have transferred your request to West Yorkshire Police, who hold the footage.",
])
def test_a_body_the_reply_sends_the_requester_to_did_not_answer(referral: str) -> None:
    letter = (f"Dear Mr Khan\n\nThank you for your request of 3 May.\n\n{referral}\n\n"
              "We do not hold any other information.\n\nYours sincerely\n\nInformation Governance\n"
              "Leeds City Council\n")
    assert find_authority(letter).name == "Leeds City Council"

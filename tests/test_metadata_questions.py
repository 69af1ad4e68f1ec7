"""Question by question (ingest/metadata/questions.py, decision.py): the request's items,
what the reply did with each, and the outcome that follows from the answers."""

from __future__ import annotations

import pytest

from ingest.metadata import enrich
from ingest.metadata.decision import sentence_decision


def read(meta):
    """The outcome as the reader read it, stated or left unstated below its confidence
    threshold: these tests are of the reading rules (tests/test_confidence.py: of stating)."""
    return meta.outcome or (meta.unstated.get("outcome") or {}).get("value")


def answers(meta) -> list[tuple[str, str]]:
    return [(q.number, q.answer) for q in meta.questions]


def test_question_and_answer_labels() -> None:
    meta = enrich(
        "Q1\tList of the analytics software the force uses\n"
        "A1\tThe force uses Qlikview V12 desktop and server.\n\n"
        "Q2\tAny reports produced by the supplier about its effectiveness\n"
        "A2\tThe force does not hold this information.\n\n"
        "Q3\tBriefing notes or summaries about the software\n"
        "A3\tThe information is exempt under Section 21 of the Act as it is reasonably accessible "
        "by other means and this refusal notice is issued under Section 17.\n")
    assert answers(meta) == [("1", "released"), ("2", "not_held"), ("3", "withheld")]
    assert meta.questions[2].exemptions == ["FOIA s.21"]
    assert meta.questions[1].evidence.sentence == "The force does not hold this information."
    assert read(meta) == "partially_disclosed"
    # Released, not held and withheld in one short table with no letter around it: read, and
    # below the confidence to state it; the evidence is kept with the reading.
    assert meta.outcome is None
    assert meta.unstated["outcome"]["evidence"]["sentence"].startswith("The information is exempt under Section 21")


def test_numbered_request_then_numbered_answers() -> None:
    text = ("Your Request:\n1. Could you tell me if the library completes the annual statistics return?\n"
            "2. If so, please could you send the 2017 return?\n\nOur Response:\n1. Yes.\n"
            "2. We do not hold the information requested as the return is being prepared.\n")
    meta = enrich(text)
    assert answers(meta) == [("1", "released"), ("2", "not_held")]
    assert meta.questions[0].text == "Could you tell me if the library completes the annual statistics return?"
    assert read(meta) == "mixed"
    assert text[meta.outcome_evidence.offset:].startswith("We do not hold")


def test_one_reply_that_names_the_items() -> None:
    meta = enrich(
        "Your request:\n"
        "1. Who supplied the risk tool?\n2. How much did it cost?\n3. Any evaluation reports about the tool.\n"
        "4. Any training materials for custody officers.\n\n"
        "In relation to Question 1: the tool was developed with a university; there is no commercial supplier.\n"
        "In relation to Questions 2 and 4: no information held.\n"
        "In relation to the remainder of the request the information is exempt under section 22 of the "
        "Freedom of Information Act as it is held with a view to future publication.\n")
    assert answers(meta) == [("1", "released"), ("2", "not_held"), ("3", "withheld"), ("4", "not_held")]
    assert meta.questions[2].exemptions == ["FOIA s.22"]


def test_one_reply_for_the_whole_list_answers_every_item_alike() -> None:
    meta = enrich(
        "Specifically, we are requesting:\n"
        "• Documents relating to which data points the system considers.\n"
        "• Documents relating to how the system identifies households at risk.\n"
        "• Any information on safeguarding measures related to the system.\n\n"
        "Our response:\nWe currently do not hold any information relating to the request.\n\n"
        "Yours sincerely\nInformation Officer\n")
    assert answers(meta) == [("1", "not_held"), ("2", "not_held"), ("3", "not_held")]
    assert read(meta) == "not_held"  # the "Our response:" heading is no release


def test_a_thread_quotes_the_requesters_items() -> None:
    meta = enrich(
        "----- Request from requester, 2024-01-02 -----\nDear council,\n"
        "1. How many fixed penalty notices were issued for littering in 2023?\n"
        "2. How much income did the council receive from those notices?\n"
        "Yours faithfully,\nA Requester\n"
        "----- Response from authority, 2024-01-20 -----\nDear A Requester,\n"
        "How many fixed penalty notices were issued for littering in 2023?\n"
        "There were 1,204 notices issued.\n"
        "How much income did the council receive from those notices?\n"
        "We do not record income by offence type, so this information is not held.\n"
        "Yours sincerely,\nExample City Council\n")
    assert answers(meta) == [("1", "released"), ("2", "not_held")]
    assert read(meta) == "mixed"


def test_a_list_of_facts_in_an_answer_is_not_the_request() -> None:
    meta = enrich(
        "Thank you for your request about the software used with the integrated dataset.\n"
        "The data is extracted into three statistical programmes:\n• SPSS\n• STATA\n• Excel\n"
        "Please find attached the information you asked for.\n")
    assert meta.questions == []
    assert read(meta) == "disclosed_in_full"


def test_no_list_no_questions() -> None:
    meta = enrich("Dear Sir\nWe do not hold the information you asked for.\nYours faithfully\n")
    assert meta.questions == [] and read(meta) == "not_held"
    assert meta.outcome_evidence.sentence == "We do not hold the information you asked for."


@pytest.mark.parametrize("sentence, decision", [
    ("We can neither confirm nor deny whether we hold the information.", "ncnd"),
    ("To provide all the reports would be beyond the 18 hours.", "cost"),
    ("The names have been redacted under section 40(2).", "partly_released"),
    ("Section 40(2) exempts information that is personal data of others.", "withheld"),
    ("Unfortunately I am unable to provide this information, because we do not have it.", "not_held"),
    ("We do not have a figure for the costs of individual repairs.", "not_held"),
    ("The time which has elapsed since recruitment means no data is still held.", "not_held"),
    ("There has been no requirement to produce this information internally.", "not_held"),
    ("We are attaching a spreadsheet showing the partial postcodes of drivers.", "released"),
    ("I have attached my formal response which sets out the reasons.", None),
    ("Please see the following link for information regarding our management teams.", "pointer"),
    ("We are unable to provide this information.", "unable"),
    ("Exemptions Applied: not applicable", None),
    ("It may be useful to provide some background.", None),
])
def test_sentence_decisions(sentence: str, decision: str | None) -> None:
    assert sentence_decision(sentence) == decision


def test_unnumbered_items_each_followed_by_its_answer() -> None:
    meta = enrich(
        "Freedom of Information – Response – 20417\n\n"
        "Specifically, we are requesting:\n"
        "Any training and/or education materials relating to the performance framework.\n"
        "With regards to the framework there are no specific training or education materials.\n\n"
        "Details of any software packages used as part of the framework.\n"
        "The software package that the service uses to record data is Care First 6.\n\n"
        "Details of any dealings with contractors during the development of the framework.\n"
        "There have not been private companies involved in this process.\n")
    assert [(q.answer, q.text[:20]) for q in meta.questions] == [
        ("not_held", "Any training and/or "), ("released", "Details of any softw"), ("released", "Details of any deali")]
    assert read(meta) == "mixed"


def test_a_list_of_items_then_one_reply_is_no_interleaving() -> None:
    meta = enrich(
        "Request:-\nSpecifically, we are requesting:\n"
        "Any briefing notes, reports, evaluations, or summaries concerning the systems.\n\n"
        "Any overviews about how system outputs are produced.\n\n"
        "Any contracts relating to the systems.\n\n"
        "Response:-\nWe do not currently have any of this software in force.\n")
    assert read(meta) == "not_held"


def test_a_letter_that_gives_facts_and_withholds_a_part_released_the_rest() -> None:
    letter = ("Response: Example CCG\n\nWe use the combined predictive model in addition to locally developed "
              "selection criteria.\nIndividuals identified with the model are selected for multi-disciplinary care "
              "and put on a care plan.\nThe system can exchange flags with downstream systems which then alert the "
              "care provider.\n\nThe contracts are commercially sensitive and will not be disclosed. They are exempt "
              "under section 43(2) of the Freedom of Information Act.\n")
    meta = enrich(letter)
    assert read(meta) == "partially_disclosed"
    # Refused on cost, background facts release nothing: s.12 covers the whole request.
    cost = ("The council carries out a range of data analytics projects across its service teams.\n"
            "These vary in scale and include corporate initiatives run directly by service teams.\n"
            "To answer the request would exceed the appropriate limit of 18 hours under section 12 of the Act.\n")
    assert read(enrich(cost)) == "refused"


def test_the_requesters_words_quoted_in_a_letter_decide_nothing() -> None:
    meta = enrich(
        "Your request:\nIf the request as a whole exceeds the cost limit (Section 12 of the FOIA), could you "
        "please answer question 1 only.\n1. Who supplies the system?\n2. Any evaluations of the system.\n\n"
        "In relation to Question 1: the system was developed with a university and has no commercial supplier.\n"
        "In relation to Question 2: no information held.\n")
    assert [e.code for e in meta.exemptions] == []
    assert read(meta) == "mixed"


def test_answers_numbered_apart_in_any_order_and_style_each_answer_their_item() -> None:
    # A force's letter: the request's items, a decision for the whole, then answers numbered
    # "1)", "7.", "6 & 8." in the order the data came (Met 2018080000612 is written so).
    text = ("Dear Requester\n\nThank you for your request for information. You asked:\n\n"
            "1. Do you use facial recognition?\n2. Where has it been used?\n"
            "3. How much has been spent on hardware e.g.\n\ncameras?\n"
            "4. What is the name of the supplier?\n5. How many arrests has it led to?\n\n"
            "DECISION\n\nI have today decided to disclose some of the requested information. "
            "To answer question 5 would exceed the cost limit under section 12 of the Act.\n\n"
            "DISCLOSURE\n1) Yes\n2) Notting Hill Carnival 2017\nHull Docks 2018\n"
            "4.\nNEC NeoFace\n3) FY 2017/18 £124K\n\nYours sincerely\n")
    meta = enrich(text)
    got = {q.number: (q.answer, q.evidence.sentence if q.evidence else None) for q in meta.questions}
    assert got == {"1": ("released", "Yes"), "2": ("released", "Notting Hill Carnival 2017 Hull Docks 2018"),
                   "3": ("released", "FY 2017/18 £124K"), "4": ("released", "NEC NeoFace"),
                   "5": ("cost", got["5"][1])}
    assert "exceed the cost limit" in got["5"][1]
    # A page break inside a question ("e.g.\n\ncameras?") does not cut it short.
    assert meta.questions[2].text == "How much has been spent on hardware e.g. cameras?"
    assert read(meta) == "partially_disclosed"



def test_a_partial_decision_for_the_whole_is_no_items_answer() -> None:
    # "Disclose some" says what happened to the request, not to each item: the items nothing
    # else answers are not read, rather than each "partly released" with the same sentence.
    text = ("Dear Requester\n\nThank you for your request for information. You asked:\n\n"
            "1. How many cameras are there?\n2. How much did each cost?\n3. Who supplied them?\n\n"
            "I have today decided to disclose some of the requested information. To answer question 2 "
            "would exceed the cost limit under section 12 of the Act.\n\nYours sincerely\n")
    got = {q.number: q.answer for q in enrich(text).questions}
    assert got == {"1": "not_answered", "2": "cost", "3": "not_answered"}

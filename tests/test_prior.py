"""Check before you file: archive/prior.py and /prior, /prior.json."""

import pytest

from archive.reader import IndexReader
from archive.prior import describe_decision, prior
from archive.search import QueryError
from archive.web import create_app

DRAFT = ("Please tell me how much you have spent on NeoFace facial recognition cameras "
         "and software since 2016, by financial year.")


@pytest.fixture
def reader(small_archive):
    r = IndexReader(small_archive.index_path)
    yield r
    r.close()


def test_similar_requests_are_found_with_a_plain_summary(reader) -> None:
    result = prior(reader, DRAFT)
    assert result.hits[0].hit.title == "Facial recognition spending"
    assert result.summary == (
        "Metropolitan Police Service answered a similar request on 20 December 2018 "
        "(ref 2018080000612): partly released; cost limit (s.12); "
        "neither confirm nor deny (s.24(2), s.31(3)).")
    assert "facial" in result.terms and "pleas" not in result.terms


def test_the_chosen_bodys_answers_come_first(reader) -> None:
    draft = "How many times was Taser drawn, and how long is body worn video kept?"
    result = prior(reader, draft, authority="kent police")
    assert result.authority == "Kent Police"
    assert [p.same_body for p in result.hits][:2] == [True, True]
    assert all(p.hit.force == "Kent Police" for p in result.hits if p.same_body)


def test_released_information_gets_the_section_21_hint(reader) -> None:
    result = prior(reader, "How long is body worn video footage kept?")
    assert result.accessible_hint is not None
    assert result.accessible_hint.hit.outcome == "disclosed_in_full"


def test_nothing_similar_is_an_empty_answer(reader) -> None:
    assert prior(reader, "zebra crossings in the Outer Hebrides").hits == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_bad_drafts(reader, text: str) -> None:
    with pytest.raises(QueryError):
        prior(reader, text)


@pytest.mark.parametrize("outcome, codes, expected", [
    ("refused", ["FOIA s.14(1)"], "refused; vexatious or repeated (s.14(1))"),
    ("partially_disclosed", ["FOIA s.40(2)"], "partly released; withheld under s.40(2) (personal information)"),
    ("neither_confirm_nor_deny", ["FOIA s.40(5)"], "would neither confirm nor deny holding it; neither confirm nor deny (s.40(5))"),
    (None, [], "outcome not read"),
])
def test_decisions_in_plain_words(outcome, codes, expected) -> None:
    assert describe_decision(outcome, codes) == expected


def test_the_summary_says_which_part_each_exemption_covered() -> None:
    questions = [
        {"number": "1", "text": "How many agency staff were employed?", "answer": "released", "exemptions": []},
        {"number": "5", "text": "Please provide the staffing costs of each ward for 2023", "answer": "cost",
         "exemptions": ["FOIA s.12"]},
        {"number": "6", "text": "The names of the agencies used", "answer": "withheld", "exemptions": ["FOIA s.43(2)"]},
        {"number": "7", "text": "The rates paid to the agencies", "answer": "withheld", "exemptions": ["FOIA s.43(2)"]},
    ]
    assert describe_decision("partially_disclosed", ["FOIA s.12", "FOIA s.43(2)"], questions) == (
        "partly released; cost limit (s.12) for question 5, staffing costs of each ward for…; "
        "withheld under s.43(2) (commercial interests) for questions 6 and 7")
    # Applied to every question: nothing to single out.
    everything = [dict(q, answer="cost", exemptions=["FOIA s.12"]) for q in questions]
    assert describe_decision("refused", ["FOIA s.12"], everything) == "refused; cost limit (s.12)"


def test_prior_page_and_json(small_archive) -> None:
    client = create_app(small_archive).test_client()
    page = client.get("/prior", query_string={"text": DRAFT}).get_data(as_text=True)
    assert "Similar requests have been answered" in page and "2018080000612" in page
    data = client.get("/prior.json", query_string={"text": DRAFT, "authority": "Kent Police"}).get_json()
    first = data["results"][0]
    assert set(first) >= {"id", "title", "force", "authority", "date", "outcome", "exemptions",
                          "topics", "snippet", "url", "reference", "same_body", "summary"}
    assert data["summary"].startswith("Metropolitan Police Service answered")
    assert client.get("/prior").status_code == 200  # the empty form
    assert client.get("/prior.json").status_code == 400
    assert client.get("/prior.json", query_string={"text": "x" * 6000}).status_code == 400


def test_a_draft_is_sent_by_post_at_any_length_the_form_allows(small_archive) -> None:
    # 4,900 characters: as a GET, its request line was past gunicorn's 4,094 (a bare 414).
    long_draft = DRAFT + " " + ("Please include the make and model of each camera. " * 100)[:4900 - len(DRAFT) - 1]
    assert len(long_draft) == 4900
    client = create_app(small_archive).test_client()
    page = client.get("/prior").get_data(as_text=True)
    assert '<form class="prior" action="/prior" method="post">' in page
    response = client.post("/prior", data={"text": long_draft, "authority": "Kent Police"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Similar requests have been answered" in html
    assert "2018080000612" in html and response.headers["Referrer-Policy"] == "no-referrer"
    data = client.post("/prior.json", data={"text": long_draft}).get_json()
    assert data["results"][0]["reference"] == "2018080000612"
    # A link to a short draft still works, and answers as the form does.
    linked = client.get("/prior.json", query_string={"text": DRAFT}).get_json()
    assert linked == client.post("/prior.json", data={"text": DRAFT}).get_json()


def test_the_access_log_never_holds_a_draft_or_a_search() -> None:
    # gunicorn's line has the path, not the query string, and no Referer (which would carry
    # a /prior?text=... address from the page a visitor came from).
    from archive.config import Config
    from archive.web.server import gunicorn_settings

    settings = gunicorn_settings(Config.for_directory("/tmp/x"), "127.0.0.1", 5000)
    fmt = settings["access_log_format"]
    assert "%(U)s" in fmt
    assert not any(atom in fmt for atom in ("%(r)s", "%(q)s", "%(f)s", "%(u)s?"))


def test_matched_on_shows_the_drafts_words_not_stems(reader) -> None:
    # "Matched on: sinc, peopl, deploi" showed the index's stems to the public.
    draft = "How many people were recognised since facial recognition cameras were deployed in London?"
    result = prior(reader, draft)
    assert result.terms and all(word in draft.lower() for word in result.terms)
    assert "recognition" in result.terms or "facial" in result.terms
    assert not {"recognit", "deploi", "peopl", "sinc", "camera"} & set(result.terms)

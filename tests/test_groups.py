"""Round robins: the request read from a response (ingest/metadata/request.py), the
grouping as documents are ingested (ingest/grouping.py), and the group pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.models import Document, Metadata
from ingest.grouping import Grouper, jaccard, print_of
from ingest.metadata.request import normalise_request, request_text

QUESTION = ("1. How many drones (unmanned aerial vehicles) does the force own or lease, and of which "
            "make and model?\n\n2. How many times were drones deployed between 2020 and 2022, and for "
            "what purposes?\n\n3. How much has the force spent on drones, including training?")


@pytest.mark.parametrize("text, start", [
    (f"Dear Ms Patel,\n\nYou asked:\n{QUESTION}\n\nDECISION\n\nWe hold it.", "1. How many drones"),
    (f"Your request:\n{QUESTION}\n\nOur response\nWe hold it.", "1. How many drones"),
    (f"Request: {QUESTION}\n\nResponse: released.", "1. How many drones"),
    (f"I refer to your request received by Kent Police on 6 May 2023. I note you seek access to the "
     f"following\ninformation:\n\n{QUESTION}\n\nSEARCHES TO LOCATE INFORMATION\n", "1. How many drones"),
    (f"Thank you for your request for information received on 11 September\n2017 concerning:\n\n{QUESTION}\n\n"
     "This request is being handled under the Freedom of Information Act 2000.", "1. How many drones"),
    (f"Dear Claudia Robinson\n\nYour Request\n\n{QUESTION}\n\nI can confirm that we hold it.", "1. How many drones"),
    ("Subject: Drones\n\n----- Request from requester, 2024-01-02 -----\nDear Kent Police,\n"
     f"{QUESTION}\nYours faithfully,\nA Person\n\n----- Response from authority, 2024-01-20 -----\n"
     "Dear A Person, we hold it.", "1. How many drones"),
])
def test_the_request_is_read_from_the_response(text: str, start: str) -> None:
    request = request_text(text)
    assert request.startswith(start)
    assert "including training" in request
    assert "DECISION" not in request and "Yours faithfully" not in request and "hold it" not in request


@pytest.mark.parametrize("text", [
    "FREEDOM OF INFORMATION REQUEST – FOI/23/03673\n\nWe hold the information and release it.",
    "Thank you for your request. Request: see below.\n\nWe hold it.",
    "",
])
def test_no_request_is_found_where_none_is_quoted(text: str) -> None:
    assert request_text(text) == ""


def test_normalising_drops_the_bodys_name_dates_and_figures() -> None:
    a = normalise_request("How much did Kent Police spend on overtime between 2019 and 2022 (£1,000s)?",
                          ("Kent Police",))
    b = normalise_request("How much did West Midlands Police spend on overtime between 2016 and 2019?",
                          ("West Midlands Police",))
    assert a == b == "how much did spend on overtime between and"


def _doc(n: int, text: str, authority: str) -> Document:
    return Document(id=f"{n:016x}", sha256=f"{n:064x}", title=f"doc {n}", text=text, format="txt",
                    source="t", source_url=None, ingested="", meta=Metadata(authority=authority))


def letter(body: str, question: str = QUESTION) -> str:
    return f"{body}\nDear Sir,\n\nYou asked:\n{question}\n\nDECISION\n\n{body} holds the information."


OTHER = ("1. How many penalty charge notices were issued on each street last year?\n\n"
         "2. How much income was received from them, and how many were cancelled on appeal?")


def test_the_grouper_joins_near_duplicates_in_one_batch_and_across_commits(tmp_path: Path) -> None:
    from archive.index import IndexWriter

    writer = IndexWriter(tmp_path / "index")
    grouper = Grouper(writer.ix)
    first = _doc(1, letter("Kent Police"), "Kent Police")
    second = _doc(2, letter("Durham Constabulary"), "Durham Constabulary")
    other = _doc(3, letter("Leeds City Council", OTHER), "Leeds City Council")
    for doc in (first, second, other):
        grouper.assign(doc)
        writer.update(doc)
    assert first.group == second.group == first.id  # the earliest founds the group
    assert other.group == other.id
    assert first.request_bands and first.request.startswith("1. How many drones")
    writer.commit()
    grouper.committed()  # the in-memory table is gone: the next one is found in the index
    third = _doc(4, letter("Cumbria Constabulary"), "Cumbria Constabulary")
    assert grouper.assign(third) == first.id
    none = _doc(5, "No quoted request here at all.", "Kent Police")
    assert grouper.assign(none) is None and none.request_bands == []
    grouper.close()


def test_the_threshold_separates_a_reworded_copy_from_another_question() -> None:
    same = print_of(QUESTION.replace("including training", "training included"))
    assert jaccard(print_of(QUESTION).shingles, same.shingles) >= 0.6
    assert jaccard(print_of(QUESTION).shingles, print_of(OTHER).shingles) < 0.1


def test_ingest_groups_a_round_robin_and_the_site_shows_it(config, tmp_path: Path) -> None:
    from archive.web import create_app
    from ingest.runs import ingest_paths

    folder = tmp_path / "in"
    folder.mkdir()
    for name, body in (("kent", "Kent Police"), ("durham", "Durham Constabulary"),
                       ("leeds", "Leeds City Council")):
        question = OTHER if name == "leeds" else QUESTION
        (folder / f"{name}.txt").write_text(letter(body, question)
                                            + "\nWithheld under section 40(2) of the Act.\n")
    ingest_paths(config, [str(folder)])
    client = create_app(config).test_client()
    listing = client.get("/groups").get_data(as_text=True)
    assert "2 responses" in listing
    group_url = listing.split('href="/groups/', 1)[1].split('"', 1)[0]
    data = client.get(f"/groups/{group_url}.json").get_json()
    assert data["size"] == 2 and data["bodies"] == 2
    [listed] = client.get("/groups.json").get_json()["groups"]  # the index as JSON
    assert listed["id"] == group_url and listed["size"] == 2
    assert listed["json_url"] == f"http://localhost/groups/{group_url}.json"
    assert {r["force"] for r in data["results"]} == {"Kent Police", "Durham Constabulary"}
    assert data["request"].startswith("1. How many drones")
    page = client.get(f"/groups/{group_url}").get_data(as_text=True)
    assert 'href="/forces/kent-police"' in page and 'href="/exemptions/foia-s40"' in page
    doc = client.get(data["results"][0]["url"]).get_data(as_text=True)
    assert f'href="/groups/{group_url}"' in doc
    assert client.get(data["results"][0]["url"] + ".json").get_json()["group"]["size"] == 2
    # A document alone in its group links to none.
    leeds = client.get("/search.json?authority=Leeds+City+Council").get_json()["results"][0]
    assert client.get(leeds["url"] + ".json").get_json()["group"] is None
    assert f"/groups/{group_url}</loc>" in client.get("/sitemap.xml").get_data(as_text=True)
    # Check before you file points a requester at the whole round robin.
    prior = client.get("/prior.json", query_string={"text": QUESTION}).get_json()
    grouped = [r for r in prior["results"] if r["group"]]
    assert {r["force"] for r in grouped} == {"Kent Police", "Durham Constabulary"}
    assert all(r["group"]["url"] == f"/groups/{group_url}" for r in grouped)
    assert f'href="/groups/{group_url}"' in client.get("/prior", query_string={"text": QUESTION}).get_data(as_text=True)
    assert client.get("/groups/ffff").status_code == 404
    assert client.get("/groups/not-an-id").status_code == 404


def test_a_group_link_counts_only_live_members(tmp_path: Path) -> None:
    """The size on a document's group link: members taken down or replaced are not counted
    (it is read from the generation's postings arrays, deleted documents masked)."""
    from archive.groups import group_of
    from archive.index import IndexWriter
    from archive.reader import IndexReader
    from tests.conftest import make_doc

    writer = IndexWriter(tmp_path / "index")
    for n in range(4):
        doc = make_doc(n, title=f"copy {n}", text="the same question")
        doc.group = "a1"
        writer.update(doc)
    writer.commit()
    reader = IndexReader(tmp_path / "index")
    assert group_of(reader, f"{0:016x}") == ("a1", 4)
    writer.delete(f"{3:016x}")
    replaced = make_doc(2, title="copy 2", text="answered again")  # replaced: no longer a member
    writer.update(replaced)
    writer.commit()
    assert group_of(reader, f"{0:016x}") == ("a1", 2)
    assert group_of(reader, f"{2:016x}") is None

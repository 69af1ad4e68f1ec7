"""The JSON twins of body, exemption and index pages, the statistics of how fast bodies
answer (with the bank holidays of each part of the UK), and CORS behind a setting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from archive.config import ConfigError, load
from archive.web import create_app
from archive.workdays import working_days


# -- working days, as the Acts count them ---------------------------------------------------


@pytest.mark.parametrize("received, responded, regime, expected", [
    (date(2024, 2, 1), date(2024, 2, 29), "FOIA", 20),  # the twentieth working day after receipt
    (date(2024, 2, 1), date(2024, 3, 1), "FOIA", 21),
    (date(2024, 2, 1), date(2024, 2, 1), "FOIA", 0),   # answered the day it came
    (date(2024, 2, 2), date(2024, 2, 5), "FOIA", 1),   # a weekend does not count
    # St Patrick's Day (Northern Ireland) stops the clock for every FOIA body, not for FOISA.
    (date(2023, 3, 16), date(2023, 3, 20), "FOIA", 1),
    (date(2023, 3, 16), date(2023, 3, 20), "FOISA", 2),
    # St Andrew's Day (Scotland), 30 November 2023, a Thursday: off for both.
    (date(2023, 11, 29), date(2023, 12, 1), "FOIA", 1),
    (date(2023, 11, 29), date(2023, 12, 1), "FOISA", 1),
    # Easter Monday is a bank holiday in England, Wales and Northern Ireland, not Scotland.
    (date(2024, 3, 28), date(2024, 4, 2), "FOISA", 2),  # Good Friday off; Monday and Tuesday count
    (date(2024, 3, 28), date(2024, 4, 2), "EIR", 1),
    # The state funeral of 19 September 2022, a one-off bank holiday.
    (date(2022, 9, 16), date(2022, 9, 20), "FOIA", 1),
    (date(2024, 3, 1), date(2024, 2, 1), "FOIA", None),  # a response before its request
    (date(2020, 1, 1), date(2023, 1, 1), "FOIA", None),  # years apart: a misread date
])
def test_working_days(received: date, responded: date, regime: str, expected: int | None) -> None:
    assert working_days(received, responded, regime) == expected


# -- the statistics ----------------------------------------------------------------------------


def _archive(config, docs, date_source: str = "response"):  # type: ignore[no-untyped-def]
    from archive.index import IndexWriter
    from tests.conftest import make_doc

    writer = IndexWriter(config.index_path)
    for n, (body, received, responded, exemptions) in enumerate(docs, start=1):
        force = None if body.endswith("Council") else body
        doc = make_doc(n, title=f"Response {n}", text="drones", force=force, authority=body,
                       date=responded, exemptions=exemptions)
        doc.meta.received, doc.meta.date_source = received, date_source
        writer.update(doc)
    writer.commit()
    return create_app(config).test_client()


# Kent: five answered in 10, 15, 20, 25 and 30 working days (3 of 5 on time), one undated.
# Durham: five in 5 working days each, two citing s.40. Leeds: two, too few to rank.
KENT = [("Kent Police", "2024-02-01", day, ex) for day, ex in [
    ("2024-02-15", ()), ("2024-02-22", ()), ("2024-02-29", ("FOIA s.40(2)",)),
    ("2024-03-07", ()), ("2024-03-14", ())]] + [("Kent Police", None, "2024-03-01", ())]
DURHAM = [("Durham Constabulary", "2023-01-09", "2023-01-16", ("FOIA s.40(2)",) if n < 2 else ())
          for n in range(5)]
LEEDS = [("Leeds City Council", "2023-01-09", "2023-01-10", ("FOIA s.40(2)",))] * 2


@pytest.fixture
def timed(config):  # type: ignore[no-untyped-def]
    return _archive(config, KENT + DURHAM + LEEDS)


def test_statistics_rank_bodies_by_answers_on_time(timed) -> None:
    data = timed.get("/statistics.json").get_json()
    assert data["limit_working_days"] == 20 and data["minimum_responses"] == 5
    assert [(r["name"], r["answered"], r["median_working_days"], r["within_limit"], r["responses"])
            for r in data["timeliness"]] == [("Durham Constabulary", 5, 5.0, 5, 5),
                                             ("Kent Police", 5, 20.0, 3, 6)]
    assert data["timeliness"][1]["share_within_limit"] == 0.6
    assert data["timeliness"][1]["url"] == "http://localhost/forces/kent-police"
    # Use of the most cited exemption: Durham 2 of 5, Kent 1 of 6; Leeds has too few responses.
    assert data["exemption"] == "FOIA s.40"
    assert [(u["name"], u["count"], u["responses"], u["share"]) for u in data["exemption_use"]] == [
        ("Durham Constabulary", 2, 5, 0.4), ("Kent Police", 1, 6, round(1 / 6, 4))]
    assert data["exemptions"][0]["section"] == "FOIA s.40" and data["exemptions"][0]["count"] == 5  # Leeds too
    page = timed.get("/statistics").get_data(as_text=True)
    assert page.index("Durham Constabulary") < page.index("Kent Police")
    assert "60% (3)" in page


@pytest.mark.parametrize("date_source", ["received", "source"])
def test_a_date_the_response_does_not_give_itself_is_not_timed(config, date_source: str) -> None:
    client = _archive(config, DURHAM, date_source)
    assert client.get("/statistics.json").get_json()["timeliness"] == []
    assert client.get("/forces/durham-constabulary.json").get_json()["timeliness"]["answered"] == 0


def test_statistics_for_an_exemption_nobody_cites_is_a_400(timed) -> None:
    response = timed.get("/statistics.json?exemption=FOIA+s.43")
    assert response.status_code == 400
    assert "FOIA s.43" in response.get_json()["error"]["message"]
    assert timed.get("/statistics.json?exemption=FOIA+s.40(2)").get_json()["exemption"] == "FOIA s.40"


def test_a_body_shows_its_time_taken_by_year(timed) -> None:
    data = timed.get("/forces/kent-police.json").get_json()
    timing = data["timeliness"]
    assert (timing["answered"], timing["median_working_days"], timing["within_limit"]) == (5, 20.0, 3)
    assert [(y["year"], y["answered"]) for y in timing["years"]] == [("2024", 5)]
    durham = timed.get("/forces/durham-constabulary.json").get_json()["timeliness"]
    assert durham["years"] == [{"year": "2023", "answered": 5, "median_working_days": 5.0,
                                "within_limit": 5, "share_within_limit": 1.0}]
    late = timed.get("/search.json?force=Kent+Police&sort=date").get_json()["results"][1]
    assert timed.get(late["url"] + ".json").get_json()["working_days"] == 25  # 2024-02-01 to 03-07
    assert "answered in 25 working days, later than the 20" in timed.get(late["url"]).get_data(as_text=True)
    page = timed.get("/forces/kent-police").get_data(as_text=True)
    assert "the median took 20 working days, and 60% (3) came within the 20 working days" in page


# -- JSON twins --------------------------------------------------------------------------------


@pytest.fixture
def client(small_archive):  # type: ignore[no-untyped-def]
    return create_app(small_archive).test_client()


def test_body_pages_have_json_twins(client) -> None:
    data = client.get("/forces/kent-police.json").get_json()
    assert data["name"] == "Kent Police" and data["field"] == "force" and data["total"] == 2
    assert data["url"] == "http://localhost/forces/kent-police"
    assert [r["title"] for r in data["recent"]] == ["Taser use 2023", "Body worn video retention"]
    assert data["recent"][0]["url"].startswith("http://localhost/documents/")
    assert {e["value"]: e["count"] for e in data["exemptions"]} == {"FOIA s.40": 1}
    assert data["exemptions"][0]["url"] == "http://localhost/exemptions/foia-s40"
    assert data["timeliness"]["answered"] == 0  # no received dates in these letters
    assert client.get(data["search_url"].replace("http://localhost", "")).get_json()["total"] == 2
    council = client.get("/authorities/sheffield-city-council.json").get_json()
    assert council["field"] == "authority" and council["total"] == 1
    missing = client.get("/forces/no-such-force.json")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404
    assert 'href="/forces/kent-police.json"' in client.get("/forces/kent-police").get_data(as_text=True)


def test_exemption_pages_and_the_index_have_json_twins(client) -> None:
    data = client.get("/exemptions/foia-s40.json").get_json()
    assert data["section"] == "FOIA s.40" and data["total"] == 2
    assert data["legislation_url"] == "https://www.legislation.gov.uk/ukpga/2000/36/section/40"
    assert {b["value"]: b["url"] for b in data["bodies"]} == {
        "Kent Police": "http://localhost/forces/kent-police",
        "Example Council": "http://localhost/authorities/example-council"}
    assert client.get("/exemptions/foia-s99.json").get_json()["error"]["status"] == 404
    listing = client.get("/exemptions.json").get_json()["exemptions"]
    counts = {e["value"]: e["count"] for e in listing}
    assert counts["FOIA s.40"] == 2 and counts["FOIA s.24"] == 2
    s40 = next(e for e in listing if e["value"] == "FOIA s.40")
    assert s40["json_url"] == "http://localhost/exemptions/foia-s40.json"


# -- CORS ---------------------------------------------------------------------------------------


def _with_cors(config, origins):  # type: ignore[no-untyped-def]
    return create_app(replace(config, site=replace(config.site, cors_origins=origins))).test_client()


def test_cors_is_off_by_default(client) -> None:
    response = client.get("/search.json", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_the_listed_origins_on_data_paths_only(small_archive) -> None:
    client = _with_cors(small_archive, ("https://example.org",))
    asked = {"Origin": "https://example.org"}
    for path in ("/search.json", "/search.csv", "/search.jsonl", "/search.atom", "/health",
                 "/forces/kent-police.json", "/statistics.json", "/search.json?q=*"):
        response = client.get(path, headers=asked)
        response.get_data()  # a streamed export runs to its end
        assert response.headers.get("Access-Control-Allow-Origin") == "https://example.org", path
        assert "Origin" in response.headers.get("Vary", ""), path
        assert "Access-Control-Allow-Credentials" not in response.headers
    for path in ("/search", "/forces/kent-police", "/prior.json?text=drones"):
        assert "Access-Control-Allow-Origin" not in client.get(path, headers=asked).headers, path
    other = client.get("/search.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/search.json", headers={**asked, "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_cors_for_anyone(small_archive) -> None:
    client = _with_cors(small_archive, ("*",))
    response = client.get("/exemptions.json", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("value, message", [
    ('"*"', "must be a list"),
    ('["https://example.org/path"]', "is not an origin"),
    ('["example.org"]', "is not an origin"),
])
def test_bad_cors_origins_are_config_errors(tmp_path, value: str, message: str) -> None:
    file = tmp_path / "config.toml"
    file.write_text(f"[site]\ncors_origins = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load(file)
    assert message in str(caught.value) and "cors_origins" in str(caught.value)


def test_statistics_can_rank_bodies_with_fewer_responses(timed) -> None:
    data = timed.get("/statistics.json?minimum=2").get_json()
    assert data["minimum_responses"] == 2
    # Leeds and Durham always on time: Leeds first by its quicker median (1 against 5).
    assert [r["name"] for r in data["timeliness"]] == ["Leeds City Council", "Durham Constabulary",
                                                      "Kent Police"]
    assert data["exemption_use"][0] == {"name": "Leeds City Council",
                                        "url": "http://localhost/authorities/leeds-city-council",
                                        "responses": 2, "count": 2, "share": 1.0}
    assert data["exemptions"][0]["statistics_url"].endswith("exemption=FOIA+s.40&minimum=2")
    for bad in ("0", "x", "1001", "-3"):
        response = timed.get(f"/statistics.json?minimum={bad}")
        assert response.status_code == 400 and "minimum" in response.get_json()["error"]["message"]

"""foi-archive correct / corrections: hand corrections of a response's metadata, at once,
kept through every later ingest and rebuild, withdrawn with --clear, and written out as
labels that `foi-archive evaluate` scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from archive.config import Config
from archive.models import Exemption, Metadata
from archive.store import Store
from archive.web import create_app
from cli import main
from ingest import pipeline
from ingest.corrections import CorrectionError, apply_corrections
from ingest.tasks.correct import correct, list_corrections
from ingest.tasks.evaluate import evaluate
from ingest.runs import ingest_paths
from tests.archives import index_fields

KENT = """Kent Police
Freedom of Information Office

Our reference: FOI 1234/23
Date: 2 May 2023

Dear Requester,

Freedom of Information Request

Thank you for your request for information regarding Taser use, which was received on 3 April 2023.

You asked: How many times was Taser drawn in 2022, and the names of the officers who drew it?

Kent Police holds the information you requested. Taser was drawn 120 times in 2022.

The names of the officers are withheld under section 40(2) of the Freedom of Information Act
2000, as they are personal data.

Yours sincerely,

Information Rights Unit
Kent Police
"""

SHEFFIELD = """Sheffield City Council
Information Management

Reference: FOI/5678
Date: 15 January 2023

Dear Sir or Madam,

Request for information

You asked for the number of potholes repaired in 2022.

Please find the information attached. The council repaired 4,512 potholes in 2022. All the
information you asked for is disclosed in full.

Yours faithfully,

Information Management Team
Sheffield City Council
"""


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "kent_taser.txt").write_text(KENT)
    (folder / "sheffield_potholes.txt").write_text(SHEFFIELD)
    return folder


@pytest.fixture
def ingested(config: Config, letters: Path, monkeypatch) -> Config:  # type: ignore[no-untyped-def]
    """The two letters ingested through the real pipeline."""
    monkeypatch.setenv("USER", "records-officer")
    summary = ingest_paths(config, [str(letters)])
    assert summary.new == 2, summary.line()
    return config


def _id(config: Config, name: str) -> str:
    with Store(config.store_path) as store:
        return next(d.id for d in store.documents() if d.locator.endswith(name))


def _json(client, doc_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/documents/{doc_id}.json")
    assert response.status_code == 200
    return response.get_json()


def _facet(client, name: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    facets = client.get("/search.json").get_json()["facets"]
    return {v["value"]: v["count"] for v in facets[name]}


def _cli(config: Config, *args: str):  # type: ignore[no-untyped-def]
    conf = config.store_path.parent / "config.toml"
    if not conf.exists():
        conf.write_text(f'[store]\npath = "{config.store_path}"\n[index]\npath = "{config.index_path}"\n')
    return CliRunner().invoke(main, [*args, "--config", str(conf)])


def _other_outcome(machine: str | None) -> str:
    return "partially_disclosed" if machine != "partially_disclosed" else "mixed"


# -- applying --------------------------------------------------------------------------------


def test_apply_corrections_takes_the_latest_row_of_each_field_and_a_clear_withdraws() -> None:
    meta = Metadata(authority="Kent Police", authority_type="police", force="Kent Police",
                    outcome="refused", exemptions=[Exemption("FOIA s.40(2)", "withheld under s.40(2)", 9)],
                    date="2023-05-02", date_source="received")
    rows = [
        {"field": "outcome", "action": "correct", "value": '"not_held"'},
        {"field": "outcome", "action": "correct", "value": '"partially_disclosed"'},
        {"field": "exemptions", "action": "correct", "value": '["FOIA s.40(2)", "FOIA s.31(1)(a)"]'},
        {"field": "authority", "action": "correct", "value": '"Metropolitan Police"'},
        {"field": "date", "action": "correct", "value": '"2023-05-03"'},
        {"field": "reference", "action": "correct", "value": '"X1"'},
        {"field": "reference", "action": "clear", "value": None},
    ]
    out = apply_corrections(meta, rows)
    assert out.outcome == "partially_disclosed"
    assert [(e.code, e.sentence) for e in out.exemptions] == [
        ("FOIA s.40(2)", "withheld under s.40(2)"), ("FOIA s.31(1)(a)", "")]
    # Type and force re-read from the registry under its canonical name.
    assert (out.authority, out.authority_type, out.force) == (
        "Metropolitan Police Service", "police", "Metropolitan Police Service")
    assert (out.date, out.date_source) == ("2023-05-03", "response")
    assert out.reference is None and out.corrected == ["outcome", "exemptions", "authority", "date"]
    assert meta.outcome == "refused" and meta.corrected == []  # the input is left as it was
    unknown = apply_corrections(meta, [{"field": "authority", "value": '"Little Snoring Parish Council"'}])
    assert (unknown.authority, unknown.authority_type, unknown.force) == (
        "Little Snoring Parish Council", "council", None)
    assert apply_corrections(meta, []) == meta


# -- at once, on the site ------------------------------------------------------------------------


def test_a_correction_shows_at_once_on_the_page_in_json_and_in_the_facets(ingested: Config) -> None:
    kent = _id(ingested, "kent_taser.txt")
    client = create_app(ingested).test_client()
    before = _json(client, kent)
    outcomes_before, exemptions_before = _facet(client, "outcome"), _facet(client, "exemption")
    assert before["corrected"] == []
    new = _other_outcome(before["outcome"])
    result = correct(ingested, kent, {"outcome": new, "exemptions": ["FOIA s.40(2)", "foia s.31(1)(a)"]},
                     reason="the letter releases the count and withholds the names")
    assert result.indexed and result.corrected == ["outcome", "exemptions"]

    after = _json(client, kent)
    assert after["outcome"] == new and after["outcome_evidence"] is None
    assert [e["code"] for e in after["exemptions"]] == ["FOIA s.40(2)", "FOIA s.31(1)(a)"]
    assert after["corrected"] == ["outcome", "exemptions"]
    assert (after["authority"], after["reference"], after["date"]) == (
        before["authority"], before["reference"], before["date"])  # the rest is untouched
    outcomes = _facet(client, "outcome")
    assert outcomes.get(new, 0) == outcomes_before.get(new, 0) + 1
    if before["outcome"]:
        assert outcomes.get(before["outcome"], 0) == outcomes_before[before["outcome"]] - 1
    exemptions = _facet(client, "exemption")
    assert exemptions["FOIA s.31"] == exemptions_before.get("FOIA s.31", 0) + 1 == 1
    assert client.get("/search.json", query_string={"outcome": new}).get_json()["total"] >= 1

    page = BeautifulSoup(client.get(f"/documents/{kent}").get_data(as_text=True), "html.parser")
    assert page.select_one("p.corrected-note").get_text(" ", strip=True) == (
        "Corrected by hand: outcome, exemptions. These replace what was read from the text.")
    heading = page.select_one("#ex-heading")
    assert heading.select_one(".corrected-mark").get_text(" ", strip=True) == "corrected by hand"
    assert page.select_one("p.badges .corrected-mark") is not None
    marked = {dd.find_previous_sibling("dt").get_text(strip=True)
              for dd in page.select("dl.facts dd") if dd.select_one(".corrected-mark")}
    assert marked == set()  # authority, force, reference and date were not corrected

    with Store(ingested.store_path) as store:
        log = [(r["id"], r["field"], r["action"], json.loads(r["value"]), r["user"])
               for r in store.corrections(history=True)]
    assert log == [(kent, "outcome", "correct", new, "records-officer"),
                   (kent, "exemptions", "correct", ["FOIA s.40(2)", "FOIA s.31(1)(a)"], "records-officer")]


def test_authority_reference_and_date_corrections_are_marked_beside_each_field(ingested: Config) -> None:
    doc = _id(ingested, "sheffield_potholes.txt")
    correct(ingested, doc, {"authority": "Metropolitan Police", "reference": "2018080000612",
                            "date": "2023-01-16"}, reason="wrong letter head read")
    client = create_app(ingested).test_client()
    data = _json(client, doc)
    assert (data["authority"], data["authority_type"], data["force"]) == (
        "Metropolitan Police Service", "police", "Metropolitan Police Service")
    assert (data["reference"], data["date"], data["date_source"]) == ("2018080000612", "2023-01-16", "response")
    assert data["corrected"] == ["authority", "reference", "date"]
    page = BeautifulSoup(client.get(f"/documents/{doc}").get_data(as_text=True), "html.parser")
    marked = {dd.find_previous_sibling("dt").get_text(strip=True)
              for dd in page.select("dl.facts dd") if dd.select_one(".corrected-mark")}
    assert marked == {"Authority", "Police force", "Reference", "Response date"}
    assert _facet(client, "force").get("Metropolitan Police Service") == 1
    # The log keeps the registry's name for a body it knows, as typed for one it does not.
    assert [(c.field, c.value) for c in list_corrections(ingested)] == [
        ("authority", "Metropolitan Police Service"), ("reference", "2018080000612"),
        ("date", "2023-01-16")]


# -- kept on every later ingest and rebuild ---------------------------------------------------------


def test_a_correction_survives_a_reingest_that_reads_the_metadata_again_and_a_rebuild(
        ingested: Config, letters: Path, monkeypatch) -> None:
    kent = _id(ingested, "kent_taser.txt")
    machine = index_fields(ingested.index_path)[kent]
    new = _other_outcome(machine.get("outcome"))
    correct(ingested, kent, {"outcome": new, "exemptions": ["none"], "date": "2023-05-03"},
            reason="checked against the letter")
    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", "corrections-test")  # the reader changed
    summary = ingest_paths(ingested, [str(letters)])
    assert summary.unchanged == 2 and summary.new == 0
    with Store(ingested.store_path) as store:
        row = store.document(kent)
        assert store.extraction(row.sha256, "corrections-test") is not None  # it was read again
        stored = store.version_record(kent, row.sha256)["meta"]
    assert stored["outcome"] == machine.get("outcome") and stored["corrected"] == []  # the machine's
    fields = index_fields(ingested.index_path)[kent]
    assert (fields["outcome"], fields.get("exemption"), fields["year"]) == (new, None, "2023")
    assert json.loads(fields["details_json"])["corrected"] == ["outcome", "exemptions", "date"]

    for args in (["rebuild"], ["rebuild", "--reread-metadata"]):
        result = _cli(ingested, *args)
        assert result.exit_code == 0, result.output
        fields = index_fields(ingested.index_path)[kent]
        assert (fields["outcome"], fields.get("exemption")) == (new, None)
        assert json.loads(fields["details_json"])["corrected"] == ["outcome", "exemptions", "date"]
        assert json.loads(fields["exemptions_json"]) == []


def test_clear_withdraws_a_correction_and_the_machine_reading_is_back(ingested: Config) -> None:
    kent = _id(ingested, "kent_taser.txt")
    machine = index_fields(ingested.index_path)[kent]
    correct(ingested, kent, {"outcome": _other_outcome(machine.get("outcome")),
                             "exemptions": ["FOIA s.43(2)"]}, reason="first look")
    correct(ingested, kent, {}, clear=["outcome"], reason="the reader was right")
    fields = index_fields(ingested.index_path)[kent]
    assert fields.get("outcome") == machine.get("outcome")
    assert fields["provision"] == "FOIA s.43(2)"
    assert json.loads(fields["details_json"])["corrected"] == ["exemptions"]
    correct(ingested, kent, {}, clear=["exemptions"], reason="the reader was right")
    fields = index_fields(ingested.index_path)[kent]
    for name in ("outcome", "exemption", "provision", "exemptions_json", "date", "authority"):
        assert fields.get(name) == machine.get(name), name
    assert json.loads(fields["details_json"])["corrected"] == []
    assert list_corrections(ingested) == []
    history = [(c.field, c.action, c.in_force) for c in list_corrections(ingested, history=True)]
    assert history == [("outcome", "correct", False), ("exemptions", "correct", False),
                       ("outcome", "clear", False), ("exemptions", "clear", False)]
    with pytest.raises(CorrectionError, match="no correction of outcome"):
        correct(ingested, kent, {}, clear=["outcome"], reason="again")


# -- refused, changing nothing ------------------------------------------------------------------------


@pytest.mark.parametrize("args, status, message", [
    (["--outcome", "maybe", "--reason", "r"], 2, "unknown outcome 'maybe'"),
    (["--exemption", "s.40(2)", "--reason", "r"], 2, "did you mean 'FOIA s.40'"),
    (["--exemption", "FOIA s.99", "--reason", "r"], 2, "not a provision in the normal form"),
    (["--exemption", "FOIA s.17", "--reason", "r"], 2, "procedural"),
    (["--exemption", "none", "--exemption", "FOIA s.40(2)", "--reason", "r"], 2, "give it alone"),
    (["--date", "2023-13-01", "--reason", "r"], 2, "YYYY-MM-DD"),
    (["--date", "02/05/2023", "--reason", "r"], 2, "YYYY-MM-DD"),
    (["--date", "2999-01-01", "--reason", "r"], 2, "in the future"),
    (["--reference", "  ", "--reason", "r"], 2, "the reference is empty"),
    (["--outcome", "refused"], 2, "--reason"),
    (["--outcome", "refused", "--reason", " "], 2, "give the reason"),
    (["--reason", "r"], 2, "nothing to correct"),
    (["--clear", "outcome", "--reason", "r"], 1, "no correction of outcome"),
    (["--outcome", "refused", "--clear", "outcome", "--reason", "r"], 1, "not both"),
    # A bad value next to a good one: neither is written.
    (["--outcome", "refused", "--date", "yesterday", "--reason", "r"], 2, "YYYY-MM-DD"),
])
def test_bad_values_are_refused_and_change_nothing(ingested: Config, args: list[str], status: int,
                                                   message: str) -> None:
    kent = _id(ingested, "kent_taser.txt")
    before = index_fields(ingested.index_path)[kent]
    result = _cli(ingested, "correct", kent, *args)
    assert result.exit_code == status, result.output
    assert message in " ".join(result.output.split())
    assert index_fields(ingested.index_path)[kent] == before
    with Store(ingested.store_path) as store:
        assert store.corrections(history=True) == []


def test_an_unknown_id_is_refused(ingested: Config) -> None:
    result = _cli(ingested, "correct", "0" * 16, "--outcome", "refused", "--reason", "r")
    assert result.exit_code == 1 and "no document 0000000000000000" in result.output


# -- the commands --------------------------------------------------------------------------------------


def test_cli_correct_and_list_corrections(ingested: Config, monkeypatch) -> None:
    monkeypatch.setenv("USER", "ops")
    kent = _id(ingested, "kent_taser.txt")
    done = _cli(ingested, "correct", kent, "--outcome", "partially_disclosed",
                "--exemption", "FOIA s.40(2)", "--exemption", "FOIA s.31(1)(a)", "--reason", "names only")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1:] == ["  outcome = partially_disclosed",
                                            "  exemptions = FOIA s.40(2), FOIA s.31(1)(a)"]
    again = _cli(ingested, "correct", kent, "--exemption", "none", "--reason", "s.31 was not cited")
    assert again.exit_code == 0, again.output
    listed = _cli(ingested, "corrections", "--json")
    rows = [(r["id"], r["field"], r["value"], r["reason"], r["user"]) for r in json.loads(listed.output)]
    assert rows == [(kent, "outcome", "partially_disclosed", "names only", "ops"),
                    (kent, "exemptions", [], "s.31 was not cited", "ops")]
    everything = json.loads(_cli(ingested, "corrections", "--all", "--json").output)
    assert [(r["field"], r["value"], r["in_force"]) for r in everything] == [
        ("outcome", "partially_disclosed", True),
        ("exemptions", ["FOIA s.40(2)", "FOIA s.31(1)(a)"], False),
        ("exemptions", [], True)]
    text = _cli(ingested, "corrections").output.splitlines()
    assert [line.split("  ")[:3] for line in text] == [
        [kent, "outcome = partially_disclosed", "reason: names only"],
        [kent, "exemptions = none", "reason: s.31 was not cited"]]


# -- as evaluation data ------------------------------------------------------------------------------


def test_corrections_written_as_labels_are_scored_by_evaluate(ingested: Config, tmp_path: Path) -> None:
    kent, sheffield = _id(ingested, "kent_taser.txt"), _id(ingested, "sheffield_potholes.txt")
    machine = index_fields(ingested.index_path)
    kent_outcome = _other_outcome(machine[kent].get("outcome"))
    correct(ingested, kent, {"outcome": kent_outcome}, reason="names withheld, count released")
    correct(ingested, sheffield, {"exemptions": ["FOIA s.21"], "reference": "FOI/5678"},
            reason="s.21 for the published part")
    labels = tmp_path / "out" / "labels.json"
    written = _cli(ingested, "corrections", "--labels", str(labels))
    assert written.exit_code == 0, written.output
    entries = {e["id"]: e for e in json.loads(labels.read_text())}
    assert set(entries) == {kent, sheffield}
    k, s = entries[kent], entries[sheffield]
    # Only the corrected fields: a correction of the outcome is no label of "no exemptions".
    assert {key: k[key] for key in k if key not in ("file", "notes")} == {
        "id": kent, "outcome": kent_outcome, "corrected": ["outcome"]}
    assert (s["exemptions"], s["reference"], s["corrected"]) == (["FOIA s.21"], "FOI/5678",
                                                                ["exemptions", "reference"])
    with Store(ingested.store_path) as store:
        for doc_id, entry in entries.items():
            sha = store.document(doc_id).sha256
            assert entry["file"].startswith(f"originals/{sha[:12]}-")
            assert (labels.parent / entry["file"]).read_bytes() == store.read_object(sha)

    result = _cli(ingested, "evaluate", str(labels), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents"] == 2 and report["missing"] == []
    # The outcome is scored on Kent's letter alone, against the correction, which the reader missed.
    assert report["fields"]["outcome"] == {"accuracy": 0.0, "correct": 0, "total": 1}
    assert report["fields"]["reference"] == {"accuracy": 1.0, "correct": 1, "total": 1}
    assert set(report["fields"]) == {"outcome", "reference"}
    # Exemptions on Sheffield's letter alone: s.21 wanted, nothing read (Kent's s.40 not counted).
    assert (report["exemptions"]["tp"], report["exemptions"]["fp"], report["exemptions"]["fn"]) == (0, 0, 1)
    misses = {(m["file"].split("-", 1)[1], m["field"], str(m["expected"])) for m in report["misses"]}
    assert misses == {("kent_taser.txt", "outcome", kent_outcome),
                      ("sheffield_potholes.txt", "exemptions", "['FOIA s.21']")}


def test_evaluate_scores_exemptions_only_where_the_label_has_the_key(tmp_path: Path) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"file": "a.txt", "outcome": "refused"},
                                  {"file": "b.txt", "exemptions": []}]))
    records = [{"path": "a.txt", "exemptions": ["FOIA s.40(2)"], "outcome": "refused"},
               {"path": "b.txt", "exemptions": ["FOIA s.43(2)"], "outcome": None}]
    report = evaluate(labels, records)
    assert (report.exemptions.tp, report.exemptions.fp, report.exemptions.fn) == (0, 1, 0)
    assert [(m.file, m.field) for m in report.misses] == [("b.txt", "exemptions")]
    assert report.fields["outcome"].correct == report.fields["outcome"].total == 1


def test_a_correction_clears_the_readers_confidence_and_unstated_reading() -> None:
    from archive.models import Metadata
    from ingest.corrections import apply_corrections

    meta = Metadata(reference=None, outcome="refused", confidence={"outcome": 0.9},
                    unstated={"reference": {"value": "FOI 1", "confidence": 0.2, "threshold": 0.5}})
    out = apply_corrections(meta, [{"field": "reference", "value": '"FOI 99"'}])
    assert out.reference == "FOI 99" and out.corrected == ["reference"]
    assert "reference" not in out.unstated and out.confidence == {"outcome": 0.9}

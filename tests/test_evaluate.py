"""End to end on the hand-labelled corpus: extract, enrich, score against the project's targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.config import Config
from ingest.metadata.confidence import TARGET_PRECISION, THRESHOLDS
from ingest.tasks.evaluate import (choose_threshold, claims_by_field, cross_validate, evaluate_sets, format_report,
                                   labelled_paths, records_for, same_authority, same_reference)
from ingest.tasks.evaluate import evaluate

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LABELS = SHARED / "corpus" / "labels.json"
HELDOUT = SHARED / "corpus" / "heldout_labels.json"

# Floors on labels.json and heldout/ together (docs/metadata.md, "Measured"). The outcome is
# held twice: as read (stated or not, so a rule that reads worse shows even where it is not
# stated) and as stated (right at least TARGET_PRECISION of the time).
FLOORS = {"authority": 0.95, "reference": 0.95, "date": 0.95}
READ_OUTCOME = 0.80
EXEMPTION_F1 = 0.95
# Held out by whole sources, the chosen thresholds' stated outcomes: measured 0.884.
HELD_OUT_STATED = 0.88


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    if not LABELS.is_file() or not HELDOUT.is_file():
        pytest.skip(f"the labelled corpus is not beside the checkout ({LABELS} or {HELDOUT} is missing)")
    # The one entry point: the records `foi-archive extract --json` prints for the labelled files.
    config = Config.for_directory(tmp_path_factory.mktemp("evaluate"))
    records = [r for path in (LABELS, HELDOUT) for r in records_for(config, path)]
    return records, evaluate_sets((LABELS, HELDOUT), records)[0]


@pytest.fixture(scope="module")
def report(scored):
    return scored[1]


@pytest.fixture(scope="module")
def claims(scored):
    return claims_by_field((LABELS, HELDOUT), scored[0])


def test_every_labelled_document_has_a_record(report) -> None:
    assert report.missing == [] and report.documents >= 100


def test_exemptions_f1(report) -> None:
    assert report.f1 >= EXEMPTION_F1, format_report(report)


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_field_floor(report, field: str) -> None:
    assert report.fields[field].accuracy >= FLOORS[field], format_report(report)


def test_outcomes_as_read(report, claims) -> None:
    right = sum(c.right for c in claims["outcome"])
    assert right / report.fields["outcome"].total >= READ_OUTCOME


def test_stated_outcomes_are_right(report) -> None:
    assert report.stated.accuracy >= TARGET_PRECISION, format_report(report)


@pytest.mark.parametrize("field", ["outcome", "exemptions", "authority", "reference", "date"])
def test_thresholds_are_the_ones_cross_validation_chooses(claims, field: str) -> None:
    # Rerun `foi-archive evaluate labels.json heldout_labels.json --by-source` and copy its
    # thresholds into confidence.THRESHOLDS when a rule changes (docs/metadata.md, "How sure").
    assert THRESHOLDS[field] == choose_threshold(claims[field], TARGET_PRECISION)


def test_held_out_sources_stated_outcomes(claims) -> None:
    cv = {c.field: c for c in cross_validate(claims, TARGET_PRECISION)}
    assert cv["outcome"].groups >= 6
    assert cv["outcome"].precision >= HELD_OUT_STATED
    # Stating fewer makes it no better: most of what is read is still stated.
    assert cv["outcome"].coverage >= 0.6


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

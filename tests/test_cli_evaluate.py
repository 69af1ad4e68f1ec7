"""`foi-archive evaluate` through click's runner, on generated samples and their truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from samplegen.letters import write_samples


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> tuple[Path, Path]:
    """A few sample letters and a labels file (the samples' truth) beside them, plus a config."""
    root = tmp_path_factory.mktemp("cli-evaluate")
    write_samples(root / "samples", count=60)
    truth = json.loads((root / "samples" / "samples.json").read_text(encoding="utf-8"))
    # One letter of each kind the readers get wrong most easily: NCND, EIR, a Scottish body.
    keep = [t for t in truth if t["outcome"] == "neither_confirm_nor_deny"][:1]
    keep += [t for t in truth if t["regime"] == "EIR"][:1] + [t for t in truth if t["regime"] == "FOISA"][:1]
    keep += truth[:3]
    labels = root / "samples" / "labels.json"
    labels.write_text(json.dumps(keep), encoding="utf-8")
    conf = root / "config.toml"
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n[ingest]\nworkers = 2\ntimeout = 20\n')
    return labels, conf


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_prints_scores_per_field(labelled) -> None:
    labels, conf = labelled
    result = invoke("evaluate", str(labels), "--config", str(conf))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("documents scored: 6")
    for line in ("exemptions (section level): P 1.000  R 1.000  F1 1.000", "outcome         1.000",
                 "authority       1.000", "regime          1.000", "reference       1.000", "date            1.000"):
        assert line in out
    assert "topics          P" in out


def test_json_report_and_misses(labelled, tmp_path: Path) -> None:
    labels, conf = labelled
    truth = json.loads(labels.read_text(encoding="utf-8"))
    truth[0]["reference"] = "NOT-THE-REFERENCE-123"  # a label the reader cannot match
    wrong = labels.parent / "wrong.json"
    wrong.write_text(json.dumps(truth), encoding="utf-8")
    result = invoke("evaluate", str(wrong), "--config", str(conf), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] == 6 and data["missing"] == []
    assert data["fields"]["reference"]["correct"] == 5
    assert {"file": truth[0]["file"], "field": "reference", "expected": "NOT-THE-REFERENCE-123"}.items() <= \
        next(m for m in data["misses"] if m["field"] == "reference").items()
    assert text_miss_line(labels.parent, conf, truth[0]["file"])


def text_miss_line(folder: Path, conf: Path, name: str) -> bool:
    out = invoke("evaluate", str(folder / "wrong.json"), "--config", str(conf)).output
    return f"  {name}: reference: expected 'NOT-THE-REFERENCE-123'" in out


def test_labels_that_are_not_a_list_are_an_error(tmp_path: Path, labelled) -> None:
    _, conf = labelled
    bad = tmp_path / "labels.json"
    bad.write_text('{"file": "a.pdf"}')
    result = invoke("evaluate", str(bad), "--config", str(conf))
    assert result.exit_code != 0 and "expected a JSON list" in result.output


def test_several_label_files_and_the_grouped_cross_validation(labelled) -> None:
    labels, conf = labelled
    truth = json.loads(labels.read_text(encoding="utf-8"))
    # Two label files, each with its own source: the groups cross-validation holds out.
    first, second = labels.parent / "first.json", labels.parent / "second.json"
    # ...never the same body in both (sources sharing a body are one group).
    one = [t for t in truth if t["authority"] == truth[0]["authority"]]
    two = [t for t in truth if t["authority"] != truth[0]["authority"]]
    first.write_text(json.dumps([dict(t, source="one") for t in one]), encoding="utf-8")
    second.write_text(json.dumps([dict(t, source="two") for t in two]), encoding="utf-8")
    result = invoke("evaluate", str(first), str(second), "--config", str(conf), "--by-source", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] == 6
    groups = set(data["sources"])
    assert len(groups) == 2 and sum(s["documents"] for s in data["sources"].values()) == 6
    cv = {c["claim"]: c for c in data["cross_validation"]}
    assert set(cv) == {"outcome", "exemptions", "authority", "reference", "date"}
    assert cv["outcome"]["read"] == 6 and cv["outcome"]["right"] == 6
    assert cv["outcome"]["held_out_right"] == cv["outcome"]["held_out_stated"] <= 6
    text = invoke("evaluate", str(first), str(second), "--config", str(conf), "--by-source").output
    assert "grouped cross-validation (leave one source out" in text

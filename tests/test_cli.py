"""The `foi-archive` commands through click's runner."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[store]\npath = "store"\n[index]\npath = "index"\n'
                    '[ingest]\nworkers = 2\ntimeout = 20\n')
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_samples_ingest_search(tmp_path: Path, conf: Path) -> None:
    samples = tmp_path / "samples"
    assert "wrote 60" in run("samples", str(samples))
    out = run("ingest", str(samples), "--config", str(conf))
    assert out.strip().endswith("0 failed, 0 skipped")
    assert out.startswith("60 new")
    again = run("ingest", str(samples), "--config", str(conf))
    assert again.startswith("0 new, 0 changed, 60 unchanged")
    data = json.loads(run("search", "--json", "--config", str(conf)))
    assert data["total"] == 60
    forces = {f["value"] for f in data["facets"]["force"]}
    assert "Metropolitan Police Service" in forces
    text = run("search", "taser", "--config", str(conf))
    lines = text.splitlines()
    count = json.loads(run("search", "taser", "--json", "--config", str(conf)))["total"]
    assert count > 0 and lines[0] == f"{count} responses"
    assert lines[1].startswith("  1. ") and "taser" in lines[1].lower()


def test_search_filters_by_force_and_exemption(tmp_path: Path, conf: Path) -> None:
    samples = tmp_path / "samples"
    run("samples", str(samples))
    run("ingest", str(samples), "--config", str(conf))
    data = json.loads(run("search", "--exemption", "FOIA s.40", "--json", "--config", str(conf)))
    assert data["total"] > 0
    assert all(any(e.startswith("FOIA s.40") for e in r["exemptions"]) for r in data["results"])


def test_config_from_environment(tmp_path: Path, conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOI_ARCHIVE_CONFIG", str(conf))
    result = CliRunner().invoke(main, ["search", "anything"])
    assert result.exit_code == 1
    assert "no index at" in result.output and str(tmp_path / "index") in result.output


def test_bad_query_is_a_clear_error(tmp_path: Path, conf: Path) -> None:
    samples = tmp_path / "samples"
    run("samples", str(samples), "--count", "5")
    run("ingest", str(samples), "--config", str(conf))
    result = CliRunner().invoke(main, ["search", "a*", "--config", str(conf)])
    assert result.exit_code == 1 and "Wildcards" in result.output


def test_extract_json_one_line_per_file_in_order(tmp_path: Path, conf: Path) -> None:
    good = tmp_path / "letter.txt"
    good.write_text("Dear Sir,\nThe information is exempt under section 40(2) of the Freedom of "
                    "Information Act.\nYours sincerely,\nKent Police\n")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"<html>not a pdf</html>")
    out = run("extract", str(bad), str(good), str(tmp_path / "missing.txt"), "--json",
              "--config", str(conf))
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["path"] for r in lines] == [str(bad), str(good), str(tmp_path / "missing.txt")]
    keys = {"path", "format", "title", "text", "authority", "authority_type", "force", "regime",
            "reference", "date", "received", "exemptions", "outcome", "topics", "error"}
    assert all(keys <= set(r) for r in lines)
    assert lines[0]["error"].startswith("wrong_type")
    assert lines[1]["error"] is None and "FOIA s.40(2)" in lines[1]["exemptions"]
    assert lines[2]["error"]


def test_extract_needs_no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml here, and none named
    monkeypatch.delenv("FOI_ARCHIVE_CONFIG", raising=False)
    letter = tmp_path / "letter.txt"
    letter.write_text("Kent Police\nWe do not hold the information you asked for.\n")
    [record] = [json.loads(line) for line in run("extract", str(letter), "--json").splitlines()]
    assert (record["authority"], record["error"]) == ("Kent Police", None)
    assert not (tmp_path / "data").exists()  # nothing stored
    named = CliRunner().invoke(main, ["extract", str(letter), "--config", str(tmp_path / "no.toml")])
    assert named.exit_code == 1 and "config file not found" in named.output


def test_missing_path_is_a_clear_error(tmp_path: Path, conf: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "nope"), "--config", str(conf)])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_every_command_takes_config() -> None:
    for name, command in main.commands.items():
        if name == "samples":
            continue
        assert any(o.name == "config_path" for o in command.params), name


def test_version_and_the_exit_status_of_a_failed_file(tmp_path: Path, conf: Path) -> None:
    from importlib.metadata import version

    assert run("--version").strip() == f"foi-archive {version('foi-archive')}"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Dear Sir, the information you asked for is not held. Yours, Kent Police")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not a PDF at all")
    result = CliRunner().invoke(main, ["ingest", str(folder), "--config", str(conf)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "failed: " in result.output and "broken.pdf" in result.output
    assert result.output.strip().endswith("1 failed, 0 skipped")
    (folder / "broken.pdf").unlink()
    assert run("ingest", str(folder), "--config", str(conf)).strip().endswith("0 failed, 0 skipped")

"""The source commands: ingest --source/--all/--retry-failed, sources, failures."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.test_cli import run
from tests.httpfixtures import Reply, Site, local_http  # noqa: F401
from tests.test_sources_disclosure_log import ITEM, LOG, UA, log_site, real_pdf  # noqa: F401


def write_config(tmp_path: Path, site: Site) -> Path:
    conf = tmp_path / "config.toml"
    conf.write_text(f"""
[store]
path = "store"
[index]
path = "index"
[ingest]
workers = 2
timeout = 20
user_agent = "{UA}"

[sources.swp]
kind = "disclosure_log"
start_urls = ["{site.url(LOG)}"]
follow_pattern = '/disclosure-log/\\?page=\\d+$'
item_pattern = '/disclosure-log/\\d{{4}}/[a-z]+/foi-\\d+/$'
authority = "South Wales Police"
max_pages = 5
delay = 0
backoff_base = 0.01
allow_private_addresses = true

[sources.live]
kind = "disclosure_log"
enabled = false
start_urls = ["https://www.example.invalid/log/"]
follow_pattern = "x"
item_pattern = "y"
authority = "Nobody"
""")
    return conf


def ingest_failing(*args: str) -> str:
    """``foi-archive ingest`` where something fails: exit status 1, the output all the same."""
    result = CliRunner().invoke(main, ["ingest", *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return result.output


def test_ingest_source_then_sources_and_failures(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    assert "never run" in run("sources", "--config", str(conf))
    # The dead document link fails: the run says which, and exits 1 so that cron can tell.
    out = ingest_failing("--source", "swp", "--config", str(conf))
    assert "swp: 3 new, 0 changed, 0 unchanged, 1 failed, 0 skipped by robots, 0 deferred" in out
    assert "failed: " + log_site.url("/files/missing.pdf") + ": failed: wrong_type" in out
    listing = run("sources", "--config", str(conf))
    assert "swp: disclosure_log" in listing and "3 new" in listing
    assert "live: disclosure_log (disabled)" in listing
    failures = run("failures", "--config", str(conf))
    assert "/files/missing.pdf: failed: wrong_type" in failures

    # --all runs only the enabled sources: the "live" one would go to the internet.
    log_site.clear_log()
    out = ingest_failing("--all", "--config", str(conf))
    assert "swp: 0 new, 0 changed, 3 unchanged" in out and "live" not in out


def test_retry_failed_fetches_only_the_failures(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    url = ITEM.format(ref="34627")
    log_site.route(url, Reply(500, {}, b"oops"))
    out = ingest_failing("--source", "swp", "--config", str(conf))
    assert "2 new" in out and f"{log_site.url(url)}: failed" in out
    log_site.page(url, "<html><body><main><p>South Wales Police: drones. FOI 34627.</p></main></body></html>")
    log_site.clear_log()
    out = run("ingest", "--retry-failed", "--source", "swp", "--config", str(conf))
    assert "1 new" in out
    paths = {r.path for r in log_site.log} - {"/robots.txt"}
    assert paths == {url, "/files/missing.pdf"}, paths


def test_ingest_needs_something(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    result = CliRunner().invoke(main, ["ingest", "--config", str(conf)])
    assert result.exit_code != 0 and "--source" in result.output


def test_progress_shows_the_fetching_then_the_extraction(tmp_path: Path, log_site: Site,
                                                          monkeypatch) -> None:
    import importlib
    monkeypatch.setattr(importlib.import_module("cli.main")._FetchLine, "EVERY", 0.0)  # every fetch shown
    conf = write_config(tmp_path, log_site)
    result = CliRunner().invoke(
        main, ["ingest", "--source", "swp", "--progress", "--config", str(conf)], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # the dead document link
    err = result.stderr
    assert "Fetching swp:" in err and "skipped by robots" in err
    # The last fetch line counts every page and file stored, then extraction takes over.
    assert err.index("Fetching swp:") < err.index("Extracting")
    assert "swp: 3 new" in result.stdout


def test_sources_check_says_what_a_source_does_with_each_url(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    out = run("sources", "--config", str(conf), "--check", "swp",
              log_site.url(ITEM.format(ref="34625")), log_site.url(LOG + "?page=2"),
              log_site.url("/files/costs.csv"), log_site.url("/about/"),
              "https://www.example.org/foi-ai/south-wales-police/disclosure-log/2025/april/foi-1/")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[::2]] == ["response", "listing", "attachment", "ignore", "ignore"]
    assert lines[1].strip() == "matches item_pattern"
    assert lines[3].strip() == "matches follow_pattern"
    assert lines[7].strip() == "matches neither item_pattern nor follow_pattern"
    assert lines[9].strip().startswith("host www.example.org is not one of this source's (127.0.0.1:")


def test_sources_check_reads_config_as_an_option_wherever_it_stands(tmp_path: Path, log_site: Site) -> None:
    """A service's command line puts --config after --check: it is still the option."""
    conf = write_config(tmp_path, log_site)
    item = log_site.url(ITEM.format(ref="34625"))
    for args in (["--check", "--config", str(conf), "swp", item],
                 ["--check", "swp", "--config", str(conf), item],
                 ["--config", str(conf), "--check", "swp", item]):
        out = run("sources", *args)
        assert out.splitlines()[0].split() == ["response", item], args
    result = CliRunner().invoke(main, ["sources", "--config", str(conf), "swp", item])
    assert result.exit_code == 2 and "give --check NAME and one or more URLs" in result.output


def test_sources_check_refuses_an_unknown_source_or_no_urls(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    result = CliRunner().invoke(main, ["sources", "--config", str(conf), "--check", "nope", "https://x.org/"])
    assert result.exit_code == 1 and "no source 'nope' in the configuration" in result.output
    result = CliRunner().invoke(main, ["sources", "--config", str(conf), "--check", "swp"])
    assert result.exit_code == 2 and "give --check NAME and one or more URLs" in result.output


def test_sources_lists_each_source_s_evidence(tmp_path: Path, log_site: Site) -> None:
    conf = write_config(tmp_path, log_site)
    conf.write_text(conf.read_text().replace('authority = "Nobody"', 'authority = "Nobody"\nevidence = "none seen"'))
    out = run("sources", "--config", str(conf))
    assert "live: disclosure_log (disabled)\n  evidence: none seen\n" in out

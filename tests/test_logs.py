"""Structured logs: `--log-format json` (or `[site]`/`[ingest] log_format`) gives one JSON
object per line, and the site's access lines keep the text lines' privacy (no query string,
no Referer)."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import config as config_mod
from archive.logs import JsonFormatter
from archive.web.server import gunicorn_settings, json_logger_class
from cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = {"time", "level", "logger", "message"}
ACCESS = {"method", "path", "status", "duration", "size"}


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_formatter_writes_one_json_object_with_fields_and_escapes_newlines() -> None:
    record = logging.LogRecord("archive.web", logging.WARNING, __file__, 1, "bad path %s",
                               ("/a\nFAKE LINE",), None)
    record.fields = {"status": 404, "message": "not this"}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert set(data) == BASE | {"status"}
    assert data["message"] == "bad path /a\nFAKE LINE" and data["level"] == "WARNING"
    assert data["logger"] == "archive.web" and data["status"] == 404
    assert data["time"].endswith("+00:00")


def test_log_format_is_checked_in_the_config(tmp_path: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[site]\nlog_format = "json"\n[ingest]\nlog_format = "text"\n')
    loaded = config_mod.load(conf)
    assert loaded.site.log_format == "json" and loaded.ingest.log_format == "text"
    assert gunicorn_settings(loaded, "127.0.0.1", 5000)["logger_class"].__name__ == "JsonLogger"
    assert "logger_class" not in gunicorn_settings(config_mod.Config.for_directory(tmp_path),
                                                   "127.0.0.1", 5000)
    conf.write_text('[site]\nlog_format = "xml"\n')
    with pytest.raises(config_mod.ConfigError, match="log_format"):
        config_mod.load(conf)


def test_the_json_access_line_has_no_query_string(capsys: pytest.CaptureFixture[str]) -> None:
    """gunicorn's logger class, called as gunicorn calls it after a response."""
    from datetime import timedelta

    from gunicorn.config import Config as GunicornConfig

    cfg = GunicornConfig()
    cfg.set("accesslog", "-")
    logger = json_logger_class()(cfg)

    class Response:
        status = "200 OK"
        sent = 1234
        headers: list = []

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/prior", "QUERY_STRING": "text=secretdraft",
               "RAW_URI": "/prior?text=secretdraft", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": "https://example.org/?secretref"}
    logger.access(Response(), environ, environ, timedelta(milliseconds=25))
    out = capsys.readouterr().out
    assert "secret" not in out
    (line,) = _lines(out)
    assert set(line) >= BASE | ACCESS
    assert (line["method"], line["path"], line["status"], line["size"]) == ("GET", "/prior", 200, 1234)
    assert line["duration"] == 0.025 and line["logger"] == "gunicorn.access"


def test_ingest_reports_as_json_lines(tmp_path: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n[ingest]\nworkers = 1\n')
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Freedom of Information request 123. The information is not held.")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 truncated")
    result = CliRunner().invoke(main, ["ingest", str(folder), "--config", str(conf),
                                       "--log-format", "json", "--no-progress"])
    assert result.exit_code == 1  # b.pdf failed
    assert result.stdout == ""  # the summary is a record too, not a bare line
    records = _lines(result.stderr)
    assert all(set(r) >= BASE for r in records)
    (summary,) = [r for r in records if r.get("event") == "summary"]
    assert summary["message"].startswith("1 new") and summary["level"] == "INFO"
    (failed,) = [r for r in records if r.get("event") == "failed"]
    assert failed["item"].endswith("b.pdf") and failed["level"] == "WARNING" and failed["reason"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_site_logs_json_and_never_a_draft(small_archive, tmp_path: Path) -> None:
    """The real server: every line on stdout and stderr is JSON; a /prior draft in the query
    string and a Referer carrying one appear in none of them."""
    conf = tmp_path / "site.toml"
    conf.write_text(f'[store]\npath = "{small_archive.store_path}"\n'
                    f'[index]\npath = "{small_archive.index_path}"\n[site]\nworkers = 1\n')
    port = _free_port()
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with open(out, "wb") as so, open(err, "wb") as se:
        server = subprocess.Popen(
            [sys.executable, "-m", "foi_archive", "serve", "--config", str(conf), "--port", str(port),
             "--log-format", "json"], cwd=ROOT, stdout=so, stderr=se)
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/prior?text=secretdraft+about+taser",
                         headers={"Referer": "https://example.org/prior?text=secretref"})
            assert conn.getresponse().read() and True
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["status"] == "ok"
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    stdout, stderr = out.read_text(), err.read_text()
    assert "secret" not in stdout + stderr
    access = _lines(stdout)
    assert [(r["method"], r["path"], r["status"]) for r in access] == [
        ("GET", "/prior", 200), ("GET", "/health", 200)]
    assert all(set(r) >= BASE | ACCESS for r in access)
    errors = _lines(stderr)  # every line parses
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["message"] for r in errors)

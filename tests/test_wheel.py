"""Install anywhere: the wheel, installed (not editable) in a fresh virtual environment,
run from an empty folder with no config file, serves pages with their stylesheet."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
        return response.status, response.read().decode("utf-8", "replace")


def test_the_wheel_installed_in_a_fresh_venv_serves_the_site(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = wheels.glob("foi_archive-*.whl")
    with zipfile.ZipFile(wheel) as built:  # the licence travels with the code (PEP 639)
        names = built.namelist()
        [licence] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert built.read(licence).decode().lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
        metadata = built.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "License-Expression: AGPL-3.0-or-later" in metadata.splitlines()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    foi = str(venv / "bin" / "foi-archive")
    work = tmp_path / "elsewhere"  # no checkout, no config.toml
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FOI_ARCHIVE_CONFIG")}

    def run(*args: str) -> str:
        done = subprocess.run([foi, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import archive.web; print(archive.web.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not the checkout
    assert run("--version").startswith("foi-archive 0.1.0")
    by_module = subprocess.run([str(venv / "bin" / "python"), "-m", "foi_archive", "--version"], cwd=work,
                               env=env, capture_output=True, text=True, timeout=60)
    assert by_module.stdout.startswith("foi-archive 0.1.0"), by_module.stderr
    assert "wrote 6 sample files" in run("samples", "s", "--count", "6")
    assert run("ingest", "s").strip().endswith("6 new, 0 changed, 0 unchanged, 0 failed, 0 skipped")
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # a file: a pipe nobody reads would fill and block it
    server = subprocess.Popen([foi, "serve", "--port", str(port)], cwd=work, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                status, page = get(base + "/search?q=")
                break
            except urllib.error.HTTPError as exc:
                pytest.fail(f"the installed site answered {exc.code}: {(tmp_path / 'serve.log').read_text()[-2000:]}")
            except OSError:  # not listening yet
                time.sleep(0.2)
        else:
            pytest.fail("the installed site never answered")
        assert status == 200 and "6 responses" in page and "/static/site.css" in page
        status, css = get(base + "/static/site.css")
        assert status == 200 and "font" in css
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()

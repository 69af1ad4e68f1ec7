"""Running it for real: the systemd units and the nginx site in deploy/ against the CLI and
docs/deploy.md, and the site behind a TLS proxy."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from archive.config import Config, SiteConfig
from archive.web import create_app
from cli import main

ROOT = Path(__file__).resolve().parents[1]
SYSTEMD = ROOT / "deploy" / "systemd"
NGINX_SITE = ROOT / "deploy" / "nginx" / "foi-archive.conf"
GUIDE = ROOT / "docs" / "deploy.md"
UNITS = sorted(SYSTEMD.glob("*.service")) + sorted(SYSTEMD.glob("*.timer"))
SERVICES = [u for u in UNITS if u.suffix == ".service"]


def unit(path: Path) -> configparser.ConfigParser:
    """A unit file as INI (systemd's syntax is INI with repeatable keys, unused here)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_the_units_are_there() -> None:
    assert [u.name for u in UNITS] == ["foi-archive-ingest.service", "foi-archive-web.service",
                                       "foi-archive-ingest.timer"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_exec_start_is_a_command_line_the_cli_accepts(path: Path) -> None:
    service = unit(path)["Service"]
    program, *args = shlex.split(service["ExecStart"])
    assert program == "/opt/foi-archive/bin/foi-archive"
    # click parses the line as the installed command would, and rejects an unknown command,
    # an unknown option or a bad value; nothing is run.
    name, *rest = args
    ctx = main.make_context("foi-archive", [name])
    command = main.get_command(ctx, name)
    assert isinstance(command, click.Command), f"no command {name!r}"
    sub = command.make_context(name, rest, parent=ctx)
    assert sub.params["config_path"] == "/etc/foi-archive/config.toml"


def test_the_web_and_ingest_lines_say_what_they_should() -> None:
    web = shlex.split(unit(SYSTEMD / "foi-archive-web.service")["Service"]["ExecStart"])
    assert web[1] == "serve" and web[web.index("--host") + 1] == "127.0.0.1"
    ingest = shlex.split(unit(SYSTEMD / "foi-archive-ingest.service")["Service"]["ExecStart"])
    assert ingest[1:3] == ["ingest", "--all"]
    timer = unit(SYSTEMD / "foi-archive-ingest.timer")
    assert timer["Timer"]["Unit"] == "foi-archive-ingest.service"
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["OnCalendar"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_services_are_sandboxed_and_write_only_the_archive(path: Path) -> None:
    service = unit(path)["Service"]
    assert service["User"] == "foi-archive"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/foi-archive"
    assert service["PrivateTmp"] == service["NoNewPrivileges"] == "yes"


def test_the_guide_names_the_units_paths_and_commands_that_exist() -> None:
    guide = GUIDE.read_text()
    for path in UNITS + [NGINX_SITE]:
        assert str(path.relative_to(ROOT)) in guide, path.name
    for path in SERVICES:
        service = unit(path)["Service"]
        assert service["ExecStart"] in guide  # the guide shows the line the unit runs
        for key in ("ReadWritePaths", "WorkingDirectory"):
            assert service[key] in guide
    # Every `foi-archive COMMAND` the guide names is a command.
    named = set(re.findall(r"foi-archive ([a-z]+)", guide)) - {"web", "ingest"}  # unit names
    assert named and named <= set(main.commands), named - set(main.commands)
    assert {"serve", "ingest", "rebuild", "verify"} <= set(re.findall(r"foi-archive ([a-z]+)", guide))
    # Every config key it names is one config.toml's [site] has.
    for key in re.findall(r"\[site\] ([a-z_]+)", guide):
        assert key in SiteConfig.__dataclass_fields__, key


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (Debian's systemd package)")
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    # The units name /opt/foi-archive/bin/foi-archive, which verify wants to exist: give it
    # a stand-in on a copy of the units with the path changed to it.
    program = tmp_path / "foi-archive"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    for path in UNITS:
        (tmp_path / path.name).write_text(
            path.read_text().replace("/opt/foi-archive/bin/foi-archive", str(program)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *(str(tmp_path / u.name) for u in UNITS)],
                          capture_output=True, text=True, timeout=60)
    # Outside a booted systemd it may complain about the host; only lines about our units count.
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "foi-archive" in line]
    assert ours == []


NEEDS_NGINX = pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                                 reason="needs Debian's nginx and openssl (.ci/run installs them)")


def _nginx_conf(tmp_path: Path, ports: tuple[int, int, int] | None = None) -> Path:
    """The shipped site with a throwaway certificate, logs in ``tmp_path`` and, given
    (http, https, upstream) ports, listening on 127.0.0.1 only."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=archive.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = NGINX_SITE.read_text()
    site = site.replace("/etc/letsencrypt/live/archive.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/archive.example.org/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    assert str(cert) in site and str(key) in site
    if ports is not None:
        http, https, upstream = ports
        site = re.sub(r"\n\s*listen \[::\]:[^\n]*", "", site)
        site = site.replace("listen 80", f"listen 127.0.0.1:{http}")
        site = site.replace("listen 443", f"listen 127.0.0.1:{https}")
        site = site.replace("server 127.0.0.1:5000", f"server 127.0.0.1:{upstream}")
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n")
    return conf


@NEEDS_NGINX
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    conf = _nginx_conf(tmp_path)
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exchange(port: int, request: bytes, *, tls_name: str | None = None) -> bytes:
    import socket
    import ssl

    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls_name is not None:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=tls_name)
    with sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@NEEDS_NGINX
def test_nginx_drops_unknown_hosts_and_its_own_errors_carry_the_headers(tmp_path: Path) -> None:
    """Run the shipped site for real: another Host gets no answer, another TLS name no
    handshake; nginx's own 414 and 502 (the site down) carry the site's security headers."""
    import socket
    import ssl
    import time

    from archive.web import SECURITY_HEADERS

    http, https, upstream = _free_port(), _free_port(), _free_port()  # nothing on upstream
    conf = _nginx_conf(tmp_path, (http, https, upstream))
    server = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", http), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        assert _exchange(http, b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n") == b""
        assert _exchange(http, b"GET / HTTP/1.0\r\n\r\n") == b""
        with pytest.raises(ssl.SSLError):
            _exchange(https, b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", tls_name="evil.example")
        moved = _exchange(http, b"GET /x HTTP/1.1\r\nHost: archive.example.org\r\nConnection: close\r\n\r\n")
        assert b"Location: https://archive.example.org/x" in moved
        for request, status in (
                (b"GET / HTTP/1.1\r\nHost: archive.example.org\r\nConnection: close\r\n\r\n", b"502"),
                (b"GET /search?q=" + b"x" * 20_000 + b" HTTP/1.1\r\nHost: archive.example.org\r\n\r\n",
                 b"414")):
            reply = _exchange(https, request, tls_name="archive.example.org")
            head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            assert head[0].split()[1].encode() == status, head
            headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:])}
            for name, value in SECURITY_HEADERS.items():
                assert headers.get(name.lower()) == value, (status, name, headers)
    finally:
        server.terminate()
        server.wait(10)


# -- behind the proxy ---------------------------------------------------------------------


def _opensearch(config: Config, peer: str, proto: str) -> str:
    client = create_app(config).test_client()
    return client.get("/opensearch.xml", headers={"X-Forwarded-Proto": proto},
                      environ_base={"REMOTE_ADDR": peer}).get_data(as_text=True)


def test_links_say_https_behind_a_trusted_tls_proxy_only(small_archive: Config) -> None:
    from dataclasses import replace

    behind = replace(small_archive, site=replace(small_archive.site, trusted_proxies=("127.0.0.1",)))
    assert 'template="https://localhost/search' in _opensearch(behind, "127.0.0.1", "https")
    # Anyone else's header is ignored, and so is a value other than http or https.
    assert 'template="http://localhost/search' in _opensearch(behind, "203.0.113.9", "https")
    assert 'template="http://localhost/search' in _opensearch(behind, "127.0.0.1", "gopher")
    # Without trusted_proxies nobody's is believed.
    assert 'template="http://localhost/search' in _opensearch(small_archive, "127.0.0.1", "https")

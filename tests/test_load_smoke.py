"""Under the production server (gunicorn on 127.0.0.1): a rebuild swapped in under load (W9),
the load script's rows in miniature, and raw-socket limits (Q4)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from load.run import (ABUSIVE, FOI, HOST, QUERIES, Server, build_archive, passed, row,
                      run_clients, write_batches)

ROOT = Path(__file__).resolve().parents[1]
DOCS = 300

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    conf = build_archive(tmp_path_factory.mktemp("load") / "work", DOCS)
    text = conf.read_text().replace("workers = 4", "workers = 2")
    conf.write_text(text)
    server = Server(conf)
    yield conf, server
    server.stop()


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def _worker_fds(server: Server) -> dict[int, int]:
    """Open file descriptors per gunicorn worker (children of the master)."""
    out = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().split()
                if int(stat[3]) == server.proc.pid:
                    out[int(pid)] = len(os.listdir(f"/proc/{pid}/fd"))
            except (OSError, IndexError):
                continue
    return out


def test_a_rebuild_is_swapped_in_under_load_without_errors(served) -> None:
    """W9: clients search throughout; each worker moves to the new index; no 5xx."""
    conf, server = served
    index = conf.parent / "index"
    write_batches(str(index), 1_000_000, 1, 50, 0)  # the live index has 50 the store lacks
    assert json.loads(_get(server.port, "/health")[1])["documents"] == DOCS + 50
    busy = threading.Event()
    busy.set()
    rebuild = subprocess.Popen([*FOI, "rebuild", "--config", str(conf)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait() -> None:
        rebuild.wait(timeout=300)
        busy.clear()

    threading.Thread(target=wait, daemon=True).start()
    tallies = run_clients(server.port, [("normal", 6, QUERIES)], 1.0, 2000, busy)
    output = rebuild.stdout.read().decode()  # type: ignore[union-attr]
    assert rebuild.returncode == 0, output
    tally = tallies["normal"].summary()
    assert tally["errors"] == {} and tally["duplicate_hits"] == 0, tally
    assert set(tallies["normal"].totals) <= {DOCS, DOCS + 50}
    # Every worker answers from the new index from its next request on.
    seen = {json.loads(_get(server.port, "/health")[1])["documents"] for _ in range(20)}
    assert seen == {DOCS}
    assert index.is_symlink()


def test_repeated_swaps_release_the_old_files(served) -> None:
    """W9: a worker closes the searcher of a swapped-out index (whoosh#75/#87)."""
    conf, server = served
    counts = []
    for _ in range(4):
        done = subprocess.run([*FOI, "rebuild", "--config", str(conf)], cwd=ROOT,
                              capture_output=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        for _ in range(10):  # reach every worker, twice over
            assert _get(server.port, "/search.json?q=taser")[0] == 200
        counts.append(sum(_worker_fds(server).values()))
    assert counts[-1] <= counts[1] + 2, f"open files grow with each swap: {counts}"


def test_the_load_rows_in_miniature(served) -> None:
    conf, server = served

    class Args:
        seconds, max_requests, batches = 1.0, 200, 2

    for name in ("L1", "L3", "L5"):
        result = row(name, server, conf, Args)  # type: ignore[arg-type]
        assert passed(result), result
    assert result["abusive"]["errors"] and set(result["abusive"]["errors"]) <= {"400", "429"}
    assert ABUSIVE


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection((HOST, port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_a_huge_query_line_is_refused_by_the_server(served) -> None:
    """Q4: 100k characters in the query string never reach the application."""
    _, server = served
    reply = _raw(server.port, b"GET /search?q=" + b"x" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Connection: close\r\n\r\n")
    assert reply.split(b"\r\n", 1)[0].split()[1] in (b"400", b"414")
    assert b"Traceback" not in reply


def _headers(reply: bytes) -> dict[str, str]:
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head)}


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /search?q=" + b"x" * 10_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"414"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 20_000 + b"\r\n\r\n", b"431"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200))
     + b"\r\n", b"431"),
    (b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"400"),
])
def test_the_server_s_own_refusals_carry_the_security_headers(served, request_bytes: bytes,
                                                              status: bytes) -> None:
    """gunicorn answers these before the site sees them; its answers carry the same headers."""
    from archive.web import SECURITY_HEADERS

    _, server = served
    reply = _raw(server.port, request_bytes)
    assert reply.split(b"\r\n", 1)[0].split()[1] == status, reply[:200]
    headers = _headers(reply)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (name, headers)
    assert b"xxxx" not in reply  # nothing of the request is echoed back


def test_an_unknown_host_is_refused_through_the_server(served) -> None:
    _, server = served
    reply = _raw(server.port, b"GET /robots.txt HTTP/1.1\r\nHost: evil.example\r\n"
                 b"Connection: close\r\n\r\n")
    assert reply.split(b"\r\n", 1)[0].split()[1] == b"400"
    assert b"evil.example" not in reply.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("path", ["/originals/..%2f..%2fetc%2fpasswd", "/originals/%2e%2e/x",
                                  "/originals/..\\..\\x", "//etc/passwd", "/originals/%00",
                                  "/console", "/static/../config.toml"])
def test_traversal_and_debugger_paths_through_the_server(served, path: str) -> None:
    """Q9, Q13: through gunicorn, not only the test client."""
    _, server = served
    reply = _raw(server.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    status = reply.split(b"\r\n", 1)[0].split()[1]
    assert status in (b"400", b"404"), reply[:200]
    assert b"Traceback" not in reply and b"[store]" not in reply

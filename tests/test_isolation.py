"""The child-process pool: a hang, a crash or a memory blow-up fails one task alone."""

import os
import time

import pytest

from ingest.infra.isolation import IsolatedPool


def work(kind: str) -> str:
    if kind == "hang":
        time.sleep(60)
    if kind == "crash":
        os._exit(7)
    if kind == "oom":
        blob = bytearray(2 * 1024 * 1024 * 1024)  # over the 512 MB limit below
        return str(len(blob))
    if kind == "raise":
        raise KeyError("bad structure")
    if kind == "recurse":
        def down(n: int) -> int:
            return down(n + 1)
        return str(down(0))
    return kind.upper()


@pytest.mark.slow
def test_each_failure_is_classified_and_the_rest_go_on() -> None:
    kinds = ["a", "hang", "b", "crash", "c", "oom", "raise", "recurse", "d"]
    with IsolatedPool(work, workers=2, timeout=2, memory_mb=512) as pool:
        outcomes = {o.key: o for o in pool.run((k, (k,)) for k in kinds)}
    assert {k: (o.value if o.ok else o.reason) for k, o in outcomes.items()} == {
        "a": "A", "b": "B", "c": "C", "d": "D",
        "hang": "timeout", "crash": "crashed", "oom": "oom",
        "raise": "parse_error", "recurse": "parse_error",
    }
    assert "KeyError" in outcomes["raise"].detail


def pid(_: int) -> int:
    return os.getpid()


def test_workers_are_reused_for_ordinary_work() -> None:
    with IsolatedPool(pid, workers=1) as pool:
        pids = {o.value for o in pool.run((i, (i,)) for i in range(5))}
    assert len(pids) == 1 and os.getpid() not in pids


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # dead, not yet reaped
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see the child go")
def test_a_child_dies_with_its_parent() -> None:
    """A child left behind would hold its parent's sockets open (a killed cluster worker
    would look alive to its scheduler)."""
    read, write = os.pipe()
    parent = os.fork()
    if parent == 0:  # pragma: no cover - the forked parent
        try:
            pool = IsolatedPool(os.getpid, workers=1, timeout=10, memory_mb=0)
            [outcome] = list(pool.run([(0, ())]))
            os.write(write, str(outcome.value).encode())
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write)
    child = int(os.read(read, 100))
    os.close(read)
    assert not _gone(child)
    os.kill(parent, 9)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child)

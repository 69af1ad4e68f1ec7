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

"""Run untrusted work in child processes, each with a time and a memory limit.

A hostile PDF can hang pdfminer, eat gigabytes or raise anything at all
(docs/reliability.md, E1-E9). Each task therefore runs in a long-lived worker
process under RLIMIT_AS; the parent enforces a wall-clock deadline per task,
kills a worker that overruns or dies, records why, and starts a fresh one. The
other tasks of the run carry on.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

_ctx = multiprocessing.get_context("fork")


@dataclass
class Outcome:
    """What became of one task: a value, or a failure with a reason."""

    key: Any
    value: Any = None
    reason: str | None = None  # None when it worked
    detail: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.reason is None


def _mapped_bytes() -> int:
    """The address space this process maps now (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    # A forked child starts with its parent's address space (a long-running ingest or a test
    # session may already map a gigabyte), so the limit is what the file may add to that.
    limit = _mapped_bytes() + memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:  # pragma: no cover - refused by the platform
        log.warning("could not set a memory limit: %s", exc)


def _die_with(parent: int) -> None:
    """Be killed when the parent dies: a forked child holds the parent's sockets, so a
    killed Dask worker whose child lived on would look alive to its scheduler."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _worker(conn: Connection, func: Callable[..., Any], memory_mb: int,
            classify: Callable[[BaseException], tuple[str, str]], parent: int) -> None:
    _die_with(parent)
    # The parent handles Ctrl-C; a worker just finishes or is killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        args = task
        try:
            conn.send(("ok", func(*args), ""))
        except MemoryError:
            # Memory may be fragmented past use: report and let the parent start afresh.
            try:
                conn.send(("failed", "oom", "the file needed more memory than the limit allows"))
            finally:
                os._exit(3)
        except RecursionError:
            conn.send(("failed", "parse_error", "RecursionError: structure nested too deeply"))
        except BaseException as exc:  # noqa: BLE001 - any library error is the file's fault
            reason, detail = classify(exc)
            conn.send(("failed", reason, detail[:500]))


def default_classify(exc: BaseException) -> tuple[str, str]:
    """Any error from a task: the file could not be parsed, named by the exception."""
    return "parse_error", f"{type(exc).__name__}: {exc}"


class _Slot:
    def __init__(self, func: Callable[..., Any], memory_mb: int,
                 classify: Callable[[BaseException], tuple[str, str]]) -> None:
        parent, child = _ctx.Pipe()
        self.conn = parent
        self.process = _ctx.Process(target=_worker, args=(child, func, memory_mb, classify, os.getpid()),
                                    daemon=True)
        self.process.start()
        child.close()
        self.key: Any = None
        self.started = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class IsolatedPool:
    """A pool of limited worker processes running ``func(*args)`` for each task."""

    def __init__(self, func: Callable[..., Any], *, workers: int = 2, timeout: float = 60.0,
                 memory_mb: int = 1024,
                 classify: Callable[[BaseException], tuple[str, str]] = default_classify) -> None:
        self.func = func
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.classify = classify
        self._idle: list[_Slot] = []

    def _spawn(self) -> _Slot:
        return _Slot(self.func, self.memory_mb, self.classify)

    def run(self, tasks: Iterable[tuple[Any, tuple[Any, ...]]]) -> Iterator[Outcome]:
        """Yield an Outcome for every (key, args) task, in the order they finish.

        Tasks are taken from the iterable only as workers come free, so a caller
        can stream millions of them (and do its own work while it is asked for
        the next) without holding them all.
        """
        source = iter(tasks)
        queue: deque[tuple[Any, tuple[Any, ...]]] = deque()  # tasks to retry on a fresh worker
        busy: dict[Connection, _Slot] = {}
        exhausted = False

        def next_task() -> tuple[Any, tuple[Any, ...]] | None:
            nonlocal exhausted
            if queue:
                return queue.popleft()
            if not exhausted:
                for task in source:
                    return task
                exhausted = True
            return None

        def fill() -> None:
            """Give every free worker its next task."""
            while len(busy) < self.workers:
                task = next_task()
                if task is None:
                    return
                key, args = task
                slot = self._idle.pop() if self._idle else self._spawn()
                slot.key, slot.started = key, time.monotonic()
                try:
                    slot.conn.send(args)
                except (OSError, ValueError):
                    slot.kill()
                    queue.appendleft((key, args))
                    continue
                busy[slot.conn] = slot

        try:
            fill()
            while busy:
                now = time.monotonic()
                nearest = min(s.started + self.timeout for s in busy.values())
                ready = wait(list(busy), timeout=max(0.0, nearest - now))
                done = [self._receive(busy.pop(conn)) for conn in ready]  # type: ignore[arg-type]
                now = time.monotonic()
                for conn, slot in list(busy.items()):
                    if now - slot.started >= self.timeout:
                        del busy[conn]
                        slot.kill()
                        done.append(Outcome(slot.key, reason="timeout",
                                            detail=f"stopped after {self.timeout:g} s",
                                            seconds=now - slot.started))
                # The freed workers start on their next tasks before the caller takes these
                # outcomes, so they work while it records them instead of waiting for it.
                fill()
                yield from done
        finally:
            for slot in busy.values():
                slot.kill()

    def _receive(self, slot: _Slot) -> Outcome:
        elapsed = time.monotonic() - slot.started
        try:
            status, value, detail = slot.conn.recv()
        except (EOFError, OSError):
            slot.process.join(5)
            code = slot.process.exitcode
            slot.kill()
            if code == -signal.SIGKILL:
                # The kernel's OOM killer, or something else that would not be argued with.
                return Outcome(slot.key, reason="oom", detail="the worker was killed (SIGKILL)",
                               seconds=elapsed)
            return Outcome(slot.key, reason="crashed", detail=f"the worker died (exit code {code})",
                           seconds=elapsed)
        except MemoryError:  # pragma: no cover - the parent has no limit
            slot.kill()
            return Outcome(slot.key, reason="oom", detail="result too large", seconds=elapsed)
        if status == "failed" and value == "oom":
            slot.kill()  # it exits itself; make sure, and do not reuse it
        else:
            self._idle.append(slot)
        if status == "ok":
            return Outcome(slot.key, value=value, seconds=elapsed)
        return Outcome(slot.key, reason=value, detail=detail, seconds=elapsed)

    def close(self) -> None:
        for slot in self._idle:
            slot.stop()
        self._idle.clear()

    def __enter__(self) -> "IsolatedPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

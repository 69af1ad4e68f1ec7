"""Run the isolated tasks on the workers of a Dask distributed cluster.

``ClusterPool`` has ``IsolatedPool``'s interface: ``run(tasks)`` yields an Outcome per
task as it finishes. Each task is sent to a worker started with the standard
``dask worker tcp://HOST:PORT``, which runs it in a limited child process of its own
(an ``IsolatedPool`` of one per worker thread), so a hostile file costs a child, not
the worker. Outcomes come back to the one parent, which alone writes the store and the
index (docs/ingest.md, "On a cluster").
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ingest.infra.isolation import IsolatedPool, Outcome, default_classify

log = logging.getLogger(__name__)

INSTALL_HINT = "ingest --scheduler needs Dask distributed: install foi-archive[cluster]"


class ClusterError(RuntimeError):
    """The cluster cannot be used: the extra is not installed, or the scheduler not reached."""


# -- on the worker ---------------------------------------------------------------------

_local = threading.local()


def run_isolated(func: Callable[..., Any], key: Any, args: tuple[Any, ...], timeout: float,
                 memory_mb: int, classify: Callable[[BaseException], tuple[str, str]]) -> Outcome:
    """Run one task in this worker thread's limited child, kept between tasks (a fork a
    task would cost more than most extractions)."""
    me = multiprocessing.current_process()
    if me.daemon:
        # `dask worker` runs its worker under a nanny as a daemonic process, and
        # multiprocessing refuses children to those; ours die with their parent anyway
        # (PR_SET_PDEATHSIG, ingest/infra/isolation.py), which is what the rule protects.
        me._config["daemon"] = False  # type: ignore[attr-defined]
    settings = (func, timeout, memory_mb, classify)
    pool = getattr(_local, "pool", None)
    if pool is None or getattr(_local, "settings", None) != settings:
        if pool is not None:
            pool.close()
        pool = IsolatedPool(func, workers=1, timeout=timeout, memory_mb=memory_mb, classify=classify)
        _local.pool, _local.settings = pool, settings
    for outcome in pool.run([(key, args)]):
        return outcome
    raise RuntimeError("the isolated pool gave no outcome")  # pragma: no cover


# -- on the ingesting machine ----------------------------------------------------------


class ClusterPool:
    """Tasks run by the workers of the scheduler at ``address``, each in a limited child.

    ``pack(args)`` turns a task's arguments into what is sent (the files' bytes in place
    of paths on this machine); it runs here, as each task is sent.
    """

    def __init__(self, address: str, func: Callable[..., Any], *,
                 pack: Callable[[tuple[Any, ...]], tuple[Any, ...]] = lambda args: args,
                 timeout: float = 60.0, memory_mb: int = 1024,
                 classify: Callable[[BaseException], tuple[str, str]] = default_classify,
                 connect_timeout: float = 30.0) -> None:
        try:
            import distributed
        except ImportError:
            raise ClusterError(INSTALL_HINT) from None
        self._distributed = distributed
        self.func, self.pack = func, pack
        self.timeout, self.memory_mb, self.classify = timeout, memory_mb, classify
        try:
            self.client = distributed.Client(address, timeout=connect_timeout,
                                             set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._threads = 0
        self._counted = 0.0

    def _in_flight_limit(self) -> int:
        """Twice the workers' threads (asked again every few seconds, as workers come and
        go): enough to keep them busy, while the bytes held here stay bounded."""
        now = time.monotonic()
        if now - self._counted > 5.0:
            try:
                self._threads = sum(self.client.nthreads().values())
            except (OSError, TimeoutError):
                pass
            self._counted = now
        return max(2, 2 * self._threads)

    def run(self, tasks: Iterable[tuple[Any, tuple[Any, ...]]]) -> Iterator[Outcome]:
        """Yield an Outcome for every (key, args) task, in the order they finish; tasks are
        taken from the iterable only as there is room for them."""
        distributed = self._distributed
        source = iter(tasks)
        futures: dict[Any, Any] = {}  # future -> key
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(futures) < self._in_flight_limit():
                task = next(source, None)
                if task is None:
                    exhausted = True
                    return
                key, args = task
                # pure=False: the same bytes sent twice (a retry) are two tasks, not one result.
                future = self.client.submit(run_isolated, self.func, key, self.pack(args),
                                            self.timeout, self.memory_mb, self.classify,
                                            pure=False)
                futures[future] = key
                finished.add(future)

        finished = distributed.as_completed(loop=self.client.loop)
        try:
            fill()
            for future in finished:
                outcome = self._outcome(future, futures.pop(future))
                fill()  # the workers start on the next tasks while the caller records this
                yield outcome
        finally:
            for future in futures:
                future.cancel()

    def _outcome(self, future: Any, key: Any) -> Outcome:
        try:
            return future.result()
        except self._distributed.KilledWorker as exc:
            # Every worker that took it died (the scheduler's allowed-failures): the file's
            # fault as far as we can tell, like a child that crashed.
            return Outcome(key, reason="crashed", detail=f"the workers running it died: {exc}"[:500])
        except Exception as exc:  # noqa: BLE001 - a lost task is this file's failure, not the run's
            return Outcome(key, reason="crashed", detail=f"{type(exc).__name__}: {exc}"[:500])
        finally:
            future.release()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "ClusterPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Where a long run is, said every so often in the log: done, failed, rate, time left.

Run from a timer or a service there is no terminal for a progress bar; the ingest and
the rebuild log a line every ``[ingest] progress_seconds`` (30 by default) to the logger
``foi_archive.progress``, in the text or JSON log format (docs/reliability.md,
"Long runs"). The command line turns that logger on wherever it shows no progress bar.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("foi_archive.progress")


def duration(seconds: float) -> str:
    """"2 h 05 min", "4 min 10 s", "35 s"."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class ProgressLog:
    """Logs ``task``'s progress at most every ``every`` seconds (0: never)."""

    def __init__(self, task: str, every: float, *, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.task = task
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last = self.started

    def tick(self, done: int, total: int | None = None, failed: int = 0) -> bool:
        """Log a line if one is due; returns whether it did."""
        if self.every <= 0:
            return False
        now = self.clock()
        if now - self.last < self.every:
            return False
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        fields: dict[str, object] = {"event": "progress", "task": self.task, "done": done,
                                     "failed": failed, "rate": round(rate, 2),
                                     "elapsed_seconds": round(elapsed, 1)}
        parts = [f"{done:,} done" if not total else f"{done:,} of {total:,} done",
                 f"{failed:,} failed", f"{rate:.1f} a second"]
        if total:
            fields["total"] = total
            if rate > 0 and total >= done:
                left = (total - done) / rate
                fields["eta_seconds"] = round(left)
                parts.append(f"about {duration(left)} left")
        log.info("%s: %s", self.task, ", ".join(parts), extra={"fields": fields})
        return True

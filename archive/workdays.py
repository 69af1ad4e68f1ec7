"""Working days between a request's receipt and its response, as the Acts count them.

FOIA s.10(6) (and EIR reg.2, which borrows it): a working day is any day other than a
Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday *in any part of the
United Kingdom*, so St Patrick's Day stops the clock for a council in Kent. FOISA s.73:
only Scotland's bank holidays count. The day of receipt is not counted: a response on
the twentieth working day after it is on time (docs/site.md, "How fast bodies answer").

The bank holidays come from the maintained ``holidays`` library (England and Wales,
Scotland and Northern Ireland, one-off days such as the 2022 state funeral included).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
import numpy as np

#: The statutory limit, in working days (FOIA s.10(1), FOISA s.10(1), EIR reg.5(2)).
LIMIT = 20
#: More than this many working days (two years) between receipt and response is more
#: likely a misread date than a real wait; such a pair is not counted.
MOST = 520

_SUBDIVISIONS = {"uk": ("ENG", "WLS", "SCT", "NIR"), "scotland": ("SCT",)}


def jurisdiction(regime: str | None) -> str:
    """Whose days off count: "scotland" for FOISA, else "uk" (FOIA and EIR)."""
    return "scotland" if regime == "FOISA" else "uk"


@lru_cache(maxsize=512)
def _days_off(where: str, year: int) -> tuple[np.datetime64, ...]:
    found: set[date] = set()
    for subdivision in _SUBDIVISIONS[where]:
        found.update(holidays.country_holidays("GB", subdiv=subdivision, years=year))
    return tuple(np.datetime64(d, "D") for d in sorted(found))


def days_off(where: str, first: int, last: int) -> np.ndarray:
    """The non-weekend days off of ``where`` in the years ``first`` to ``last``."""
    return np.array([d for year in range(first, last + 1) for d in _days_off(where, year)],
                    dtype="datetime64[D]")


def working_days(received: date, responded: date, regime: str | None = None) -> int | None:
    """Working days after ``received`` up to and including ``responded``; None when the
    pair cannot be right (a response before its request, or one over two years later)."""
    if responded < received:
        return None
    where = jurisdiction(regime)
    off = days_off(where, received.year, responded.year)
    start = np.datetime64(received, "D") + 1
    end = np.datetime64(responded, "D") + 1
    taken = int(np.busday_count(start, end, holidays=off))
    return taken if taken <= MOST else None


def parse_day(value: object) -> date | None:
    """A date from an ISO string or a datetime; None for anything else."""
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[union-attr]
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def time_taken(received: object, responded: object, date_source: str | None,
               regime: str | None) -> int | None:
    """Working days a response took, from its metadata; None when that cannot be told.

    Only a date the response gives itself counts: one filed under its received date, or
    under the date a log published it (``date_source``), says nothing of the wait."""
    if date_source in ("received", "source"):
        return None
    start, end = parse_day(received), parse_day(responded)
    if start is None or end is None:
        return None
    return working_days(start, end, regime)

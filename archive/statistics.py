"""How fast bodies answer and how they use each exemption, across the whole archive.

Every figure comes from the facet columns of one index generation (archive/postings.py):
the working days a response took (archive/workdays.py, from its received and response
dates), the body, the year and the exemptions. Computed once a generation, then kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archive.postings import FacetColumns
from archive.workdays import LIMIT

#: A body is ranked only with at least this many responses to rank it on.
MINIMUM = 5


@dataclass(frozen=True)
class Timing:
    """Responses whose received and response dates are both known, and how long they took."""

    answered: int
    median: float | None  # working days
    within: int  # answered within LIMIT working days

    @property
    def share(self) -> float | None:
        return self.within / self.answered if self.answered else None


@dataclass(frozen=True)
class YearTiming:
    year: str
    timing: Timing


@dataclass(frozen=True)
class BodyTiming:
    name: str
    responses: int
    timing: Timing


@dataclass(frozen=True)
class ExemptionUse:
    name: str
    responses: int
    count: int  # responses citing the exemption

    @property
    def share(self) -> float:
        return self.count / self.responses if self.responses else 0.0


def timing(days: np.ndarray) -> Timing:
    """The timing of responses that took ``days`` working days (unknown ones left out)."""
    known = days[days >= 0]
    if not len(known):
        return Timing(0, None, 0)
    return Timing(int(len(known)), float(np.median(known)), int(np.count_nonzero(known <= LIMIT)))


def _value_of_doc(columns: FacetColumns, field: str) -> np.ndarray:
    """Each document's ordinal in a single-valued facet (force, authority, year), or -1."""
    owner = np.full(columns.size, -1, dtype=np.int64)
    owner[columns.docs[field]] = columns.ords[field]
    owner[~columns.live] = -1
    return owner


def body_timing(columns: FacetColumns, field: str, value: str) -> tuple[Timing, list[YearTiming]]:
    """A body's timing overall and by year of response, oldest year first."""
    names = columns.names[field]
    if value not in names:
        return Timing(0, None, 0), []
    mine = _value_of_doc(columns, field) == names.index(value)
    years = _value_of_doc(columns, "year")
    by_year = []
    for ordinal in np.unique(years[mine & (years >= 0)]):
        by_year.append(YearTiming(columns.names["year"][ordinal],
                                  timing(columns.working_days[mine & (years == ordinal)])))
    by_year.sort(key=lambda y: y.year)
    return timing(columns.working_days[mine]), by_year


def timeliness(columns: FacetColumns, field: str = "authority", minimum: int = MINIMUM) -> list[BodyTiming]:
    """Bodies with at least ``minimum`` timed responses, the most often on time first
    (then the quickest by median, then by name)."""
    def compute() -> list[BodyTiming]:
        owner = _value_of_doc(columns, field)
        responses = np.bincount(owner[owner >= 0], minlength=len(columns.names[field]))
        timed = (owner >= 0) & (columns.working_days >= 0)
        order = np.argsort(owner[timed], kind="stable")
        owners, days = owner[timed][order], columns.working_days[timed][order]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else []
        rows = []
        for start, end in zip(starts, [*starts[1:], len(owners)]):
            if end - start >= minimum:
                ordinal = int(owners[start])
                rows.append(BodyTiming(columns.names[field][ordinal], int(responses[ordinal]),
                                       timing(days[start:end])))
        rows.sort(key=lambda r: (-(r.timing.share or 0.0), r.timing.median, r.name.lower()))
        return rows

    return columns.remember(("timeliness", field, minimum), compute)


def exemption_use(columns: FacetColumns, section: str, field: str = "authority",
                  minimum: int = MINIMUM) -> list[ExemptionUse]:
    """Bodies with at least ``minimum`` responses, by the share of them citing ``section``
    (most first; then by count, then by name). Bodies that never cite it are left out."""
    def compute() -> list[ExemptionUse]:
        names = columns.names["exemption"]
        if section not in names:
            return []
        owner = _value_of_doc(columns, field)
        responses = np.bincount(owner[owner >= 0], minlength=len(columns.names[field]))
        citing = columns.docs["exemption"][columns.ords["exemption"] == names.index(section)]
        citing = owner[citing]
        counts = np.bincount(citing[citing >= 0], minlength=len(columns.names[field]))
        rows = [ExemptionUse(columns.names[field][i], int(responses[i]), int(counts[i]))
                for i in np.flatnonzero((counts > 0) & (responses >= minimum))]
        rows.sort(key=lambda r: (-r.share, -r.count, r.name.lower()))
        return rows

    return columns.remember(("exemption_use", section, field, minimum), compute)

"""Score enrichment against the hand labels of ``shared/corpus/labels.json``.

Records are matched to labels by file name. Scores:

- exemptions: micro precision, recall and F1 at section level (``FOIA s.40``,
  ``EIR reg.12(5)(b)``, via ``archive.law.section_of``) over all labelled documents;
- outcome, authority, authority_type, regime, reference, date: accuracy over the
  labelled documents whose label is not null ("where the document has one").

Comparison rules, so that the labels' notes do not count as misses:

- authority: a parenthetical note is dropped ("Home Office (Direct Communications
  Unit)" → "Home Office"; "... (now MHCLG)"), then both sides are resolved to the
  registry's canonical name (a former name matches its successor: "Department for
  Communities and Local Government" → MHCLG) and compared case-, "the"- and
  punctuation-insensitively.
- reference: a parenthetical note is dropped, then case, white space and the
  separators "/", "-", "." are ignored ("FOI / 1680" == "FOI/1680").
- date: ISO dates compared as strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from archive.law import section_of
from ingest.metadata.authorities import canonical, key

FIELDS = ("outcome", "authority", "authority_type", "regime", "reference", "date")
_LABEL_KEY = {"date": "date_of_response"}


@dataclass
class Miss:
    """One labelled value the records got wrong."""

    file: str
    field: str
    expected: Any
    got: Any


@dataclass
class FieldScore:
    """Accuracy of one field over the documents labelled for it."""

    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class Report:
    """The evaluation of a set of records against the labels."""

    documents: int = 0
    missing: list[str] = field(default_factory=list)  # labelled files with no record
    exemption_tp: int = 0
    exemption_fp: int = 0
    exemption_fn: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    misses: list[Miss] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.exemption_tp + self.exemption_fp
        return self.exemption_tp / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.exemption_tp + self.exemption_fn
        return self.exemption_tp / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _drop_note(value: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", value).strip()


def same_reference(expected: str, got: str | None) -> bool:
    """References equal once case, spaces and separators are ignored."""
    def norm(v: str) -> str:
        return re.sub(r"[\s/\-.]+", "", _drop_note(v)).lower()
    return got is not None and norm(expected) == norm(got)


def same_authority(expected: str, got: str | None) -> bool:
    """Authorities equal once notes are dropped and both are read through the registry."""
    if got is None:
        return False
    return key(canonical(_drop_note(expected))) == key(canonical(got))


def _equal(name: str, expected: Any, got: Any) -> bool:
    if name == "reference":
        return same_reference(expected, got)
    if name == "authority":
        return same_authority(expected, got)
    return expected == got


def _name(path: str) -> str:
    return Path(path).name


def evaluate(labels_path: str | Path, records: Iterable[dict[str, Any]]) -> Report:
    """Score records (dicts shaped like ``foi-archive extract --json`` lines) against the labels."""
    labels = json.loads(Path(labels_path).read_text(encoding="utf-8"))
    by_name = {_name(r["path"]): r for r in records}
    report = Report()
    for label in labels:
        name = _name(label["file"])
        record = by_name.get(name)
        if record is None:
            report.missing.append(name)
            continue
        report.documents += 1
        want = {section_of(c) for c in label.get("exemptions") or []}
        got = {section_of(c) for c in record.get("exemptions") or []}
        report.exemption_tp += len(want & got)
        report.exemption_fp += len(got - want)
        report.exemption_fn += len(want - got)
        if want != got:
            report.misses.append(Miss(name, "exemptions", sorted(want), sorted(got)))
        for f in FIELDS:
            expected = label.get(_LABEL_KEY.get(f, f))
            if expected is None:
                continue
            score = report.fields[f]
            score.total += 1
            if _equal(f, expected, record.get(f)):
                score.correct += 1
            else:
                report.misses.append(Miss(name, f, expected, record.get(f)))
    return report


def format_report(report: Report) -> str:
    """The report as text: one line per score, then each miss."""
    lines = [
        f"documents scored: {report.documents}" + (f" (no record for {len(report.missing)})" if report.missing else ""),
        f"exemptions (section level): P {report.precision:.3f}  R {report.recall:.3f}  F1 {report.f1:.3f}"
        f"  (tp {report.exemption_tp}, fp {report.exemption_fp}, fn {report.exemption_fn})",
    ]
    for f, s in report.fields.items():
        lines.append(f"{f:<15} {s.accuracy:.3f}  ({s.correct}/{s.total})")
    if report.misses:
        lines.append("")
        lines.append("misses:")
        for m in report.misses:
            lines.append(f"  {m.file}: {m.field}: expected {m.expected!r}, got {m.got!r}")
    for name in report.missing:
        lines.append(f"  {name}: no record")
    return "\n".join(lines)

"""Score enrichment against the hand labels of ``shared/corpus/labels.json``
(or the truth of a generated sample set, ``samples.json``: the same shape).

The records are the lines of ``foi-archive extract --json`` (``records_for`` runs
that same entry point, ``ingest.pipeline.extract_paths``, on the labelled files,
whose paths are relative to the labels file's folder), matched to labels by file
name. Scores:

- exemptions: micro precision, recall and F1 at section level (``FOIA s.40``,
  ``EIR reg.12(5)(b)``, via ``archive.law.section_of``) over the labelled documents
  whose label has the key (``[]`` is a label of "none"; a label without the key, such
  as a hand correction of the outcome only, says nothing of exemptions);
- outcome, authority, authority_type, force, regime, reference, date: accuracy
  over the labelled documents whose label is not null ("where the document has one");
- topics, where the labels have them: micro precision, recall and F1 of topic
  names (case-insensitive), and how often the first topic read is a labelled one.

Comparison rules, so that the labels' notes do not count as misses:

- authority: a parenthetical note is dropped ("Home Office (Direct Communications
  Unit)" → "Home Office"; "... (now MHCLG)"), then both sides are resolved to the
  registry's canonical name (a former name matches its successor: "Department for
  Communities and Local Government" → MHCLG) and compared case-, "the"- and
  punctuation-insensitively.
- reference: a parenthetical note is dropped, then case, white space and the
  separators "/", "-", "." are ignored ("FOI / 1680" == "FOI/1680").
- date: ISO dates compared as strings (label key ``date_of_response`` or ``date``).
- topics: the sample generator's names are mapped to the taxonomy's here
  (``TOPIC_NAMES``), never the other way round.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from archive.config import Config
from archive.law import section_of
from ingest.metadata.authorities import canonical, key

FIELDS = ("outcome", "authority", "authority_type", "force", "regime", "reference", "date")
_LABEL_KEYS = {"date": ("date_of_response", "date")}
# Topic names of the sample generator that the taxonomy names differently.
TOPIC_NAMES = {"air quality": "environment and pollution", "fly-tipping": "waste and recycling"}


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
class SetScore:
    """Precision, recall and F1 of sets read against sets labelled."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, want: set[str], got: set[str]) -> None:
        self.tp += len(want & got)
        self.fp += len(got - want)
        self.fn += len(want - got)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class TopicScore(SetScore):
    """Topic names read against topic names labelled."""

    first_right: int = 0  # documents whose first topic read is a labelled one
    documents: int = 0

    @property
    def first(self) -> float:
        return self.first_right / self.documents if self.documents else 1.0


@dataclass
class Report:
    """The evaluation of a set of records against the labels."""

    documents: int = 0
    missing: list[str] = field(default_factory=list)  # labelled files with no record
    exemptions: SetScore = field(default_factory=SetScore)  # at section level
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    misses: list[Miss] = field(default_factory=list)
    topics: TopicScore = field(default_factory=TopicScore)
    # Of the outcomes the records state (not null), how many the labels agree with: a facet
    # that says "refused" must be right (a stated outcome where the label has none is wrong).
    stated: FieldScore = field(default_factory=FieldScore)

    @property
    def f1(self) -> float:
        """Exemptions F1 at section level, the headline figure."""
        return self.exemptions.f1


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


def load_labels(labels_path: str | Path) -> list[dict[str, Any]]:
    """The labels: a JSON list of objects, each naming its ``file``."""
    labels = json.loads(Path(labels_path).read_text(encoding="utf-8"))
    if not isinstance(labels, list) or not all(isinstance(x, dict) and "file" in x for x in labels):
        raise ValueError(f"{labels_path}: expected a JSON list of objects with a 'file' key")
    return labels


def labelled_paths(labels_path: str | Path) -> list[str]:
    """The labelled files, as paths (the labels' ``file`` is relative to the labels file's folder)."""
    folder = Path(labels_path).resolve().parent
    return [str(folder / label["file"]) for label in load_labels(labels_path)]


def records_for(config: Config, labels_path: str | Path) -> list[dict[str, Any]]:
    """The ``foi-archive extract --json`` records of the labelled files."""
    from ingest.pipeline import extract_paths  # the pipeline imports the readers this module scores

    return list(extract_paths(config, labelled_paths(labels_path)))


def _topic(name: str) -> str:
    name = " ".join(name.lower().split())
    return TOPIC_NAMES.get(name, name)


def _label(label: dict[str, Any], name: str) -> Any:
    for k in _LABEL_KEYS.get(name, (name,)):
        if label.get(k) is not None:
            return label[k]
    return None


def evaluate(labels_path: str | Path, records: Iterable[dict[str, Any]]) -> Report:
    """Score records (dicts shaped like ``foi-archive extract --json`` lines) against the labels."""
    return _score(load_labels(labels_path), {_name(r["path"]): r for r in records})


def source_of(label: dict[str, Any]) -> str:
    """Which source a labelled file is from, for per-source scores: the label's ``source``,
    else its file name's first two parts ("council_sheffield", "police_durham")."""
    if label.get("source"):
        return str(label["source"])
    return "_".join(_name(label["file"]).split("_")[:2])


def evaluate_by_source(labels_path: str | Path, records: Iterable[dict[str, Any]]) -> dict[str, Report]:
    """One report per source (``source_of``), so a rule tuned to one body shows up as such."""
    by_name = {_name(r["path"]): r for r in records}
    groups: dict[str, list[dict[str, Any]]] = {}
    for label in load_labels(labels_path):
        groups.setdefault(source_of(label), []).append(label)
    return {source: _score(labels, by_name) for source, labels in sorted(groups.items())}


def _score(labels: list[dict[str, Any]], by_name: dict[str, dict[str, Any]]) -> Report:
    report = Report()
    for label in labels:
        name = _name(label["file"])
        record = by_name.get(name)
        if record is None:
            report.missing.append(name)
            continue
        report.documents += 1
        if "exemptions" in label:
            want = {section_of(c) for c in label["exemptions"] or []}
            got = {section_of(c) for c in record.get("exemptions") or []}
            report.exemptions.add(want, got)
            if want != got:
                report.misses.append(Miss(name, "exemptions", sorted(want), sorted(got)))
        if isinstance(label.get("topics"), list):
            _score_topics(report, name, label["topics"], record.get("topics") or [])
        if "outcome" in label and record.get("outcome") is not None:
            report.stated.total += 1
            report.stated.correct += record["outcome"] == label["outcome"]
        for f in FIELDS:
            expected = _label(label, f)
            if expected is None:
                continue
            score = report.fields[f]
            score.total += 1
            if _equal(f, expected, record.get(f)):
                score.correct += 1
            else:
                report.misses.append(Miss(name, f, expected, record.get(f)))
    return report


def _score_topics(report: Report, name: str, labelled: list[str], read: list[str]) -> None:
    want = {_topic(t) for t in labelled}
    got = [_topic(t) for t in read]
    score = report.topics
    score.documents += 1
    score.add(want, set(got))
    score.first_right += bool(got and got[0] in want)
    if want != set(got):
        report.misses.append(Miss(name, "topics", sorted(labelled), list(read)))


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (``foi-archive evaluate --json``)."""
    out: dict[str, Any] = {
        "documents": report.documents,
        "missing": report.missing,
        "exemptions": report.exemptions.as_dict(),
        "fields": {f: {"accuracy": s.accuracy, "correct": s.correct, "total": s.total}
                   for f, s in report.fields.items() if s.total},
        "outcome_stated": {"accuracy": report.stated.accuracy, "correct": report.stated.correct,
                           "total": report.stated.total},
        "misses": [{"file": m.file, "field": m.field, "expected": m.expected, "got": m.got} for m in report.misses],
    }
    if report.topics.documents:
        t = report.topics
        out["topics"] = {**t.as_dict(), "first": t.first, "documents": t.documents}
    return out


def format_report(report: Report) -> str:
    """The report as text: one line per score, then each miss."""
    e = report.exemptions
    lines = [
        f"documents scored: {report.documents}" + (f" (no record for {len(report.missing)})" if report.missing else ""),
        f"exemptions (section level): P {e.precision:.3f}  R {e.recall:.3f}  F1 {e.f1:.3f}"
        f"  (tp {e.tp}, fp {e.fp}, fn {e.fn})",
    ]
    for f, s in report.fields.items():
        if s.total:
            lines.append(f"{f:<15} {s.accuracy:.3f}  ({s.correct}/{s.total})")
        if f == "outcome" and report.stated.total:
            st = report.stated
            lines.append(f"  stated right  {st.accuracy:.3f}  ({st.correct}/{st.total} outcomes read, null ones aside)")
    if report.topics.documents:
        t = report.topics
        lines.append(f"topics          P {t.precision:.3f}  R {t.recall:.3f}  F1 {t.f1:.3f}  first topic right "
                     f"{t.first:.3f}  ({t.first_right}/{t.documents})")
    if report.misses:
        lines.append("")
        lines.append("misses:")
        for m in report.misses:
            lines.append(f"  {m.file}: {m.field}: expected {m.expected!r}, got {m.got!r}")
    for name in report.missing:
        lines.append(f"  {name}: no record")
    return "\n".join(lines)


#: The columns of the per-source table: the fields with targets (docs/metadata.md, Measured).
SOURCE_COLUMNS = ("outcome", "authority", "reference", "date")


def format_sources(reports: dict[str, Report]) -> str:
    """Per-source scores as a table: documents, exemptions F1, the fields, stated outcomes right."""
    head = f"{'source':<24} {'docs':>4}  {'ex F1':>5}  " + "  ".join(f"{c:>9}" for c in SOURCE_COLUMNS) + "  stated"
    lines = [head]
    for source, r in reports.items():
        cells = [f"{r.fields[c].correct}/{r.fields[c].total}".rjust(9) if r.fields[c].total else "-".rjust(9)
                 for c in SOURCE_COLUMNS]
        stated = f"{r.stated.correct}/{r.stated.total}" if r.stated.total else "-"
        lines.append(f"{source[:24]:<24} {r.documents:>4}  {r.f1:>5.2f}  " + "  ".join(cells) + f"  {stated}")
    return "\n".join(lines)

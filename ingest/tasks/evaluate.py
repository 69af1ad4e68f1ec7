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
    # The outcome as read, stated or left unstated below its confidence threshold
    # (ingest/metadata/confidence.py): what the rules get right before the reader falls silent.
    read: FieldScore = field(default_factory=FieldScore)

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
    """Authorities equal once notes are dropped and both are read through the registry (a
    label's "X CCG" is the registry's "X Clinical Commissioning Group")."""
    if got is None:
        return False
    def norm(name: str) -> str:
        name = re.sub(r"\bCCG\b", "Clinical Commissioning Group", _drop_note(name))
        return key(canonical(name))
    return norm(expected) == norm(got)


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


def evaluate_sets(labels_paths: Iterable[str | Path], records: Iterable[dict[str, Any]]
                  ) -> tuple[Report, dict[str, Report]]:
    """Score records against several label files as one set: the whole, and by source group
    (``source_groups``)."""
    paths = list(labels_paths)
    labels = [label for path in paths for label in load_labels(path)]
    by_name = {_name(r["path"]): r for r in records}
    groups = source_groups(paths)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for label in labels:
        by_group.setdefault(groups[_name(label["file"])], []).append(label)
    return _score(labels, by_name), {g: _score(ls, by_name) for g, ls in sorted(by_group.items())}


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
        if label.get("outcome") is not None:
            report.read.total += 1
            report.read.correct += _reading(record, "outcome")[0] == label["outcome"]
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
        "outcome_read": {"accuracy": report.read.accuracy, "correct": report.read.correct, "total": report.read.total},
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
            st, rd = report.stated, report.read
            lines.append(f"  stated right  {st.accuracy:.3f}  ({st.correct}/{st.total} outcomes stated, null ones aside)")
            lines.append(f"  as read       {rd.accuracy:.3f}  ({rd.correct}/{rd.total}, stated or below the threshold)")
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


# ---------------------------------------------------------------- grouped cross-validation
# How sure each claim is (ingest/metadata/confidence.py) and where a claim stops being stated:
# every labelled set split by source, never the same repository or body on both sides; the
# threshold of each field chosen on the other groups and scored on the one held out.

_SOURCE_ROW = re.compile(r"^\|\s*(?P<file>[^|]+?)\s*\|\s*(?P<repo>[\w.-]+/[\w.-]+)@", re.MULTILINE)


def _source_repos(folder: Path) -> dict[str, str]:
    """File name -> the public repository it was taken from, read from the SOURCES.md files
    beside the labelled files (../shared/corpus keeps one per folder)."""
    out: dict[str, str] = {}
    for sources in sorted(folder.glob("SOURCES.md")) + sorted(folder.glob("*/SOURCES.md")):
        for m in _SOURCE_ROW.finditer(sources.read_text(encoding="utf-8", errors="replace")):
            out.setdefault(_name(m["file"]), m["repo"])
    return out


def source_groups(labels_paths: Iterable[str | Path]) -> dict[str, str]:
    """File name -> its cross-validation group: files from one source (the label's ``source``,
    else the repository SOURCES.md names, else the file name's first two parts) are one
    group, and groups that share a body (the labelled authority) are joined, so that no body
    and no campaign is ever on both sides of a split."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    members: dict[str, list[str]] = {}
    for labels_path in labels_paths:
        repos = _source_repos(Path(labels_path).resolve().parent)
        for label in load_labels(labels_path):
            name = _name(label["file"])
            source = "source:" + (str(label.get("source") or "") or repos.get(name) or source_of(label))
            members.setdefault(source, []).append(name)
            if label.get("authority"):
                body = "body:" + key(canonical(_drop_note(str(label["authority"]))))
                parent[find(body)] = find(source)
            find(source)
    groups: dict[str, str] = {}
    for source, names in members.items():
        root = find(source)
        for name in names:
            groups[name] = root
    # Name each group after its largest source.
    size = {s: len(n) for s, n in members.items()}
    label_of: dict[str, str] = {}
    for source in sorted(members, key=lambda s: -size[s]):
        label_of.setdefault(find(source), source.removeprefix("source:"))
    return {name: label_of[root] for name, root in groups.items()}


@dataclass
class Claim:
    """One claim the reader made, stated or not, scored against its label."""

    group: str
    confidence: float
    right: bool


def _reading(record: dict[str, Any], name: str) -> tuple[Any, float]:
    """What the reader read for a field, stated or left unstated, and its confidence."""
    if record.get(name) is not None:
        return record[name], float((record.get("confidence") or {}).get(name, 1.0))
    held = (record.get("unstated") or {}).get(name)
    if held:
        return held.get("value"), float(held.get("confidence") or 0.0)
    return None, 0.0


CV_FIELDS = ("outcome", "exemptions", "authority", "reference", "date")


def claims_by_field(labels_paths: Iterable[str | Path], records: Iterable[dict[str, Any]]
                    ) -> dict[str, list[Claim]]:
    """Every claim of every labelled file, by field. An outcome read where the label has none
    is a wrong claim (a facet that says "refused" must be right); an exemption is one claim
    each, right when its section is labelled."""
    paths = list(labels_paths)
    groups = source_groups(paths)
    by_name = {_name(r["path"]): r for r in records}
    out: dict[str, list[Claim]] = {f: [] for f in CV_FIELDS}
    for labels_path in paths:
        for label in load_labels(labels_path):
            name = _name(label["file"])
            record = by_name.get(name)
            if record is None:
                continue
            group = groups[name]
            for f in ("outcome", "authority", "reference", "date"):
                value, sure = _reading(record, f)
                expected = _label(label, f)
                if value is None or (expected is None and not (f == "outcome" and "outcome" in label)):
                    continue
                right = expected is not None and _equal(f, expected, value)
                out[f].append(Claim(group, sure, right))
            if "exemptions" in label:
                want = {section_of(c) for c in label["exemptions"] or []}
                for e in record.get("evidence") or []:
                    sure = 1.0 if e.get("confidence") is None else float(e["confidence"])
                    out["exemptions"].append(Claim(group, sure, section_of(e["code"]) in want))
                held = (record.get("unstated") or {}).get("exemptions") or {}
                each = held.get("each") or {}
                for code in held.get("value") or []:
                    sure = float(each.get(code, held.get("confidence") or 0.0))
                    out["exemptions"].append(Claim(group, sure, section_of(code) in want))
    return out


def choose_threshold(claims: list[Claim], target: float) -> float:
    """The lowest confidence at which the claims at or above it are right at least ``target``
    of the time; above every confidence (state nothing) when none is."""
    for t in sorted({0.0, *(c.confidence for c in claims)}):
        kept = [c for c in claims if c.confidence >= t]
        if kept and sum(c.right for c in kept) / len(kept) >= target:
            return t
    return 1.01


@dataclass
class CrossValidation:
    """A field's grouped cross-validation: the threshold chosen on all groups, and what the
    thresholds chosen without each group do on it, pooled."""

    field: str
    threshold: float
    claims: int = 0  # every claim read, stated or not
    right: int = 0  # of those, right
    stated: int = 0  # held out: claims stated under the threshold chosen without their group
    stated_right: int = 0
    groups: int = 0

    @property
    def precision(self) -> float:
        return self.stated_right / self.stated if self.stated else 1.0

    @property
    def coverage(self) -> float:
        return self.stated / self.claims if self.claims else 0.0


def cross_validate(claims: dict[str, list[Claim]], target: float) -> list[CrossValidation]:
    """Leave one group out, for each field: choose the threshold on the others, state the
    held-out group's claims at or above it."""
    out = []
    for f, items in claims.items():
        groups = sorted({c.group for c in items})
        cv = CrossValidation(f, choose_threshold(items, target), len(items), sum(c.right for c in items),
                             groups=len(groups))
        for g in groups:
            t = choose_threshold([c for c in items if c.group != g], target)
            for c in items:
                if c.group == g and c.confidence >= t:
                    cv.stated += 1
                    cv.stated_right += c.right
        out.append(cv)
    return out


def format_cross_validation(results: list[CrossValidation], target: float) -> str:
    """The grouped table: per field, the claims read and right with no threshold, the threshold
    chosen on every group, and held out: how many were stated and how many of those right."""
    lines = [f"grouped cross-validation (leave one source out; threshold: stated right >= {target:.2f}):",
             f"{'claim':<11} {'groups':>6} {'read':>5} {'right':>6}  {'threshold':>9}  "
             f"{'held-out stated':>15} {'right':>6} {'precision':>9}"]
    for cv in results:
        read_p = cv.right / cv.claims if cv.claims else 1.0
        threshold = "none" if cv.threshold > 1 else f"{cv.threshold:.3f}"
        precision = f"{cv.precision:.3f}" if cv.stated else "n/a"
        lines.append(f"{cv.field:<11} {cv.groups:>6} {cv.claims:>5} {read_p:>6.2f}  {threshold:>9}  "
                     f"{cv.stated:>15} {cv.stated_right:>6} {precision:>9}")
    return "\n".join(lines)

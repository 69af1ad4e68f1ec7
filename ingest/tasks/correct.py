"""foi-archive correct and corrections: log a hand correction of a response's metadata and
re-index the response at once; list the corrections; write them as evaluation labels.

What a correction may say and how it applies over the machine reading is
``ingest/corrections.py``. ``foi-archive corrections --labels FILE`` writes the
corrections in force in the schema of ``shared/corpus/labels.json`` with the originals
beside it, so that ``foi-archive evaluate FILE`` scores the extraction on them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.config import Config
from archive.models import CORRECTABLE, Metadata
from archive.store import Store, StoreError
from ingest.corrections import NONE, CorrectionError, apply_corrections, in_force, parse_value
from ingest.document import document_from_store, name_of
from ingest.metadata.authorities import load_registry
from ingest.tasks.takedown import current_user, reindex


# -- the command --------------------------------------------------------------------------


@dataclass
class Result:
    doc_id: str
    title: str
    changed: dict[str, Any]  # field -> the value now in force
    cleared: list[str]  # fields whose correction was withdrawn
    corrected: list[str]  # every field corrected now
    indexed: bool  # False: the document is taken down, and stays out of the index


def correct(config: Config, doc_id: str, values: Mapping[str, Any], *,
            clear: Iterable[str] = (), reason: str, user: str | None = None) -> Result:
    """Correct (or, with ``clear``, withdraw the correction of) fields of a document, log
    it, and re-index the document from the store at once. ``values`` maps a field of
    CORRECTABLE to what a person typed ("refused", ["FOIA s.40(2)"], "none", ...).

    Every value is checked before anything is written: a refusal changes nothing.
    """
    reason = reason.strip()
    if not reason:
        raise CorrectionError("give the reason for the correction (--reason)", "reason")
    parsed = {name: parse_value(name, raw) for name, raw in values.items()}
    cleared = list(dict.fromkeys(clear))
    for name in cleared:
        if name not in CORRECTABLE:
            raise CorrectionError(f"{name!r} cannot be corrected: only {', '.join(CORRECTABLE)}")
    both = [name for name in CORRECTABLE if name in parsed and name in cleared]
    if both:
        raise CorrectionError(f"{', '.join(both)}: give a new value or clear it, not both")
    if not parsed and not cleared:
        raise CorrectionError("nothing to correct: give a field's new value, or --clear FIELD")
    store = Store(config.store_path)
    try:
        row = store.document(doc_id)
        if row is None:
            raise CorrectionError(f"no document {doc_id}")
        if store.version_record(row.id, row.sha256) is None:
            raise CorrectionError(f"{doc_id} has no stored version to correct")
        existing = in_force(store.corrections(doc_id))
        for name in cleared:
            if name not in existing:
                raise CorrectionError(f"{doc_id} has no correction of {name} to withdraw")
        who = user or current_user()
        try:
            for name, value in parsed.items():
                store.add_correction(doc_id, name, value, reason=reason, user=who)
            for name in cleared:
                store.add_correction(doc_id, name, None, clear=True, reason=reason, user=who)
            store.commit()  # first: from here on every ingest and rebuild applies it
        except (sqlite3.OperationalError, StoreError) as exc:  # "database is locked" during an ingest
            raise CorrectionError(f"the catalogue could not be written ({exc}): nothing was "
                                  "changed; run the command again") from None
        doc = None if row.hidden else document_from_store(store, row)
        title = str((store.version_record(row.id, row.sha256) or {}).get("title") or "")
    finally:
        store.close()
    result = Result(doc_id, doc.title if doc else title, parsed, cleared,
                    doc.meta.corrected if doc else [], indexed=doc is not None)
    if doc is not None:
        _write_index(config, doc)
    return result


def _write_index(config: Config, doc: Any) -> None:
    try:
        reindex(config, doc)
    except Exception as exc:  # LockError while an ingest commits, or a damaged index
        raise CorrectionError(
            f"corrected in the store (every later ingest and rebuild applies it), but the index "
            f"was not changed ({type(exc).__name__}: {exc}); run `foi-archive rebuild`, or the "
            "command again") from None


# -- listing them -----------------------------------------------------------------------------


@dataclass
class Correction:
    """One logged correction (or withdrawal) of one field of one document."""

    n: int
    id: str
    field: str
    action: str  # correct | clear
    value: Any
    reason: str
    user: str
    time: str
    in_force: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "field": self.field, "action": self.action, "value": self.value,
                "reason": self.reason, "user": self.user, "time": self.time,
                "in_force": self.in_force}


def list_corrections(config: Config, doc_id: str | None = None, *,
                     history: bool = False) -> list[Correction]:
    """The corrections in force (or, with ``history``, every one logged), oldest first."""
    with Store(config.store_path, readonly=True) as store:
        current = {r["n"] for r in store.corrections(doc_id)}
        rows = store.corrections(doc_id, history=True) if history else store.corrections(doc_id)
    return [Correction(r["n"], r["id"], r["field"], r["action"],
                       json.loads(r["value"]) if r["value"] is not None else None,
                       r["reason"], r["user"], r["time"], r["n"] in current) for r in rows]


def show_value(value: Any) -> str:
    """A correction's value as a person typed it."""
    if isinstance(value, list):
        return ", ".join(value) or NONE
    return NONE if value is None else str(value)


# -- as evaluation data ------------------------------------------------------------------------


#: The labels.json key of each corrected field (and what comes with it).
LABEL_KEYS = {"outcome": "outcome", "exemptions": "exemptions", "authority": "authority",
              "reference": "reference", "date": "date_of_response"}


@dataclass
class LabelsReport:
    path: Path
    entries: int
    originals: int  # original files written (those already there are kept)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why)


def _safe_name(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "original"
    return name[:120]


def label_entry(meta: Metadata, file: str, doc_id: str, reasons: list[str]) -> dict[str, Any]:
    """A labels.json entry for a corrected document: only the fields a person corrected
    (a field left out is not scored by ``foi-archive evaluate``)."""
    entry: dict[str, Any] = {"file": file, "id": doc_id}
    for name in meta.corrected:
        if name == "exemptions":
            entry["exemptions"] = [e.code for e in meta.exemptions]
        elif name == "authority":
            entry["authority"] = meta.authority
            # The type only where the registry knows the body (else it is a guess from the name).
            known = meta.authority is not None and load_registry().lookup(meta.authority)
            entry["authority_type"] = meta.authority_type if known else None
        elif name == "date":
            entry["date_of_response"] = meta.date
        else:
            entry[LABEL_KEYS[name]] = getattr(meta, name)
    entry["corrected"] = list(meta.corrected)
    entry["notes"] = "Corrected by hand: " + "; ".join(reasons)
    return entry


def write_labels(config: Config, path: str | Path) -> LabelsReport:
    """Write the corrections in force to ``path`` as a labels.json list, one entry per
    corrected document, with its original under ``originals/`` beside it."""
    path = Path(path)
    folder = path.resolve().parent
    report = LabelsReport(path, 0, 0)
    entries: list[dict[str, Any]] = []
    with Store(config.store_path, readonly=True) as store:
        by_doc: dict[str, list[sqlite3.Row]] = {}
        for row in store.corrections():
            by_doc.setdefault(row["id"], []).append(row)
        for doc_id, rows in by_doc.items():
            doc = store.document(doc_id)
            record = store.version_record(doc_id, doc.sha256) if doc else None
            if doc is None or record is None:
                report.skipped.append((doc_id, "no stored version"))
                continue
            if doc.hidden:  # its original must not be copied anywhere
                report.skipped.append((doc_id, "taken down"))
                continue
            if store.parts(doc_id, doc.sha256):
                report.skipped.append((doc_id, "a page with attachments: evaluate reads one file"))
                continue
            file = f"originals/{doc.sha256[:12]}-{_safe_name(name_of(doc, record))}"
            target = folder / file
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(store.read_object(doc.sha256))
                report.originals += 1
            meta = apply_corrections(Metadata.from_dict(record.get("meta") or {}), rows)
            entries.append(label_entry(meta, file, doc_id,
                                       [f"{r['field']}: {r['reason']}" for r in rows]))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    report.entries = len(entries)
    return report

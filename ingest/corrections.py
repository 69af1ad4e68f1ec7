"""Hand corrections of a response's metadata: the values a person may give, and how the
corrections in force apply over what was read from the text.

A correction is kept in the store's catalogue (the ``corrections`` table, append-only:
the latest row of a document's field is in force, a ``clear`` row withdraws it) and
applied whenever the pipeline or a rebuild makes that document's index record
(``ingest.document.stored_document``), so a re-ingest with a new metadata reader never
loses it. The stored version record keeps the machine reading: withdrawing a correction
brings it back. The command that logs them, ``foi-archive correct``, is
``ingest/tasks/correct.py``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from datetime import date as Date
from typing import Any

from archive import law
from archive.models import CORRECTABLE, OUTCOMES, Exemption, Metadata
from ingest.metadata.authorities import load_registry, type_of

NONE = "none"  # the value that means "there is none" (no outcome, no exemptions, ...)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REGIME = re.compile(r"^(foisa|foia|eir)\b", re.IGNORECASE)


class CorrectionError(Exception):
    """The correction was refused (nothing changed), or done only in part (the message says).

    ``field`` names the value that was refused, when it is one of them (or "reason").
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- values ------------------------------------------------------------------------------


def normal_code(text: str) -> str:
    """A provision in the normal form ("FOIA s.40(2)", "EIR reg.12(5)(b)"), checked
    against the catalogue of archive/law.py; the regime's case is forgiven."""
    code = _REGIME.sub(lambda m: m.group(1).upper(), " ".join(text.split()))
    if law.split_code(code) and law.provision(code):
        if law.is_procedural(code):
            raise CorrectionError(f"{code} is a procedural provision, not an exemption", "exemptions")
        return code
    loose = law.parse_code(text)
    hint = f" (did you mean {loose!r}?)" if loose else ""
    raise CorrectionError(f"not a provision in the normal form, e.g. 'FOIA s.40(2)' or "
                          f"'EIR reg.12(5)(b)': {text!r}{hint}", "exemptions")


def _outcome(raw: str) -> str | None:
    value = raw.strip().lower()
    if value == NONE:
        return None
    if value not in OUTCOMES:
        raise CorrectionError(f"unknown outcome {raw!r}: use one of {', '.join(OUTCOMES)}, "
                              f"or {NONE}", "outcome")
    return value


def _exemptions(raw: str | Iterable[str]) -> list[str]:
    values = [raw] if isinstance(raw, str) else list(raw)
    if not values:
        raise CorrectionError(f"give at least one exemption, or {NONE}", "exemptions")
    if any(v.strip().lower() == NONE for v in values):
        if len(values) > 1:
            raise CorrectionError(f"{NONE} means no exemptions: give it alone", "exemptions")
        return []
    return list(dict.fromkeys(normal_code(v) for v in values))


def _text(name: str) -> Callable[[str], str | None]:
    def parse(raw: str) -> str | None:
        value = " ".join(raw.split())
        if not value:
            raise CorrectionError(f"the {name} is empty (give {NONE} for no {name})", name)
        return None if value.lower() == NONE else value
    return parse


def _authority(raw: str) -> str | None:
    name = _text("authority")(raw)
    body = load_registry().lookup(name) if name else None
    return body.name if body else name  # "Met Police" is logged as the registry names it


def _date(raw: str) -> str | None:
    value = raw.strip()
    if value.lower() == NONE:
        return None
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        day = Date.fromisoformat(value)
    except ValueError:
        raise CorrectionError(f"not a date in the form YYYY-MM-DD: {raw!r}", "date") from None
    if day > Date.today():
        raise CorrectionError(f"{value} is in the future", "date")
    return value


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "outcome": _outcome, "exemptions": _exemptions, "authority": _authority,
    "reference": _text("reference"), "date": _date,
}


def parse_value(field_name: str, raw: Any) -> Any:
    """The value a correction of ``field_name`` stores (as JSON), from what a person typed."""
    if field_name not in _PARSERS:
        raise CorrectionError(f"{field_name!r} cannot be corrected: only {', '.join(CORRECTABLE)}")
    return _PARSERS[field_name](raw)


# -- applying them ------------------------------------------------------------------------


def _set_outcome(meta: Metadata, value: str | None) -> None:
    meta.outcome = value
    meta.outcome_evidence = None  # the sentence was the machine's reason for its reading


def _set_exemptions(meta: Metadata, codes: list[str]) -> None:
    read = {e.code: e for e in meta.exemptions}  # keep the sentence where the machine found it
    meta.exemptions = [read.get(code) or Exemption(code) for code in codes]


def _set_authority(meta: Metadata, name: str | None) -> None:
    if name is None:
        meta.authority = meta.authority_type = meta.force = None
        return
    body = load_registry().lookup(name)
    if body is not None:
        meta.authority, meta.authority_type, meta.force = body.name, body.type, body.force
        return
    kind = type_of(name)
    meta.authority, meta.authority_type = name, kind
    meta.force = name if kind == "police" else None


def _set_reference(meta: Metadata, value: str | None) -> None:
    meta.reference = value


def _set_date(meta: Metadata, value: str | None) -> None:
    meta.date = value
    meta.date_source = "response" if value else None


_APPLY: dict[str, Callable[[Metadata, Any], None]] = {
    "outcome": _set_outcome, "exemptions": _set_exemptions, "authority": _set_authority,
    "reference": _set_reference, "date": _set_date,
}


def _get(row: Any, key: str, default: Any = None) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):  # a dict, or a sqlite3.Row without the column
        return default


def in_force(rows: Iterable[Any]) -> dict[str, Any]:
    """field -> value of the corrections in force, from rows in the order logged."""
    values: dict[str, Any] = {}
    for row in rows:
        name = _get(row, "field")
        if name not in _APPLY:
            continue
        if _get(row, "action", "correct") == "clear":
            values.pop(name, None)
        else:
            values[name] = json.loads(_get(row, "value") or "null")
    return values


def apply_corrections(meta: Metadata, rows: Iterable[Any]) -> Metadata:
    """``meta`` with the corrections of ``rows`` (store rows, oldest first) applied, and
    ``corrected`` naming the fields they set; ``meta`` itself is left as it was."""
    values = in_force(rows)
    if not values and not meta.corrected:
        return meta  # nothing to apply (nearly every document at ingest): no copy
    out = copy.deepcopy(meta)
    for name in CORRECTABLE:
        if name in values:
            _APPLY[name](out, values[name])
            # A person's value, not the reader's: no confidence, nothing left unstated.
            out.confidence.pop(name, None)
            out.unstated.pop(name, None)
    out.corrected = [name for name in CORRECTABLE if name in values]
    return out

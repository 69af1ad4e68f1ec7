"""Read a response's metadata from its text: who answered, under which law, what
was decided, which provisions were relied on, the reference, the dates, the topics.

One module a question (authorities.py, exemptions.py, outcome.py, ...);
``enrich`` puts them together. Rules follow the language of FOI letters, not
single documents; the registry of bodies and the topic taxonomy are data in
``data/``.
"""

from __future__ import annotations

from typing import Any

from archive.models import Metadata
from ingest.metadata import confidence as sure
from ingest.metadata.authorities import read_authority
from ingest.metadata.dates import best_date, received_date, response_date, source_date
from ingest.metadata.exemptions import find_exemptions, is_decision_notice
from ingest.metadata.outcome import decision_messages, from_answers, read_decision, substantive_messages
from ingest.metadata.questions import Questions, find_questions
from ingest.metadata.reference import read_reference
from ingest.metadata.regime import find_regime
from ingest.metadata.subject import find_title
from ingest.metadata.passages import MESSAGE_HEAD, normalise, split_messages
from ingest.metadata.voice import divide
from ingest.metadata.topics import find_topics

__all__ = ["METADATA_VERSION", "enrich", "state"]

#: Bumped whenever the metadata read from a text changes (rules, registry, taxonomy), so
#: that re-ingesting re-reads every stored document (see PIPELINE_VERSION in ingest/pipeline.py).
METADATA_VERSION = "9"


def enrich(text: str, *, title: str | None = None, hints: dict[str, Any] | None = None,
           filename: str | None = None) -> Metadata:
    """Read the metadata of one response."""
    hints = hints or {}
    clean = normalise(text or "")
    voice = divide(clean)  # whose words: claims are read from the body's own (voice.py)
    notice = is_decision_notice(clean)
    authority, how_authority = read_authority(clean, title=title or hints.get("subject"), hints=hints,
                                              decision_notice=notice)
    regime = find_regime(clean, scottish=bool(authority and authority.regime == "FOISA"), title=title)
    exemptions = find_exemptions(clean, regime)
    substantive = substantive_messages(clean)
    found = Questions([]) if notice else find_questions(clean, exemptions,
                                                        decision_messages(clean, substantive, exemptions))
    questions = found.questions
    outcome, evidence, outcome_sure = None, None, 0.0
    if not notice:
        answered = [q for q in questions if q.answer != "not_answered"]
        reading = read_decision(clean, exemptions, substantive=substantive)
        by_questions = found.specific and len(answered) >= 2
        if by_questions:
            # Answered item by item: the outcome follows from the answers (docs/metadata.md).
            outcome, evidence = from_answers(answered)
        else:
            outcome, evidence = reading.outcome, reading.evidence
        outcome_sure = sure.outcome_confidence(outcome, reading, questions, by_questions, clean, voice,
                                               ocr=bool(hints.get("ocr_pages")),
                                               exemptions=len(exemptions))
    # A year for every dated response: the response's own date, else the date the request was
    # received, else the source's; the record says which.
    date = response_date(clean, decision_messages(clean, substantive), hints)
    received = received_date(clean, split_messages(clean))
    date, date_source = best_date(date, received, source_date(hints))
    names = (authority.name,) if authority else ()
    own_page = (filename or "").lower().endswith((".html", ".htm")) and not hints.get("messages")
    source_title = hints.get("request_title") or hints.get("subject") or (title if own_page else None)
    reference, how_reference = read_reference(clean, title=title, filename=filename)
    meta = Metadata(
        title=find_title(clean, title, source_title=source_title, names=names, reference=reference,
                         date=date if date_source == "response" else None),
        authority=authority.name if authority else None,
        authority_type=authority.type if authority else None,
        force=authority.force if authority else None,
        regime=regime,
        reference=reference,
        date=date,
        date_source=date_source,
        received=received,
        exemptions=exemptions,
        outcome=outcome,
        outcome_evidence=evidence,
        questions=questions,
        topics=find_topics(clean, title),
        voice=[p.to_dict() for p in voice.quoted()],
    )
    date_how = ("thread" if MESSAGE_HEAD.search(clean) else "letter") if date_source == "response" else date_source
    confidence = {
        "outcome": outcome_sure,
        "authority": sure.authority_confidence(how_authority),
        "reference": sure.REFERENCE_STRENGTH.get(how_reference or "", 0.0),
        "date": sure.DATE_STRENGTH.get(date_how or "", 0.0),
    }
    return state(meta, confidence)


def state(meta: Metadata, confidence: dict[str, float]) -> Metadata:
    """Keep the claims sure enough to state (confidence.THRESHOLDS); the others become null
    ("not read") and are kept in ``meta.unstated`` with their confidence."""
    values = {"outcome": meta.outcome, "authority": meta.authority, "reference": meta.reference, "date": meta.date}
    for field, value in values.items():
        if value is None:
            continue
        if sure.stated(field, confidence[field]):
            meta.confidence[field] = confidence[field]
            continue
        meta.unstated[field] = {"value": value, "confidence": confidence[field],
                                "threshold": sure.THRESHOLDS[field]}
        if field == "outcome":
            if meta.outcome_evidence:
                meta.unstated[field]["evidence"] = meta.outcome_evidence.to_dict()
            meta.outcome, meta.outcome_evidence = None, None
        elif field == "authority":
            meta.unstated[field].update(type=meta.authority_type, force=meta.force)
            meta.authority = meta.authority_type = meta.force = None
        elif field == "reference":
            meta.reference = None
        elif field == "date":
            meta.unstated[field]["date_source"] = meta.date_source
            meta.date = meta.date_source = None
    kept = [e for e in meta.exemptions if e.confidence is None or sure.stated("exemptions", e.confidence)]
    dropped = [e for e in meta.exemptions if e not in kept]
    if dropped:
        meta.unstated["exemptions"] = {"value": [e.code for e in dropped],
                                       "confidence": min(e.confidence or 0.0 for e in dropped),
                                       "each": {e.code: e.confidence or 0.0 for e in dropped},
                                       "threshold": sure.THRESHOLDS["exemptions"]}
    meta.exemptions = kept
    return meta

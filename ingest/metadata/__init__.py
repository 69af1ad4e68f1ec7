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
from ingest.metadata.authorities import find_authority
from ingest.metadata.dates import best_date, received_date, response_date, source_date
from ingest.metadata.exemptions import find_exemptions, is_decision_notice
from ingest.metadata.outcome import decision_messages, from_answers, read_outcome, substantive_messages
from ingest.metadata.questions import Questions, find_questions
from ingest.metadata.reference import find_reference
from ingest.metadata.regime import find_regime
from ingest.metadata.subject import find_title
from ingest.metadata.passages import normalise, split_messages
from ingest.metadata.topics import find_topics

__all__ = ["METADATA_VERSION", "enrich"]

#: Bumped whenever the metadata read from a text changes (rules, registry, taxonomy), so
#: that re-ingesting re-reads every stored document (see PIPELINE_VERSION in ingest/pipeline.py).
METADATA_VERSION = "8"


def enrich(text: str, *, title: str | None = None, hints: dict[str, Any] | None = None,
           filename: str | None = None) -> Metadata:
    """Read the metadata of one response."""
    hints = hints or {}
    clean = normalise(text or "")
    notice = is_decision_notice(clean)
    authority = find_authority(clean, title=title or hints.get("subject"), hints=hints, decision_notice=notice)
    regime = find_regime(clean, scottish=bool(authority and authority.regime == "FOISA"), title=title)
    exemptions = find_exemptions(clean, regime)
    substantive = substantive_messages(clean)
    found = Questions([]) if notice else find_questions(clean, exemptions,
                                                        decision_messages(clean, substantive, exemptions))
    questions = found.questions
    outcome, evidence = None, None
    if not notice:
        answered = [q for q in questions if q.answer != "not_answered"]
        if found.specific and len(answered) >= 2:
            # Answered item by item: the outcome follows from the answers (docs/metadata.md).
            outcome, evidence = from_answers(answered)
        else:
            outcome, evidence = read_outcome(clean, exemptions, substantive=substantive)
    # A year for every dated response: the response's own date, else the date the request was
    # received, else the source's; the record says which.
    date = response_date(clean, decision_messages(clean, substantive), hints)
    received = received_date(clean, split_messages(clean))
    date, date_source = best_date(date, received, source_date(hints))
    names = (authority.name,) if authority else ()
    own_page = (filename or "").lower().endswith((".html", ".htm")) and not hints.get("messages")
    source_title = hints.get("request_title") or hints.get("subject") or (title if own_page else None)
    reference = find_reference(clean, title=title, filename=filename)
    return Metadata(
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
    )


"""The records that flow from ingest into the index, one vocabulary everywhere.

The attribute names here are also the Whoosh field names, the URL parameters,
the JSON keys and the facet names: ``force``, ``exemption``, ``topic``,
``outcome``, ``year``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

AUTHORITY_TYPES = ("police", "council", "nhs", "central_gov", "other")
REGIMES = ("FOIA", "EIR", "FOISA")
OUTCOMES = (
    "disclosed_in_full",
    "partially_disclosed",
    "refused",
    "neither_confirm_nor_deny",
    "not_held",
    "mixed",
)
#: The outcome facet's value for a response whose outcome was not read (the record's
#: ``outcome`` stays null): the facet shows "Not read" with its count.
NOT_READ = "not_read"
#: What happened to one question of a request (``Question.answer``).
ANSWERS = ("released", "partly_released", "not_held", "withheld", "cost", "ncnd", "not_answered")
#: Where a response's ``date`` came from: the letter's own date, the date the request was
#: received (said in the letter), or the source's (page, Last-Modified, e-mail, file).
DATE_SOURCES = ("response", "received", "source")
#: Whose words a part of a response is (ingest/metadata/voice.py): the body's own, or what it
#: quotes or attaches; with the words the document page uses for each.
VOICES = ("own", "request", "history", "template", "annex", "attachment", "other")
VOICE_LABELS = {
    "own": "the body's own words",
    "request": "the requester's words",
    "history": "earlier correspondence",
    "template": "how to ask for a review or complain",
    "annex": "legislation quoted",
    "attachment": "an attached document",
    "other": "headings and notes",
}
#: The claims stated with a confidence, and left unstated ("not read") below their threshold.
CLAIMS = ("outcome", "exemptions", "authority", "reference", "date")
#: The fields a person can correct (``foi-archive correct``).
CORRECTABLE = ("outcome", "exemptions", "authority", "reference", "date")


@dataclass
class Evidence:
    """The sentence a reading was made from, and its character offset in the text."""

    sentence: str
    offset: int = -1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Evidence | None":
        if not data:
            return None
        return cls(sentence=str(data.get("sentence", "")), offset=int(data.get("offset", -1)))


@dataclass
class Question:
    """One item of the request and what happened to it.

    ``answer`` is one of ANSWERS; ``exemptions`` the codes relied on for this item;
    ``evidence`` the sentence of the reply the answer was read from (None when the
    reply says nothing of the item: ``not_answered``).
    """

    text: str
    answer: str
    exemptions: list[str] = field(default_factory=list)
    evidence: Evidence | None = None
    number: str = ""  # as the request numbers it ("1", "a", "Q3"), else its position

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Question":
        return cls(text=str(data.get("text", "")), answer=str(data.get("answer", "not_answered")),
                   exemptions=list(data.get("exemptions") or []),
                   evidence=Evidence.from_dict(data.get("evidence")), number=str(data.get("number", "")))


@dataclass
class Exemption:
    """One provision relied on, with the words it was read from.

    ``code`` is the normal form of docs/metadata.md (``FOIA s.40(2)``,
    ``EIR reg.12(5)(b)``, ``FOISA s.38(1)(b)``); ``sentence`` is the sentence of
    the document it was found in and ``offset`` the character offset of the
    citation in the document text.
    """

    code: str
    sentence: str = ""
    offset: int = -1
    # How sure the reader is that the body relied on it (ingest/metadata/confidence.py);
    # None: not computed (a hand correction, a record made before it was).
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Exemption":
        confidence = data.get("confidence")
        return cls(code=data["code"], sentence=data.get("sentence", ""), offset=int(data.get("offset", -1)),
                   confidence=None if confidence is None else float(confidence))


@dataclass
class Metadata:
    """What enrichment reads from a response's text."""

    authority: str | None = None
    authority_type: str | None = None
    force: str | None = None
    regime: str | None = None
    reference: str | None = None
    date: str | None = None  # ISO date of the response
    received: str | None = None  # ISO date the request was received
    exemptions: list[Exemption] = field(default_factory=list)
    outcome: str | None = None
    topics: list[str] = field(default_factory=list)
    # The sentence the outcome was read from (None with the outcome, or when it follows
    # from the questions' answers alone).
    outcome_evidence: Evidence | None = None
    questions: list[Question] = field(default_factory=list)
    date_source: str | None = None  # one of DATE_SOURCES, None when there is no date
    # A title that says what was asked (ingest/metadata/subject.py): it replaces the extracted
    # one ("FOIA Response", a letterhead, a file name) on the page; None: keep that one.
    title: str | None = None
    corrected: list[str] = field(default_factory=list)  # fields a person corrected (CORRECTABLE)
    # Whose words (ingest/metadata/voice.py): the parts of the text that are not the body's
    # own, each {"kind", "start", "end", "why"}; claims are read from the rest.
    voice: list[dict[str, Any]] = field(default_factory=list)
    # How sure each stated claim is, 0 to 1 (CLAIMS: outcome, authority, reference, date;
    # each exemption carries its own), and the readings left unstated because they fell
    # below the threshold for their field: {"outcome": {"value": ..., "confidence": ...}}.
    confidence: dict[str, float] = field(default_factory=dict)
    unstated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # the exemptions too: asdict recurses into them

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Metadata":
        known = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        known["exemptions"] = [Exemption.from_dict(e) for e in data.get("exemptions") or []]
        known["topics"] = list(data.get("topics") or [])
        known["outcome_evidence"] = Evidence.from_dict(data.get("outcome_evidence"))
        known["questions"] = [Question.from_dict(q) for q in data.get("questions") or []]
        known["corrected"] = list(data.get("corrected") or [])
        known["voice"] = [dict(v) for v in data.get("voice") or []]
        known["confidence"] = {str(k): float(v) for k, v in (data.get("confidence") or {}).items()}
        known["unstated"] = {str(k): dict(v) for k, v in (data.get("unstated") or {}).items()}
        return cls(**known)


@dataclass
class Document:
    """One archived response as the index holds it."""

    id: str
    sha256: str
    title: str
    text: str
    format: str
    source: str  # the source name: "files", or a [sources.NAME] from config
    source_url: str | None  # where it was found (a URL, or file:// path)
    ingested: str  # ISO timestamp of the first time we stored it
    meta: Metadata = field(default_factory=Metadata)
    # ok | ocr (text read from a scan) | truncated (a long text cut, see ``truncated``) |
    # needs_ocr | failed (metadata only)
    status: str = "ok"
    error: str | None = None
    # Round robins (ingest/grouping.py, docs/site.md): the request as the response quotes it,
    # its LSH band keys, and the group of near-identical requests it belongs to.
    request: str = ""
    request_bands: list[str] = field(default_factory=list)
    group: str | None = None
    # For a text cut at ingest.extract.MAX_TEXT_CHARS: the file's "bytes", the characters
    # "kept", and its "chars" when the whole was read.
    truncated: dict[str, int] | None = None

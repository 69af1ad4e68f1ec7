"""The benchmark's fixed query mix: what people type into an FOI archive.

Terms broad (in most letters) to rare, two-term ANDs, phrases and prefixes, each
run bare and with two facets selected; and drafts for check-before-you-file.
Every query is written in the syntax both the site and FTS5 read the same way
(bare words are ANDed, "quoted phrases", prefix*).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TERMS = ["police", "disclosure", "exemption", "withheld", "taser", "drones", "custody",
         "parking", "surveillance", "terrorism", "pricing", "recruitment"]
ANDS = ["public interest", "exemption withheld", "taser officers", "facial recognition",
        "cost limit", "personal data", "parking penalty", "custody deaths"]
PHRASES = ['"public interest test"', '"stop and search"', '"body worn video"',
           '"facial recognition"', '"neither confirm nor deny"', '"personal information"',
           '"law enforcement"', '"cost limit"']
PREFIXES = ["surveil*", "recogni*", "terror*", "disclos*", "exempt*", "financ*"]

#: Two facets selected at once, taken in turn.
SELECTIONS = [
    {"force": ["Metropolitan Police Service"], "year": ["2019"]},
    {"outcome": ["partially_disclosed"], "exemption": ["FOIA s.40"]},
    {"outcome": ["refused"], "year": ["2022"]},
]


@dataclass(frozen=True)
class Query:
    kind: str  # term, and, phrase, prefix
    q: str
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind}{'+2 facets' if self.filters else ''}"


def query_mix() -> list[Query]:
    """Each query bare, then with two facets selected: 68 searches."""
    base = ([Query("term", q) for q in TERMS] + [Query("and", q) for q in ANDS]
            + [Query("phrase", q) for q in PHRASES] + [Query("prefix", q) for q in PREFIXES])
    faceted = [Query(b.kind, b.q, SELECTIONS[i % len(SELECTIONS)]) for i, b in enumerate(base)]
    return base + faceted


def warmup_mix() -> list[Query]:
    """Other queries, to warm the site up without warming the measured ones."""
    return [Query("term", q) for q in ("complaint", "vehicles", "staffing", "buildings")]


#: (draft, authority or "") for /prior.json: requests as a member of the public writes them.
DRAFTS = [
    ("Please tell me how many times officers drew or discharged a Taser in each of the last "
     "three years, broken down by the age of the person it was used on.", "Kent Police"),
    ("I would like to know how much the force has spent on facial recognition cameras and "
     "software, and how many arrests resulted from live deployments.", "Metropolitan Police Service"),
    ("How many stop and searches were carried out under section 60 in each of the last five "
     "years, and how many led to an arrest?", ""),
    ("Please provide the number of drones the force owns, what they cost, and how many "
     "flights were made last year.", "Greater Manchester Police"),
    ("How many deaths in custody or serious incidents in custody suites have there been "
     "since 2018?", ""),
    ("Please list all contracts over 25,000 pounds awarded for IT systems, with the supplier "
     "and value of each.", "Home Office"),
    ("How many parking penalty charge notices were issued and cancelled in each year, and "
     "what income did they raise?", "Sheffield City Council"),
    ("Please send me air quality monitoring data for nitrogen dioxide near schools.", ""),
    ("How many reports of fly-tipping did you receive and how many led to prosecutions?",
     "Leeds City Council"),
    ("How many officers and staff were recruited last year, and what was spent on overtime?", ""),
]

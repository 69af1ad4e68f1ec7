"""Build ``data/registry.json``, the registry of UK public bodies, from public lists.

Run by hand when a source list or the curated ``data/bodies.json`` changes::

    .venv/bin/python -m ingest.tasks.registry_build [--shared ../shared] [--out PATH]

It reads the raw files under ``<shared>/registries/raw`` (described in
``<shared>/registries/SOURCES.md``), merges the same body arriving from several lists into
one entry, and writes the registry sorted and stable, so that a re-run gives the same
bytes. Nothing imports this module at run time: the readers load only the JSON it writes.
``data/REGISTRY.md`` says what goes in, with each source's attribution and licence.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from ingest.metadata.authorities import key as lookup_key

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "metadata" / "data"  # what the readers load
CURATED_FILE = DATA / "bodies.json"
OUT = DATA / "registry.json"
DEFAULT_SHARED = Path(__file__).resolve().parents[3] / "shared"  # ../shared beside the checkout

TYPES = ("police", "council", "nhs", "central_gov", "fire", "education", "other")

# Raw files, relative to <shared>/registries/raw.
LA_DIR = "mysociety__uk_local_authority_names_and_codes/data/packages/uk_la_past_current"
LA_FILE = f"{LA_DIR}/uk_local_authorities_current.csv"
LA_LOOKUP = f"{LA_DIR}/lookup_name_to_registry.csv"
WDTK_IDS = "mysociety__wdtk_authorities_list/data/raw/id_to_name.csv"
WDTK_CODES = "mysociety__wdtk_authorities_list/data/packages/whatdotheyknow_authorities_dataset/authorities_id_lookup.csv"
WDTK_NAMES = "mysociety__foi_monitor/resources/cabinetfoi/wdtk_public_bodies.csv"
FOISA = "mysociety__foi_monitor/resources/foisa/authorities.csv"
CABINET = "mysociety__foi_monitor/resources/cabinetfoi/authorities.csv"
GB = "datasets__publicbodies/data/gb.csv"
ETR = "jhau__nhs-spend/data/etr.csv"
ECCG = "jhau__nhs-spend/data/eccg.csv"
ICB = "jhau__nhs-spend/data/icb_names_codes_dec_2024.csv"
GOVUK_2026 = "tobylivesey__uk-gov-mapper/data/orgs/uk/govuk_extant_orgs.json"
GOVUK_2017 = "openregister__government-organisation-data/lists/govuk/data.jsonl"
FIRE = "openregister__fire-data/data/fire-service-eng.tsv"
UNIS = "odileeds__learning-provider-website-emissions/data/learning-providers-plus.csv"

# What each source is and the terms it comes under, as shared/registries/SOURCES.md gives them.
WDTK_ATTRIBUTION = "Contains data from WhatDoTheyKnow (mySociety and WhatDoTheyKnow volunteers), CC BY-SA 4.0"
OGL_GOVUK = "Contains public sector information licensed under the Open Government Licence v3.0 (GOV.UK)"
SOURCES: list[dict[str, str]] = [
    {"name": "FOI Archive curated registry (ingest/metadata/data/bodies.json)",
     "url": "ingest/metadata/data/bodies.json",
     "licence": "part of this registry, CC BY-SA 4.0; its police entries were curated from the "
                "WhatDoTheyKnow police bodies listing",
     "attribution": WDTK_ATTRIBUTION},
    {"name": "mySociety UK Local Authority Names and Codes (uk_la_past_current, package v1.6.1)",
     "url": "https://github.com/mysociety/uk_local_authority_names_and_codes",
     "licence": "CC BY 4.0 (data), MIT (code); the GSS codes and names are ONS data (OGL v3)",
     "attribution": "Contains data from mySociety's UK Local Authority Names and Codes "
                    "(https://github.com/mysociety/uk_local_authority_names_and_codes), CC BY 4.0"},
    {"name": "mySociety WhatDoTheyKnow authorities list (id_to_name, authorities_id_lookup)",
     "url": "https://github.com/mysociety/wdtk_authorities_list",
     "licence": "CC BY-SA 4.0 (data), MIT (code)",
     "attribution": WDTK_ATTRIBUTION},
    {"name": "mySociety foi_monitor (WDTK body names; OSIC FOISA authorities; Cabinet Office FOI bodies)",
     "url": "https://github.com/mysociety/foi_monitor",
     "licence": "no data licence stated; its WDTK-derived names are treated as CC BY-SA 4.0, "
                "as mySociety publishes the same data",
     "attribution": WDTK_ATTRIBUTION + "; the OSIC authority names come from OSIC's published statistics"},
    {"name": "Open Knowledge Foundation publicbodies, UK table (gb.csv, from WhatDoTheyKnow about 2013)",
     "url": "https://github.com/datasets/publicbodies",
     "licence": "ODC-PDDL-1.0 per data/datapackage.json (code MIT); its UK rows came from WDTK",
     "attribution": WDTK_ATTRIBUTION},
    {"name": "NHS England ODS NHS Trusts and CCGs, ONS Integrated Care Boards (December 2024) "
             "Names and Codes (copies in jhau/nhs-spend)",
     "url": "https://github.com/jhau/nhs-spend",
     "licence": "no repo licence; content is NHS ODS and ONS names and codes, OGL v3",
     "attribution": "Contains public sector information licensed under the Open Government Licence v3.0 "
                    "(NHS England Organisation Data Service; Office for National Statistics)"},
    {"name": "GOV.UK Organisations API, 2026 extant organisations (tobylivesey/uk-gov-mapper)",
     "url": "https://github.com/tobylivesey/uk-gov-mapper",
     "licence": "repo AGPL-3.0 (code); content is GOV.UK API output, © Crown, OGL v3",
     "attribution": OGL_GOVUK},
    {"name": "GOV.UK Organisations API, April 2017 with closed organisations "
             "(openregister/government-organisation-data)",
     "url": "https://github.com/openregister/government-organisation-data",
     "licence": "data © Crown, OGL v3.0 (README); code MIT",
     "attribution": OGL_GOVUK},
    {"name": "GDS Registers alpha: English fire and rescue services (openregister/fire-data, 2018)",
     "url": "https://github.com/openregister/fire-data",
     "licence": "no licence file; sibling openregister repositories publish their data as Crown "
                "copyright under OGL v3, but none is stated here",
     "attribution": "Fire and rescue service names from the GDS Registers alpha fire-service-eng list"},
    {"name": "data.ac.uk learning-providers-plus (copy in odileeds/learning-provider-website-emissions)",
     "url": "https://github.com/odileeds/learning-provider-website-emissions",
     "licence": "repo MIT (ODI Leeds); upstream data.ac.uk, whose licence is not stated in the repo",
     "attribution": "Higher-education provider names, UKPRNs and websites from data.ac.uk "
                    "learning-providers-plus, via ODI Leeds"},
]

ABOUT = (
    "Registry of UK public bodies for naming the authority that wrote an FOI response: canonical "
    "name, aliases (short, official, former and Welsh names, common variants), e-mail/web domains, "
    "type (police, council, nhs, central_gov, fire, education, other), FOI regime (FOISA for "
    "Scottish bodies), WhatDoTheyKnow url_name, codes and whether the body still exists. "
    "GENERATED by `python -m ingest.tasks.registry_build` from the curated data/bodies.json "
    "(which wins on conflict) and the public lists named in _sources: do not edit by hand. "
    "Licence: CC BY-SA 4.0 (ShareAlike from the WhatDoTheyKnow data); see data/REGISTRY.md."
)

# WDTK category tags of gb.csv that are taken (the rest of WDTK is too big and too mixed).
GB_TAGS = ("police", "fire_service", "local_health_board", "nhstrust", "university", "local_council",
           "department", "executive_agency")

# GOV.UK organisation formats (both spellings of the two years) and the type they give.
GOVUK_TYPES = {
    "Ministerial department": "central_gov", "Non-ministerial department": "central_gov",
    "Executive agency": "central_gov", "Executive office": "central_gov",
    "Civil service": "central_gov", "Civil Service": "central_gov",
    "Devolved government": "central_gov", "Devolved administration": "central_gov",
    "Sub organisation": "central_gov", "Sub-organisation": "central_gov",
    "Special health authority": "nhs",
}
# Courts are not FOI public authorities (HMCTS answers for them), and the GOV.UK "professions",
# "functions" and court "lists" are no body that signs a letter: their names would only make the
# text matcher find bodies in ordinary phrases ("the medical profession", "the Civil Service").
GOVUK_SKIP_FORMATS = ("Court",)
GOVUK_SKIP_TITLE = re.compile(r"(?:\bProfession|\bFunction|\bList|\bLists)$|^Civil Service$", re.I)

# Acronyms that are ordinary words or stand for other things in letters ("NDA", "GPS", "DSA").
COMMON_ABBREVIATIONS = frozenset("""
ACE ART BIG BIT CAB CAT COM COP COT CSR DSA ECO ERG FEE GPS ICE MAC NDA NGO NPS ODA OPS PAT SAGE
TAB TAC TLS ONE ALL AND ANY ARE HIS HER OUR OUT NEW NOW SUN WAR
""".split())
COMMON_WORDS = frozenset({"statistics", "forestry", "exmoor", "senedd", "independent", "remploy"})
# Alternative names in the LA lists that name something else ("Adur and Worthing" is the two
# councils' shared service, not Worthing Borough Council).
LA_BAD_ALIASES = frozenset({"adur and worthing borough council"})
# A name people use in letters where the official name is the place's ("City of Westminster").
LA_CANONICAL = {"WSM": "Westminster City Council", "LCR": "Liverpool City Region Combined Authority"}

_ORG_WORD = re.compile(r"\b(?:council|borough|corporation|authority|comhairle|cyngor)\b", re.I)
_CA_WORD = re.compile(r"\b(?:CA|CCA|MCA)$")
_MOJIBAKE = re.compile("ï¿½|ï¾|Ã.|Â|\ufffd")
_WELSH = re.compile(r"[ŵŷâêîôûŴŶ]|\b(?:Cyngor|Bwrdd|Ymddiriedolaeth|Prifysgol|Comisiynydd|Swyddfa|Llywodraeth"
                    r"|Heddlu|Gwasanaeth|Awdurdod|Cymru|Adran|Asiantaeth|Gweinyddiaeth|Cyllid|Parc|Iechyd|GIG)\b")
_SCOTTISH_PLACE = re.compile(
    r"\b(?:Scotland|Scottish|Highlands?|Lothian|Tayside|Strathclyde|Grampian|Fife|Dumfries|Lanarkshire"
    r"|Ayrshire|Glasgow|Edinburgh|Aberdeen|Dundee|Orkney|Shetland|Western Isles|Forth Valley)\b")
_FIRE = re.compile(r"Fire (?:and|&) Rescue|Fire Brigade|Fire Authority|Fire Board|London Fire Commissioner")
_NOT_FIRE = re.compile(r"Inspector|Commissioner's|Crime Commissioner|\bCIC\b|College|Association")
_PCC = re.compile(r"Police(?:,| and) (?:Fire and )?Crime Commissioner")
_POLICE_NOT_FORCE = re.compile(r"Authority|Commissioner|Board|Federation|Inspectorate|Ombudsman|Complaints"
                               r"|Committee|Panel|Association|Staff College|Agency")
_NHS_TRUST = re.compile(r"\bNHS (?:Foundation )?Trust$|\bNHS Trust\b")
_CCG = re.compile(r"Clinical Commissioning Group")
_HEALTH_BOARD = re.compile(r"\bHealth Board\b")
_ICB = re.compile(r"Integrated Care Board")
_UNIVERSITY = re.compile(r"^(?:The )?University\b|\bUniversity(?: of\b|$)")

# Small words kept lower case and acronyms kept upper case when an upper-case name is recased.
_SMALL = frozenset("and of the for in on upon at by to with under an a de la le y ar".split())
_UPPER = frozenset("NHS CCG ICB UK HM ICS CIC UHI PLC LLP II III IV GP CAMHS HIV BBC UCL ICT SRUC LIPA "
                   "CSU H&J KSS NI SW NE NW SE".split())
_DOMAIN_GENERIC = frozenset({
    "gov.uk", "nhs.uk", "org.uk", "co.uk", "ac.uk", "police.uk", "pnn.police.uk", "gov.scot", "gov.wales",
    "direct.gov.uk", "wales.nhs.uk", "scot.nhs.uk", "scotland.gov.uk", "wales.gov.uk", "nhs.net",
    "facebook.com", "twitter.com", "wordpress.com", "blogspot.com", "google.com", "sites.google.com",
    "parliament.uk", "hscni.net", "gov.im", "nidirect.gov.uk", "lg.gov.uk",
})
# Scottish postcode areas: a higher-education provider there answers under FOISA.
_SCOTTISH_POSTCODE = re.compile(r"^(?:AB|DD|DG|EH|FK|G|HS|IV|KA|KW|KY|ML|PA|PH|ZE)\d")


# --------------------------------------------------------------------------------------------
# Names


def norm(name: str) -> str:
    """A name reduced for merging: accents, case, "&", "the" and punctuation set aside.

    Unlike ``authorities.key`` it keeps what is in brackets: "Department of Health (Northern
    Ireland)" must not merge into the Department of Health."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("&", " and ").replace("’", "'").replace("'", "")
    return " ".join(w for w in re.sub(r"[^a-z0-9]+", " ", s).split() if w != "the")


def clean(name: str | None) -> str:
    """A name with its spaces tidied and the quotes and marks around it taken off."""
    s = re.sub(r"\s+", " ", (name or "").replace("\u00a0", " ")).strip()
    return s.strip("\"'*-–,;:. ").strip() if s else ""


def usable(name: str) -> bool:
    """Whether a string can stand as a body's name or alias in letters."""
    return (len(name) >= 2 and bool(re.match(r"\w", name)) and not _MOJIBAKE.search(name)
            and any(c.isupper() for c in name) and len(name) <= 150)


def abbreviation_like(name: str) -> bool:
    """One word in capitals ("HMRC", "DfE", "NS&I"): never used to merge bodies by name."""
    return " " not in name and (sum(c.isupper() for c in name) >= 2 or len(name) <= 4)


def good_abbreviation(abbr: str, title: str, words: bool = False) -> bool:
    """Whether a source's abbreviation is worth an alias: an acronym (or, with ``words``, one
    proper word like "Ofsted") that is neither an ordinary word nor the title itself, nor
    qualified in brackets ("DfE (NI)")."""
    abbr = clean(abbr)
    if not abbr or "(" in abbr or norm(abbr) == norm(title) or not usable(abbr) or len(abbr) < 3:
        return False
    if abbr.upper() in COMMON_ABBREVIATIONS or abbr.lower() in COMMON_WORDS:
        return False
    tokens = abbr.split()
    acronym = all(sum(c.isupper() or c.isdigit() for c in t) >= 2 for t in tokens)
    if acronym:
        return True
    return words and len(tokens) == 1 and abbr[0].isupper() and len(abbr) >= 4


def smart_title(name: str) -> str:
    """An upper-case name in the case people write it: "KING'S COLLEGE HOSPITAL NHS FOUNDATION
    TRUST" -> "King's College Hospital NHS Foundation Trust", "STOKE-ON-TRENT" -> "Stoke-on-Trent"."""
    words = name.split(" ")
    out = []
    for i, word in enumerate(words):
        parts = word.split("-")
        done = []
        for j, part in enumerate(parts):
            core = part.strip("(),.:;")
            if core.upper() in _UPPER:
                done.append(part.upper())
            elif (i or j) and core.lower() in _SMALL:
                done.append(part.lower())
            else:
                lead = len(part) - len(part.lstrip("(),.:;"))
                done.append(part[:lead] + part[lead:].capitalize())
        out.append("-".join(done))
    return " ".join(out)


def split_bilingual(name: str) -> tuple[str, list[str]]:
    """"University of South Wales/Prifysgol De Cymru" -> the English name and the Welsh one."""
    parts = [clean(p) for p in re.split(r"\s*/\s*", name)]
    if len(parts) != 2 or not all(len(p.split()) >= 2 for p in parts):
        return name, []
    english = [p for p in parts if not _WELSH.search(p)]
    first = english[0] if english else parts[0]
    return first, [p for p in parts if p != first]


def _the_last(name: str) -> str:
    """"OPEN UNIVERSITY(THE)", "UNIVERSITY OF SALFORD, THE" -> "THE OPEN UNIVERSITY" ..."""
    m = re.match(r"^(.*?)\s*(?:\(THE\)|,\s*THE)$", name, re.I)
    return f"The {m.group(1)}" if m else name


def domain_of(url: str | None) -> str | None:
    """The web domain of a body's home page ("http://www.kent.gov.uk/" -> "kent.gov.uk"), or None
    when the page lives under another body's site (a path of several folders)."""
    url = (url or "").strip()
    if not url or "." not in url:
        return None
    if "//" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    host = re.sub(r"^www\d?\.", "", host)
    path = parts.path.strip("/")
    if "/" in path or (path and not re.match(r"(?:index|home|default|welcome|en|cy)\b", path, re.I)):
        return None
    if not re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", host) or host in _DOMAIN_GENERIC:
        return None
    return host


# --------------------------------------------------------------------------------------------
# Records and entries


@dataclass
class Record:
    """One body as one source gives it, before merging."""

    source: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)     # names the source gives
    generated: list[str] = field(default_factory=list)   # variants made here ("Kent CC")
    domains: list[str] = field(default_factory=list)
    wdtk: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
    scottish: bool = False
    current: bool | None = None    # None: the source does not say
    strength: int = 1              # of that say: NOW, STATED or GUESSED
    wdtk_name: str | None = None   # WDTK's English name for it, once enriched


@dataclass
class Entry:
    """One body of the registry, made of the records merged into it."""

    name: str
    type: str
    name_rank: int = 9
    curated: bool = False
    curated_aliases: list[str] = field(default_factory=list)  # in the curated file's order
    regime: str | None = None
    aliases: dict[str, int] = field(default_factory=dict)  # alias -> CURATED, SOURCE or MADE
    domains: dict[str, bool] = field(default_factory=dict)  # domain -> curated
    wdtk: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
    scottish: bool = False
    current_votes: list[tuple[bool, int]] = field(default_factory=list)  # (current, strength)
    sources: list[str] = field(default_factory=list)
    current: bool = True


# Where an alias comes from, strongest first: the curated file, a source, or made here ("Kent CC").
CURATED, SOURCE, MADE = 1, 3, 4

# How much a source's word on whether a body still exists weighs: a list of the bodies of today,
# a plain statement ("defunct", "closed", CCGs abolished in 2022), or a guess (an old row that
# WDTK no longer knows).
NOW, STATED, GUESSED = 2, 1, 0

# Whose name becomes the canonical one when a body comes from several lists: the curated file,
# then the official lists of today, then WhatDoTheyKnow's names (what requesters and bodies
# write), then the registers whose names are legal forms or old ("Royal Holloway College and
# Bedford New College", "University of Durham").
NAME_RANK = {"curated": 0, "la": 1, "govuk2026": 2, "ods_etr": 2, "ods_eccg": 2, "ons_icb": 2,
             "fire_eng": 3, "osic": 3, "wdtk": 4, "wdtk2021": 4, "cabinetfoi": 5, "learning_providers": 6,
             "govuk2017": 6, "gb": 7}

# Codes that identify one body: two records with different values are two bodies.
# Not the GOV.UK slug: it changes when a body is renamed ("department-for-culture-media-sport").
IDENTIFYING = ("wdtk_id", "la", "gss", "ods", "ukprn")
# The order in which codes are tried to find a record's body.
MATCH_ORDER = ("wdtk_id", "wdtk", "la", "gss", "ods", "govuk", "ukprn", "fire_service_eng")


class Store:
    """The entries built so far, with the indexes used to find where a record belongs."""

    def __init__(self, wdtk: "Wdtk") -> None:
        self.wdtk = wdtk
        self.entries: list[Entry] = []
        self.by_code: dict[tuple[str, str], Entry] = {}
        self.by_name: dict[str, list[Entry]] = defaultdict(list)
        self.by_place: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self.by_domain: dict[tuple[str, str], Entry] = {}
        self.merges: Counter[str] = Counter()
        self.problems: list[str] = []

    # -- finding

    def find(self, rec: Record) -> Entry | None:
        """The entry a record belongs to: by a shared code first, then by an equal name."""
        for k in MATCH_ORDER:
            v = rec.wdtk if k == "wdtk" else rec.codes.get(k)
            e = self.by_code.get((k, v)) if v else None
            if e is not None and self._compatible(e, rec):
                self.merges[f"code:{k}"] += 1
                return e
        keys = [norm(n) for n in [rec.name, *rec.aliases] if not abbreviation_like(n)]
        found: list[Entry] = []
        for k in dict.fromkeys(keys):
            for e in self.by_name.get(k, ()):
                if e not in found and self._compatible(e, rec):
                    found.append(e)
        if abbreviation_like(rec.name):
            # A body whose very name is an acronym ("SRUC") merges only with one of that name and type.
            for e in self.by_name.get(norm(rec.name), ()):
                if e not in found and norm(e.name) == norm(rec.name) and e.type == rec.type \
                        and self._compatible(e, rec):
                    found.append(e)
        if len(found) > 1:
            same = [e for e in found if e.type == rec.type] or found
            exact = [e for e in same if norm(e.name) == norm(rec.name)]
            found = exact if len(exact) == 1 else same
        if len(found) == 1:
            self.merges["name"] += 1
            return found[0]
        if len(found) > 1:
            self.problems.append(f"{rec.source}: {rec.name!r} matches several bodies by name, "
                                 f"kept apart: {sorted(e.name for e in found)}")
            return None
        # A body's own web domain names it as well as its name does, within one type
        # ("Birkbeck, University of London" and "Birkbeck College" are both bbk.ac.uk).
        for d in rec.domains:
            e = self.by_domain.get((rec.type, d))
            if e is not None and self._compatible(e, rec):
                self.merges["domain"] += 1
                return e
        return None

    def find_place(self, kind: str, place: str) -> Entry | None:
        """The one entry of a kind (council, fire) for a place, when exactly one has it."""
        found = self.by_place.get((kind, place), [])
        if len(found) == 1:
            self.merges[f"place:{kind}"] += 1
            return found[0]
        return None

    @staticmethod
    def _compatible(e: Entry, rec: Record) -> bool:
        """Whether a record may join an entry at all."""
        # Two bodies that WDTK, ONS or GOV.UK number differently are two bodies, whatever their names.
        for k in IDENTIFYING:
            if k in e.codes and k in rec.codes and e.codes[k] != rec.codes[k]:
                return False
        if e.wdtk and rec.wdtk and e.wdtk != rec.wdtk:
            return False
        return True

    # -- adding

    def add(self, rec: Record, place: tuple[str, str] | None = None) -> Entry:
        """Merge a record into its entry, or start a new one. ``place`` ("council", "bolton"):
        failing a code or a name, the one body of that kind and place (for old names)."""
        self.wdtk.enrich(rec)
        entry = self.find(rec)
        if entry is None and place is not None and place[1]:
            found = self.find_place(*place)
            entry = found if found is not None and self._compatible(found, rec) else None
        if entry is None:
            entry = Entry(name=rec.name, type=rec.type)
            self.entries.append(entry)
            self._index_name(entry, rec.name)
        else:
            self.add_alias(entry, rec.name, SOURCE)
        self._merge(entry, rec)
        # The canonical name is the one from the source that names bodies best (NAME_RANK).
        for name, rank in ((rec.name, NAME_RANK[rec.source]), (rec.wdtk_name, NAME_RANK["wdtk"])):
            if name and usable(name) and rank < entry.name_rank:
                if entry.name != name:
                    entry.aliases.pop(name, None)
                    self.keep_alias(entry, entry.name, SOURCE)
                    entry.name = name
                entry.name_rank = rank
        return entry

    def _merge(self, entry: Entry, rec: Record) -> None:
        """Add a record's names, domains, codes and say on being current to its entry."""
        entry.sources.append(rec.source)
        for a in rec.aliases:
            self.add_alias(entry, a, SOURCE)
        for a in rec.generated:
            self.add_alias(entry, a, MADE)
        for d in rec.domains:
            entry.domains.setdefault(d, False)
            self.by_domain.setdefault((entry.type, d), entry)
        if rec.wdtk:
            if entry.wdtk is None:
                entry.wdtk = rec.wdtk
                self._claim(entry, "wdtk", rec.wdtk)
            elif entry.wdtk != rec.wdtk:
                self.problems.append(f"{entry.name!r}: two WDTK bodies, {entry.wdtk} and {rec.wdtk} ({rec.source})")
        for k, v in sorted(rec.codes.items()):
            if k not in entry.codes:
                entry.codes[k] = v
                if k in MATCH_ORDER:
                    self._claim(entry, k, v)
            elif entry.codes[k] != v and k in IDENTIFYING:
                self.problems.append(f"{entry.name!r}: {k} {entry.codes[k]} kept, {v} from {rec.source} set aside")
        entry.scottish = entry.scottish or rec.scottish
        if rec.current is not None:
            entry.current_votes.append((rec.current, rec.strength))

    def _claim(self, entry: Entry, k: str, v: str) -> None:
        """File an entry under one of its codes (the first body to hold a code keeps it)."""
        owner = self.by_code.setdefault((k, v), entry)
        if owner is not entry:
            self.problems.append(f"{k} {v} is given to both {owner.name!r} and {entry.name!r}")

    def add_alias(self, entry: Entry, alias: str, rank: int) -> None:
        """Give an entry another name from a source, tidied, if it can name a body in letters."""
        alias = clean(alias)
        if usable(alias) and alias != entry.name:
            self.keep_alias(entry, alias, rank)

    def keep_alias(self, entry: Entry, alias: str, rank: int) -> None:
        """Give an entry another name as it is (the curated file's are kept to the letter)."""
        if rank < entry.aliases.get(alias, 9):
            entry.aliases[alias] = rank
        if rank <= SOURCE and not abbreviation_like(alias):
            self._index_name(entry, alias)  # made variants and acronyms never merge bodies

    def _index_name(self, entry: Entry, name: str) -> None:
        """File an entry under a name, for records of other lists to find it."""
        bucket = self.by_name[norm(name)]
        if entry not in bucket:
            bucket.append(entry)

    def index_place(self, kind: str, place: str, entry: Entry) -> None:
        """File an entry under its place ("bolton") so that old names of the body find it."""
        bucket = self.by_place[(kind, place)]
        if entry not in bucket:
            bucket.append(entry)


# --------------------------------------------------------------------------------------------
# WhatDoTheyKnow: ids, url names, names and codes


class Wdtk:
    """The WhatDoTheyKnow lists, joined on the body id and the url name."""

    # Not WDTK's gss tags: for a run of councils they are shifted by one (Eastbourne carries East
    # Cambridgeshire's code, East Cambridgeshire East Devon's). The LA list gives the gss codes.
    CODE_SCHEMAS = {"nhsorgcode": "ods", "nhsods": "ods", "ICBCode": "ods", "ukprn": "ukprn",
                    "wikidata": "wikidata"}
    # Codes taken only when WDTK gives them to one body (it tags two Bradford trusts "RAE").
    UNIQUE = ("ods", "ukprn")

    def __init__(self, raw: Path) -> None:
        self.url_of: dict[str, str] = {}
        for row in read_csv(raw / WDTK_IDS):
            self.url_of[row["id"]] = row["url_name"]
        self.id_of = {url: i for i, url in sorted(self.url_of.items(), key=lambda kv: int(kv[0]))}
        rows: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in read_csv(raw / WDTK_NAMES):
            if clean(row["name"]):
                rows[row["public_body_id"]].append(row)
        self.names: dict[str, tuple[str, list[str], list[str]]] = {}
        for i, group in rows.items():
            self.names[i] = self._pick_english(self.url_of.get(i, ""), group)
        self.codes: dict[str, dict[str, str]] = defaultdict(dict)
        self.url_by_code: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in read_csv(raw / WDTK_CODES):
            k = self.CODE_SCHEMAS.get(row["schema"])
            if k:
                self.codes[row["wdtk-url-name"]].setdefault(k, row["id"])
                self.url_by_code[(k, row["id"])].append(row["wdtk-url-name"])
        # A proper-cased spelling of every WDTK name, to recase the upper-case ODS names, and
        # the ids by English name, to find the WDTK body of an old name without a url name.
        self.spelling: dict[str, str] = {}
        self.ids_by_name: dict[str, list[str]] = defaultdict(list)
        for i in sorted(self.names, key=int):
            name, others, _ = self.names[i]
            self.ids_by_name[norm(name)].append(i)
            for n in (name, *others):
                self.spelling.setdefault(norm(n), n)

    @staticmethod
    def _pick_english(url: str, group: list[dict[str, str]]) -> tuple[str, list[str], list[str]]:
        """The English name of a body (the one closest to its url name; the other is Welsh)."""
        slug = set(url.split("_"))

        def score(row: dict[str, str]) -> tuple[int, int]:
            """Words shared with the url name; then not Welsh."""
            name = clean(row["name"])
            return (len(set(norm(name).split()) & slug), 0 if _WELSH.search(name) else 1)

        ordered = sorted(group, key=score, reverse=True)
        english, _ = split_bilingual(clean(ordered[0]["name"]))
        others = [clean(r["name"]) for r in ordered[1:] if clean(r["name"]) != english]
        if english != clean(ordered[0]["name"]):
            others.append(split_bilingual(clean(ordered[0]["name"]))[1][0])
        shorts = sorted({clean(r["short_name"]) for r in group if clean(r["short_name"])})
        return english, others, shorts

    def name(self, wdtk_id: str) -> str | None:
        """The English WDTK name of a body id, if the 2021 names have it."""
        got = self.names.get(wdtk_id)
        return got[0] if got else None

    def url_for_code(self, k: str, v: str) -> str | None:
        """The one WDTK url name tagged with a code (ods, gss ...), if just one is."""
        urls = sorted(set(self.url_by_code.get((k, v), [])))
        return urls[0] if len(urls) == 1 else None

    def enrich(self, rec: Record) -> None:
        """Give a record what WDTK knows of it: id, url name, names, short names and codes."""
        if not rec.wdtk and "wdtk_id" in rec.codes:
            rec.wdtk = self.url_of.get(rec.codes["wdtk_id"])
        if not rec.wdtk:
            for k in ("ods", "gss", "ukprn"):
                if k in rec.codes:
                    rec.wdtk = self.url_for_code(k, rec.codes[k])
                    if rec.wdtk:
                        break
        if rec.wdtk and "wdtk_id" not in rec.codes and rec.wdtk in self.id_of:
            rec.codes["wdtk_id"] = self.id_of[rec.wdtk]
        wid = rec.codes.get("wdtk_id")
        if wid and wid in self.names:
            name, others, shorts = self.names[wid]
            rec.wdtk_name = name
            rec.aliases.extend([name, *others])
            rec.aliases.extend(s for s in shorts if len(s.split()) > 1 or good_abbreviation(s, name))
        if rec.wdtk:
            for k, v in sorted(self.codes.get(rec.wdtk, {}).items()):
                if k not in self.UNIQUE or self.url_for_code(k, v) == rec.wdtk:
                    rec.codes.setdefault(k, v)


# --------------------------------------------------------------------------------------------
# Reading the sources


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header, BOM or not."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file without a header (the ODS files)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def curated_records(path: Path) -> list[tuple[dict[str, Any], Record]]:
    """The hand-curated bodies, which win on names, aliases, domains, type and regime."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [(b, Record("curated", b["name"], b["type"], wdtk=b.get("wdtk"),
                       scottish=b.get("regime") == "FOISA")) for b in raw["bodies"]]


def council_place(name: str) -> str:
    """The place in a council's name ("Bolton Metropolitan Borough Council" -> "bolton")."""
    drop = {"council", "borough", "district", "county", "city", "metropolitan", "london", "royal", "of",
            "corporation", "mbc", "cc", "bc", "dc"}
    words = norm(name).split()
    while words and words[0] in drop:
        words.pop(0)
    while words and words[-1] in drop:
        words.pop()
    return " ".join(words)


def fire_names_inside(name: str) -> list[str]:
    """"London Fire Commissioner (London Fire Brigade)": the name in brackets is the one in letters."""
    return re.findall(r"\(([^)]*(?:Fire|Brigade)[^)]*)\)", name)


def fire_place(name: str) -> str:
    """The place in a fire service's name ("Cheshire Fire Service" -> "cheshire")."""
    s = norm(name)
    s = re.sub(r"\b(?:fire|and rescue|rescue|service|services|brigade|authority|board|county)\b", " ", s)
    return " ".join(s.split())


def council_variants(official: str, nice: str) -> list[str]:
    """The names people also write for a council: "Kent CC", "LB Camden", "Camden Council" ..."""
    out: list[str] = []
    m = re.match(r"^(London Borough|Royal Borough) of (.+)$", official)
    if m:
        lb, place = ("LB", m.group(2)) if m.group(1) == "London Borough" else ("RB", m.group(2))
        out += [f"{place} Council", f"{lb} {place}", f"{lb} of {place}"]
        if lb == "LB":
            out.append(f"{place} London Borough Council")
        return out
    inner = re.sub(r"^City of ", "", official)
    m = re.match(r"^(.+?) (County Borough|Metropolitan Borough|Metropolitan District|Borough|District|County|City)"
                 r" Council$", inner)
    if m:
        place, kind = m.group(1), m.group(2)
        abbr = {"County Borough": "CBC", "Metropolitan Borough": "MBC", "Metropolitan District": "MDC",
                "Borough": "BC", "District": "DC", "County": "CC", "City": "CC"}[kind]
        out += [f"{place} Council", f"{place} {abbr}"]
        if inner != official:
            out.append(inner)
    elif inner != official and inner.endswith("Council"):
        out.append(inner)  # "City of York Council" -> "York Council" (not "City of Westminster" -> "Westminster")
    if nice and not _ORG_WORD.search(nice) and re.search(r"Council$", official):
        out.append(f"{clean(nice)} Council")
    return out


def la_records(raw: Path) -> list[tuple[Record, str]]:
    """Every local authority, current and former, with its codes and names (and its place)."""
    lookup: dict[str, list[str]] = defaultdict(list)
    for row in read_csv(raw / LA_LOOKUP):
        lookup[row["local-authority-code"]].append(row["la-name"])
    out = []
    for row in read_csv(raw / LA_FILE):
        code = row["local-authority-code"]
        official = clean(row["official-name"])
        nice = clean(row["nice-name"])
        name = LA_CANONICAL.get(code, official)
        variants = [*row["alt-names"].split(","), *lookup.get(code, [])]
        aliases = [official] if official != name else []
        seen = {n.lower() for n in (name, official)}
        for v in variants:
            v = clean(v)
            if not v or _MOJIBAKE.search(v) or v.lower() in LA_BAD_ALIASES:
                continue
            if not (_ORG_WORD.search(v) or _CA_WORD.search(v)):
                continue  # a bare place ("Kent", "Bury") is the area, not the body
            if v.islower():
                if v in seen or v.lower() in seen:
                    continue  # a lower-case copy of a name already there
                v = smart_title(v)
            if v.lower() not in seen:
                seen.add(v.lower())
                aliases.append(v)
        codes = {"la": code}
        if row["gss-code"]:
            codes["gss"] = row["gss-code"]
        if row["wdtk-id"]:
            codes["wdtk_id"] = str(int(float(row["wdtk-id"])))
        kind = row["local-authority-type"]
        rec = Record("la", name, "council", aliases=aliases, generated=council_variants(official, nice),
                     codes=codes, scottish=row["nation"] == "Scotland",
                     current=row["current-authority"] == "True", strength=NOW)
        if kind == "COMB" and "Combined" not in name:
            rec.generated.append(f"{nice} Combined Authority")
        out.append((rec, council_place(nice) or council_place(official)))
    # WDTK keeps one body for a council and the one that replaced it (Buckinghamshire County
    # Council and Buckinghamshire Council are both WDTK 96): the id goes to the current one.
    holders: dict[str, list[Record]] = defaultdict(list)
    for rec, _ in out:
        if "wdtk_id" in rec.codes:
            holders[rec.codes["wdtk_id"]].append(rec)
    for wid, recs in sorted(holders.items()):
        if len(recs) > 1:
            now = [r for r in recs if r.current]
            for r in recs:
                if len(now) != 1 or r is not now[0]:
                    del r.codes["wdtk_id"]
    return out


def govuk_type(fmt: str, title: str) -> str:
    """The registry type of a GOV.UK organisation, from its format and (for the NHS) its title."""
    if re.search(r"\bNHS\b", title):
        return "nhs"
    if _FIRE.search(title) and not _NOT_FIRE.search(title):
        return "fire"
    return GOVUK_TYPES.get(fmt, "other")


def _govuk_type_of(org: dict[str, Any], by_slug: dict[str, dict[str, Any]], depth: int = 0) -> str:
    """A GOV.UK organisation's type; a sub-organisation has its parent's ("Royal Marines Museum"
    is part of a museum, "UK Visas and Immigration" of the Home Office)."""
    title = clean(org["title"])
    if org["format"] in ("Sub organisation", "Sub-organisation") and depth < 3:
        for parent in org.get("parent_organisations") or ():
            p = by_slug.get(parent["id"].rsplit("/", 1)[-1])
            if p is not None:
                t = _govuk_type_of(p, by_slug, depth + 1)
                return t if t != "central_gov" or not re.search(r"\bNHS\b", title) else "nhs"
    # "Other" covers both arms of a department ("Air Accidents Investigation Branch" of the DfT,
    # the ONS of the Statistics Authority) and bodies at arm's length (national parks, Ofcom):
    # the first are named as parts of government are.
    if org["format"] == "Other" and _ARM.search(title):
        for parent in org.get("parent_organisations") or ():
            p = by_slug.get(parent["id"].rsplit("/", 1)[-1])
            if p is not None and p["format"] in ("Ministerial department", "Non-ministerial department"):
                return "central_gov"
    return govuk_type(org["format"], title)


_ARM = re.compile(r"\b(?:Branch|Office|Agency|Unit|Directorate|Statistics)\b")


def govuk_records(raw: Path) -> list[Record]:
    """GOV.UK organisations: every one of 2026, then those of 2017 gone by 2026 (not current)."""
    now = json.loads((raw / GOVUK_2026).read_text(encoding="utf-8"))
    then = [json.loads(line) for line in (raw / GOVUK_2017).read_text(encoding="utf-8").splitlines() if line.strip()]
    then_by_slug = {o["details"]["slug"]: o for o in then}
    now_slugs = {o["details"]["slug"] for o in now}
    # Northern Ireland bodies: under the NI Executive, or replaced by it or by an NI department
    # (the 2017 records of the old NI departments have no parent).
    northern_ireland = set()
    # Scottish bodies likewise (devolved, so FOISA): the Scottish Government's and those it replaced.
    scottish = set()
    for o in [*then, *now]:
        parents = {p["id"].rsplit("/", 1)[-1] for p in o.get("parent_organisations") or ()}
        if parents & {"the-scottish-government", "scottish-government"} \
                or o["details"]["slug"] in ("the-scottish-government", "scottish-government"):
            scottish.add(o["details"]["slug"])
            scottish.update(x["id"].rsplit("/", 1)[-1] for x in o.get("superseded_organisations") or ())
    for o in now:
        parents = {p["id"].rsplit("/", 1)[-1] for p in o.get("parent_organisations") or ()}
        if "northern-ireland-executive" in parents or o["details"]["slug"] == "northern-ireland-executive" \
                or "(Northern Ireland)" in o["title"]:
            northern_ireland.update(x["id"].rsplit("/", 1)[-1] for x in o.get("superseded_organisations") or ())
            northern_ireland.add(o["details"]["slug"])
    out = []
    for year, orgs in (("govuk2026", now), ("govuk2017", then)):
        for o in orgs:
            slug = o["details"]["slug"]
            if year == "govuk2017" and slug in now_slugs:
                continue
            title = clean(o["title"])
            if o["format"] in GOVUK_SKIP_FORMATS or GOVUK_SKIP_TITLE.search(title) or not usable(title):
                continue
            aliases = []
            abbr = clean(o["details"].get("abbreviation"))
            if good_abbreviation(abbr, title, words=True):
                aliases.append(abbr)
            # WDTK and others write the Northern Ireland departments with the country after them.
            if slug in northern_ireland and "Northern Ireland" not in title:
                aliases.append(f"{title} (Northern Ireland)")
            old = then_by_slug.get(slug)
            if year == "govuk2026" and old and clean(old["title"]) != title:
                aliases.append(clean(old["title"]))  # the name it had in 2017
                old_abbr = clean(old["details"].get("abbreviation"))
                if good_abbreviation(old_abbr, title, words=True):
                    aliases.append(old_abbr)
            status = o["details"].get("govuk_status")
            current = (status != "closed") if year == "govuk2026" else False
            out.append(Record(year, title, _govuk_type_of(o, {**then_by_slug, **{x["details"]["slug"]: x for x in now}}),
                              aliases=aliases,
                              scottish=slug in scottish or bool(re.match(r"Scottish (?!Office)", title)),
                              codes={"govuk": slug}, current=current, strength=NOW if year == "govuk2026" else STATED))
    return out


def spelled(name: str, wdtk: Wdtk) -> str:
    """An upper-case name in WDTK's spelling when WDTK has it, else recased here."""
    return wdtk.spelling.get(norm(name)) or smart_title(name)


def nhs_records(raw: Path, wdtk: Wdtk) -> list[Record]:
    """NHS trusts (open and closed), the CCGs merged away before 2021 and the ICBs."""
    out = []
    for row in read_rows(raw / ETR):
        name = spelled(clean(row[1]), wdtk)
        out.append(Record("ods_etr", name, "nhs", codes={"ods": row[0]}, current=not row[11],
                          strength=NOW))
    for row in read_rows(raw / ECCG):
        # Only the closed CCGs: the open rows are Sub-ICB Locations and commissioning hubs,
        # parts of ICBs and NHS England that sign no letters.
        if row[13] or not row[11] or not re.search(r"\bCCG$", row[1]):
            continue
        short = spelled(clean(row[1]), wdtk)
        short = re.sub(r"\bCcg$", "CCG", short)
        full = re.sub(r"\bCCG$", "Clinical Commissioning Group", short)
        out.append(Record("ods_eccg", full, "nhs", generated=[short], codes={"ods": row[0]}, current=False,
                          strength=NOW))
    for row in read_csv(raw / ICB):
        name = clean(row["ICB24NM"])
        short = re.sub(r"Integrated Care Board$", "ICB", name)
        out.append(Record("ons_icb", name, "nhs", generated=[short, re.sub(r"^NHS ", "", short)],
                          codes={"gss": row["ICB24CD"], "ods": row["ICB24CDH"]}, current=True,
                          strength=NOW))
    return out


def fire_records(raw: Path) -> list[Record]:
    """The 45 English fire and rescue services of 2018."""
    with (raw / FIRE).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [Record("fire_eng", clean(r["name"]), "fire", codes={"fire_service_eng": r["fire-service-eng"]})
            for r in rows if clean(r["name"])]


def university_records(raw: Path, wdtk: Wdtk) -> list[Record]:
    """Higher-education providers (about 2013), with UKPRN and web domain."""
    out = []
    for row in read_csv(raw / UNIS):
        provider, welsh = split_bilingual(_the_last(clean(row["PROVIDER_NAME"])))
        name = spelled(provider, wdtk)
        aliases = [spelled(w, wdtk) for w in welsh]
        view, view_welsh = split_bilingual(_the_last(clean(row["VIEW_NAME"])))
        aliases += [view, *view_welsh]
        if clean(row["ALIAS"]):
            aliases.append(clean(row["ALIAS"]))
        domain = domain_of(row["WEBSITE_URL"])
        out.append(Record("learning_providers", name, "education", aliases=aliases,
                          domains=[domain] if domain else [], codes={"ukprn": row["UKPRN"]},
                          scottish=bool(_SCOTTISH_POSTCODE.match(row["POSTCODE"].strip()))))
    return out


def foisa_type(sector: str, name: str) -> str:
    """The registry type of a Scottish authority, from its OSIC sector and its name."""
    if _FIRE.search(name) and not _NOT_FIRE.search(name):
        return "fire"
    if sector.startswith("Educational"):
        return "education"
    if sector.startswith("Local Government"):
        # The council itself; not its licensing board or its valuation assessor ("Assessor for Fife Council").
        return "council" if re.search(r"Council$|^Comhairle", name) and not name.startswith("Assessor") else "other"
    if sector.startswith("National Health"):
        return "nhs"
    if sector.startswith("Police"):
        return "police" if re.search(r"Police Service|Police Scotland", name) else "other"
    if sector.startswith(("Ministers", "Non Ministerial")):
        return "other" if "Parliament" in name else "central_gov"
    return "other"


# foi_monitor's WDTK id that names another body: 4290 is the Scottish Police Services Authority
# (merged into Police Scotland in 2013); Police Scotland is WDTK 51570 (police_scotland).
FOISA_WRONG_WDTK = {("Police Service of Scotland", "4290")}


def foisa_records(raw: Path, wdtk: Wdtk) -> list[Record]:
    """The Scottish authorities that report to the Scottish Information Commissioner."""
    out = []
    for row in read_csv(raw / FOISA):
        sector = clean(row["sector"])
        osic = clean(row["AuthorityName"])
        if not sector or not osic:
            continue  # a sector header row
        ids = [row[f"wdtk_id_{i}"].strip() for i in range(1, 12) if row.get(f"wdtk_id_{i}", "").strip()]
        ids = [i for i in ids if (osic, i) not in FOISA_WRONG_WDTK]
        if len(ids) <= 1:
            codes = {"wdtk_id": ids[0]} if ids else {}
            out.append(Record("osic", osic, foisa_type(sector, osic), codes=codes, scottish=True,
                              current=True, strength=NOW))
            continue
        # One OSIC line for several WDTK bodies ("X Council and Licensing Board"): one record each.
        for wid in ids:
            name = wdtk.name(wid)
            if name:
                out.append(Record("osic", name, foisa_type(sector, name), codes={"wdtk_id": wid},
                                  scottish=True, current=True, strength=NOW))
    return out


def cabinet_records(raw: Path) -> list[Record]:
    """The central government bodies of the Cabinet Office FOI statistics, with former names."""
    out = []
    for row in read_csv(raw / CABINET):
        name = clean(row["Government body"])
        if not name or not row["sector"]:
            continue
        aliases = [clean(a) for a in row["alt_name"].split("|") if clean(a)]
        wdtk_name, welsh = split_bilingual(clean(row["wdtk_name"]))
        aliases += [wdtk_name, *welsh]
        codes = {"wdtk_id": row["wdtk_id"].strip()} if row["wdtk_id"].strip() else {}
        out.append(Record("cabinetfoi", name, "central_gov", aliases=aliases, codes=codes))
    return out


def gb_type(tags: set[str], name: str) -> str:
    """The registry type of a gb.csv body from its WDTK tags (and, for police, its name)."""
    if "police" in tags:
        return "other" if _POLICE_NOT_FORCE.search(name) or _PCC.search(name) else "police"
    if "fire_service" in tags:
        return "fire"
    if tags & {"nhstrust", "local_health_board"}:
        return "nhs"
    if "university" in tags:
        return "education"
    if "local_council" in tags:
        return "council"
    if re.search(r"Parliament|Assembly", name):
        return "other"
    return "central_gov"


def gb_records(raw: Path, wdtk: Wdtk) -> list[Record]:
    """WDTK bodies of about 2013 with the chosen tags: old names, domains and url names."""
    out = []
    for row in read_csv(raw / GB):
        tags = set(row["tags"].split())
        if not tags & set(GB_TAGS):
            continue
        name, welsh = split_bilingual(clean(row["name"]))
        if not usable(name):
            continue
        slug = row["id"].split("/", 1)[1].replace("-", "_")
        wdtk_url = slug if slug in wdtk.id_of else None
        codes = {}
        if wdtk_url is None:
            ids = wdtk.ids_by_name.get(norm(name), [])
            if len(ids) == 1:
                codes["wdtk_id"] = ids[0]
        for tag in sorted(tags):
            schema, _, value = tag.partition(":")
            if value and schema in ("ch", "charity"):
                codes.setdefault(schema, value)
        aliases = list(welsh) + (fire_names_inside(name) if "fire_service" in tags else [])
        if "Local Health Board" in name:  # renamed "... University Health Board" in 2009
            aliases.append(name.replace("Local Health Board", "Health Board"))
        abbr = clean(row["abbreviation"])
        if abbr and (len(abbr.split()) > 1 or good_abbreviation(abbr, name)):
            aliases.append(abbr)
        # A "unit:" of another body (a county's fire service) has its parent's web site.
        domain = None if any(t.startswith("unit:") for t in tags) else domain_of(row["url"])
        scottish = "scotland" in tags
        # A 2013 body that WDTK no longer knows by its url or its name was renamed or is gone.
        linked = bool(wdtk_url or codes.get("wdtk_id"))
        out.append(Record("gb", name, gb_type(tags, name), aliases=aliases, domains=[domain] if domain else [],
                          wdtk=wdtk_url, codes=codes, scottish=scottish,
                          current=False if "defunct" in tags or not linked else None,
                          strength=STATED if "defunct" in tags else GUESSED))
    return out


def wdtk_shape_records(wdtk: Wdtk) -> list[Record]:
    """WDTK bodies of 2021 whose names say they are CCGs, PCCs, fire services, health boards,
    NHS trusts or ICBs: the kinds the other lists miss in part (not the whole 38k list)."""
    out = []
    for i in sorted(wdtk.names, key=int):
        name = wdtk.names[i][0]
        current: bool | None = None
        if _CCG.search(name):
            kind, current = "nhs", False  # CCGs were abolished on 1 July 2022
        elif _PCC.search(name) and not name.startswith("Association"):
            kind = "other"
        elif _FIRE.search(name) and not _NOT_FIRE.search(name):
            kind = "fire"
        elif _HEALTH_BOARD.search(name) or _ICB.search(name):
            kind = "nhs"
            if "Local Health Board" in name:
                current = False  # the Welsh local health boards were replaced in 2009
        elif _NHS_TRUST.search(name):
            kind = "nhs"
        else:
            continue
        scottish = kind in ("fire", "nhs") and bool(_SCOTTISH_PLACE.search(name))
        inner = fire_names_inside(name) if kind == "fire" else []
        out.append(Record("wdtk2021", name, kind, aliases=inner, codes={"wdtk_id": i}, scottish=scottish,
                          current=current))
    return out


# --------------------------------------------------------------------------------------------
# Building


def build(shared: Path, curated: Path = CURATED_FILE) -> dict[str, Any]:
    """The registry, built from the raw lists under ``shared/registries/raw`` and the curated file.

    Besides what ``render`` writes (``_about``, ``_sources``, ``bodies``), it holds ``_stats`` and
    ``_problems`` (conflicts met while merging) for the summary and the logs."""
    raw = shared / "registries" / "raw"
    wdtk = Wdtk(raw)
    store = Store(wdtk)

    # 1. The curated bodies come first: their names, aliases, domains, types and regimes win.
    for body, rec in curated_records(curated):
        entry = store.add(rec)
        entry.curated = True
        if entry.name != rec.name:  # a curated name is never replaced
            entry.aliases.pop(rec.name, None)
            entry.name = rec.name
        entry.name_rank = 0
        entry.regime = body.get("regime", "FOIA")
        entry.curated_aliases = list(body.get("aliases", ()))
        for a in entry.curated_aliases:
            store.keep_alias(entry, a, CURATED)
        for d in body.get("domains", ()):
            entry.domains[d.lower()] = True

    # 2. Local authorities, current and former.
    for rec, place in la_records(raw):
        entry = store.add(rec)
        if place:
            store.index_place("council", place, entry)

    # 3. The lists of bodies as they are now, then the older ones that add names and domains.
    govuk = govuk_records(raw)
    for rec in govuk:
        if rec.source == "govuk2026":
            store.add(rec)
    for rec in nhs_records(raw, wdtk):
        store.add(rec)
    for rec in fire_records(raw):
        store.index_place("fire", fire_place(rec.name), store.add(rec))
    for rec in foisa_records(raw, wdtk):
        store.add(rec)
    for rec in university_records(raw, wdtk):
        store.add(rec)
    for rec in govuk:
        if rec.source == "govuk2017":
            store.add(rec)
    for rec in cabinet_records(raw):
        store.add(rec)
    for rec in [*gb_records(raw, wdtk), *wdtk_shape_records(wdtk)]:
        place = _place(rec)
        entry = store.add(rec, place=place)
        if place and place[0] == "fire":
            store.index_place(*place, entry)

    for e in store.entries:
        _settle(e)
    removed = _dedupe_aliases(store.entries)
    _settle_domains(store)
    bodies = sorted((_body(e) for e in store.entries if usable(e.name)), key=_order)
    stats = {
        "bodies": len(bodies),
        "merges": dict(sorted(store.merges.items())),
        "merged_entries": sum(1 for e in store.entries if len(e.sources) > 1),
        "aliases_removed_as_ambiguous": removed,
        "problems": len(store.problems),
    }
    for p in store.problems:
        log.info("registry: %s", p)
    return {"_about": ABOUT, "_sources": SOURCES, "bodies": bodies, "_stats": stats,
            "_problems": store.problems}


def _place(rec: Record) -> tuple[str, str] | None:
    """For an old council or fire-service name ("Bolton Borough Council"), its kind and place."""
    if rec.type == "council":
        return ("council", council_place(rec.name))
    if rec.type == "fire" and not re.search(r"Authority|Board|Commissioner", rec.name):
        return ("fire", fire_place(rec.name))  # a service, not the authority or board over it
    return None


_COUNCIL_ABBR = re.compile(r"\b(?:CC|BC|DC|MBC|MDC|CBC|LB|RB|CA|CCA|MCA)\b")
_COUNCIL_AREA = re.compile(r"(?:Borough|District|County)$|^Borough of ")  # "Bridgend County Borough"


def _settle(e: Entry) -> None:
    """Decide an entry's type, regime and whether it still exists, from what was merged in."""
    if e.type == "council":
        # A council's other names name the council; "City of London", "City of Westminster" or
        # "Liverpool City Region" (from WDTK) are places, found in every address there.
        for alias, rank in list(e.aliases.items()):
            if rank > CURATED and (not (_ORG_WORD.search(alias) or _COUNCIL_ABBR.search(alias) or alias.isupper())
                             or _COUNCIL_AREA.search(alias)):
                del e.aliases[alias]
    if not e.curated:
        e.regime = "FOISA" if e.scottish else "FOIA"
        if e.type == "other" and _UNIVERSITY.search(e.name) and "NHS" not in e.name:
            e.type = "education"
    votes = e.current_votes
    now = [c for c, strength in votes if strength == NOW]
    if now:
        e.current = any(now)  # a list of the bodies of today has it, or lists it as closed
    elif any(not c for c, strength in votes if strength == STATED):
        e.current = False
    elif e.curated:
        e.current = True
    elif any(not c for c, _ in votes) and set(e.sources) <= {"gb"}:
        e.current = False  # only an old row says anything of it, and WDTK no longer knows it
    else:
        # Known only from older lists: gone if the complete list of its kind lacks it.
        sources = set(e.sources)
        gone = ((e.type == "council" and "la" not in sources)
                or (_NHS_TRUST.search(e.name) and "ods_etr" not in sources)
                or (e.scottish and "osic" not in sources and e.type in ("council", "police", "fire", "nhs")))
        e.current = not gone


def _rank(e: Entry, alias: str | None) -> tuple[int, int]:
    """How strongly an entry holds a name: curated first, then canonical names, source names and
    made variants; between equals, a body that still exists first."""
    if alias is None:
        return (0 if e.curated else 2, 0 if e.current else 1)
    return (e.aliases[alias], 0 if e.current else 1)


def _dedupe_aliases(entries: list[Entry]) -> int:
    """Leave each lookup key (``authorities.key``) to the one body that holds it best.

    An alias that a better claim holds (a curated name, another body's canonical name) is taken
    from the others; one that two bodies hold equally names neither and is taken from both.
    Canonical names are never taken: two bodies with the same name stay, and are counted."""
    claims: dict[str, list[tuple[tuple[int, int], Entry, str | None]]] = defaultdict(list)
    for e in entries:
        # Within one body, an alias that only differs in case or punctuation from another of its
        # names is kept only where the matcher reads case (short names, acronyms).
        seen = {lookup_key(e.name)}
        for alias in list(e.aliases):
            k = lookup_key(alias)
            if e.aliases[alias] == CURATED:
                seen.add(k)
                continue  # the curated file's aliases stay as they are
            if not k:
                del e.aliases[alias]
                continue
            if k in seen and not (len(alias) <= 7 and sum(c.isupper() for c in alias) >= 2):
                del e.aliases[alias]
                continue
            seen.add(k)
        claims[lookup_key(e.name)].append((_rank(e, None), e, None))
        for alias in e.aliases:
            claims[lookup_key(alias)].append((_rank(e, alias), e, alias))
    removed = 0
    for k in sorted(claims):
        holders = claims[k]
        if len({id(e) for _, e, _ in holders}) < 2:
            continue
        best = min(r for r, _, _ in holders)
        winners = {id(e) for r, e, _ in holders if r == best}
        for r, e, alias in holders:
            if alias is None:
                continue
            if r > best or len(winners) > 1:
                if id(e) in winners and len(winners) == 1:
                    continue
                if alias in e.aliases:
                    del e.aliases[alias]
                    removed += 1
    return removed


def _settle_domains(store: Store) -> None:
    """A domain belongs to one body: the curated owner, or the one body still using it."""
    owners: dict[str, list[Entry]] = defaultdict(list)
    for e in store.entries:
        for d in e.domains:
            owners[d].append(e)
    for d, es in sorted(owners.items()):
        curated = [e for e in es if e.domains[d]]
        keep = curated[:1] if curated else es if len(es) == 1 else [e for e in es if e.current]
        if len(keep) != 1:
            keep = []
            store.problems.append(f"domain {d} used by {len(es)} bodies, given to none")
        for e in es:
            if e not in keep:
                del e.domains[d]


def _body(e: Entry) -> dict[str, Any]:
    """The JSON form of an entry."""
    aliases = [a for a in e.curated_aliases if a in e.aliases]
    aliases += sorted((a for a in e.aliases if a not in aliases), key=lambda a: (e.aliases[a], a.casefold(), a))
    domains = [d for d, cur in e.domains.items() if cur] + sorted(d for d, cur in e.domains.items() if not cur)
    return {
        "name": e.name,
        "type": e.type,
        "regime": e.regime or "FOIA",
        "aliases": aliases,
        "domains": domains,
        "wdtk": e.wdtk,
        "codes": dict(sorted(e.codes.items())),
        "current": e.current,
        "_curated": e.curated,
    }


def _order(b: dict[str, Any]) -> tuple[Any, ...]:
    """Where a body stands in the file."""
    # Curated bodies first, then the bodies that exist, then former ones; by name within each.
    # Where two bodies share a name the matcher keeps the first, so the order is part of the data.
    return (not b["_curated"], not b["current"], b["name"].casefold(), b["name"], b["type"],
            json.dumps(b["codes"], sort_keys=True))


def render(registry: dict[str, Any]) -> str:
    """The registry as text: one source and one body a line, so diffs stay readable."""
    def line(obj: dict[str, Any]) -> str:
        """One object on one line, as UTF-8 text."""
        return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))

    bodies = [{k: v for k, v in b.items() if not k.startswith("_")} for b in registry["bodies"]]
    parts = ["{", f' "_about": {json.dumps(registry["_about"], ensure_ascii=False)},', ' "_sources": [']
    parts.append(",\n".join("  " + line(s) for s in registry["_sources"]))
    parts.append(" ],")
    parts.append(' "bodies": [')
    parts.append(",\n".join("  " + line(b) for b in bodies))
    parts.append(" ]")
    parts.append("}")
    return "\n".join(parts) + "\n"


def write(registry: dict[str, Any], out: Path) -> None:
    """Write the registry file (UTF-8, LF endings)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(registry).encode("utf-8"))


def summary(registry: dict[str, Any]) -> str:
    """Counts for the person who ran the build."""
    bodies = registry["bodies"]
    by = Counter((b["type"], b["regime"]) for b in bodies)
    lines = [f"{len(bodies)} bodies ({sum(b['current'] for b in bodies)} current)"]
    for t in TYPES:
        lines.append(f"  {t:12} FOIA {by[(t, 'FOIA')]:5}  FOISA {by[(t, 'FOISA')]:4}")
    lines.append(f"merges: {registry['_stats']['merges']}; entries made of several records: "
                 f"{registry['_stats']['merged_entries']}")
    lines.append(f"aliases removed as ambiguous: {registry['_stats']['aliases_removed_as_ambiguous']}; "
                 f"problems logged: {registry['_stats']['problems']}")
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    """Build the registry from ``--shared`` and write it to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared folder holding registries/raw (default: ../shared beside the checkout)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write registry.json")
    parser.add_argument("--curated", type=Path, default=CURATED_FILE, help="the curated bodies.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each merge problem")
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if not (args.shared / "registries" / "raw").is_dir():
        parser.error(f"no registries/raw under {args.shared}")
    registry = build(args.shared, args.curated)
    write(registry, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(summary(registry))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The provisions of FOIA 2000, the EIR 2004 and FOISA 2002 that responses cite.

Codes use the normal form of docs/metadata.md: ``FOIA s.40(2)``, ``EIR reg.12(5)(b)``,
``FOISA s.38(1)(b)``. Facets group codes by *section* (``FOIA s.40``) and, for the
EIR, by paragraph of regulation 12 (``EIR reg.12(5)(b)``), because each paragraph of
reg.12 is a distinct exception. The catalogue lives here, not in ``ingest``, because
the web site needs the names and links too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.slugs import slugify

REGIMES = ("FOIA", "EIR", "FOISA")

_URL_BASE = {
    "FOIA": "https://www.legislation.gov.uk/ukpga/2000/36/section/",
    "EIR": "https://www.legislation.gov.uk/uksi/2004/3391/regulation/",
    "FOISA": "https://www.legislation.gov.uk/asp/2002/13/section/",
}


@dataclass(frozen=True)
class Provision:
    """One section (or EIR paragraph) of the catalogue."""

    name: str
    procedural: bool = False
    ncnd: tuple[str, ...] = field(default=())  # subsections that exclude the duty to confirm or deny


def _p(name: str, *ncnd: str, procedural: bool = False) -> Provision:
    return Provision(name, procedural, tuple(ncnd))


#: Keyed by regime, then by the section number (FOIA, FOISA) or EIR group
#: ("12(5)(b)", "13"). NCND subsections are written as they are cited ("40(5B)").
CATALOGUE: dict[str, dict[str, Provision]] = {
    "FOIA": {
        "1": _p("General right of access", procedural=True),
        "2": _p("Effect of the exemptions", procedural=True),
        "8": _p("Request for information", procedural=True),
        "9": _p("Fees", procedural=True),
        "10": _p("Time for compliance", procedural=True),
        "11": _p("Means of communication", procedural=True),
        "12": _p("Cost of compliance exceeds appropriate limit"),
        "13": _p("Fees for disclosure where cost exceeds limit", procedural=True),
        "14": _p("Vexatious or repeated requests"),
        "16": _p("Advice and assistance", procedural=True),
        "17": _p("Refusal of request", procedural=True),
        "19": _p("Publication schemes", procedural=True),
        "21": _p("Information accessible by other means"),
        "22": _p("Information intended for future publication", "22(2)"),
        "22A": _p("Research", "22A(2)"),
        "23": _p("Security bodies", "23(5)"),
        "24": _p("National security", "24(2)"),
        "26": _p("Defence", "26(3)"),
        "27": _p("International relations", "27(4)"),
        "28": _p("Relations within the United Kingdom", "28(3)"),
        "29": _p("The economy", "29(2)"),
        "30": _p("Investigations and proceedings", "30(3)"),
        "31": _p("Law enforcement", "31(3)"),
        "32": _p("Court records", "32(3)"),
        "33": _p("Audit functions", "33(3)"),
        "34": _p("Parliamentary privilege", "34(3)"),
        "35": _p("Formulation of government policy", "35(3)"),
        "36": _p("Prejudice to effective conduct of public affairs", "36(3)"),
        "37": _p("Communications with Her Majesty, honours", "37(2)"),
        "38": _p("Health and safety", "38(2)"),
        "39": _p("Environmental information", "39(2)"),
        "40": _p("Personal information", "40(5)", "40(5A)", "40(5B)"),
        "41": _p("Information provided in confidence", "41(2)"),
        "42": _p("Legal professional privilege", "42(2)"),
        "43": _p("Commercial interests", "43(3)"),
        "44": _p("Prohibitions on disclosure", "44(2)"),
        "45": _p("Code of practice", procedural=True),
        "46": _p("Code of practice on records management", procedural=True),
        "50": _p("Application for decision by the Commissioner", procedural=True),
        "77": _p("Offence of altering records", procedural=True),
    },
    "EIR": {
        "5": _p("Duty to make environmental information available", procedural=True),
        "6": _p("Form and format of information", procedural=True),
        "7": _p("Extension of time", procedural=True),
        "8": _p("Charging", procedural=True),
        "9": _p("Advice and assistance", procedural=True),
        "11": _p("Representations and reconsideration", procedural=True),
        "12(1)": _p("Exceptions: public interest test", procedural=True),
        "12(3)": _p("Personal data"),
        "12(4)(a)": _p("Information not held"),
        "12(4)(b)": _p("Manifestly unreasonable"),
        "12(4)(c)": _p("Too general"),
        "12(4)(d)": _p("Material in the course of completion"),
        "12(4)(e)": _p("Internal communications"),
        "12(5)(a)": _p("International relations, defence, national security, public safety"),
        "12(5)(b)": _p("Course of justice"),
        "12(5)(c)": _p("Intellectual property rights"),
        "12(5)(d)": _p("Confidentiality of proceedings"),
        "12(5)(e)": _p("Commercial confidentiality"),
        "12(5)(f)": _p("Interests of the person who provided the information"),
        "12(5)(g)": _p("Protection of the environment"),
        "12(6)": _p("Neither confirm nor deny", "12(6)"),
        "13": _p("Personal data", "13(5)"),
        "14": _p("Refusal to disclose information", procedural=True),
        "18": _p("Enforcement and appeal", procedural=True),
    },
    "FOISA": {
        "1": _p("General entitlement", procedural=True),
        "8": _p("Requesting information", procedural=True),
        "10": _p("Time for compliance", procedural=True),
        "12": _p("Excessive cost of compliance"),
        "14": _p("Vexatious or repeated requests"),
        "15": _p("Advice and assistance", procedural=True),
        "16": _p("Refusal of request", procedural=True),
        "17": _p("Information not held"),
        "18": _p("Neither confirm nor deny", "18(1)"),
        "20": _p("Requirement for review", procedural=True),
        "21": _p("Review by Scottish public authority", procedural=True),
        "25": _p("Information otherwise accessible"),
        "26": _p("Prohibitions on disclosure"),
        "27": _p("Information intended for future publication"),
        "28": _p("Relations within the United Kingdom"),
        "29": _p("Formulation of Scottish Administration policy"),
        "30": _p("Prejudice to effective conduct of public affairs"),
        "31": _p("National security and defence"),
        "32": _p("International relations"),
        "33": _p("Commercial interests and the economy"),
        "34": _p("Investigations by Scottish public authorities"),
        "35": _p("Law enforcement"),
        "36": _p("Confidentiality"),
        "37": _p("Court records"),
        "38": _p("Personal information"),
        "39": _p("Health, safety and the environment"),
        "40": _p("Audit functions"),
        "41": _p("Communications with Her Majesty, honours"),
        "47": _p("Application for decision by Commissioner", procedural=True),
        "60": _p("Code of practice", procedural=True),
        "61": _p("Code of practice on records", procedural=True),
    },
}

#: Sections that refuse a request on its cost, or as vexatious or repeated (prior.py and
#: search.py word these apart from the exemptions that withhold information).
COST_LIMIT = ("FOIA s.12", "FOISA s.12")
VEXATIOUS = ("FOIA s.14", "FOISA s.14")

_CODE = re.compile(
    r"^(?P<regime>FOIA|EIR|FOISA)\s+(?:s|reg)\.(?P<num>\d+[A-Z]?)(?P<subs>(?:\([0-9A-Za-z]+\))*)$"
)


def split_code(code: str) -> tuple[str, str, list[str]] | None:
    """Split a normal-form code into regime, number and subsection parts."""
    m = _CODE.match(code.strip())
    if not m:
        return None
    return m["regime"], m["num"], re.findall(r"\(([0-9A-Za-z]+)\)", m["subs"])


def _key(regime: str, num: str, subs: list[str]) -> str:
    """The catalogue key: the section, or for EIR reg.12 the paragraph (and sub-paragraph)."""
    if regime == "EIR" and num == "12" and subs:
        para = subs[0]
        if para in ("4", "5") and len(subs) > 1:
            return f"12({para})({subs[1]})"
        return f"12({para})"
    return num


def _format(regime: str, key: str) -> str:
    return f"{regime} {'reg.' if regime == 'EIR' else 's.'}{key}"


def section_of(code: str) -> str:
    """The facet a code groups under: "FOIA s.40(2)" → "FOIA s.40", "EIR reg.12(5)(b)" stays."""
    parts = split_code(code)
    if parts is None:
        return code
    regime, num, subs = parts
    return _format(regime, _key(regime, num, subs))


def provision(code: str) -> Provision | None:
    """The catalogue entry for a code (at any depth), or None if unknown."""
    parts = split_code(code)
    if parts is None:
        return None
    regime, num, subs = parts
    return CATALOGUE[regime].get(_key(regime, num, subs))


def is_procedural(code: str) -> bool:
    """Whether a code is a procedural provision (s.1, s.10, s.17, reg.7 ...), never an exemption."""
    p = provision(code)
    return bool(p and p.procedural)


def is_ncnd(code: str) -> bool:
    """Whether a code is a subsection that excludes the duty to confirm or deny."""
    parts = split_code(code)
    p = provision(code)
    if parts is None or p is None or not p.ncnd:
        return False
    regime, num, subs = parts
    cited = f"{num}({subs[0]})" if subs else num
    return cited in p.ncnd


def describe(section: str) -> str:
    """The name of a provision: "FOIA s.40" → "Personal information"."""
    p = provision(section)
    return p.name if p else ""


def label(section: str) -> str:
    """A short label for a facet: "s.40 Personal information", "reg.12(5)(b) Course of justice"."""
    sec = section_of(section)
    short = sec.split(" ", 1)[1] if " " in sec else sec
    name = describe(sec)
    return f"{short} {name}" if name else short


def slug(section: str) -> str:
    """A URL-safe form: "FOIA s.40" → "foia-s40", "EIR reg.12(5)(b)" → "eir-reg12-5-b"."""
    parts = split_code(section_of(section))
    if parts is None:
        return slugify(section)
    regime, num, subs = parts
    head = f"{regime.lower()}-{'reg' if regime == 'EIR' else 's'}{num.lower()}"
    return "-".join([head, *[s.lower() for s in subs]])


_SLUG = re.compile(r"^(?P<regime>foia|eir|foisa)-(?:s|reg)(?P<num>\d+a?)(?P<subs>(?:-[0-9a-z]+)*)$")


def from_slug(value: str) -> str | None:
    """The section for a slug made by ``slug``, or None if it is not one."""
    m = _SLUG.match(value.strip().lower())
    if not m:
        return None
    regime = m["regime"].upper()
    subs = [s for s in m["subs"].split("-") if s]
    subs = [s.upper() if s.isalpha() and regime != "EIR" and len(s) > 1 else s for s in subs]
    code = _format(regime, m["num"].upper() + "".join(f"({s})" for s in subs))
    return section_of(code)


def legislation_url(section: str) -> str:
    """The page of the provision on legislation.gov.uk."""
    parts = split_code(section)
    if parts is None:
        return ""
    regime, num, _ = parts
    return _URL_BASE[regime] + num


_LOOSE = re.compile(
    r"""^\s*
    (?:(?P<regime>foisa|foia|foi|eir)\b[\s\-_.]*)?
    (?P<kind>sections?|sec|ss?|regulations?|regs?|r)?\.?\s*
    (?P<num>\d+[a-z]?)
    (?P<subs>(?:\s*\(?\s*[0-9a-z]{1,3}\s*\)?|-[0-9a-z]{1,3})*)
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_code(text: str) -> str | None:
    """Read loose user input ("s40", "section 40", "foia-s40", "reg 12(5)(b)") as a section."""
    if not text:
        return None
    exact = from_slug(text)
    if exact:
        return exact
    m = _LOOSE.match(text)
    if not m:
        return None
    kind = (m["kind"] or "").lower()
    regime = (m["regime"] or "").upper()
    if regime == "FOI":
        regime = "FOIA"
    if not regime:
        regime = "EIR" if kind.startswith("r") else "FOIA"
    subs = re.findall(r"[0-9a-z]{1,3}", m["subs"] or "", re.IGNORECASE)
    subs = [s.lower() if not s.isdigit() and regime == "EIR" else s for s in subs]
    num = m["num"].upper()
    if num not in CATALOGUE[regime] and not (regime == "EIR" and num == "12"):
        return None
    return section_of(_format(regime, num + "".join(f"({s})" for s in subs)))

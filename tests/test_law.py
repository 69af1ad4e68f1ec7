"""The catalogue of provisions: facets, names, slugs, links and loose input."""

from __future__ import annotations

import pytest

from archive import law


@pytest.mark.parametrize("code, section", [
    ("FOIA s.40(2)", "FOIA s.40"),
    ("FOIA s.31(1)(a)", "FOIA s.31"),
    ("FOIA s.12", "FOIA s.12"),
    ("EIR reg.12(5)(b)", "EIR reg.12(5)(b)"),
    ("EIR reg.12(3)", "EIR reg.12(3)"),
    ("EIR reg.13(1)", "EIR reg.13"),
    ("FOISA s.38(1)(b)", "FOISA s.38"),
])
def test_section_of(code: str, section: str) -> None:
    assert law.section_of(code) == section


@pytest.mark.parametrize("section, name, label, slug", [
    ("FOIA s.40", "Personal information", "s.40 Personal information", "foia-s40"),
    ("EIR reg.12(5)(b)", "Course of justice", "reg.12(5)(b) Course of justice", "eir-reg12-5-b"),
    ("FOISA s.38", "Personal information", "s.38 Personal information", "foisa-s38"),
    ("FOIA s.38", "Health and safety", "s.38 Health and safety", "foia-s38"),
    ("FOIA s.22A", "Research", "s.22A Research", "foia-s22a"),
])
def test_describe_label_slug_round_trip(section: str, name: str, label: str, slug: str) -> None:
    assert law.describe(section) == name
    assert law.label(section) == label
    assert law.slug(section) == slug
    assert law.from_slug(slug) == section


@pytest.mark.parametrize("section, url", [
    ("FOIA s.40", "https://www.legislation.gov.uk/ukpga/2000/36/section/40"),
    ("EIR reg.12(5)(b)", "https://www.legislation.gov.uk/uksi/2004/3391/regulation/12"),
    ("FOISA s.38", "https://www.legislation.gov.uk/asp/2002/13/section/38"),
])
def test_legislation_url(section: str, url: str) -> None:
    assert law.legislation_url(section) == url


@pytest.mark.parametrize("text, section", [
    ("s40", "FOIA s.40"),
    ("section 40", "FOIA s.40"),
    ("foia-s40", "FOIA s.40"),
    ("FOIA s.40", "FOIA s.40"),
    ("S.40(2)", "FOIA s.40"),
    ("reg 12(5)(b)", "EIR reg.12(5)(b)"),
    ("eir-reg12-5-b", "EIR reg.12(5)(b)"),
    ("regulation 13", "EIR reg.13"),
    ("foisa s38", "FOISA s.38"),
    ("s 99", None),
    ("", None),
    ("nonsense", None),
])
def test_parse_code(text: str, section: str | None) -> None:
    assert law.parse_code(text) == section


def test_procedural_and_ncnd() -> None:
    assert law.is_procedural("FOIA s.17(1)") and law.is_procedural("EIR reg.7(1)") and law.is_procedural("FOIA s.50")
    assert not law.is_procedural("FOIA s.40(2)") and not law.is_procedural("FOIA s.12")
    assert law.is_ncnd("FOIA s.40(5B)") and law.is_ncnd("FOIA s.24(2)") and law.is_ncnd("EIR reg.12(6)")
    assert not law.is_ncnd("FOIA s.40(2)")

"""The one slug rule: body pages and provisions the catalogue does not know."""

import pytest

from archive import law
from archive.slugs import slugify


@pytest.mark.parametrize("name, slug", [
    ("Kent Police", "kent-police"),
    ("Police Service of Northern Ireland (PSNI)", "police-service-of-northern-ireland-psni"),
    ("  St. Helens & Knowsley  ", "st-helens-knowsley"),
    ("Bath and North East Somerset Council", "bath-and-north-east-somerset-council"),
    ("Ümlaut Ålesund", "mlaut-lesund"),
    ("---", ""),
])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_provision_the_catalogue_cannot_split_takes_the_same_rule() -> None:
    assert law.slug("Data Protection Act 2018") == "data-protection-act-2018"
    assert law.slug("FOIA s.40(2)") == "foia-s40"

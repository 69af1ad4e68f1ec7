"""The one rule for a name in a URL, shared by body pages and provisions the catalogue
does not know, so that a link and the page it points at always agree."""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    """Lower case, every run of other characters one hyphen: "Kent Police" → "kent-police"."""
    return _NOT_SLUG.sub("-", value.lower()).strip("-")

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


def enrich(text: str, *, title: str | None = None, hints: dict[str, Any] | None = None,
           filename: str | None = None) -> Metadata:
    """Read the metadata of one response (implemented by the metadata modules)."""
    raise NotImplementedError

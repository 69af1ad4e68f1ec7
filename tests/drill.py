"""What an archive answers: a fixed set of searches, facets, lists and /prior.json drafts,
asked through the site's JSON, so two archives (the original and one rebuilt or restored
from its store) can be compared answer by answer (docs/reliability.md, "Recovery drills").

Kept free of anything newer than the first release's web layer, so that the upgrade
fixture's answers (tests/fixtures/release-0.1.0) were made by this same code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

DRAFTS = (
    "How many drones does your force own, and what did they cost?",
    "Please tell me how much the council spent on agency staff in each of the last three years.",
    "I would like the number of complaints about potholes and the compensation paid.",
    "Please provide the names of staff who attended the meeting and their email addresses.",
)

SEARCHES = (
    {},
    {"q": "police"},
    {"q": "information"},
    {"q": "section 40"},
    {"q": '"personal information"'},
    {"q": "cost limit"},
    {"q": "drones OR taser OR camera"},
    {"q": "council NOT police"},
    {"q": "environment*"},
    {"q": "police", "sort": "date"},
    {"q": "request", "sort": "date_asc"},
    {"sort": "ingested"},
    {"outcome": "refused"},
    {"outcome": "not_read"},
    {"outcome": "disclosed_in_full", "q": "information"},
    {"exemption": "FOIA s.40"},
    {"year": "2023"},
    {"q": "request", "page": "2"},
)


def probe_urls(ids: list[str]) -> list[str]:
    """Every URL the drill asks, the document pages of ``ids`` among them."""
    urls = ["/search.json?" + urlencode({**params, "per_page": 20}) for params in SEARCHES]
    urls += ["/prior.json?" + urlencode({"text": draft}) for draft in DRAFTS]
    urls += ["/exemptions.json", "/statistics.json", "/groups.json", "/search.csv?q=police"]
    urls += [f"/documents/{doc_id}.json" for doc_id in sorted(ids)]
    return urls


def answers(app: Any, ids: list[str]) -> dict[str, Any]:
    """url -> the JSON (or text) the site gives for each probe, from a Flask ``app``."""
    client = app.test_client()
    out: dict[str, Any] = {}
    for url in probe_urls(ids):
        response = client.get(url)
        if response.is_json:
            out[url] = {"status": response.status_code, "json": response.get_json()}
        else:
            out[url] = {"status": response.status_code, "text": response.get_data(as_text=True)}
    return out

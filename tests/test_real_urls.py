"""The shipped sources (config.toml) against real URLs seen on the sites.

../shared/corpus/listings/real_urls_seen.json holds disclosure-log and WhatDoTheyKnow
URLs, each marked item (a response), listing or other. Every response on a site a
source covers must be taken as a response; every listing there followed; nothing else
taken or followed. ``foi-archive sources --check`` gives the same verdicts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from archive.config import load
from ingest.sources.kinds import make_source
from ingest.sources.crawling import ATTACHMENT, IGNORE, LISTING, RESPONSE, host_of
from tests.conftest import ROOT, SHARED

SEEN = SHARED / "corpus" / "listings" / "real_urls_seen.json"


def seen() -> list[dict[str, Any]]:
    if not SEEN.exists():
        return []
    return json.loads(SEEN.read_text())


@pytest.fixture(scope="module")
def sources() -> dict[str, Any]:
    if not SEEN.exists():
        pytest.skip(f"the real URLs are not beside the checkout ({SEEN} is missing)")
    config = load(ROOT / "config.toml")
    return {name: make_source(name, settings, config) for name, settings in config.sources.items()
            if settings.get("kind") in ("disclosure_log", "alaveteli")}


def covering(sources: dict[str, Any], url: str) -> list[str]:
    """The sources that may fetch from the URL's host."""
    return [name for name, source in sources.items() if host_of(url) in source.hosts]


@pytest.mark.parametrize("entry", seen(), ids=lambda e: e["url"][:90])
def test_a_real_url_gets_the_verdict_its_page_deserves(sources: dict[str, Any], entry: dict[str, Any]) -> None:
    url, kind = entry["url"], entry["kind"]
    verdicts = {name: sources[name].check(url) for name in covering(sources, url)}
    actions = {name: v.action for name, v in verdicts.items()}
    if kind == "item":
        if not verdicts:
            # Only bodies that are not police forces lack a source (a council's log, gov.scot).
            assert entry.get("force") is None, f"no source covers {url}"
            return
        assert RESPONSE in actions.values(), verdicts
    elif kind == "listing":
        assert RESPONSE not in actions.values(), verdicts
        if verdicts:
            assert LISTING in actions.values(), verdicts
    else:
        assert set(actions.values()) <= {IGNORE, ATTACHMENT}, verdicts


def test_the_real_urls_are_there_and_cover_the_forces(sources: dict[str, Any]) -> None:
    entries = seen()
    items = [e for e in entries if e["kind"] == "item"]
    taken = {name for e in items for name in covering(sources, e["url"])
             if sources[name].check(e["url"]).action == RESPONSE}
    assert len(entries) >= 150 and len(items) >= 60
    # Every force whose own log showed a response has a source that takes it.
    assert {"met_police", "cleveland_police", "north_yorkshire_police", "south_wales_police",
            "dyfed_powys_police", "warwickshire_police", "essex_police", "west_midlands_police",
            "west_yorkshire_police", "psni", "police_scotland", "northumbria_police",
            "wdtk_police"} <= taken


@pytest.mark.parametrize("url, title", [
    ("https://www.whatdotheyknow.com/request/use_of_drones_2019_20_25", "use_of_drones_2019_20_25"),
    ("https://www.whatdotheyknow.com/cy/request/thefts_at_railway_sites?utm_campaign=x&utm_source=y",
     "thefts_at_railway_sites"),
    ("https://www.whatdotheyknow.com/request/bluecheck_ii_devices_and_mobilei?unfold=1",
     "bluecheck_ii_devices_and_mobilei"),
    ("https://www.whatdotheyknow.com/request/children_and_family_social_worke_2#incoming-1982253",
     "children_and_family_social_worke_2"),
    ("http://www.whatdotheyknow.com/request/glade_festival_policing_costs", "glade_festival_policing_costs"),
    # An attachment is its request's: never a second record.
    ("https://www.whatdotheyknow.com/request/01022023_circular_re_stolen_vehi/response/2478075/attach/html/3/"
     "FOI%20Appeals%20Notice.pdf.html", "01022023_circular_re_stolen_vehi"),
    ("https://www.whatdotheyknow.com/request/355704/response/873707/attach/html/4/Internal%20Review%20Notice.PDF.pdf.html",
     None),
    ("https://www.whatdotheyknow.com/body/the_met", None),
    ("https://example.org/request/x", None),
])
def test_the_request_a_whatdotheyknow_url_is(sources: dict[str, Any], url: str, title: str | None) -> None:
    assert sources["wdtk_police"].request_of(url) == title

"""The registry of public bodies (ingest/tasks/registry_build.py) built from the real public
lists in ../shared/registries: what it holds, that it is stable, and that the shipped
data/registry.json is exactly what the build makes."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from ingest.metadata.authorities import WORD, key, load_registry

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RAW = SHARED / "registries" / "raw"
DATA = ROOT / "ingest" / "metadata" / "data"
SHIPPED = DATA / "registry.json"
CURATED = DATA / "bodies.json"

pytestmark = pytest.mark.skipif(
    not RAW.is_dir(), reason=f"the public lists the registry is built from are not beside the checkout ({RAW})")


def run_build(out: Path, seed: str) -> bytes:
    """Build as the lead runs it, in a child process with its own hash seed (set order must not leak)."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-m", "ingest.tasks.registry_build", "--shared", str(SHARED), "--out", str(out)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return out.read_bytes()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    out = tmp_path_factory.mktemp("registry") / "registry.json"
    return out, run_build(out, "1")


@pytest.fixture(scope="module")
def registry(built: tuple[Path, bytes]) -> dict[str, Any]:
    return json.loads(built[1].decode("utf-8"))


@pytest.fixture(scope="module")
def by_name(registry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["name"]: b for b in registry["bodies"]}


def body(by_name: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    assert name in by_name, f"{name!r} is not in the registry"
    return by_name[name]


# -- stability


def test_building_twice_gives_the_same_bytes(built: tuple[Path, bytes], tmp_path: Path) -> None:
    assert run_build(tmp_path / "again.json", "2") == built[1]


def test_the_shipped_registry_is_a_fresh_build(built: tuple[Path, bytes]) -> None:
    assert SHIPPED.is_file(), "ingest/metadata/data/registry.json is missing: run the build"
    assert SHIPPED.read_bytes() == built[1], (
        "data/registry.json differs from a fresh build: never edit it by hand; change bodies.json or the "
        "build and run `.venv/bin/python -m ingest.tasks.registry_build`")


def test_nothing_imports_the_build_at_run_time() -> None:
    users = []
    for package in ("archive", "ingest", "cli"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "registry_build.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
                module = node.module if isinstance(node, ast.ImportFrom) else None
                if "registry_build" in (module or "") or any("registry_build" in n for n in names):
                    users.append(str(path.relative_to(ROOT)))
    assert users == [], f"only the generated JSON ships; the build is a script: {users}"


# -- shape


def test_the_file_has_its_sources_and_every_body_its_fields(registry: dict[str, Any]) -> None:
    assert list(registry) == ["_about", "_sources", "bodies"]
    assert "CC BY-SA 4.0" in registry["_about"]
    for source in registry["_sources"]:
        assert set(source) == {"name", "url", "licence", "attribution"} and all(source.values())
    attributions = {s["attribution"] for s in registry["_sources"]}
    assert "Contains data from WhatDoTheyKnow (mySociety and WhatDoTheyKnow volunteers), CC BY-SA 4.0" in attributions
    for b in registry["bodies"]:
        assert list(b) == ["name", "type", "regime", "aliases", "domains", "wdtk", "codes", "current"], b
        assert b["type"] in ("police", "council", "nhs", "central_gov", "fire", "education", "other"), b
        assert b["regime"] in ("FOIA", "FOISA"), b
        assert isinstance(b["current"], bool) and isinstance(b["codes"], dict), b


def test_every_name_starts_with_a_word_as_the_matcher_requires(registry: dict[str, Any]) -> None:
    bad = [n for b in registry["bodies"] for n in (b["name"], *b["aliases"]) if not WORD.match(n)]
    assert bad == []


def test_a_name_or_alias_names_one_body_unless_two_bodies_bear_that_very_name(registry: dict[str, Any]) -> None:
    """No alias is shared: where two bodies meet on a lookup key, at most one holds it as an alias and the
    others by their own canonical names (the First-tier Tribunal's chambers, the Department of Health
    and its Northern Ireland namesake). Those are counted, and must stay few."""
    holders: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for i, b in enumerate(registry["bodies"]):
        holders[key(b["name"])].append((i, False))
        for a in b["aliases"]:
            holders[key(a)].append((i, True))
    shared = {k: v for k, v in holders.items() if len({i for i, _ in v}) > 1}
    alias_holders = {k: {i for i, is_alias in v if is_alias} for k, v in shared.items()}
    assert all(len(v) <= 1 for v in alias_holders.values()), {k: v for k, v in alias_holders.items() if len(v) > 1}
    print(f"\n{len(shared)} lookup keys shared by several bodies: {sorted(shared)}")
    assert len(shared) <= 10


def test_small_enough_to_load_quickly() -> None:
    assert SHIPPED.stat().st_size < 3_000_000
    text = SHIPPED.read_text(encoding="utf-8")
    best = min(_timed(lambda: json.loads(text)) for _ in range(5))
    assert best < 0.1, f"json.loads took {best * 1000:.0f} ms"


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_the_matcher_loads_it_and_finds_bodies_by_their_aliases(built: tuple[Path, bytes]) -> None:
    reg = load_registry(built[0])
    assert reg.lookup("Kent CC").name == "Kent County Council"
    assert reg.lookup("LB Camden").name == "London Borough of Camden"
    assert reg.lookup("DfE").name == "Department for Education"
    assert reg.lookup("DLUHC").name == "Ministry of Housing, Communities and Local Government"
    found = {b.name for b, _, _ in reg.mentions("Yours sincerely,\nInformation Governance, Kent County Council\n")}
    assert "Kent County Council" in found


# -- content


def test_councils_current_and_former_with_their_wdtk_names(registry: dict[str, Any],
                                                            by_name: dict[str, dict[str, Any]]) -> None:
    councils = [b for b in registry["bodies"] if b["type"] == "council"]
    assert sum(b["current"] for b in councils) >= 390
    # Every row of the mySociety file, each its own body (the GLA is curated as "other").
    assert sum(1 for b in registry["bodies"] if "la" in b["codes"]) == 470
    kent = body(by_name, "Kent County Council")
    assert (kent["type"], kent["regime"], kent["current"]) == ("council", "FOIA", True)
    assert kent["wdtk"] == "kent_county_council"
    assert kent["codes"]["gss"] == "E10000016" and kent["codes"]["la"] == "KEN"
    assert "Kent CC" in kent["aliases"] and "Kent" not in kent["aliases"]  # the body, not the county
    assert "kent.gov.uk" in kent["domains"]
    camden = body(by_name, "London Borough of Camden")
    assert {"Camden Council", "LB Camden"} <= set(camden["aliases"])
    assert body(by_name, "Manchester City Council")["current"]
    assert body(by_name, "Allerdale Borough Council")["current"] is False
    assert body(by_name, "Westminster City Council")["codes"]["la"] == "WSM"
    # The mojibake in the source's alternative names is left out.
    assert not any("ï" in a for a in body(by_name, "Isle of Anglesey County Council")["aliases"])


@pytest.mark.parametrize("name, kind", [
    ("Fife Council", "council"), ("Glasgow City Council", "council"), ("Comhairle nan Eilean Siar", "council"),
    ("NHS Greater Glasgow and Clyde", "nhs"), ("Police Scotland", "police"),
    ("Scottish Fire and Rescue Service", "fire"), ("University of Glasgow", "education"),
    ("Scottish Government", "central_gov"),
])
def test_scottish_bodies_answer_under_foisa(by_name: dict[str, dict[str, Any]], name: str, kind: str) -> None:
    b = body(by_name, name)
    assert (b["type"], b["regime"]) == (kind, "FOISA")


def test_every_scottish_council_is_foisa_and_no_english_one_is(registry: dict[str, Any]) -> None:
    for b in registry["bodies"]:
        gss = b["codes"].get("gss", "")
        if gss.startswith("S12"):
            assert b["regime"] == "FOISA", b["name"]
        elif gss.startswith(("E", "W", "N")):
            assert b["regime"] == "FOIA", b["name"]


def test_nhs_trusts_ccgs_and_icbs(by_name: dict[str, dict[str, Any]]) -> None:
    ccg = body(by_name, "NHS Darlington Clinical Commissioning Group")  # closed in 2020, ODS name upper case
    assert ccg["type"] == "nhs" and ccg["current"] is False and ccg["codes"]["ods"] == "00C"
    assert "NHS Darlington CCG" in ccg["aliases"]
    bolton = body(by_name, "NHS Bolton Clinical Commissioning Group")  # only in WDTK's names (to 2022)
    assert bolton["current"] is False
    icb = body(by_name, "NHS Cheshire and Merseyside Integrated Care Board")
    assert icb["codes"] == {**icb["codes"], "gss": "E54000008", "ods": "QYG"} and icb["current"]
    assert "NHS Cheshire and Merseyside ICB" in icb["aliases"]
    trust = body(by_name, "Manchester University NHS Foundation Trust")
    assert trust["codes"]["ods"] == "R0A" and trust["current"]
    assert body(by_name, "King's College Hospital NHS Foundation Trust")["type"] == "nhs"


def test_central_government_with_abbreviations_and_former_names(by_name: dict[str, dict[str, Any]]) -> None:
    dfe = body(by_name, "Department for Education")
    assert dfe["type"] == "central_gov" and "DfE" in dfe["aliases"] and dfe["current"]
    mhclg = body(by_name, "Ministry of Housing, Communities and Local Government")
    assert {"MHCLG", "DLUHC", "DCLG"} <= set(mhclg["aliases"])
    assert body(by_name, "Driver and Vehicle Licensing Agency")["type"] == "central_gov"  # executive agency
    dfid = body(by_name, "Department for International Development")  # 2017 list, closed since
    assert dfid["current"] is False and dfid["type"] == "central_gov"
    assert body(by_name, "Ofsted")["type"] == "central_gov"  # non-ministerial department
    # An abbreviation that is an ordinary word is no alias ("Statistics" for the UK Statistics Authority).
    assert "Statistics" not in body(by_name, "UK Statistics Authority")["aliases"]
    # Courts and the civil-service professions are no body that answers a request.
    assert "Court of Protection" not in by_name and "Medical Profession" not in by_name


def test_fire_services_universities_and_pccs(by_name: dict[str, dict[str, Any]]) -> None:
    kent = body(by_name, "Kent Fire and Rescue Service")
    assert kent["type"] == "fire" and kent["codes"]["fire_service_eng"] == "023"
    lfb = body(by_name, "London Fire Brigade")
    assert "London Fire Commissioner (London Fire Brigade)" in lfb["aliases"] and lfb["wdtk"] == "lfb"
    oxford = body(by_name, "University of Oxford")
    assert oxford["type"] == "education" and "ox.ac.uk" in oxford["domains"] and oxford["codes"]["ukprn"] == "10007774"
    pcc = body(by_name, "Kent Police and Crime Commissioner")
    assert pcc["type"] == "other"  # answers its own requests, but is no force (Body.force would say so)


def test_the_curated_bodies_keep_their_names_types_aliases_and_domains(by_name: dict[str, dict[str, Any]]) -> None:
    curated = json.loads(CURATED.read_text(encoding="utf-8"))["bodies"]
    for c in curated:
        b = body(by_name, c["name"])
        assert (b["type"], b["regime"]) == (c["type"], c.get("regime", "FOIA")), c["name"]
        assert b["aliases"][:len(c["aliases"])] == c["aliases"], c["name"]
        assert b["domains"][:len(c["domains"])] == c["domains"], c["name"]
        if c.get("wdtk"):
            assert b["wdtk"] == c["wdtk"], c["name"]
    police = [c for c in curated if c["type"] == "police"]
    assert len(police) == 48
    for c in police:  # the forces keep exactly their curated names (an old web domain may be added)
        b = by_name[c["name"]]
        assert (b["aliases"], b["current"]) == (c["aliases"], True), c["name"]


def test_no_parish_councils_or_schools_from_the_full_wdtk_list(registry: dict[str, Any]) -> None:
    names = [b["name"] for b in registry["bodies"]]
    assert len(names) < 6000
    assert [n for n in names if n.endswith("Parish Council")] == ["Walberswick Parish Council"]  # curated
    assert not any(n.endswith("Primary School") for n in names)


def test_the_licences_are_written_down() -> None:
    about = (DATA / "REGISTRY.md").read_text(encoding="utf-8")
    registry = json.loads(SHIPPED.read_text(encoding="utf-8"))
    for source in registry["_sources"]:
        assert source["attribution"] in about, source["name"]
    assert "CC BY-SA 4.0" in about
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Reference data" in readme
    assert "Contains data from WhatDoTheyKnow (mySociety and WhatDoTheyKnow volunteers), CC BY-SA 4.0" in readme

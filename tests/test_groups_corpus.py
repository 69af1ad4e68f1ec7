"""How well round robins are grouped, measured on real and generated requests.

Real: the 500 WhatDoTheyKnow threads to Sheffield City Council in
../shared/corpus/bulk (rendered as the thread text ingest reads), against
hand-judged pairs below; generated: the sample set's round robins. The figures
are in docs/site.md; the floors here keep them from sliding.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from archive.models import Document, Metadata
from bench.wdtk_status import render_thread
from ingest.grouping import Grouper
from tests.conftest import SHARED

BULK = SHARED / "corpus" / "bulk" / "sheffield_wdtk_json"

# Pairs of threads (url_title) judged to ask the same question: the same information,
# perhaps for another period or reworded. Judged by reading every pair whose requests
# share at least a tenth of their word 3-grams, and every pair with the same title stem.
# Not the same question (and so not listed): one requester's template with another
# subject in its slot (structure charts of other departments, other contracts, other
# businesses' food hygiene, numbered "REF LA F1..F5" requests to other correspondents).
SAME_QUESTION = """
how_many_rc86405_cause_uncessarr how_many_rc86405_cause_uncessarr_2
housing_structure_charts_107 organisational_structure_chart_f_3964
contact_centre_crm_and_ai_automa_1124 contact_centre_crm_and_ai_automa_962
completion_notice_foi_230 completion_notices_231
complete_non_residential_busines_2831 complete_non_residential_busines_3048
complete_business_property_rates_25 complete_non_residential_busines_2831
complete_business_property_rates_25 complete_non_residential_busines_3048
capacity_and_types_of_facilities capacity_and_types_of_facilities_2
abandoned_cars_2022_2023_2037 freedom_of_information_request_a_712
organisational_structure_chart_r_31 organisational_structure_chart_r_33
organisational_structure_chart_f_3851 organisational_structure_chart_f_4063
reports_of_sexual_abuse_against_110 reports_of_sexual_abuse_against_259
council_tax_exemption_policy_for_228 council_tax_exemption_policy_for_546
personal_budgets_in_education_109 personal_budgets_in_education_20_129
care_act_foia_request_22 social_care_charging_data_55
road_traffic_counts_from_2023_on road_traffic_counts_from_2023_on_2
clarification_on_funding_request_2 funding_requests_received_by_she
guidance_to_new_cllrs_199 guidance_to_new_councillors_180
man_hole_cover_thefts_73 missing_stolen_man_hole_covers_48
elective_home_education_19 elective_home_education_20
all_permitted_development_applic office_to_residential_permitted
all_permitted_development_applic office_to_residential_permitted_2
all_permitted_development_applic office_to_residential_permitted_3
office_to_residential_permitted office_to_residential_permitted_2
office_to_residential_permitted office_to_residential_permitted_3
office_to_residential_permitted_2 office_to_residential_permitted_3
audit_committee_annualexternal_r_268 audit_committee_internal_and_ext_18
schools_third_party_supply_agenc_10 total_spend_on_third_party_agenc_19
oudoor_advertising_revenue_and_l oudoor_advertising_revenue_and_l_2
social_media_management_and_list_1078 social_media_management_and_list_442
illegal_vape_seizures_297 seized_vapes_and_cigarettes_128
"""


def labelled_pairs() -> set[tuple[str, str]]:
    return {tuple(sorted(line.split())) for line in SAME_QUESTION.strip().splitlines()}  # type: ignore[misc]


def group_all(tmp_path: Path, docs: list[tuple[str, str, str]]) -> dict[str, str | None]:
    """Run the grouper over (key, authority, text) as one ingest batch: key -> group."""
    from archive.index import open_or_create

    grouper = Grouper(open_or_create(tmp_path / "index"))
    groups = {}
    for n, (key, authority, text) in enumerate(docs):
        doc = Document(id=f"{n:016x}", sha256="", title=key, text=text, format="txt", source="t",
                       source_url=None, ingested="", meta=Metadata(authority=authority))
        groups[key] = grouper.assign(doc)
    grouper.close()
    return groups


def pair_scores(groups: dict[str, str | None], truth: set[tuple[str, str]]) -> tuple[float, float, int]:
    """Precision and recall of 'grouped together' over pairs, and how many pairs were grouped."""
    grouped = {tuple(sorted((a, b))) for a, b in itertools.combinations(groups, 2)
               if groups[a] is not None and groups[a] == groups[b]}
    hits = len(grouped & truth)
    return hits / max(1, len(grouped)), hits / max(1, len(truth)), len(grouped)


@pytest.mark.slow
def test_grouping_on_real_wdtk_threads(tmp_path: Path) -> None:
    if not BULK.is_dir():
        pytest.skip(f"the bulk WDTK threads are not beside the checkout ({BULK} is missing)")
    docs = []
    for path in sorted(BULK.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        docs.append((data["url_title"], "Sheffield City Council", render_thread(data)))
    groups = group_all(tmp_path, docs)
    precision, recall, grouped = pair_scores(groups, labelled_pairs())
    found = sum(g is not None for g in groups.values())
    print(f"\nbulk: request found in {found}/{len(docs)}; {grouped} pairs grouped; "
          f"precision {precision:.2f}, recall {recall:.2f}")
    assert found >= 450
    assert precision >= 0.75 and recall >= 0.45


def test_grouping_on_the_generated_samples(tmp_path: Path) -> None:
    """Each topic's letters quote one template of questions, whichever body answers, in
    whatever period: the same question. The round robins are among them."""
    import random

    from samplegen.letters import compose_letter, sample_plan

    docs, topic_of, robin_of = [], {}, {}
    for index, spec in enumerate(sample_plan(60, 2024), 1):
        letter = compose_letter(random.Random(2024 * 1_000_003 + index), spec)
        key = f"{index:03d}"
        docs.append((key, spec.authority.name, letter.text))
        topic_of[key], robin_of[key] = spec.topic.key, spec.round_robin
    groups = group_all(tmp_path, docs)
    truth = {tuple(sorted((a, b))) for a, b in itertools.combinations(topic_of, 2)
             if topic_of[a] == topic_of[b]}
    precision, recall, grouped = pair_scores(groups, truth)
    print(f"\nsamples: {grouped} pairs grouped; precision {precision:.2f}, recall {recall:.2f}")
    assert precision == 1.0 and recall >= 0.95
    for robin in {r for r in robin_of.values() if r}:
        assert len({groups[k] for k, r in robin_of.items() if r == robin}) == 1, robin

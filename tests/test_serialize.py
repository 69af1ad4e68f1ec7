"""One result row for every format: the keys each format promises, in their order."""

from markupsafe import Markup

from archive.search import ExemptionView, Hit
from archive.serialize import EXPORT_FIELDS, GROUP_FIELDS, csv_row, hit_dict


def _hit() -> Hit:
    return Hit(id="00ab", title="=cmd|' /C calc'!A0", force="Kent Police", authority="Kent Police",
               date="2023-05-02", outcome="partially_disclosed", outcome_label="Partially disclosed",
               exemptions=[ExemptionView(code="FOIA s.40(2)", section="FOIA s.40",
                                         label="s.40 Personal information", sentence="names",
                                         offset=3)],
               topics=["Taser", "use of force"], reference="FOI 1234/23",
               ingested="2024-01-01T00:00:00+00:00", format="pdf", snippet=Markup("drawn <mark>120</mark> times"))


def _url(doc_id: str) -> str:
    return f"https://example.org/documents/{doc_id}"


def test_a_result_row_for_search_json() -> None:
    row = hit_dict(_hit(), _url)
    assert list(row) == ["id", "title", "force", "authority", "date", "outcome", "exemptions",
                         "topics", "reference", "ingested", "snippet", "url"]
    assert row["exemptions"] == ["FOIA s.40(2)"]
    assert row["snippet"] == "drawn <mark>120</mark> times" and type(row["snippet"]) is str
    assert row["url"] == "https://example.org/documents/00ab"


def test_an_export_row_and_its_csv_cells() -> None:
    row = hit_dict(_hit(), _url, EXPORT_FIELDS)
    assert list(row) == ["id", "title", "authority", "force", "date", "reference", "outcome",
                         "exemptions", "topics", "url"]
    cells = csv_row(row)
    assert cells["exemptions"] == "FOIA s.40(2)"
    assert cells["topics"] == "Taser; use of force"
    assert cells["title"] == "'=cmd|' /C calc'!A0"  # a formula, defused
    assert cells["date"] == "2023-05-02"


def test_a_group_member_and_a_prior_item() -> None:
    member = hit_dict(_hit(), _url, GROUP_FIELDS)
    assert "snippet" not in member
    assert member["outcome_label"] == "Partially disclosed"
    assert member["exemption_labels"] == ["s.40 Personal information"]
    assert list(member)[-2:] == ["outcome_label", "exemption_labels"]
    item = hit_dict(_hit(), _url, same_body=True, summary="Partly released.", group=None)
    assert list(item)[-4:] == ["url", "same_body", "summary", "group"]
    assert item["same_body"] is True and item["group"] is None

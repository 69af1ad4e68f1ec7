"""The sample data set: deterministic, marked, readable in every format, with its truth."""

from __future__ import annotations

import email
import html
import email.policy
import io
import json
import random
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text

from archive.models import OUTCOMES
from samplegen import formats as sample_formats
from samplegen.letters import MARKER, compose_letter, iter_letters, random_spec, write_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[dict]]:
    dest = tmp_path_factory.mktemp("samples")
    paths = write_samples(dest)
    truth = json.loads((dest / "samples.json").read_text(encoding="utf-8"))
    return dest, paths, truth


def _of(truth: list[dict], **want: object) -> list[dict]:
    return [t for t in truth if all(t[k] == v for k, v in want.items())]


def test_two_runs_write_identical_bytes(samples, tmp_path: Path) -> None:
    dest, paths, _ = samples
    again = write_samples(tmp_path)
    assert [p.name for p in again] == [p.name for p in paths]
    for old, new in zip(paths + [dest / "samples.json"], again + [tmp_path / "samples.json"]):
        assert old.read_bytes() == new.read_bytes(), old.name


def test_rerun_leaves_files_untouched(samples) -> None:
    dest, paths, _ = samples
    before = {p: p.stat().st_mtime_ns for p in paths}
    write_samples(dest)
    assert {p: p.stat().st_mtime_ns for p in paths} == before


def test_truth_lists_every_file(samples) -> None:
    dest, paths, truth = samples
    assert len(paths) == 60
    assert sorted(t["file"] for t in truth) == sorted(p.name for p in paths)
    assert all(p.name.startswith("sample-") and p.exists() for p in paths)
    for t in truth:
        assert t["reference"] and t["date"] >= t["received"] and t["topics"]


def test_formats_outcomes_and_bodies_are_represented(samples) -> None:
    _, _, truth = samples
    formats = [t["format"] for t in truth]
    assert set(formats) == {"pdf", "docx", "html", "txt", "eml"}
    assert formats.count("pdf") >= len(formats) // 3
    assert {t["outcome"] for t in truth} == set(OUTCOMES)
    assert {t["authority_type"] for t in truth} == {"police", "council", "nhs", "central_gov"}
    assert {t["regime"] for t in truth} == {"FOIA", "EIR", "FOISA"}
    codes = {c for t in truth for c in t["exemptions"]}
    assert {"FOIA s.40(2)", "FOIA s.12", "FOIA s.24(2)", "FOIA s.31(3)", "EIR reg.12(5)(b)", "FOISA s.38(1)(b)"} <= codes


def test_round_robin_same_request_different_outcomes(samples) -> None:
    dest, _, truth = samples
    group = _of(truth, round_robin="drones-2023")
    assert len({t["authority"] for t in group}) == len(group) >= 4
    assert len({t["outcome"] for t in group}) == len(group)
    texts = [_text(dest / t["file"], t["format"]) for t in group]
    questions = [t[t.index("1. "):t.index("SEARCHES")].split() for t in texts]
    assert all(q == questions[0] for q in questions)


def _text(path: Path, fmt: str) -> str:
    data = path.read_bytes()
    if fmt == "pdf":
        return extract_text(io.BytesIO(data))
    if fmt == "docx":
        return _untag(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8"))
    if fmt == "eml":
        msg = email.message_from_bytes(data, policy=email.policy.default)
        pdf = next(msg.iter_attachments()).get_content()
        return msg.get_body(("plain",)).get_content() + extract_text(io.BytesIO(pdf))
    if fmt == "html":
        return _untag(data.decode("utf-8"))
    return data.decode("utf-8")


def _untag(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def test_every_sample_is_marked(samples) -> None:
    dest, _, truth = samples
    for t in truth:
        text = _text(dest / t["file"], t["format"])
        assert MARKER in text, t["file"]
        if t["format"] in ("pdf", "txt", "eml"):
            assert text.lstrip().startswith(MARKER), t["file"]


def test_pdf_text_round_trips_through_pdfminer(samples) -> None:
    dest, _, truth = samples
    t = next(t for t in truth if t["format"] == "pdf" and "FOIA s.12" in t["exemptions"] and t["authority_type"] == "police")
    text = extract_text(dest / t["file"])
    assert text.startswith(MARKER)
    assert "£450" in text and "18 hours" in text
    assert t["reference"] in text
    assert "Page 2 of" in text  # several pages


def test_pdf_escapes_and_winansi() -> None:
    blocks = [("p", "Costs (total) were £1,200 – see C:\\reports\\a.txt ‘quoted’ µg/m3")]
    pdf = sample_formats.pdf_bytes(blocks, "t", "a", date(2024, 5, 1))
    assert extract_text(io.BytesIO(pdf)).splitlines()[0] == blocks[0][1]


def test_docx_opens_and_holds_the_text(samples) -> None:
    dest, _, truth = samples
    t = _of(truth, format="docx")[0]
    zf = zipfile.ZipFile(dest / t["file"])
    assert zf.testzip() is None
    assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml", "docProps/core.xml"} <= set(zf.namelist())
    assert MARKER in zf.read("word/document.xml").decode("utf-8")
    assert t["title"] in zf.read("docProps/core.xml").decode("utf-8")
    assert all(i.date_time[:3] == tuple(int(x) for x in t["date"].split("-")) for i in zf.infolist())


def test_eml_parses_with_a_pdf_attachment(samples) -> None:
    dest, _, truth = samples
    t = _of(truth, format="eml")[0]
    msg = email.message_from_bytes((dest / t["file"]).read_bytes(), policy=email.policy.default)
    assert msg["Message-ID"].startswith("<sample-") and msg["Date"].datetime.date().isoformat() == t["date"]
    parts = list(msg.iter_attachments())
    assert [p.get_content_type() for p in parts] == ["application/pdf"]
    assert parts[0].get_content().startswith(b"%PDF-")
    assert t["reference"] in extract_text(io.BytesIO(parts[0].get_content()))


def test_html_is_a_disclosure_log_page(samples) -> None:
    dest, _, truth = samples
    t = _of(truth, format="html")[0]
    page = (dest / t["file"]).read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and f"<h1>{t['title']}</h1>" in page
    assert "I note you seek access" in page or "requested details of the following" in page
    main = page[page.index("<main"):]
    assert main.index(MARKER) < main.index("<h1>")


def test_letter_text_matches_its_truth() -> None:
    for letter in iter_letters(300, seed=7):
        truth = letter.truth
        assert letter.text.startswith(MARKER)
        assert truth["reference"] in letter.text
        assert ("section 47(1)" if truth["regime"] == "FOISA" else "section 50") in letter.text
        if truth["outcome"] == "neither_confirm_nor_deny":
            assert "neither confirm nor deny" in letter.text
        if truth["outcome"] in ("disclosed_in_full", "not_held", "mixed"):
            assert truth["exemptions"] == []
        else:
            assert truth["exemptions"]
        if truth["regime"] == "FOISA":
            assert all(c.startswith("FOISA ") for c in truth["exemptions"])


def test_iter_letters_is_stable_by_index() -> None:
    short = [letter.text for letter in iter_letters(5, seed=3)]
    longer = [letter.text for letter in iter_letters(20, seed=3)]
    assert longer[:5] == short


def test_compose_letter_is_deterministic() -> None:
    spec = random_spec(random.Random(11))
    assert compose_letter(random.Random(5), spec).text == compose_letter(random.Random(5), spec).text

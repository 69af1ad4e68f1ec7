"""Whatever ingest writes, a rebuild from the store writes the same (property-tested):
ingest → stored → rebuild → stored is the identity, and verify agrees.

Records come as the extraction child hands them on (ingest.pipeline.process_data), with
every field present, absent, empty or odd: lone surrogates, control characters, very long
text, carriage returns, every outcome and none, no date or a bad one, many exemptions, and
extractions that failed. They go through the real Ingester.run (extraction replaced by the
records), the real rebuild with its check, and verify.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.config import Config, IngestConfig
from archive.models import OUTCOMES
from archive.store import Store
from ingest import pipeline
from ingest.infra.isolation import Outcome
from ingest.pipeline import Ingester
from ingest.tasks.rebuild import rebuild
from ingest.tasks.verify import verify
from tests.archives import index_fields

pytestmark = pytest.mark.slow

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())
# Pieces that broke a round trip once or could: a lone surrogate (UTF-8 refuses it), a
# carriage return (text mode turns it into a new line), a form feed, a comma (a keyword
# field's separator), markup, letters outside ASCII.
PIECES = ["\ud800", "\udfff", "\r\n", "\r", "\n", "\x00", "\x0c", "\x1b", " ", "  ", "é", "𝔘",
          "FOIA s.40(2)", "<script>", ",", "Taser", "réponse", "’"]
odd_text = st.one_of(
    st.just(""),
    st.text(ANY_CHAR, max_size=40),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(ANY_CHAR, max_size=6)), min_size=1,
             max_size=8).map("".join),
)
maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731
long_text = st.builds(lambda piece, times: piece * times, st.text(ANY_CHAR, min_size=1, max_size=12),
                      st.integers(2_000, 40_000))
body_text = st.one_of(odd_text, long_text, st.just("Dear Sir, we hold 12 Tasers. Yours faithfully"))
dates = maybe(st.one_of(st.dates().map(lambda d: d.isoformat()),
                        st.sampled_from(["", "2020-13-45", "not a date", "2019", "2020-02-30T10:00"])))
codes = st.sampled_from(["FOIA s.40(2)", "FOIA s.12", "FOIA s.31(1)(a)", "FOIA s.21", "EIR reg.12(5)(b)",
                         "EIR reg.13", "FOISA s.38(1)(b)", "FOIA s.43(2)", "FOIA s.24(2)", "odd code"])
exemptions = st.lists(st.fixed_dictionaries({"code": codes, "sentence": odd_text,
                                              "offset": st.integers(-1, 10**9)}), max_size=12)
evidence = maybe(st.fixed_dictionaries({"sentence": odd_text, "offset": st.integers(-1, 10**6)}))
questions = st.lists(st.fixed_dictionaries({
    "text": odd_text, "answer": st.sampled_from(["released", "withheld", "not_held", "cost", "odd"]),
    "exemptions": st.lists(codes, max_size=3), "evidence": evidence, "number": odd_text}), max_size=4)
metas = st.fixed_dictionaries({}, optional={
    "authority": maybe(odd_text), "authority_type": maybe(st.sampled_from(["police", "council", "other", ""])),
    "force": maybe(odd_text), "regime": maybe(st.sampled_from(["FOIA", "EIR", "FOISA", ""])),
    "reference": maybe(odd_text), "date": dates, "received": dates,
    "exemptions": exemptions, "outcome": st.one_of(st.none(), st.sampled_from(OUTCOMES)),
    "topics": st.lists(odd_text, max_size=5), "outcome_evidence": evidence, "questions": questions,
    "date_source": maybe(st.sampled_from(["response", "received", "source"])),
    "title": maybe(odd_text), "corrected": st.just([]),
})
hints = st.fixed_dictionaries({}, optional={
    "truncated": st.fixed_dictionaries({"bytes": st.integers(0, 10**9), "kept": st.integers(0, 10**7),
                                        "chars": st.integers(0, 10**9)}),
    "ocr_incomplete": st.booleans(), "wdtk_status": odd_text})
records = st.fixed_dictionaries({"text": body_text, "meta": metas}, optional={
    "format": maybe(st.sampled_from(["pdf", "docx", "doc", "html", "eml", "txt", ""])),
    "title": maybe(odd_text), "pages": maybe(st.integers(0, 5000)),
    "method": maybe(st.sampled_from(["pdfminer", "ocr", "pdfminer-nolayout"])),
    "hints": hints, "attachments": st.lists(odd_text, max_size=3)})
# An outcome: the record, or a failure with its reason.
outcomes = st.one_of(records.map(lambda r: ("ok", r)),
                     st.tuples(st.sampled_from(["timeout", "encrypted", "needs_ocr", "parse_error"]),
                               odd_text))
names = st.sampled_from(["letter.pdf", "reply.docx", "réponse.html", "no extension", "a\udcffb.txt",
                         "x" * 300 + ".pdf"])


def ingest_outcomes(config: Config, given: list[tuple[str, Any, str]]) -> None:
    """Run the real Ingester over items whose extraction gives ``given``'s outcomes."""
    def fake_extract_all(cfg, tasks, is_pdf):  # type: ignore[no-untyped-def]
        for key, _ in tasks:
            kind, value, _ = given[key]
            yield (Outcome(key, value=dict(value), seconds=0.1) if kind == "ok"
                   else Outcome(key, reason=kind, detail=value, seconds=0.1))

    with pytest.MonkeyPatch.context() as mp, Ingester(config) as ingester:
        mp.setattr(pipeline, "extract_all", fake_extract_all)
        items = [ingester.intake.add_bytes(f"original {n}".encode(), source="files",
                                           locator=f"file:///in/{n}", name=name.encode(
                                               "utf-8", "surrogateescape").decode("utf-8", "replace"),
                                           display=f"{n}")
                 for n, (_, _, name) in enumerate(given)]
        ingester.run(items)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(given=st.lists(st.tuples(outcomes, names).map(lambda t: (t[0][0], t[0][1], t[1])),
                      min_size=1, max_size=4))
# One "word" of 40,000 letters (a broken text layer makes them): the check's canary queries
# once took minutes to parse it.
@example(given=[("ok", {"text": "é" * 40_000 + " Taser figures released", "meta": {}}, "letter.pdf")])
def test_ingest_stored_rebuild_stored_is_the_identity(given: list[tuple[str, Any, str]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="roundtrip-"))
    try:
        config = Config.for_directory(folder, ingest=IngestConfig(workers=1, timeout=30))
        ingest_outcomes(config, given)
        ingested = index_fields(config.index_path)
        assert len(ingested) == len(given)
        report = verify(config, objects=False)
        assert report.ok, report.index.problems()
        with Store(config.store_path) as store:  # the store only, as a backup holds it
            assert store.count_documents() == len(given)
        shutil.rmtree(config.index_path)
        assert rebuild(config).check.ok
        assert index_fields(config.index_path) == ingested
        assert verify(config, objects=False).ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)

"""Shared fixtures: the real corpus beside the checkout, temporary archives."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Config, IngestConfig

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture
def corpus_docs() -> Path:
    """The real FOI responses in ../shared/corpus/docs (skipped where absent)."""
    docs = CORPUS / "docs"
    if not docs.is_dir():
        pytest.skip(f"the real corpus is not beside the checkout ({docs} is missing)")
    return docs


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """An archive under a temporary folder, with short child-process limits."""
    return Config.for_directory(
        tmp_path / "archive",
        ingest=IngestConfig(workers=2, timeout=20, memory_mb=1024),
    )


def make_doc(n: int, *, title: str, text: str, force: str | None = None,
             authority: str | None = None, exemptions: tuple[str, ...] = (),
             outcome: str | None = None, topics: tuple[str, ...] = (),
             date: str | None = None, reference: str | None = None, sha256: str | None = None,
             ingested: str = "2024-01-01T00:00:00+00:00"):
    """A hand-made index document."""
    from archive.models import Document, Exemption, Metadata

    meta = Metadata(
        authority=authority or force, authority_type="police" if force else "council",
        force=force, regime="FOIA", reference=reference, date=date,
        exemptions=[Exemption(code, sentence=f"withheld under {code}", offset=i)
                    for i, code in enumerate(exemptions)],
        outcome=outcome, topics=list(topics),
    )
    return Document(id=f"{n:016x}", sha256=sha256 or f"{n:064x}", title=title, text=text,
                    format="txt", source="test", source_url=f"file:///doc{n}.txt",
                    ingested=ingested, meta=meta)


SMALL = [
    dict(title="Facial recognition spending", force="Metropolitan Police Service",
         text="We hold information about NeoFace facial recognition cameras. Costs exceed the limit.",
         exemptions=("FOIA s.12", "FOIA s.24(2)", "FOIA s.31(3)"), outcome="partially_disclosed",
         topics=("facial recognition", "spending"), date="2018-12-20", reference="2018080000612"),
    dict(title="Taser use 2023", force="Kent Police", text="Taser was drawn 120 times. Officer names withheld.",
         exemptions=("FOIA s.40(2)",), outcome="partially_disclosed", topics=("Taser",), date="2023-05-02",
         reference="FOI 1234/23"),
    dict(title="Body worn video retention", force="Kent Police", text="Body worn video footage is kept for 31 days.",
         outcome="disclosed_in_full", topics=("body-worn video",), date="2022-03-01"),
    dict(title="Drone flights", force="Greater Manchester Police", text="We neither confirm nor deny drone use.",
         exemptions=("FOIA s.24(2)",), outcome="neither_confirm_nor_deny", topics=("drones",), date="2021-07-07"),
    dict(title="Pothole repairs", authority="Sheffield City Council", text="Pothole repair data is not held.",
         outcome="not_held", topics=("roads",), date="2023-01-15"),
    dict(title="<script>alert(1)</script> hostile title", authority="Example Council",
         text="Text with <b>markup</b> & <script>alert('x')</script> in it, about taser.",
         outcome="refused", exemptions=("FOIA s.40(2)", "FOIA s.43(2)"), date="2020-02-02"),
]


@pytest.fixture
def small_archive(config: Config) -> Config:
    """An index and store with six hand-made documents."""
    from archive.index import IndexWriter
    from archive.store import Store

    writer = IndexWriter(config.index_path)
    with Store(config.store_path) as store:
        for n, spec in enumerate(SMALL, start=1):
            body = spec["text"].encode()
            sha = store.put_object(body)
            doc = make_doc(n, sha256=sha, **spec)
            store.save_version(doc.id, "test", doc.source_url or "", sha, {"format": "txt"})
            store.add_provenance(source="test", locator=doc.source_url or "", event="stored",
                                 doc_id=doc.id, sha256=sha)
            writer.update(doc)
        store.commit()
    writer.commit()
    return config

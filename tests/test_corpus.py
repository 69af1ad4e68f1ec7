"""End to end on the real corpus in ../shared: every response ingests, search finds them."""

from pathlib import Path

import pytest

from archive.reader import IndexReader
from archive.search import SearchParams, get_document, search
from archive.web import create_app
from ingest.runs import ingest_paths

# The only failures a real response may have: scans with no text layer.
ALLOWED_FAILURES = {"needs_ocr"}


@pytest.fixture(scope="module")
def corpus_archive(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import CORPUS
    from archive.config import Config, IngestConfig

    docs = CORPUS / "docs"
    if not docs.is_dir():
        pytest.skip(f"the real corpus is not beside the checkout ({docs} is missing)")
    root = tmp_path_factory.mktemp("corpus")
    config = Config.for_directory(root, ingest=IngestConfig(workers=2, timeout=120))
    summary = ingest_paths(config, [str(docs)])
    return config, summary, docs


@pytest.mark.slow
def test_all_real_documents_ingest_without_a_crash(corpus_archive) -> None:
    config, summary, docs = corpus_archive
    count = len([p for p in docs.iterdir() if p.is_file()])
    assert count == 87
    assert summary.new + summary.failed == count
    bad = [(name, reason, detail) for name, reason, detail in summary.failures
           if reason not in ALLOWED_FAILURES]
    assert bad == []
    reader = IndexReader(config.index_path)
    with reader.searcher() as s:
        assert s.doc_count() == count  # failed files are indexed by what we know of them
    reader.close()


@pytest.mark.slow
def test_neoface_finds_the_met_facial_recognition_response(corpus_archive) -> None:
    config, _, _ = corpus_archive
    reader = IndexReader(config.index_path)
    result = search(reader, SearchParams(q="NeoFace"))
    assert result.total >= 1
    top = result.hits[0]
    doc = get_document(reader, top.id)
    reader.close()
    assert top.force == "Metropolitan Police Service"
    assert "2018080000612" in (doc.reference or "")
    assert "facial recognition" in doc.text.lower()


@pytest.mark.slow
def test_facets_mean_something_on_the_real_corpus(corpus_archive) -> None:
    config, _, _ = corpus_archive
    client = create_app(config).test_client()
    data = client.get("/search.json").get_json()
    forces = {v["value"] for v in data["facets"]["force"]}
    assert {"Metropolitan Police Service", "Cumbria Constabulary"} <= forces
    authorities = {v["value"] for v in data["facets"]["authority"]}
    assert "Sheffield City Council" in authorities
    exemptions = {v["value"] for v in data["facets"]["exemption"]}
    assert {"FOIA s.40", "FOIA s.12"} <= exemptions
    outcomes = {v["value"] for v in data["facets"]["outcome"]}
    assert {"refused", "not_held", "partially_disclosed"} <= outcomes
    page = client.get("/search?q=NeoFace&force=Metropolitan+Police+Service")
    assert page.status_code == 200 and "NeoFace" in page.get_data(as_text=True)

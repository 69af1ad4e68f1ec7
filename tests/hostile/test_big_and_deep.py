"""Big and deep input degrades, never vanishes (docs/ingest.md, "Big and deep files").

Generated here, not downloaded: a page of 200,000 nested <div>s, a 50 MB text export,
a 9 MB page, each through the real pipeline (child processes with the default time and
memory limits): each is stored, indexed and searchable, the long ones marked truncated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Config, IngestConfig
from archive.reader import IndexReader
from archive.search import get_document, parse_params, search
from archive.web import create_app
from ingest.extract import MAX_TEXT_CHARS
from ingest.runs import ingest_paths

pytestmark = pytest.mark.slow


@pytest.fixture
def config(tmp_path: Path) -> Config:
    # The shipped limits: 60 s and 1 GB a file, as config.toml has them.
    return Config.for_directory(tmp_path / "archive", ingest=IngestConfig(workers=2, timeout=60, memory_mb=1024))


def write_files(folder: Path) -> None:
    folder.mkdir()
    (folder / "deep.html").write_text(
        "<html><body>" + "<div>" * 200_000 + "Zanzibarite deep page. Thank you for your request for information. "
        "We do not hold the information. No records of it are held."
        + "</div>" * 200_000 + "</body></html>")
    line = "Quuxington export row, 2019, Kent Police, 1234, withheld\n"
    with open(folder / "export.csv", "w") as fh:
        fh.write("Tail marker at the start: Xylophonic\n")
        for _ in range(50 * 1024 * 1024 // len(line)):
            fh.write(line)
        fh.write("Tail marker at the end: Wombatish\n")
    (folder / "big.html").write_text(
        "<html><head><script>var hidden = 'Scriptonite';</script></head><body>"
        + "<p>Bigpagium row &amp; more.</p>\n" * 300_000 + "</body></html>")


def test_big_and_deep_files_are_stored_indexed_and_marked(tmp_path: Path, config: Config) -> None:
    inbox = tmp_path / "inbox"
    write_files(inbox)
    summary = ingest_paths(config, [str(inbox)])
    assert (summary.new, summary.failed) == (3, 0), summary.failures
    reader = IndexReader(config.index_path)
    found = {}
    for word in ("Zanzibarite", "Quuxington", "Xylophonic", "Wombatish", "Bigpagium", "Scriptonite"):
        result = search(reader, parse_params({"q": [word]}))
        found[word] = [h.id for h in result.hits]
    # The deep page whole; the export and the big page up to the cap, marked.
    assert len(found["Zanzibarite"]) == 1 and len(found["Quuxington"]) == 1
    assert found["Xylophonic"] == found["Quuxington"] and found["Wombatish"] == []
    assert len(found["Bigpagium"]) == 1 and found["Scriptonite"] == []
    export = get_document(reader, found["Quuxington"][0])
    assert export.status == "truncated"
    assert export.truncated["bytes"] > 50 * 1024 * 1024 and export.truncated["kept"] <= MAX_TEXT_CHARS
    assert len(export.text) == export.truncated["kept"]
    deep = get_document(reader, found["Zanzibarite"][0])
    assert deep.status == "ok" and deep.truncated is None and deep.outcome == "not_held"
    page = create_app(config).test_client().get(f"/documents/{export.id}")
    assert "only its first" in page.get_data(as_text=True)

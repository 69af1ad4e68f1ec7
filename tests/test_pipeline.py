"""The ingest pipeline: originals kept, re-runs idempotent, bad files fail alone."""

from pathlib import Path

from archive.reader import IndexReader
from archive.search import SearchParams, get_document, search
from archive.store import Store
from ingest.extract import EXTRACTOR_VERSION
from ingest.runs import ingest_paths

LETTER = """Dear Applicant,
Freedom of Information Request Reference No: FOI 1234/23
Kent Police has considered your request for information about Taser use.
The names of officers are exempt under Section 40(2) of the Freedom of Information Act 2000.
Yours sincerely,
Information Management, Kent Police
"""


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def all_ids(config) -> list[str]:
    reader = IndexReader(config.index_path)
    try:
        with reader.searcher() as s:
            return sorted(f["id"] for f in s.all_stored_fields())
    finally:
        reader.close()


def test_ingest_keeps_originals_text_and_provenance(tmp_path: Path, config) -> None:
    src = tmp_path / "in"
    write(src, "a/letter.txt", LETTER)
    summary = ingest_paths(config, [str(src)])
    assert (summary.new, summary.failed) == (1, 0)
    with Store(config.store_path) as store:
        [doc] = list(store.documents())
        assert store.read_object(doc.sha256) == LETTER.encode()
        assert "Taser" in store.read_text(doc.sha256, EXTRACTOR_VERSION)
        [prov] = store.provenance(doc.id)
        assert prov.locator.startswith("file://") and prov.locator.endswith("a/letter.txt")
        assert prov.event == "stored"
    reader = IndexReader(config.index_path)
    result = search(reader, SearchParams(q="taser"))
    reader.close()
    assert result.total == 1


def test_rerun_changes_nothing(tmp_path: Path, config) -> None:
    src = tmp_path / "in"
    write(src, "one.txt", LETTER)
    write(src, "two.txt", LETTER.replace("Taser", "ANPR"))
    ingest_paths(config, [str(src)])
    objects = sorted(p.name for p in (config.store_path / "objects").rglob("*") if p.is_file())
    ids = all_ids(config)
    again = ingest_paths(config, [str(src)])
    assert (again.new, again.changed, again.unchanged, again.failed) == (0, 0, 2, 0)
    assert sorted(p.name for p in (config.store_path / "objects").rglob("*") if p.is_file()) == objects
    assert all_ids(config) == ids and len(ids) == 2


def test_same_bytes_at_two_paths_are_one_document(tmp_path: Path, config) -> None:
    src = tmp_path / "in"
    write(src, "x/copy1.txt", LETTER)
    write(src, "y/copy2.txt", LETTER)
    ingest_paths(config, [str(src)])
    assert len(all_ids(config)) == 1
    with Store(config.store_path) as store:
        [doc] = list(store.documents())
        events = [p.event for p in store.provenance(doc.id)]
    assert sorted(events) in (["also_at", "stored"],)


def test_a_changed_file_is_a_new_version_with_the_old_kept(tmp_path: Path, config) -> None:
    src = tmp_path / "in"
    path = write(src, "letter.txt", LETTER)
    ingest_paths(config, [str(src)])
    path.write_text(LETTER.replace("Taser", "drones"))
    summary = ingest_paths(config, [str(src)])
    assert summary.changed == 1
    assert len(all_ids(config)) == 1
    with Store(config.store_path) as store:
        [doc] = list(store.documents())
        assert len(store.versions(doc.id)) == 2
        assert all(store.has_object(v["sha256"]) for v in store.versions(doc.id))
    reader = IndexReader(config.index_path)
    assert search(reader, SearchParams(q="drones")).total == 1
    assert search(reader, SearchParams(q="taser")).total == 0
    reader.close()


def test_a_bad_file_is_reported_and_the_run_goes_on(tmp_path: Path, config) -> None:
    src = tmp_path / "in"
    write(src, "good.txt", LETTER)
    write(src, "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n")  # truncated
    write(src, "random.bin", bytes(range(256)) * 4)
    summary = ingest_paths(config, [str(src)])
    assert summary.new == 1 and summary.failed == 2
    reasons = {Path(name).name: reason for name, reason, _ in summary.failures}
    assert set(reasons) == {"broken.pdf", "random.bin"}
    # Failed files are kept and listed, and indexed by what we know (their name).
    with Store(config.store_path) as store:
        assert len(store.failures()) == 2
        assert store.count_documents() == 3
    # A re-run does not retry them by itself.
    assert ingest_paths(config, [str(src)]).failed == 0


def test_a_page_and_its_attachments_are_one_document_and_a_changed_part_a_new_version(config) -> None:
    from ingest.pipeline import Ingester

    page = b"<html><head><meta charset='utf-8'><title>Taser use</title></head><body>" \
           b"<h1>Taser use</h1><p>Our response is attached.</p></body></html>"
    table = b"Year,Drawn\n2022,120\n"
    with Ingester(config) as ingester:
        item = ingester.intake.add_bundle(page, name="taser.html", source="log",
                                   locator="http://127.0.0.1/foi/taser/",
                                   attachments=[(LETTER.encode(), "response.txt", "http://127.0.0.1/r.txt"),
                                                (table, "figures.txt", "http://127.0.0.1/f.txt")])
        summary = ingester.run([item])
    assert summary.new == 1 and summary.failed == 0
    assert len(all_ids(config)) == 1
    reader = IndexReader(config.index_path)
    [hit] = search(reader, SearchParams(q="Drawn")).hits
    doc = get_document(reader, hit.id)
    reader.close()
    assert "----- Attachment: response.txt -----" in doc.text and "Kent Police" in doc.text
    with Store(config.store_path) as store:
        record = store.version_record(hit.id, doc.sha256)
        assert [p["name"] for p in record["parts"]] == ["taser.html", "response.txt", "figures.txt"]
        assert all(store.has_object(p["sha256"]) for p in record["parts"])
    with Ingester(config) as ingester:
        same = ingester.intake.add_bundle(page, name="taser.html", source="log",
                                   locator="http://127.0.0.1/foi/taser/",
                                   attachments=[(LETTER.encode(), "response.txt", "http://127.0.0.1/r.txt"),
                                                (table + b"2023,99\n", "figures.txt", "http://127.0.0.1/f.txt")])
        assert ingester.run([same]).changed == 1
    assert len(all_ids(config)) == 1

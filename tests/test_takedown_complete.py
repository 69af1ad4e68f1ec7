"""A takedown leaves no trace anywhere the public (or a replica) can read.

A response is taken down because it names someone. Its words, its body's name and its
reference must go from every derived place at once: search, "did you mean", body pages
and lists, the check-before-you-file list, groups, statistics, the sitemap, the feed,
CSV/JSON Lines, the SQLite export, a replica's snapshot and the index files themselves;
and stay gone after a restart and a rebuild (docs/reliability.md, "Takedowns").
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from archive.export import export
from archive.store import Store
from archive.web import create_app
from ingest.runs import ingest_paths
from ingest.tasks.correct import correct
from ingest.tasks.rebuild import rebuild
from ingest.tasks.snapshot import snapshot
from ingest.tasks.takedown import takedown
from tests.archives import archive, master  # noqa: F401 (fixtures)

BODY = "Wrexfordby Harbour Trust"
SLUG = "wrexfordby-harbour-trust"
REFERENCE = "WRX/FOI/77341"
#: Found only in the victim: its requester's name, two rare words, its body and reference.
TRACES = ("wrexfordby", "ottoline", "xyloquent", "quaggingl", "77341")
#: Misspellings of the rare words, one edit away: "did you mean" would offer them back.
MISSPELT = ("wrexfordbu", "xyloquant", "ottolene")

LETTER = f"""Wrexfordby Harbour Trust
Freedom of Information Act 2000 request, our reference {REFERENCE}
Date: 15 March 2021

Dear Ottoline Wrexfordby,

Thank you for your request, received on 1 March 2021, about the xyloquent mooring fees charged quaggingly at the
harbour between 2019 and 2021. We hold the information and enclose it below.

Mooring fees were 310 pounds a year for a xyloquent berth and 120 pounds for a dinghy.

Yours sincerely,
Information Officer
"""


def _victim(config) -> str:  # type: ignore[no-untyped-def]
    folder = config.store_path.parent / "victim"
    folder.mkdir()
    (folder / "wrexfordby-response.txt").write_text(LETTER)
    summary = ingest_paths(config, [str(folder)])
    assert summary.new == 1, summary.line()
    with Store(config.store_path) as store:
        doc_id = next(d.id for d in store.documents() if d.locator.endswith("wrexfordby-response.txt"))
    correct(config, doc_id, {"authority": BODY, "reference": REFERENCE}, reason="the body's name")
    with Store(config.store_path) as store:  # as a crawler notes a fetch before the document
        row = store.document(doc_id)
        store.add_provenance(source=row.source, locator=row.locator, event="fetched")
        store.commit()
    return doc_id


def _public(client, doc_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the site answers at every place that lists, counts, suggests or links."""
    pages = {
        "search": "/search.json?per_page=100",
        # The victim's other words: an answer that echoes a query must not count as a trace.
        "search words": "/search.json?q=mooring+berth+dinghy",
        "search reference": "/search.json?q=reference:wrx",
        "search page": "/search?q=mooring",
        "authority json": f"/authorities/{SLUG}.json",
        "authority page": f"/authorities/{SLUG}",
        "prior list": "/prior",
        "prior": "/prior.json?text=mooring+fees+for+a+berth+or+a+dinghy+at+the+harbour",
        "groups": "/groups.json",
        "statistics": "/statistics.json?minimum=1",
        "exemptions": "/exemptions.json",
        "sitemap": "/sitemap.xml",
        "atom": "/search.atom",
        "csv": "/search.csv",
        "jsonl": "/search.jsonl",
        "document": f"/documents/{doc_id}.json",
    }
    for word in MISSPELT:
        pages[f"suggest {word}"] = f"/search.json?q={word}"
    return {name: client.get(url).get_data(as_text=True) for name, url in pages.items()}


def _traces(text: str) -> list[str]:
    lowered = text.lower()
    return [t for t in TRACES if t in lowered]


def _index_traces(path: Path) -> list[str]:
    """Every trace in an index's files: each field's terms (the spelling list too) and the
    stored fields of every document number, deleted ones included."""
    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(path), supports_mmap=False).open_index("MAIN")
    found: set[str] = set()
    with ix.reader() as reader:
        for fieldname, btext in reader.all_terms():
            found.update(_traces(btext.decode("utf-8", "replace")))
        for leaf, _ in reader.leaf_readers():
            for n in range(leaf.doc_count_all()):
                found.update(_traces(json.dumps(leaf.stored_fields(n), default=str)))
    return sorted(found)


def _file_traces(folder: Path) -> dict[str, list[str]]:
    """Traces in the bytes of every file under ``folder`` (SQLite keeps text as it is)."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found = _traces(path.read_bytes().decode("latin-1"))
            if found:
                out[str(path.relative_to(folder))] = found
    return out


def _exported(config, dest: Path) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    dest.mkdir()
    export(config, sqlite_path=dest / "archive.sqlite", csv_dir=dest / "csv")
    return _file_traces(dest)


def test_a_takedown_leaves_no_trace_in_twelve_places(archive, tmp_path: Path) -> None:  # noqa: F811
    doc_id = _victim(archive)
    client = create_app(archive).test_client()

    # Before: the response is everywhere, so the checks below can fail.
    before = _public(client, doc_id)
    assert json.loads(before["search words"])["total"] == 1
    assert json.loads(before["suggest wrexfordbu"])["suggestion"] == "wrexfordby"
    assert json.loads(before["authority json"])["total"] == 1
    for place in ("prior list", "sitemap", "statistics", "atom", "csv", "jsonl"):
        assert "wrexfordby" in before[place].lower(), place
    assert _index_traces(archive.index_path) == sorted(TRACES)
    assert _exported(archive, tmp_path / "export-before")
    replica = tmp_path / "replica"
    snapshot(archive, replica)
    assert _index_traces(replica / "index")
    page = client.get(f"/documents/{doc_id}")
    with Store(archive.store_path) as store:
        sha = store.document(doc_id).sha256
    original = client.get(f"/originals/{sha}")
    # A cache may keep a page or an original only to ask again before using it.
    assert page.headers["Cache-Control"] == "no-cache"
    assert original.headers["Cache-Control"] == "no-cache" and original.headers.get("ETag")

    takedown(archive, doc_id, "requester's name in the text")

    def nowhere(client) -> None:  # type: ignore[no-untyped-def]
        answers = _public(client, doc_id)
        assert {name: _traces(text) for name, text in answers.items() if _traces(text)} == {}
        for word in MISSPELT:
            assert json.loads(answers[f"suggest {word}"])["suggestion"] is None
        assert client.get(f"/authorities/{SLUG}").status_code == 404
        assert client.get(f"/authorities/{SLUG}.json").status_code == 404
        assert client.get(f"/documents/{doc_id}").status_code in (404, 410)
        assert client.get(f"/originals/{sha}").status_code == 404
        assert _index_traces(archive.index_path) == []

    nowhere(client)
    nowhere(create_app(archive).test_client())  # a restart
    assert _exported(archive, tmp_path / "export-after") == {}
    snapshot(archive, replica)  # the same replica: its earlier copy must go too
    assert _index_traces(replica / "index") == []
    assert _file_traces(replica) == {}
    # The replica's catalogue still says the document is withdrawn (a page asked for is
    # refused, not served from an older copy), and nothing else of it.
    served = replace(archive, index_path=replica / "index", store_path=replica / "store")
    with Store(served.store_path) as store:
        stub = store.document(doc_id)
        assert stub.hidden and not _traces(f"{stub.source} {stub.locator}")
    nowhere_else = create_app(served).test_client()
    assert nowhere_else.get(f"/documents/{doc_id}").status_code in (404, 410)
    assert {name: _traces(text) for name, text in _public(nowhere_else, doc_id).items()
            if _traces(text)} == {}
    rebuild(archive)
    nowhere(create_app(archive).test_client())
    # The store keeps all of it, hidden, so that a restore needs nothing fetched.
    with Store(archive.store_path) as store:
        assert store.document(doc_id).hidden and store.has_object(sha)


def test_a_body_with_no_visible_response_is_gone_from_every_list(archive) -> None:  # noqa: F811
    """The authority's facet value, its slug and its /prior entry go with its last response,
    while a body that keeps responses keeps its page."""
    doc_id = _victim(archive)
    takedown(archive, doc_id, "personal data")
    client = create_app(archive).test_client()
    search = client.get("/search.json?per_page=1").get_json()
    authorities = [v["value"] for v in search["facets"]["authority"]]
    assert BODY not in authorities and authorities  # the others are still there
    kept = authorities[0]
    slug = re.sub(r"[^a-z0-9]+", "-", kept.lower()).strip("-")
    assert client.get(f"/authorities/{slug}.json").get_json()["total"] >= 1


def test_a_snapshot_refuses_an_index_that_still_holds_a_takedown(archive, tmp_path: Path,  # noqa: F811
                                                                  monkeypatch) -> None:
    """If the index could not be changed (an ingest held it), or the document was deleted
    but its segment not rewritten (a takedown made before they were), a replica must not
    get it; `foi-archive takedown` again makes the snapshot possible."""
    from archive.index import IndexWriter
    from ingest.tasks import takedown as takedown_mod
    from ingest.tasks.snapshot import SnapshotError

    doc_id = _victim(archive)
    real = takedown_mod._delete
    monkeypatch.setattr(takedown_mod, "_delete", lambda config, doc_id: (_ for _ in ()).throw(
        RuntimeError("locked")))
    with pytest.raises(Exception, match="hidden in the store"):
        takedown(archive, doc_id, "urgent")
    with pytest.raises(SnapshotError, match="still in the index"):
        snapshot(archive, tmp_path / "replica")
    writer = IndexWriter(archive.index_path)  # deleted, as takedowns did before
    writer.delete(doc_id)
    writer.commit()
    assert _index_traces(archive.index_path)  # its words are still in the files
    with pytest.raises(SnapshotError, match="still in the index"):
        snapshot(archive, tmp_path / "replica")
    monkeypatch.setattr(takedown_mod, "_delete", real)
    takedown(archive, doc_id, "again")
    assert _index_traces(archive.index_path) == []
    snapshot(archive, tmp_path / "replica")
    assert _file_traces(tmp_path / "replica") == {}


def test_a_takedown_during_a_snapshot_is_caught_before_the_copy_goes_live(
        archive, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    """The index is copied first, the catalogue after: a takedown between the two (whose
    index change has not happened yet) leaves the document in the copy, which is refused."""
    from ingest.tasks import snapshot as snapshot_mod

    doc_id = _victim(archive)
    replica = tmp_path / "replica"
    snapshot(archive, replica)
    before = (replica / "index").resolve()
    real = snapshot_mod._copy_index

    def then_hidden(*args):  # type: ignore[no-untyped-def]
        copied = real(*args)
        with Store(archive.store_path) as store:
            store.set_hidden(doc_id, True, reason="meanwhile", user="test")
            store.commit()
        return copied

    monkeypatch.setattr(snapshot_mod, "_copy_index", then_hidden)
    with pytest.raises(snapshot_mod.SnapshotError, match="still in the index"):
        snapshot(archive, replica)
    assert (replica / "index").resolve() == before  # the replica's copy is as it was
    assert [p.name for p in (replica / "generations").iterdir()] == [before.name]

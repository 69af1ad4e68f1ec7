"""One index generation per request: taken on first use, released at teardown."""

import json

import pytest

from archive.index import IndexWriter
from archive.web import create_app, views
from tests.conftest import make_doc


@pytest.fixture
def app(small_archive):
    app = create_app(small_archive)
    app.testing = True
    return app


def _commit(config, n: int, **spec) -> None:
    writer = IndexWriter(config.index_path)
    writer.update(make_doc(n, **spec))
    writer.commit()


def test_a_body_page_reads_one_generation_when_a_commit_lands_midway(app, small_archive,
                                                                     monkeypatch) -> None:
    resolve = views._value_for_slug

    def resolve_then_commit(field, slug):  # type: ignore[no-untyped-def]
        value = resolve(field, slug)
        _commit(small_archive, 90, title="Late Kent answer", text="Late.", force="Kent Police",
                exemptions=("FOIA s.40(2)",), outcome="refused", date="2024-06-01")
        return value

    monkeypatch.setattr(views, "_value_for_slug", resolve_then_commit)
    data = app.test_client().get("/forces/kent-police.json").get_json()
    assert data["total"] == 2
    assert sum(y["count"] for y in data["years"]) == 2
    assert [y["value"] for y in data["years"]] == ["2022", "2023"]
    assert {o["value"] for o in data["outcomes"]} == {"partially_disclosed", "disclosed_in_full"}
    # The commit did land: the next request sees it.
    monkeypatch.setattr(views, "_value_for_slug", resolve)
    assert app.test_client().get("/forces/kent-police.json").get_json()["total"] == 3


def test_prior_lists_the_bodies_of_the_generation_it_searched(app, small_archive,
                                                              monkeypatch) -> None:
    run = views.prior

    def prior_then_commit(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = run(*args, **kwargs)
        _commit(small_archive, 91, title="Newtown bins", text="Bins.", authority="Newtown Council")
        return result

    monkeypatch.setattr(views, "prior", prior_then_commit)
    page = app.test_client().get("/prior?text=taser+officer+names").get_data(as_text=True)
    assert "Sheffield City Council" in page
    assert "Newtown Council" not in page
    monkeypatch.setattr(views, "prior", run)
    assert "Newtown Council" in app.test_client().get("/prior").get_data(as_text=True)


def test_the_searcher_is_taken_once_and_released_at_teardown(app, monkeypatch) -> None:
    reader = app.extensions["foi_index"]
    before = reader.in_use()
    opened = []
    open_view = reader.open_view

    def counting():  # type: ignore[no-untyped-def]
        opened.append(1)
        return open_view()

    monkeypatch.setattr(reader, "open_view", counting)
    client = app.test_client()
    # A body page reads the columns, searches and times the body: one view for all of it.
    assert client.get("/forces/kent-police").status_code == 200
    assert len(opened) == 1
    assert reader.in_use() == before
    assert client.get("/documents/0000000000000002.json").status_code == 200
    assert len(opened) == 2
    assert reader.in_use() == before
    # A page that never reads the index takes no searcher.
    assert client.get("/robots.txt").status_code == 200
    assert len(opened) == 2


def test_a_streamed_export_keeps_its_generation_until_the_stream_ends(app, small_archive) -> None:
    reader = app.extensions["foi_index"]
    before = reader.in_use()
    response = app.test_client().get("/search.jsonl", buffered=False)
    assert reader.in_use() == before + 1
    _commit(small_archive, 92, title="Late", text="Late.", authority="Newtown Council")
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    response.close()
    assert len(rows) == 6
    assert "Newtown Council" not in {r["authority"] for r in rows}
    assert reader.in_use() == before

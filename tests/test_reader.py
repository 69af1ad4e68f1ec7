"""IndexReader's views: one generation held for as long as its owner needs it."""

from archive.index import IndexWriter
from archive.reader import IndexReader, viewing
from archive.search import SearchParams, search
from tests.conftest import make_doc


def _commit(config, n: int) -> None:
    writer = IndexWriter(config.index_path)
    writer.update(make_doc(n, title="Late", text="Late arrival.", authority="Newtown Council"))
    writer.commit()


def test_a_view_keeps_its_generation_across_a_commit(small_archive) -> None:
    reader = IndexReader(small_archive.index_path)
    with reader.view() as view:
        first = view.generation
        assert reader.in_use() == 1
        _commit(small_archive, 80)
        assert search(view, SearchParams()).total == 6
        assert "Newtown Council" not in view.columns.canonical["authority"].values()
        # The reader itself moves on; the view does not.
        assert search(reader, SearchParams()).total == 7
        assert reader.generation() > first
        assert view.generation == first
    assert reader.in_use() == 0
    reader.close()


def test_viewing_passes_a_view_through_and_leaves_closing_to_its_owner(small_archive) -> None:
    reader = IndexReader(small_archive.index_path)
    view = reader.open_view()
    with viewing(view) as inner:
        assert inner is view
    assert reader.in_use() == 1
    view.close()
    view.close()  # a second close is harmless: the stream and the teardown may both close
    assert reader.in_use() == 0
    with viewing(reader) as taken:
        assert taken.searcher.doc_count() == 6
        assert reader.in_use() == 1
    assert reader.in_use() == 0
    reader.close()

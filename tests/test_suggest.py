"""Did you mean: the same answer as Whoosh's own corrector, on one segment and on several."""

import random
import re

import pytest

from archive.index import IndexWriter
from archive.reader import IndexReader
from archive.suggest import nearest, suggest
from bench.realistic import compose
from tests.conftest import make_doc


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))  # the first letter kept, as the corrector requires
    kind = rng.choice("dist")
    if kind == "d":
        return word[:i] + word[i + 1:]
    if kind == "i":
        return word[:i] + rng.choice("aeiouxz") + word[i:]
    if kind == "s":
        return word[:i] + rng.choice("aeiouxz") + word[i + 1:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:] if i > 1 else word + "e"


@pytest.fixture(scope="module", params=[1, 6], ids=["one-segment", "six-segments"])
def archive_reader(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("suggest")
    writer = IndexWriter(folder)
    per = 120 // request.param
    for n in range(120):
        letter = compose(n, 2024)
        writer.update(make_doc(n, title=letter.title, text=letter.text[:20_000]))
        if (n + 1) % per == 0:
            writer.commit()
    writer.commit()
    reader = IndexReader(folder)
    yield reader
    reader.close()


def test_the_nearest_word_is_whooshs(archive_reader) -> None:
    rng = random.Random(5)
    with archive_reader.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) in (1, 6)
        columns = archive_reader.facet_columns(searcher)
        corrector = searcher.corrector("text")
        words = sorted({w for w in re.findall(r"[a-z]{5,}", compose(7, 2024).text.lower())})
        compared = 0
        for word in rng.sample(words, min(150, len(words))):
            typo = _misspell(word, rng)
            whoosh = (corrector.suggest(typo, limit=1, maxdist=1, prefix=1)
                      or corrector.suggest(typo, limit=1, maxdist=2, prefix=1))
            assert nearest(searcher, typo, columns.remember) == (whoosh[0] if whoosh else None), typo
            compared += bool(whoosh)
        assert compared > 100


def test_a_query_is_respelt_word_by_word(archive_reader) -> None:
    with archive_reader.searcher() as searcher:
        columns = archive_reader.facet_columns(searcher)
        assert suggest(searcher, "infromation AND complaitn", columns.remember) == "information AND complaint"
        assert suggest(searcher, "information", columns.remember) is None
        assert suggest(searcher, '"infromation held"', columns.remember) is None  # inside a phrase


def test_a_new_generation_reads_only_its_new_segments_words(tmp_path, monkeypatch) -> None:
    from archive import suggest as suggest_module

    writer = IndexWriter(tmp_path)
    for n in range(3):
        writer.update(make_doc(n, title="Parking", text=f"parking penalties issued {n}"))
        writer.commit()
    reader = IndexReader(tmp_path)
    try:
        with reader.searcher() as searcher:
            columns = reader.facet_columns(searcher)
            assert nearest(searcher, "parkinq", columns.remember) == "parking"
            old = {leaf.segment().segment_id() for leaf, _ in searcher.reader().leaf_readers()}
        writer.update(make_doc(9, title="Pelicans", text="pelicanry counted"))
        writer.commit()
        read = []
        real = suggest_module.prefix_terms

        def counting(leaf, name, prefix):
            read.append(leaf.segment().segment_id())
            return real(leaf, name, prefix)

        monkeypatch.setattr(suggest_module, "prefix_terms", counting)
        with reader.searcher() as searcher:
            columns = reader.facet_columns(searcher)
            assert nearest(searcher, "pelicanri", columns.remember) == "pelicanry"
        assert read and not set(read) & old  # the old segments' words came from the cache
    finally:
        reader.close()

"""The benchmark's own correctness (not its timings): the corpus, and FTS5 doing the same work."""

from pathlib import Path

import pytest

from archive.reader import IndexReader
from archive.search import SearchParams, search
from bench import fts
from bench.bulkload import bulk_load
from bench.corpus import corpus_inputs, letter_path, write_corpus
from bench.queries import SELECTIONS, query_mix

SIZE = 1000


@pytest.fixture(scope="module")
def bench_archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    corpus = root / "corpus"
    # The sample letters: on them the two engines' tokenisers agree. On the realistic
    # corpus a phrase can differ: Whoosh drops stop words from phrases and stems
    # ("personal and information" matches "personal information"), FTS5 does not.
    paths, size = write_corpus(corpus, SIZE, kind="letters")
    bulk_load(corpus, root / "index", SIZE)
    fts.build(root / "index", root / "fts.sqlite")
    return root


def test_corpus_is_deterministic_and_prefix_stable(tmp_path: Path, bench_archive) -> None:
    paths, _ = write_corpus(tmp_path / "c", 3, kind="letters")
    assert paths[2].read_text() == letter_path(bench_archive / "corpus", 2).read_text()
    assert [p.name for p in corpus_inputs(tmp_path / "c", 1002)] == [
        "0000", "response-001000.txt", "response-001001.txt"]
    assert sum(1 for _ in open(bench_archive / "corpus" / "truth.jsonl")) == SIZE
    with pytest.raises(ValueError, match="holds the letters corpus"):
        write_corpus(tmp_path / "c", 4, kind="realistic")


def test_the_realistic_corpus_has_real_lengths_and_a_large_vocabulary(tmp_path: Path) -> None:
    import re

    import numpy as np

    paths, total = write_corpus(tmp_path / "r", 1500)
    sizes = np.array([p.stat().st_size for p in paths])
    # ../shared/corpus's extracted texts: median 6.5 KB, p90 23 KB, a tail past 300 KB.
    assert 5_500 < np.median(sizes) < 8_000
    assert 18_000 < np.percentile(sizes, 90) < 30_000
    assert sizes.max() > 300_000
    words: set[str] = set()
    for p in paths:
        words.update(re.findall(r"[a-z]{3,}", p.read_text(encoding="utf-8").lower()))
    assert len(words) > 60_000  # the sample letters have about 840
    assert letter_path(tmp_path / "r", 7).read_text() == write_corpus(tmp_path / "r2", 8)[0][7].read_text()


# "police" is left out: FTS5's unicode61 splits foi@kent.police.uk into words, Whoosh's
# tokenizer keeps kent.police.uk whole, so FTS5 finds the word in more letters.
@pytest.mark.parametrize("q", [q for q in query_mix() if q.q != "police"][::2])
def test_fts5_counts_what_the_site_counts(bench_archive, q) -> None:
    reader = IndexReader(bench_archive / "index")
    engine = fts.Fts(bench_archive / "fts.sqlite")
    try:
        ours = search(reader, SearchParams(q=q.q, filters=q.filters, per_page=20))
        theirs = engine.search(q.q, q.filters)
    finally:
        reader.close()
        engine.close()
    assert theirs["total"] == ours.total
    assert len(theirs["results"]) == len(ours.hits)
    for f in ours.facets:
        assert {v.value: v.count for v in f.values if v.count} == theirs["facets"][f.name], f.name
    assert all(row[-1] for row in theirs["results"])  # each with its snippet


def test_the_selections_exist_in_the_corpus(bench_archive) -> None:
    reader = IndexReader(bench_archive / "index")
    try:
        for selection in SELECTIONS:
            for name, values in selection.items():
                assert search(reader, SearchParams(filters={name: values})).total > 0, (name, values)
    finally:
        reader.close()


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """A tiny run: ingest, the production server, the query mix, FTS5 and the report."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "bench", "--size", "300", "--ingest", "12",
                           "--reps", "1", "--work", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "results-realistic-300.json").read_text())
    assert result["ingest"]["docs"] == 12 and result["ingest"]["summary"].startswith("12 new")
    assert len(result["site"]["searches"]) == len(query_mix())
    assert result["fts"]["search"]["n"] == len(query_mix())
    assert "| /search.json, first time |" in done.stdout

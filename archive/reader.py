"""Read access to the index for one process: a searcher per generation, never refreshed.

The site opens the index through ``IndexReader``, which keeps one searcher per
process and opens a new one when the index generation changes; it never calls
``Searcher.refresh()`` (whoosh-reloaded returns duplicate hits after it). A
generation's facet columns and postings arrays live as long as its searcher.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from archive.index import INDEX_NAME
from archive.postings import FacetColumns, build_facet_columns

log = logging.getLogger(__name__)


class IndexMissing(Exception):
    """There is no index yet at the configured path."""


class IndexUnavailable(IndexMissing):
    """The index is there but cannot be read (a truncated TOC, a missing or damaged
    segment: Whoosh has no checksums). The site answers 503; `foi-archive rebuild`
    makes a new one from the store (reliability.md W8)."""


#: What Whoosh raises on a damaged index: EOFError for a truncated TOC, OSError for a
#: missing segment file, the rest for bytes that do not decode.
DAMAGE = (EOFError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError,
          pickle.UnpicklingError, struct.error, zlib.error)


class _Generation:
    """One opened index generation: its searcher and, built on first use, its columns."""

    def __init__(self, key: tuple[str, int], ix: index.FileIndex) -> None:
        self.key = key
        self.ix = ix
        self.searcher = ix.searcher()
        self.columns: FacetColumns | None = None
        self.users = 0


class IndexReader:
    """Read access for one process: a cached searcher, reopened on a new generation.

    The cache is keyed on the index directory's real path *and* its generation,
    so a rebuild swapped in by renaming a symlink is noticed even when the new
    index happens to have the same generation number as the old.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self._retired: list[_Generation] = []

    def _open(self, real: str) -> index.FileIndex:
        if not index.exists_in(real, indexname=INDEX_NAME):
            raise IndexMissing(f"no index at {self.path}: run `foi-archive ingest` first")
        # Without mmap: Whoosh would otherwise copy every postings and terms file into
        # each worker's memory (1.1 GB a worker at 100k letters; 70 MB this way, for
        # 5-10% slower first reads of a term: docs/performance.md).
        return FileStorage(real, supports_mmap=False).open_index(INDEX_NAME)

    def _key(self) -> tuple[str, index.FileIndex, int]:
        real = os.path.realpath(self.path)
        current = self._current
        if current is not None and current.key[0] == real:
            return real, current.ix, current.ix.latest_generation()
        ix = self._open(real)
        return real, ix, ix.latest_generation()

    def generation(self) -> int:
        with self._lock:
            try:
                return self._key()[2]
            except DAMAGE as exc:
                raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> IndexUnavailable:
        log.error("the index at %s cannot be read: %s: %s", self.path, type(exc).__name__, exc)
        return IndexUnavailable(f"the index cannot be read ({type(exc).__name__}); "
                                "`foi-archive rebuild` makes a new one from the store")

    def _enter(self) -> _Generation:
        try:
            return self._enter_current()
        except IndexMissing:
            raise
        except DAMAGE as exc:
            raise self._unavailable(exc) from exc

    def _enter_current(self) -> _Generation:
        with self._lock:
            real, ix, gen = self._key()
            current = self._current
            if current is None or current.key != (real, gen):
                if current is not None and ix is current.ix:
                    ix = self._open(real)  # a new generation: a fresh index object, never refresh()
                fresh = _Generation((real, ix.latest_generation()), ix)
                if current is not None:
                    self._retired.append(current)
                self._current = current = fresh
            current.users += 1
            return current

    def _leave(self, gen: _Generation) -> None:
        with self._lock:
            gen.users -= 1
            for old in [g for g in self._retired if g.users == 0]:
                old.searcher.close()
                self._retired.remove(old)

    def open_view(self) -> "IndexView":
        """The current generation held open until the view is closed."""
        return IndexView(self, self._enter())

    @contextmanager
    def view(self) -> Iterator["IndexView"]:
        """One generation, its searcher and columns, for everything read in the block."""
        opened = self.open_view()
        try:
            yield opened
        finally:
            opened.close()

    def in_use(self) -> int:
        """How many searchers or views are open now, over every generation."""
        with self._lock:
            return sum(g.users for g in [self._current, *self._retired] if g is not None)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The current searcher; a new one is opened when the index has changed."""
        gen = self._enter()
        try:
            yield gen.searcher
        finally:
            self._leave(gen)

    def facet_columns(self, searcher: Searcher) -> FacetColumns:
        """The per-generation arrays of the generation ``searcher`` belongs to."""
        with self._lock:
            gens = [g for g in [self._current, *self._retired] if g is not None]
            gen = next((g for g in gens if g.searcher is searcher), None)
            if gen is not None and gen.columns is not None:
                return gen.columns
        columns = build_facet_columns(searcher)
        with self._lock:
            if gen is not None and gen.columns is None:
                gen.columns = columns
            return gen.columns if gen is not None else columns

    def close(self) -> None:
        with self._lock:
            for gen in [self._current, *self._retired]:
                if gen is not None:
                    gen.searcher.close()
            self._current = None
            self._retired.clear()


class IndexView:
    """One generation held open: the searcher and the facet columns of that generation,
    so that everything one request or command reads agrees on what the index holds."""

    def __init__(self, reader: IndexReader, gen: _Generation) -> None:
        self.reader = reader
        self._gen: _Generation | None = gen
        self.searcher: Searcher = gen.searcher
        self.generation: int = gen.key[1]

    @property
    def columns(self) -> FacetColumns:
        return self.reader.facet_columns(self.searcher)

    def close(self) -> None:
        gen, self._gen = self._gen, None
        if gen is not None:
            self.reader._leave(gen)


#: What the read functions take: a reader (they hold its current generation for the
#: call) or a view someone else holds open (a web request's, read many times).
Source = IndexReader | IndexView


@contextmanager
def viewing(source: Source) -> Iterator[IndexView]:
    """A view of ``source``: a view as it is (its owner closes it), a reader's current
    generation for the block."""
    if isinstance(source, IndexView):
        yield source
        return
    with source.view() as opened:
        yield opened

"""Index the whole synthetic corpus fast, for the search half of the benchmark.

The real pipeline (extraction and metadata in limited child processes, store,
index) is measured on its own by the ingest stage. When it takes only part of
the corpus (``--ingest``), the search index can instead be written straight from
the letters and their known facts, through the archive's own schema, ``to_fields``
and ``IndexWriter`` (archive/segments.py), in commits of ``batch`` (1,000) as ingest makes
them, so the index has the segments an ingest of the same size leaves. The
documents, texts and facet values are the ones the pipeline writes; only the
metadata comes from the generator's truth.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from archive.index import IndexWriter
from archive.models import Document, Exemption, Metadata
from bench.corpus import letter_path


def document(root: Path, i: int, truth: dict) -> Document:
    path = letter_path(root, i)
    text = path.read_text(encoding="utf-8")
    meta = Metadata(
        authority=truth["authority"], authority_type=truth["authority_type"],
        force=truth["force"], regime=truth["regime"], reference=truth["reference"],
        date=truth["date"], received=truth["received"],
        exemptions=[Exemption(code) for code in truth["exemptions"]],
        outcome=truth["outcome"], topics=list(truth["topics"]),
    )
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Document(id=sha[:16], sha256=sha, title=truth["title"], text=text, format="txt",
                    source="files", source_url=path.resolve().as_uri(),
                    ingested="2026-01-01T00:00:00+00:00", meta=meta)


def bulk_load(root: Path, index_path: Path, size: int, batch: int = 1000) -> float:
    """Write a fresh index of the first ``size`` letters; returns the seconds taken."""
    shutil.rmtree(index_path, ignore_errors=True)
    writer = IndexWriter(index_path)
    start = time.perf_counter()
    with open(root / "truth.jsonl", encoding="utf-8") as truths:
        for i, line in zip(range(size), truths):
            writer.update(document(root, i, json.loads(line)))
            if (i + 1) % batch == 0:
                writer.commit()
    writer.commit()
    return time.perf_counter() - start

"""Index the whole synthetic corpus fast, for the search half of the benchmark.

The real pipeline (extraction and metadata in limited child processes, store,
index) is measured on its own by the ingest stage. At 100k letters it takes far
longer than a benchmark run should (docs/performance.md says why), so the search
index can instead be written straight from the letters and their known facts,
through the archive's own schema and ``to_fields``, by Whoosh's two-process
writer into two segments. The documents, texts and facet values are the same
ones the pipeline writes; only the metadata comes from the generator's truth.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from archive.index import open_or_create, to_fields
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


def bulk_load(root: Path, index_path: Path, size: int, procs: int = 2) -> float:
    """Write a fresh index of the first ``size`` letters; returns the seconds taken."""
    shutil.rmtree(index_path, ignore_errors=True)
    ix = open_or_create(index_path)
    start = time.perf_counter()
    writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256)
    with open(root / "truth.jsonl", encoding="utf-8") as truths:
        for i, line in zip(range(size), truths):
            writer.add_document(**to_fields(document(root, i, json.loads(line))))
    writer.commit()
    return time.perf_counter() - start

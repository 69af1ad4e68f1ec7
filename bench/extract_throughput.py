"""Extraction throughput: PDF pages per second through the isolated pool (OCR apart).

    .venv/bin/python bench/extract_throughput.py [--count 120] [--workers 1 2] [--text-only]

Writes the generated sample responses (a third of them multi-page PDFs), then
extracts every PDF through the same child-process pool that ingest uses
(extract + metadata, with its time and memory limits) and reports pages/s.
With --text-only the workers run the PDF text extraction alone (no metadata),
which is what the issue's pdfminer target measures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from archive.config import Config, IngestConfig
from ingest.extract import extract_bytes
from ingest.infra.isolation import IsolatedPool
from ingest.pipeline import classify, make_pool
from samplegen.letters import write_samples


def extract_text(path: str, name: str) -> dict[str, int]:
    """Text extraction alone, in the worker: the pages read."""
    with open(path, "rb") as fh:
        return {"pages": extract_bytes(fh.read(), name).pages or 0}


def run(files: list[Path], workers: int, text_only: bool = False) -> tuple[int, float]:
    config = Config.for_directory(Path(tempfile.mkdtemp()),
                                  ingest=IngestConfig(workers=workers, timeout=120))
    tasks = [(i, (str(p), p.name)) for i, p in enumerate(files)]
    pages = 0
    pool = (IsolatedPool(extract_text, workers=workers, timeout=120, memory_mb=config.ingest.memory_mb,
                         classify=classify) if text_only else make_pool(config))
    with pool:
        start = time.perf_counter()
        for outcome in pool.run(tasks):
            if not outcome.ok:
                raise SystemExit(f"{files[outcome.key]}: {outcome.reason} {outcome.detail}")
            pages += outcome.value.get("pages") or 0
        elapsed = time.perf_counter() - start
    return pages, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240, help="sample responses to write")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--text-only", action="store_true", help="PDF text alone, no metadata")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    pdfs = [p for p in write_samples(folder, count=args.count) if p.suffix == ".pdf"]
    print(f"{len(pdfs)} PDFs")
    for workers in args.workers:
        pages, elapsed = run(pdfs, workers, args.text_only)
        print(f"workers={workers}: {pages} pages in {elapsed:.1f} s = {pages / elapsed:.1f} pages/s")


if __name__ == "__main__":
    main()

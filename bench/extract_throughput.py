"""Extraction throughput: PDF pages per second through the isolated pool (OCR apart).

    .venv/bin/python bench/extract_throughput.py [--count 120] [--workers 1 2]

Writes the generated sample responses (a third of them multi-page PDFs), then
extracts every PDF through the same child-process pool that ingest uses
(extract + metadata, with its time and memory limits) and reports pages/s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from archive.config import Config, IngestConfig
from ingest.pipeline import make_pool
from ingest.samples import write_samples


def run(files: list[Path], workers: int) -> tuple[int, float]:
    config = Config.for_directory(Path(tempfile.mkdtemp()),
                                  ingest=IngestConfig(workers=workers, timeout=120))
    tasks = [(i, (str(p), p.name)) for i, p in enumerate(files)]
    pages = 0
    with make_pool(config) as pool:
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
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    pdfs = [p for p in write_samples(folder, count=args.count) if p.suffix == ".pdf"]
    print(f"{len(pdfs)} PDFs")
    for workers in args.workers:
        pages, elapsed = run(pdfs, workers)
        print(f"workers={workers}: {pages} pages in {elapsed:.1f} s = {pages / elapsed:.1f} pages/s")


if __name__ == "__main__":
    main()

"""A synthetic corpus of FOI responses as text files, for the benchmark.

Two kinds (``KINDS``):

- ``realistic`` (the default): letters of real lengths with a Zipf vocabulary of
  120,000 words (bench/realistic.py): median 6.8 KB, p90 24 KB, a tail past 300 KB.
- ``letters``: the sample letters of ``samplegen.letters.iter_letters`` alone, 2.9 KB
  each with about 840 distinct words (the corpus of the earlier figures).

Each letter names a body, a topic it would be asked about, an outcome,
exemptions cited in a legal annex, dates and a reference, as real responses do.
Letter *i* is the same whatever the size, so the 10k corpus is the first 10,000
files of the 100k one, and a folder already written is reused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.realistic import iter_realistic
from samplegen.letters import iter_letters

PER_FOLDER = 1000
SEED = 2024
KINDS = {"realistic": iter_realistic, "letters": iter_letters}


def letter_path(root: Path, i: int) -> Path:
    return root / f"{i // PER_FOLDER:04d}" / f"response-{i:06d}.txt"


def write_corpus(root: Path, size: int, seed: int = SEED, kind: str = "realistic"
                 ) -> tuple[list[Path], int]:
    """Write (or reuse) ``size`` letters under ``root``; return their paths and total bytes.

    ``root/truth.jsonl`` holds each letter's facts (body, outcome, exemptions, ...),
    one line per letter, in order.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    done_file = root / ".written"
    written = int(done_file.read_text()) if done_file.exists() else 0
    kind_file = root / ".kind"
    if written and kind_file.exists() and kind_file.read_text() != kind:
        raise ValueError(f"{root} holds the {kind_file.read_text()} corpus, not {kind}")
    kind_file.write_text(kind)
    if written < size:
        with open(root / "truth.jsonl", "a" if written else "w", encoding="utf-8") as truth:
            for i, letter in enumerate(KINDS[kind](size, seed)):
                if i < written:
                    continue
                path = letter_path(root, i)
                if i % PER_FOLDER == 0:
                    path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(letter.text, encoding="utf-8")
                truth.write(json.dumps({"file": path.name, "title": letter.title, **letter.truth}) + "\n")
        done_file.write_text(str(size))
    paths = [letter_path(root, i) for i in range(size)]
    return paths, sum(os.path.getsize(p) for p in paths)


def corpus_inputs(root: Path, count: int) -> list[Path]:
    """What to give `foi-archive ingest` for the first ``count`` letters: whole folders, then files."""
    full = count // PER_FOLDER
    return ([root / f"{n:04d}" for n in range(full)]
            + [letter_path(root, i) for i in range(full * PER_FOLDER, count)])

"""Interrupted runs on the real corpus: kill -9 an ingest at random moments, then measure
what the next run redoes (docs/reliability.md, "Interrupted runs").

    .venv/bin/python -m bench.interrupt                    # 20 rounds, ../shared/corpus
    .venv/bin/python -m bench.interrupt --rounds 5 --seed 7 --work /tmp/interrupt

The inputs are the real responses in ../shared/corpus/docs and heldout/ (a scanned letter
among them, read by OCR where Tesseract is installed) and every tenth WhatDoTheyKnow
thread of bulk/, rendered as text. One uninterrupted `foi-archive ingest` gives the
baseline: its documents (every id and version), and how long it takes. Then each round
starts a fresh archive, runs the same ingest, sends SIGKILL to its whole process group at
a moment drawn at random over the first nine tenths of the baseline's length (a run can be
a little quicker than the baseline, and a moment after it ended kills nothing), and runs
the ingest again. The round
passes when that second run exits 0, the index holds every document of the baseline once
(the same ids and versions) and `foi-archive verify` is ok. What the second run reports of
the first ("from an interrupted run: K kept, R extracted again (S s)") is the work
redone: S, the seconds spent extracting again the files the killed run had begun.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
THREAD_SLICE = 10
RECOVERED = re.compile(r"from an interrupted run: (\d+) kept, (\d+) extracted again \(([\d.]+) s\)")


def inputs(work: Path, shared: Path = SHARED) -> list[str]:
    """The real corpus's folders, and a slice of the WDTK threads rendered as text in ``work``."""
    from bench.wdtk_status import render_thread

    corpus = shared / "corpus"
    threads = work / "threads"
    if not threads.is_dir():
        threads.mkdir(parents=True)
        for path in sorted((corpus / "bulk" / "sheffield_wdtk_json").glob("*.json"))[::THREAD_SLICE]:
            data = json.loads(path.read_text(encoding="utf-8"))
            (threads / f"{path.stem}.txt").write_text(render_thread(data), encoding="utf-8")
    return [str(corpus / "docs"), str(corpus / "heldout"), str(threads)]


def new_archive(folder: Path) -> Path:
    folder.mkdir(parents=True)
    conf = folder / "config.toml"
    conf.write_text('[store]\npath = "data/store"\n[index]\npath = "data/index"\n'
                    "[ingest]\nworkers = 2\ntimeout = 60\nmemory_mb = 1024\n")
    return conf


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli import main; main()", *args]


def ingest(conf: Path, paths: list[str], kill_after: float | None = None) -> tuple[int, str, float]:
    """Run `foi-archive ingest`; with ``kill_after``, SIGKILL its process group then.
    Returns (exit code, standard output, seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(_command("ingest", *paths, "--config", str(conf)), cwd=ROOT,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    if kill_after is None:
        out, _ = proc.communicate()
        return proc.returncode, out, time.monotonic() - started
    try:
        out, _ = proc.communicate(timeout=kill_after)
        return proc.returncode, out, time.monotonic() - started  # it finished first
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return -signal.SIGKILL, "", time.monotonic() - started


def documents(conf: Path) -> dict[str, str]:
    """id -> indexed version of every document (asserting none is there twice)."""
    from archive.config import load
    from whoosh import index

    ix = index.open_dir(str(load(conf).index_path), indexname="MAIN")
    with ix.searcher() as s:
        found: dict[str, str] = {}
        for fields in s.all_stored_fields():
            if fields["id"] in found:
                raise AssertionError(f"{fields['id']} is indexed twice")
            found[fields["id"]] = fields["sha256"]
    ix.close()
    return found


def verify_ok(conf: Path) -> bool:
    done = subprocess.run(_command("verify", "--config", str(conf)), cwd=ROOT,
                          capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip().endswith("ok")


@dataclass
class Round:
    killed_at: float  # seconds into the run
    killed: bool  # False: the run had finished first
    committed: int  # documents the killed run had committed
    kept: int  # outcomes the next run took from the killed run's work log
    redone: int  # files the killed run had begun that were extracted again
    redone_seconds: float
    recovery_seconds: float
    ok: bool  # every document once, as the baseline's; verify ok


def one_round(folder: Path, paths: list[str], kill_after: float, expected: dict[str, str]) -> Round:
    conf = new_archive(folder)
    code, _, elapsed = ingest(conf, paths, kill_after)
    killed = code == -signal.SIGKILL
    committed = 0
    try:
        committed = len(documents(conf))
    except Exception:  # no index yet: killed before its first commit
        committed = 0
    code, out, recovery = ingest(conf, paths)
    found = RECOVERED.search(out)
    kept, redone, seconds = (int(found[1]), int(found[2]), float(found[3])) if found else (0, 0, 0.0)
    ok = code == 0 and documents(conf) == expected and verify_ok(conf)
    return Round(round(elapsed, 1), killed, committed, kept, redone, seconds, round(recovery, 1), ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--work", type=Path, default=Path("/tmp/foi-interrupt"))
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    if args.work.exists():
        raise SystemExit(f"{args.work} exists: give a new --work folder")
    paths = inputs(args.work, args.shared)
    conf = new_archive(args.work / "baseline")
    code, out, baseline = ingest(conf, paths)
    if code != 0:
        raise SystemExit(f"the uninterrupted run failed ({code}): {out}")
    expected = documents(conf)
    print(f"baseline: {len(expected)} documents in {baseline:.1f} s ({out.strip()})")
    rng = random.Random(args.seed)
    rounds = []
    for n in range(args.rounds):
        # Inside the run: its length varies by a second or two from the baseline's.
        moment = rng.uniform(0.5, 0.9 * baseline)
        r = one_round(args.work / f"round-{n:02d}", paths, moment, expected)
        rounds.append(r)
        print(json.dumps({"round": n, **asdict(r)}))
    redone = [r.redone_seconds for r in rounds]
    passed = sum(r.ok for r in rounds)
    print(f"\n{passed} of {len(rounds)} rounds recovered with every document once; "
          f"work redone: median {statistics.median(redone):.1f} s, worst {max(redone):.1f} s; "
          f"kept from the killed run: median {statistics.median(r.kept for r in rounds):.0f} outcomes")
    print("| round | killed at (s) | committed | kept | extracted again | redone (s) | next run (s) | ok |")
    print("|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(rounds):
        print(f"| {n} | {r.killed_at}{'' if r.killed else ' (had finished)'} | {r.committed} | {r.kept} | "
              f"{r.redone} | {r.redone_seconds:.1f} | {r.recovery_seconds} | {'yes' if r.ok else 'NO'} |")
    if passed != len(rounds):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The archive at 10k and 100k responses: ingest, search and check-before-you-file, beside FTS5.

    .venv/bin/python -m bench --size 10000             # everything, about 10 minutes
    .venv/bin/python -m bench --size 100000 --ingest 5000      # the pipeline on 5k, search on 100k

1. Writes (or reuses) a synthetic corpus of FOI response letters (bench/corpus.py).
2. Ingests ``--ingest`` of them (default: all) with ``foi-archive ingest``, the real
   pipeline, and reports docs/s, MB/s, peak memory (sampled every second, with the
   curve, to show whether it grows) and index size.
3. If fewer than all were ingested, indexes the whole corpus with bench/bulkload.py.
4. Starts ``foi-archive serve`` (gunicorn) on 127.0.0.1, times the first answer,
   replays the fixed query mix (bench/queries.py) against /search.json (total, top 20
   with snippets, every facet's counts) and the drafts against /prior.json: each
   request's first answer (nothing of it cached yet), then the median of ``--reps``
   repeats; p50/p95/p99 across requests. By query kind, the repeats.
   Reports each worker's resident memory afterwards.
5. Builds SQLite FTS5 over the same documents and runs the same searches in process
   (bench/fts.py), with the same facet counts and snippets, and prints the ratio.

Results go to WORK/results-SIZE.json and are printed as Markdown, with `uptime`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench import fts
from bench.bulkload import bulk_load
from bench.corpus import KINDS, corpus_inputs, write_corpus
from bench.queries import DRAFTS, Query, query_mix, warmup_mix

ROOT = Path(__file__).resolve().parents[1]
FOI = str(ROOT / ".venv" / "bin" / "foi-archive")
PER_PAGE = 20  # the site's page: 20 results, each with its snippet


# -- measuring -------------------------------------------------------------------------


def load() -> str:
    """The load averages, as `uptime` gives them (other work on the machine)."""
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(p: float) -> float:  # nearest rank
        return ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered) + 0.5)) - 1))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


class RssSampler(threading.Thread):
    """Samples, every second, the resident memory of a process and of its whole tree."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float, float]] = []  # (seconds, main, tree)
        self._done = threading.Event()
        self._start = time.perf_counter()

    def run(self) -> None:
        while not self._done.wait(1.0):
            tree = descendants(self.pid)
            self.samples.append((time.perf_counter() - self._start, rss_mb(self.pid),
                                 sum(rss_mb(p) for p in tree)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# -- stages ----------------------------------------------------------------------------


def write_config(folder: Path, port: int = 5000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(f'[store]\npath = "store"\n[index]\npath = "index"\n'
                      f'[site]\nhost = "127.0.0.1"\nport = {port}\nworkers = 2\ntimeout = 120\n')
    return config


def stage_ingest(corpus: Path, work: Path, count: int, corpus_bytes: float) -> dict[str, Any]:
    folder = work / f"pipeline-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    config = write_config(folder)
    args = [FOI, "ingest", "--config", str(config), "--no-progress",
            *map(str, corpus_inputs(corpus, count))]
    before = load()
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    output, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    sampler.stop()
    if proc.returncode:
        raise SystemExit(f"ingest failed:\n{output}")
    samples = sampler.samples or [(elapsed, 0.0, 0.0)]
    curve = [samples[min(len(samples) - 1, int(len(samples) * f))] for f in (0.1, 0.25, 0.5, 0.75, 1.0)]
    return {
        "docs": count, "seconds": elapsed, "docs_per_s": count / elapsed,
        "mb_per_s": corpus_bytes / 1e6 / elapsed,
        "peak_rss_parent_mb": max(s[1] for s in samples),
        "peak_rss_tree_mb": max(s[2] for s in samples),
        "rss_curve": [{"s": round(s, 1), "parent_mb": round(p), "tree_mb": round(t)} for s, p, t in curve],
        "index_mb": du_mb(folder / "index"), "store_mb": du_mb(folder / "store"),
        "summary": output.strip().splitlines()[-1] if output.strip() else "",
        "load_before": before, "load_after": load(), "index_path": str(folder / "index"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, json.loads(body)


def search_url(base: str, q: Query) -> str:
    pairs = [("q", q.q), ("per_page", str(PER_PAGE))] + [(k, v) for k, vs in q.filters.items() for v in vs]
    return f"{base}/search.json?{urllib.parse.urlencode(pairs)}"


def prior_url(base: str, text: str, authority: str) -> str:
    pairs = [("text", text)] + ([("authority", authority)] if authority else [])
    return f"{base}/prior.json?{urllib.parse.urlencode(pairs)}"


def timed(url: str, reps: int) -> tuple[float, float, dict[str, Any]]:
    """The first answer's time (nothing of this request cached yet), then the median of reps."""
    first, data = get(url)
    times = []
    for _ in range(reps):
        ms, data = get(url)
        times.append(ms)
    return first, statistics.median(times), data


def stage_site(work: Path, index_path: Path, reps: int) -> dict[str, Any]:
    folder = work / "site"
    shutil.rmtree(folder, ignore_errors=True)
    port = free_port()
    config = write_config(folder, port)
    (folder / "index").symlink_to(index_path.resolve())
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen([FOI, "serve", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        first = None
        while first is None:
            if proc.poll() is not None:
                raise SystemExit(f"the server stopped:\n{proc.stderr.read() if proc.stderr else ''}")
            try:
                get(f"{base}/search.json?q=police&per_page=10")
                first = time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        for q in warmup_mix():
            for _ in range(2):  # both workers
                get(search_url(base, q))
        searches = []
        for q in query_mix():
            first_ms, ms, data = timed(search_url(base, q), reps)
            searches.append({"kind": q.label, "q": q.q, "filters": q.filters, "ms": ms,
                             "first_ms": first_ms,
                             "total": data["total"],
                             "facets": {k: {v["value"]: v["count"] for v in vs}
                                        for k, vs in data["facets"].items()}})
        priors = []
        for text, authority in DRAFTS:
            first_ms, ms, data = timed(prior_url(base, text, authority), reps)
            priors.append({"ms": ms, "first_ms": first_ms, "terms": data.get("terms", []),
                           "results": len(data["results"])})
        workers = [p for p in descendants(proc.pid) if p != proc.pid]
        return {
            "first_answer_s": first,
            "searches": searches,
            "priors": priors,
            "search": percentiles([s["ms"] for s in searches]),
            "search_first": percentiles([s["first_ms"] for s in searches]),
            "prior_first": percentiles([p["first_ms"] for p in priors]),
            "search_by_kind": {k: percentiles([s["ms"] for s in searches if s["kind"] == k])
                               for k in dict.fromkeys(s["kind"] for s in searches)},
            "search_first_by_kind": {k: percentiles([s["first_ms"] for s in searches if s["kind"] == k])
                                     for k in dict.fromkeys(s["kind"] for s in searches)},
            "prior": percentiles([p["ms"] for p in priors]),
            "worker_rss_mb": [round(rss_mb(p)) for p in workers],
            "load": load(),
        }
    finally:
        proc.terminate()
        proc.wait(30)


def stage_fts(work: Path, index_path: Path, site: dict[str, Any], reps: int,
              reuse: bool = False) -> dict[str, Any]:
    db_path = work / f"fts5-{index_path.name}.sqlite"
    if reuse and db_path.exists() and db_path.stat().st_mtime > index_path.stat().st_mtime:
        n, build_s = None, None  # built by an earlier run over the same index
    else:
        n, build_s = fts.build(index_path, db_path)
    engine = fts.Fts(db_path)
    try:
        searches, mismatched = [], []
        firsts = []
        for q, measured in zip(query_mix(), site["searches"]):
            start = time.perf_counter()
            engine.search(q.q, q.filters)  # the first time
            firsts.append((time.perf_counter() - start) * 1000)
            times = []
            for _ in range(reps):
                start = time.perf_counter()
                result = engine.search(q.q, q.filters)
                times.append((time.perf_counter() - start) * 1000)
            searches.append({"kind": q.label, "q": q.q, "ms": statistics.median(times),
                             "first_ms": firsts[-1], "total": result["total"]})
            if result["total"] != measured["total"]:
                mismatched.append((q.q, q.filters, measured["total"], result["total"]))
        priors = []
        for measured in site["priors"]:
            engine.similar(measured["terms"])
            times = []
            for _ in range(reps):
                start = time.perf_counter()
                engine.similar(measured["terms"])
                times.append((time.perf_counter() - start) * 1000)
            priors.append(statistics.median(times))
    finally:
        engine.close()
    return {"docs": n, "build_s": build_s, "db_mb": db_path.stat().st_size / 1e6,
            "searches": searches, "search": percentiles([s["ms"] for s in searches]),
            "search_first": percentiles(firsts),
            "search_by_kind": {k: percentiles([s["ms"] for s in searches if s["kind"] == k])
                               for k in dict.fromkeys(s["kind"] for s in searches)},
            "search_first_by_kind": {k: percentiles([s["first_ms"] for s in searches if s["kind"] == k])
                                     for k in dict.fromkeys(s["kind"] for s in searches)},
            "prior": percentiles(priors), "total_mismatches": mismatched, "load": load()}


# -- report ----------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB RAM, "
            f"{platform.platform()}, CPython {platform.python_version()}")


def report(r: dict[str, Any]) -> str:
    out = [f"## {r['size']:,} responses, {r.get('corpus', 'letters')} corpus "
           f"({r.get('corpus_mb', 0):,.0f} MB; {r['when']}, {r['machine']})", ""]
    if "ingest" in r:
        i = r["ingest"]
        out += [f"Ingest through `foi-archive ingest` of {i['docs']:,} letters "
                f"({i['load_before']} before, {i['load_after']} after): "
                f"{i['docs_per_s']:.1f} docs/s, {i['mb_per_s']:.2f} MB/s, {i['seconds']:.0f} s; "
                f"peak RSS {i['peak_rss_parent_mb']:.0f} MB parent, {i['peak_rss_tree_mb']:.0f} MB "
                f"with its workers; index {i['index_mb']:.0f} MB, store {i['store_mb']:.0f} MB.",
                "RSS over the run (s: parent/tree MB): "
                + ", ".join(f"{c['s']}: {c['parent_mb']}/{c['tree_mb']}" for c in i["rss_curve"]), ""]
    if "bulk_s" in r:
        out += [f"Search index written by bench/bulkload.py: {r['size'] / r['bulk_s']:.0f} docs/s "
                f"({r['bulk_s']:.0f} s), {r['index_mb']:.0f} MB.", ""]
    s, f = r["site"], r.get("fts")
    out += [f"First answer after `foi-archive serve` starts: {s['first_answer_s']:.2f} s. "
            f"Worker RSS after the replay: {', '.join(map(str, s['worker_rss_mb']))} MB. ({s['load']})", ""]
    out += ["| requests | n | site p50 | p95 | p99 | FTS5 p50 | p95 | p99 | p95 ratio |",
            "|---|---|---|---|---|---|---|---|---|"]
    rows = [("/search.json, first time", s["search_first"], f["search_first"] if f else None),
            ("/search.json, repeated", s["search"], f["search"] if f else None)]
    rows += [(f"{k}, first time", v, f.get("search_first_by_kind", {}).get(k) if f else None)
             for k, v in s.get("search_first_by_kind", {}).items()]
    rows += [(f"{k}, repeated", v, f["search_by_kind"].get(k) if f else None)
             for k, v in s["search_by_kind"].items()]
    rows += [("/prior.json, first time", s["prior_first"], None),
             ("/prior.json, repeated", s["prior"], f["prior"] if f else None)]
    for name, a, b in rows:
        cells = [name, str(a["n"]), f"{a['p50']:.1f}", f"{a['p95']:.1f}", f"{a['p99']:.1f}"]
        if b:
            cells += [f"{b['p50']:.1f}", f"{b['p95']:.1f}", f"{b['p99']:.1f}", f"{a['p95'] / b['p95']:.2f}"]
        else:
            cells += ["", "", "", ""]
        out.append("| " + " | ".join(cells) + " |")
    if f:
        built = f"built in {f['build_s']:.0f} s" if f["build_s"] is not None else "built before"
        out += ["", f"FTS5: {built} ({f['db_mb']:.0f} MB); "
                f"totals differing from the site's: {len(f['total_mismatches'])} of {f['search']['n']}. ({f['load']})"]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000, help="letters in the corpus")
    parser.add_argument("--corpus", choices=sorted(KINDS), default="realistic",
                        help="realistic: real lengths and a Zipf vocabulary (default); "
                             "letters: the 2.9 KB sample letters of the earlier figures")
    parser.add_argument("--ingest", type=int, default=None,
                        help="letters to take through the real pipeline (default: all; 0: none)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/foi-bench"), help="working folder")
    parser.add_argument("--reps", type=int, default=3, help="timed runs per request (median kept)")
    parser.add_argument("--reuse-index", action="store_true",
                        help="search the bulk-written index left by an earlier run of this size")
    parser.add_argument("--no-fts", action="store_true", help="skip the FTS5 comparison")
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"size": args.size, "corpus": args.corpus, "machine": machine(),
                              "when": time.strftime("%Y-%m-%d %H:%M"), "load_start": load()}
    corpus = work / f"corpus-{args.corpus}"
    _, corpus_bytes = write_corpus(corpus, args.size, kind=args.corpus)
    result["corpus_mb"] = corpus_bytes / 1e6
    print(f"corpus: {args.size:,} letters, {corpus_bytes / 1e6:.0f} MB ({load()})", flush=True)
    count = args.size if args.ingest is None else args.ingest
    index_path = work / f"index-{args.corpus}-{args.size}"
    if count:
        result["ingest"] = stage_ingest(corpus, work / args.corpus, count, corpus_bytes * count / args.size)
        print(f"ingest: {result['ingest']['docs_per_s']:.1f} docs/s ({load()})", flush=True)
    if count == args.size:
        shutil.rmtree(index_path, ignore_errors=True)
        shutil.move(result["ingest"]["index_path"], index_path)
    elif not (args.reuse_index and index_path.exists()):
        result["bulk_s"] = bulk_load(corpus, index_path, args.size)
        print(f"bulk index: {result['bulk_s']:.0f} s ({load()})", flush=True)
    result["index_mb"] = du_mb(index_path)
    result["site"] = stage_site(work, index_path, args.reps)
    print(f"site: search p95 {result['site']['search']['p95']:.1f} ms ({load()})", flush=True)
    if not args.no_fts:
        result["fts"] = stage_fts(work, index_path, result["site"], args.reps, args.reuse_index)
    (work / f"results-{args.corpus}-{args.size}.json").write_text(json.dumps(result, indent=1, default=str))
    print(report(result))


if __name__ == "__main__":
    sys.exit(main())

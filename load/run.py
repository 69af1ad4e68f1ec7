"""Load tests L1, L3, L5 (and a rebuild swap, L10/W9) against the production server.

    .venv/bin/python -m load.run                       # 5,000 documents, 10 s per row
    .venv/bin/python -m load.run --docs 20000 --seconds 10 --rows L1 L3 L5 swap

Builds (or reuses, in --work) a generated archive: synthetic FOI responses written
into the store and the index the way ingest writes them, so `foi-archive rebuild`
and `verify` work on it too. Serves it with `foi-archive serve` (gunicorn sync
workers) on 127.0.0.1 only, then runs each row with a fixed number of keep-alive
client threads for a fixed time (and at most --max-requests per client):

  L1    16 clients, mixed queries.
  L3    L1 while a writer process commits 200-document batches every 0.3 s,
        with an optimize (a merge of every segment) every fifth batch.
  L5    12 clients with the L1 mix beside 4 sending `*a*`-style queries.
  solo  one client with the L1 mix, ten searches a second: a person's searches, unloaded.
  L6    solo beside 4 clients sending ranges, wildcards, fuzzy terms and their combinations
        at 10 requests a second together (the default rate limit of one address).
  L6n   solo beside 4 clients sending the L1 mix at that pace: the same load, made by people.
  swap  L1 while `foi-archive rebuild` builds a new index and swaps it in.

Per row: requests, p50/p95/p99 (ms), errors by status, responses with the same
id twice (duplicate hits), and the range of the total the all-documents query
reports (doc_count). No 5xx, no connection errors and no duplicates is the bar.
Results are printed as Markdown and written as JSON to --out.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
FOI = [sys.executable, "-c", "from cli import main; main()"]
HOST = "127.0.0.1"  # loopback only

FORCES = ["Kent Police", "Metropolitan Police Service", "Greater Manchester Police",
          "South Wales Police", "Durham Constabulary", "Surrey Police", "Suffolk Constabulary"]
TOPICS = ["Taser", "drones", "facial recognition", "body-worn video", "spending", "vehicles"]
EXEMPTIONS = ["FOIA s.40(2)", "FOIA s.31(1)", "FOIA s.12", "FOIA s.24(2)", "FOIA s.43(2)"]
OUTCOMES = ["disclosed_in_full", "partially_disclosed", "refused", "not_held",
            "neither_confirm_nor_deny"]
WORDS = ("request information police force officer taser drone camera footage vehicle "
         "budget contract supplier incident training policy data crime report review "
         "cost limit exemption disclosure public interest personal safety prevention "
         "detection equipment overtime recruitment complaint custody firearm licence "
         "speed enforcement collision burglary fraud cyber helicopter dog unit").split()
QUERIES = ["taser", "drone footage", '"public interest"', "exemption AND cost",
           "police NOT taser", "force:\"Kent Police\"", "year:2021", "helicopter OR dog",
           "firear*", "custody review", ""]
ABUSIVE = ["*a*", "*", "a*", "*e*", "(" * 40 + "x" + ")" * 40, "x" * 600, "t*"]
#: L6's abusive clients: every shape of term expansion, alone and combined, each within the
#: query's length and term limits (docs/reliability.md, "Query budgets").
EXPANDING = ["text:[a TO z]", "title:[a TO z] OR text:[a TO z]", "text:[aa TO zz] AND police",
             "text:[0 TO 9]", "reference:[a TO z]", "year:[1000 TO 9999]", "date:[1900 TO 2100]",
             "abc* OR bcd* OR cde* OR def* OR efg* OR fgh* OR ghi* OR hij*",
             "text:[ab TO ac] OR text:[ba TO bc] OR text:[ca TO cc] OR pol*", "taser~2",
             "tas*er~ OR pol?ce*", "(text:[a TO m] OR text:[n TO z]) AND NOT police"]
#: L6: one client at a time's pace, as a person searches; four abusive clients together
#: keep inside the default rate limit of one address (600 a minute: 10 a second).
L6_ABUSIVE_RATE = 10.0

#: A vocabulary's long tail: made-up words, each in a few documents, as names, places and
#: misspellings are in real responses (a real archive of 100k responses has about a million
#: distinct words; docs/performance.md). Without it a range or a wildcard expands to little.
TAIL = 40_000


def tail_word(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = ""
    n += 26 * 27  # at least three letters
    while n:
        n, r = divmod(n, 26)
        word = letters[r] + word
    return word


# -- the archive -------------------------------------------------------------------------


def synthetic(i: int, rng: random.Random) -> Any:
    """One generated response as an index Document."""
    from archive.models import Document, Exemption, Metadata

    force = rng.choice(FORCES)
    codes = rng.sample(EXEMPTIONS, rng.randint(0, 2))
    year = rng.randint(2015, 2024)
    words = [rng.choice(WORDS) for _ in range(rng.randint(80, 240))]
    words += [tail_word(int(rng.paretovariate(0.6)) % TAIL) for _ in range(rng.randint(5, 40))]
    rng.shuffle(words)
    text = " ".join(words)
    meta = Metadata(authority=force, authority_type="police", force=force, regime="FOIA",
                    reference=f"FOI {i:06d}/{year % 100:02d}",
                    date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    exemptions=[Exemption(c, sentence=f"exempt under {c}", offset=0) for c in codes],
                    outcome=rng.choice(OUTCOMES), topics=rng.sample(TOPICS, rng.randint(1, 2)))
    return Document(id=f"{i:016x}", sha256="", title=f"{rng.choice(TOPICS).title()} request {i}",
                    text=text, format="txt", source="load", source_url=f"file:///load/{i}.txt",
                    ingested="2024-01-01T00:00:00+00:00", meta=meta)


def build_archive(work: Path, docs: int) -> Path:
    """Write the config and a generated archive under ``work`` (reused if already there)."""
    from archive.index import IndexWriter
    from archive.store import Store
    from ingest.extract import EXTRACTOR_VERSION
    from ingest.pipeline import PIPELINE_VERSION

    conf = work / "config.toml"
    marker = work / f"built-{docs}"
    if marker.exists():
        return conf
    work.mkdir(parents=True, exist_ok=True)
    conf.write_text('[store]\npath = "store"\n[index]\npath = "index"\n'
                    '[site]\nworkers = 4\ntimeout = 30\nrate_limit = ""\n')
    rng = random.Random(2024)
    writer = IndexWriter(work / "index", limitmb=128)
    with Store(work / "store") as store:
        for i in range(docs):
            doc = synthetic(i, rng)
            doc.sha256 = store.put_object(doc.text.encode())
            record = {"format": "txt", "title": doc.title, "text": doc.text, "hints": {},
                      "meta": doc.meta.to_dict(), "status": "ok", "error": None}
            store.put_text(doc.sha256, EXTRACTOR_VERSION, doc.text)
            store.record_extraction(doc.sha256, PIPELINE_VERSION, "ok")
            store.save_version(doc.id, doc.source, doc.source_url or "", doc.sha256, record)
            writer.update(doc)
            if (i + 1) % 1000 == 0:
                writer.commit()
                store.commit()
        writer.commit()
        store.commit()
    writer.optimize()
    marker.touch()
    return conf


def write_batches(index: str, start: int, batches: int, size: int, pause: float) -> None:
    """L3's writer: commits batches into the live index, optimizing every fifth."""
    from archive.index import IndexWriter

    rng = random.Random(start)
    writer = IndexWriter(Path(index))
    for b in range(batches):
        for i in range(start + b * size, start + (b + 1) * size):
            writer.update(synthetic(i, rng))
        writer.commit()
        if b % 5 == 4:
            writer.optimize()
        time.sleep(pause)


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """`foi-archive serve` (gunicorn) on 127.0.0.1, in its own process group."""

    def __init__(self, conf: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log = open(conf.parent / "server.log", "wb")
        self.proc = subprocess.Popen([*FOI, "serve", "--config", str(conf), "--host", HOST,
                                      "--port", str(self.port)], cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped: see {self.log.name}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer in 120 s")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


# -- the load -----------------------------------------------------------------------------


@dataclass
class Tally:
    """What one group of clients saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    duplicates: int = 0
    totals: list[int] = field(default_factory=list)  # of the all-documents query, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else 0.0

        errors = {str(k): v for k, v in sorted(self.statuses.items()) if k != 200}
        return {"requests": len(ordered), "p50_ms": pct(0.50), "p95_ms": pct(0.95),
                "p99_ms": pct(0.99), "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
                "errors": errors, "duplicate_hits": self.duplicates,
                "doc_count": [min(self.totals), max(self.totals)] if self.totals else None}


def client(port: int, queries: list[str], tally: Tally, until: float, max_requests: int,
           seed: int, busy: threading.Event | None = None, rate: float = 0.0) -> None:
    """One keep-alive client sending queries until the time or its request budget is spent
    (and, with ``busy``, not before the background work is done); with ``rate``, at most
    that many requests a second."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    next_at = time.monotonic()
    for _ in range(max_requests):
        if time.monotonic() >= until and not (busy is not None and busy.is_set()):
            break
        if rate:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += 1.0 / rate
        q = rng.choice(queries)
        path = "/search.json?" + urlencode({"q": q, "per_page": 20})
        started = time.monotonic()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            status = f"connection: {type(exc).__name__}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            body = b""
        elapsed = time.monotonic() - started
        dup, total = False, None
        if status == 200:
            data = json.loads(body)
            ids = [r["id"] for r in data["results"]]
            dup = len(ids) != len(set(ids))
            total = data["total"] if q == "" else None
        with tally.lock:
            tally.latencies.append(elapsed)
            tally.statuses[status] += 1
            tally.duplicates += dup
            if total is not None:
                tally.totals.append(total)
    conn.close()


def run_clients(port: int, groups: list[tuple[str, int, list[str]]], seconds: float,
                max_requests: int, busy: threading.Event | None = None,
                rates: dict[str, float] | None = None) -> dict[str, Tally]:
    """Each group's clients at once; ``rates`` paces a group (requests a second, all its
    clients together)."""
    until = time.monotonic() + seconds
    tallies = {name: Tally() for name, _, _ in groups}
    rates = rates or {}
    threads = [threading.Thread(target=client, args=(port, queries, tallies[name], until,
                                                     max_requests, n * 7919 + len(name), busy,
                                                     rates.get(name, 0.0) / count))
               for name, count, queries in groups for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tallies


def row(name: str, server: Server, conf: Path, args: argparse.Namespace) -> dict[str, Any]:
    if name in ("L6", "L6n", "solo"):
        # One person searching, alone (solo), beside four abusive clients (L6), and beside four
        # clients searching as people do at the same pace (L6n: what the same load costs).
        others = {"L6": [("abusive", 4, EXPANDING)], "L6n": [("others", 4, QUERIES)]}
        groups = [("normal", 1, QUERIES)] + others.get(name, [])
        started = time.monotonic()
        tallies = run_clients(server.port, groups, args.seconds, args.max_requests,
                              rates={"abusive": L6_ABUSIVE_RATE, "others": L6_ABUSIVE_RATE,
                                     "normal": 10.0})
        out = {"row": name, "seconds": round(time.monotonic() - started, 1),
               "health_after": health(server.port)}
        for group, tally in tallies.items():
            out[group] = tally.summary()
        out["rps"] = round(sum(out[group]["requests"] for group in tallies) / out["seconds"], 1)
        return out
    normal = [("normal", 16 if name != "L5" else 12, QUERIES)]
    groups = normal + ([("abusive", 4, ABUSIVE)] if name == "L5" else [])
    background: subprocess.Popen | None = None
    if name == "L3":
        code = (f"from load.run import write_batches; write_batches({str(conf.parent / 'index')!r},"
                f" 10_000_000, {args.batches}, 200, 0.3)")
        background = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    elif name == "swap":
        background = subprocess.Popen([*FOI, "rebuild", "--config", str(conf)], cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # The swap row goes on until the rebuild is done, so that the swap happens under load.
    busy = threading.Event()
    if name == "swap" and background is not None:
        busy.set()
        proc = background
        threading.Thread(target=lambda: (proc.wait(timeout=600), time.sleep(1.0), busy.clear()),
                         daemon=True).start()
    started = time.monotonic()
    tallies = run_clients(server.port, groups, args.seconds, args.max_requests, busy)
    out: dict[str, Any] = {"row": name, "seconds": round(time.monotonic() - started, 1)}
    if background is not None:
        code = background.wait(timeout=600)
        out["background_exit"] = code
        if name == "swap" and background.stdout is not None:
            out["rebuild"] = background.stdout.read().decode()[-400:]
    out["health_after"] = health(server.port)
    for group, tally in tallies.items():
        out[group] = tally.summary()
        totals = tally.totals
        out[group]["doc_count_went_down"] = sum(1 for a, b in zip(totals, totals[1:]) if b < a)
    out["rps"] = round(sum(t.summary()["requests"] for t in tallies.values()) / out["seconds"], 1)
    return out


def health(port: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/health")
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def passed(result: dict[str, Any]) -> bool:
    """No 5xx or connection errors, no duplicate hits, anywhere in the row."""
    for group in ("normal", "others", "abusive"):
        s = result.get(group)
        if s is None:
            continue
        bad = {k: v for k, v in s["errors"].items()
               if not (group == "abusive" and k in ("400", "429"))}
        if bad or s["duplicate_hits"]:
            return False
    return result.get("background_exit", 0) == 0


def describe_machine() -> dict[str, Any]:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "uptime": uptime}


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [f"Machine: {meta['machine']['cpus']} CPUs, {meta['machine']['platform']}, "
             f"Python {meta['machine']['python']}; `uptime` before: {meta['machine']['uptime']}",
             f"Archive: {meta['docs']} documents; gunicorn {meta['workers']} sync workers; "
             f"{meta['seconds']} s per row.", "",
             "| row | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | duplicate hits | doc_count | pass |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for group in ("normal", "others", "abusive"):
            s = r.get(group)
            if s is None:
                continue
            clients = {"L5": 12, "L6": 1, "L6n": 1, "solo": 1}.get(r["row"], 16) if group == "normal" else 4
            lines.append(f"| {r['row']} {group} | {clients} | {s['requests']} | "
                         f"{r['rps'] if group == 'normal' else ''} | {s['p50_ms']} | {s['p95_ms']} | "
                         f"{s['p99_ms']} | {s.get('max_ms', '')} | {s['errors'] or 0} | {s['duplicate_hits']} | "
                         f"{s['doc_count']} | {'yes' if passed(r) else 'NO'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "load")
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=5000, help="per client")
    parser.add_argument("--batches", type=int, default=15, help="L3: writer batches of 200")
    parser.add_argument("--rows", nargs="+", default=["L1", "L3", "L5", "solo", "L6n", "L6", "swap"],
                        choices=["L1", "L3", "L5", "solo", "L6n", "L6", "swap"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    machine = describe_machine()
    conf = build_archive(args.work, args.docs)
    server = Server(conf)
    results = []
    try:
        for name in args.rows:
            results.append(row(name, server, conf, args))
            print(json.dumps(results[-1]), file=sys.stderr)
    finally:
        server.stop()
    meta = {"machine": machine, "docs": args.docs, "workers": 4, "seconds": args.seconds,
            "uptime_after": describe_machine()["uptime"]}
    out = args.out or args.work / "results.json"
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(markdown(results, meta))
    print(f"\n`uptime` after: {meta['uptime_after']}\nresults: {out}")
    sys.exit(0 if all(passed(r) for r in results) else 1)


if __name__ == "__main__":
    main()

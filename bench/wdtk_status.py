"""The requester's word as a yardstick: outcomes read from real WhatDoTheyKnow threads
against the status each requester gave their request.

    .venv/bin/python -m bench.wdtk_status [--shared ../shared] [--misses]

Reads the 500 scraped Sheffield threads of ../shared/corpus/bulk (JSON), renders each as
the thread text ingest reads, reads its outcome with ingest.metadata.enrich, and counts
agreement with the requester's status where it names an outcome (successful, partially
successful, information not held, refused). Requesters' statuses are often wrong (the
text decides, docs/metadata.md): this is a yardstick, never the truth. The figures are
in docs/metadata.md.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

#: Which outcomes agree with each requester status that names one.
AGREES = {
    "Successful": {"disclosed_in_full"},
    "Partially successful": {"partially_disclosed", "mixed"},
    "Information not held": {"not_held"},
    "Refused": {"refused", "neither_confirm_nor_deny"},
}


def render_thread(data: dict[str, Any]) -> str:
    """A scraped WDTK request as the thread text ingest reads (corpus/docs/council_sheffield_*.txt)."""
    out = [f"Subject: {data['title']}\nFreedom of Information request (FOI)\n"]
    first = True
    for event in data["events"]:
        content = event.get("content") or ""
        content = content if isinstance(content, str) else "\n".join(content)
        if not content.strip() or event.get("type") not in ("outgoing", "incoming"):
            continue
        if event["type"] == "outgoing":
            kind = "Request from requester" if first else "Follow up from requester"
            first = False
        else:
            kind = "Response from authority"
        out.append(f"----- {kind}, {(event.get('created_at') or '')[:10]} -----\n{content}\n")
    return "\n".join(out)


def measure(folder: Path) -> tuple[Counter[str], list[tuple[str, str, str | None]]]:
    """Counts (threads, agree, stated, stated_agree) and each disagreement (file, status, outcome)."""
    from ingest.metadata import enrich

    counts: Counter[str] = Counter()
    misses = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        status = data.get("display_status")
        if status not in AGREES:
            continue
        meta = enrich(render_thread(data), title=data.get("title"))
        outcome = meta.outcome
        counts["threads"] += 1
        agree = outcome in AGREES[status]
        counts["agree"] += agree
        if outcome is not None:
            counts["stated"] += 1
            counts["stated_agree"] += agree
        guess = (meta.unstated.get("outcome") or {}).get("value")
        if guess is not None:
            # Read, but below the confidence to state it (docs/metadata.md, "How sure").
            counts["unstated"] += 1
            counts["unstated_agree"] += guess in AGREES[status]
        if not agree:
            misses.append((path.name, status, outcome))
    return counts, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    counts, misses = measure(args.shared / "corpus" / "bulk" / "sheffield_wdtk_json")
    n, stated = counts["threads"], counts["stated"]
    print(f"threads with a status that names an outcome: {n}")
    print(f"outcome agrees with the requester: {counts['agree']} ({counts['agree'] / max(n, 1):.0%})")
    print(f"outcome stated: {stated} ({stated / max(n, 1):.0%}); of those, agreeing: {counts['stated_agree']} "
          f"({counts['stated_agree'] / max(stated, 1):.0%})")
    held = counts["unstated"]
    print(f"read but not stated (below the confidence threshold): {held}; of those, agreeing: "
          f"{counts['unstated_agree']} ({counts['unstated_agree'] / max(held, 1):.0%})")
    if args.misses:
        for name, status, outcome in misses:
            print(f"  {name}: requester said {status!r}, read {outcome}")


if __name__ == "__main__":
    main()

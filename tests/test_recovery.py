"""Recovery drills on real material (docs/reliability.md, "Recovery drills").

The real responses in ../shared/corpus (docs/ and heldout/, with a scanned letter read by
OCR where Tesseract is installed and legacy Word .doc files) and a slice of the
WhatDoTheyKnow threads in bulk/ are ingested once (bench/interrupt.py's inputs). Then, as docs/deploy.md backs up and
restores: the catalogue copied with SQLite's online backup and the originals and texts
copied, the index left behind; `foi-archive rebuild` on the copy; and every document's
stored fields and the site's answers to a fixed set of searches, facets, lists and
/prior.json drafts (tests/drill.py) must equal the original archive's, again after
`rebuild --reread-metadata`. `verify` must agree with rebuild throughout. An archive
made by the release before (tests/fixtures/release-0.1.0.tar.gz) is upgraded the same way.
And the same ingest, killed mid-run, completes on its next run with every document once.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from click.testing import CliRunner

from archive.config import load
from archive.web import create_app
from bench import interrupt
from cli import main
from tests.archives import index_fields
from tests.conftest import CORPUS
from tests.drill import answers

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
THREADS = CORPUS / "bulk" / "sheffield_wdtk_json"


def _config_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "config.toml"
    conf.write_text('[store]\npath = "data/store"\n[index]\npath = "data/index"\n'
                    "[ingest]\nworkers = 2\ntimeout = 60\nmemory_mb = 1024\n")
    return conf


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def backup_store(store: Path, dest: Path) -> None:
    """The store as docs/deploy.md backs it up: the catalogue by SQLite's online backup,
    then the originals and their texts. The index is not taken."""
    dest.mkdir(parents=True)
    source = sqlite3.connect(f"file:{store / 'catalogue.sqlite'}?mode=ro", uri=True)
    target = sqlite3.connect(dest / "catalogue.sqlite")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    for name in ("objects", "text"):
        shutil.copytree(store / name, dest / name)


def document_ids(index: Path) -> list[str]:
    return sorted(index_fields(index))


def assert_same_answers(before: dict, after: dict) -> None:
    assert sorted(before) == sorted(after)
    different = [url for url in before if before[url] != after[url]]
    assert different == [], f"{len(different)} answers differ, the first: {different[:3]}"


@dataclass
class RealArchive:
    folder: Path  # config.toml and data/
    paths: list[str]  # what was ingested
    seconds: float  # how long the ingest took


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealArchive:
    """The real corpus ingested once, by the command in another process."""
    for folder in (CORPUS / "docs", CORPUS / "heldout", THREADS):
        if not folder.is_dir():
            pytest.skip(f"the real corpus is not beside the checkout ({folder} is missing)")
    root = tmp_path_factory.mktemp("real")
    paths = interrupt.inputs(root)
    conf = interrupt.new_archive(root / "original")
    code, out, seconds = interrupt.ingest(conf, paths)
    assert code == 0, out
    return RealArchive(root / "original", paths, seconds)


def test_a_store_only_backup_rebuilds_the_same_archive(real: RealArchive, tmp_path: Path) -> None:
    real_archive = real.folder
    original = load(real_archive / "config.toml")
    ids = document_ids(original.index_path)
    assert len(ids) >= 87 + 32 + 45  # every response and thread is a document
    fields = index_fields(original.index_path)
    formats = {f["format"] for f in fields.values()}
    assert {"pdf", "doc", "docx", "html", "eml", "txt"} <= formats
    if shutil.which("tesseract") and shutil.which("pdftoppm"):  # CI installs them
        assert any(f["status"] == "ocr" for f in fields.values()), "no scan was read by OCR"
    assert any("outcome" not in f for f in fields.values())  # responses whose outcome was not read
    expected = answers(create_app(original), ids)
    assert _cli("verify", "--config", str(real_archive / "config.toml")).strip().endswith("ok")

    # The restore: the store's backup only, into a new place; no index.
    conf = _config_file(tmp_path / "restored")
    backup_store(original.store_path, tmp_path / "restored" / "data" / "store")
    restored = load(conf)
    assert not restored.index_path.exists()
    out = _cli("rebuild", "--config", str(conf))
    assert f"built {len(ids)} documents" in out and "check passed" in out
    assert _cli("verify", "--config", str(conf)).strip().endswith("ok")
    assert index_fields(restored.index_path) == fields
    assert_same_answers(expected, answers(create_app(restored), ids))

    # Every document's metadata read again from its stored text: the same reading.
    out = _cli("rebuild", "--reread-metadata", "--config", str(conf))
    assert f"({len(ids)} with metadata re-read)" in out or "with metadata re-read" in out
    assert index_fields(restored.index_path) == fields
    assert_same_answers(expected, answers(create_app(restored), ids))
    assert _cli("verify", "--config", str(conf)).strip().endswith("ok")


def test_an_archive_of_the_release_before_upgrades_by_rebuild(tmp_path: Path) -> None:
    """Made by 0.1.0 (tests/fixtures/README.md): samples, an unread outcome, a failed file, a
    correction and a takedown. The new release serves it as it is, then rebuilds it from
    its store alone with the same stored fields and answers; ties may come in a new order."""
    with tarfile.open(FIXTURES / "release-0.1.0.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    folder = tmp_path / "release-0.1.0"
    config = load(folder / "config.toml")
    old = as_this_release(json.loads((folder / "answers.json").read_text(encoding="utf-8")))
    ids = [url.split("/documents/")[1].removesuffix(".json") for url in old if "/documents/" in url]
    before = index_fields(config.index_path)
    assert len(before) == 13 and "366ac02606a27e97" not in before  # the one taken down
    assert_same_answers(old, as_this_release(answers(create_app(config), ids)))  # served as it is
    assert _cli("verify", "--config", str(folder / "config.toml")).strip().endswith("ok")

    shutil.rmtree(config.index_path)  # the upgrade path and a restore: from the store alone
    out = _cli("rebuild", "--config", str(folder / "config.toml"))
    assert "built 13 documents" in out
    # The reader changed since 0.1.0 (METADATA_VERSION): the rebuild reads the metadata again,
    # which adds how sure each claim is and whose words each part is, and changes nothing else.
    after = index_fields(config.index_path)
    assert all(json.loads(after[i]["details_json"])["confidence"] for i in after if after[i].get("outcome"))
    assert {i: without_new_claims(f) for i, f in after.items()} == before
    assert _cli("verify", "--config", str(folder / "config.toml")).strip().endswith("ok")
    new = as_this_release(answers(create_app(config), ids))
    assert_same_answers(old, {url: in_order_of(url, old[url], answer, config)
                              for url, answer in new.items()})
    corrected = new["/documents/406f71e00258e437.json"]["json"]
    assert corrected["outcome"] is None and corrected["corrected"] == ["outcome", "exemptions"]


def as_this_release(answers: dict) -> dict:  # type: ignore[type-arg]
    """The release before's answers with what this release changed on purpose: a folder
    ingest's file:// path is no longer shown as `source_url` (docs/reliability.md, "Nothing
    of the server in public"); a document's JSON says how sure each claim is, what was read
    and not stated, and whose words each part is, which a record made before holds nothing of
    (docs/metadata.md, "How sure", "Whose words"); /prior says "outcome not read" where it
    said "no decision recorded", and its `terms` are the draft's words, not their stems."""
    for url, answer in answers.items():
        if "/prior" in url and answer.get("json") is not None:
            answer["json"] = json.loads(json.dumps(answer["json"]).replace("no decision recorded", "outcome not read"))
            answer["json"]["terms"] = as_words(url, answer["json"].get("terms") or [])
        data = answer.get("json")
        if "/documents/" in url and isinstance(data, dict) and "id" in data:
            if str(data.get("source_url")).startswith("file:"):
                data["source_url"] = None
            for key in NEW_CLAIMS:
                data.pop(key, None)
            for e in data.get("exemptions") or []:
                e.pop("confidence", None)
    return answers


def as_words(url: str, terms: list[str]) -> list[str]:
    """The draft's word behind each stem 0.1.0 gave as a term (a word is its own stem's)."""
    from urllib.parse import parse_qs

    from whoosh.analysis import StemmingAnalyzer

    draft = parse_qs(urlsplit(url).query).get("text", [""])[0]
    words: dict[str, str] = {}
    for token in StemmingAnalyzer()(draft, keeporiginal=True):
        words.setdefault(token.text, token.original.lower())
    return [words.get(t, t) for t in terms]


#: What a document's record gained since 0.1.0 (docs/metadata.md, "How sure", "Whose words").
NEW_CLAIMS = ("confidence", "unstated", "voice")


def without_new_claims(fields: dict) -> dict:  # type: ignore[type-arg]
    """Stored fields without what this release's reader adds to them."""
    fields = dict(fields)
    details = json.loads(fields.get("details_json") or "{}")
    for key in NEW_CLAIMS:
        details.pop(key, None)
    fields["details_json"] = json.dumps(details, ensure_ascii=False)
    exemptions = json.loads(fields.get("exemptions_json") or "[]")
    for e in exemptions:
        e.pop("confidence", None)
    fields["exemptions_json"] = json.dumps(exemptions, ensure_ascii=False)
    return fields


def rank_keys(config, url: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """id -> what the new release orders a probe's results by (a score, a date): results
    with equal keys are ties, which a release may order as it likes."""
    from archive.prior import prior
    from archive.reader import IndexReader
    from archive.search import Matcher, parse_query

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    reader = IndexReader(config.index_path)
    try:
        if parts.path == "/prior.json":
            return {h.hit.id: round(h.score, 9) for h in prior(reader, query["text"]).hits}
        with reader.searcher() as s:
            columns = reader.facet_columns(s)
            ids = {int(d): s.stored_fields(int(d))["id"] for d in np.flatnonzero(columns.live)}
            q = query.get("q", "")
            sort = query.get("sort") or ("relevance" if q else "date")
            if sort == "relevance" and q:
                _, score = Matcher(s, columns).run(parse_query(q, s, columns))
                return {i: round(float(score[d]), 9) for d, i in ids.items()}
            if sort == "ingested":
                return {i: (columns.sort_ingested[d], columns.sort_dates[d]) for d, i in ids.items()}
            return {i: columns.sort_dates[d] for d, i in ids.items()}
    finally:
        reader.close()


def in_order_of(url: str, old: dict, new: dict, config) -> dict:  # type: ignore[no-untyped-def]
    """``new`` with the results its release ranks equal put in the order ``old`` has them:
    the release before broke ties by where documents lay in the index, this one by the
    tiebreak column. Only neighbours with one key (score, date) are reordered."""
    if new["status"] != 200 or not url.startswith(("/prior.json", "/search.json", "/search.csv")):
        return new
    if "text" in new:  # CSV: the first column is the id
        head, *rows = new["text"].splitlines(keepends=True)
        old_rows = old["text"].splitlines(keepends=True)[1:]
        results, old_ids = rows, [r.split(",", 1)[0] for r in old_rows]
        id_of = lambda r: r.split(",", 1)[0]  # noqa: E731
    else:
        results, old_ids = new["json"]["results"], [r["id"] for r in old["json"]["results"]]
        id_of = lambda r: r["id"]  # noqa: E731
    keys = rank_keys(config, url)
    position = {i: n for n, i in enumerate(old_ids)}
    ordered: list = []
    for _, run in itertools.groupby(results, key=lambda r: keys.get(id_of(r))):
        ordered += sorted(run, key=lambda r: position.get(id_of(r), len(position)))
    if "text" in new:
        return {**new, "text": head + "".join(ordered)}
    return {**new, "json": {**new["json"], "results": ordered}}


def test_an_ingest_killed_mid_run_loses_little(real: RealArchive, tmp_path: Path) -> None:
    """kill -9 (the whole process group) half way through; the next run completes with every
    document once, as the uninterrupted run's, extracting again only what the killed run had
    in hand. bench/interrupt.py does it at 20 random moments (docs/reliability.md)."""
    expected = interrupt.documents(real.folder / "config.toml")
    r = interrupt.one_round(tmp_path / "round", real.paths, real.seconds * 0.5, expected)
    assert r.ok, r
    assert r.killed, "the run finished before it was killed"
    assert r.kept + r.committed > 0  # something of the killed run's work was kept
    assert r.redone <= 4  # two workers' files in hand, and two finished but not written down

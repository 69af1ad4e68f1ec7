"""The `foi-archive` command: thin commands over the archive and ingest libraries.

Each command reads the configuration once (``--config``, else
$FOI_ARCHIVE_CONFIG, else ./config.toml) and calls one library function.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from archive import config as config_mod
from archive import logs
from archive.config import Config, ConfigError

config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Configuration file (default: $FOI_ARCHIVE_CONFIG, else ./config.toml, else the defaults "
         "with the archive in ./data).",
)


def load_config(path: str | None) -> Config:
    """The configuration. When no file is named (--config, $FOI_ARCHIVE_CONFIG) and there
    is no ./config.toml, the defaults, with the archive in ./data: an installed
    ``foi-archive`` works in any folder. A file named but missing is an error."""
    if not path and not os.environ.get(config_mod.ENV_VAR) and not config_mod.resolve_path(None).exists():
        return Config.for_directory(Path.cwd() / "data")
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="foi-archive", prog_name="foi-archive", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, to stderr.")
def main(verbose: bool) -> None:
    """FOI Archive: a searchable archive of UK freedom-of-information responses."""
    logs.configure("text", logging.INFO if verbose else logging.WARNING)


def say_progress() -> None:
    """Let a long run's progress lines (ingest/infra/progress.py) through without -v."""
    logging.getLogger("foi_archive.progress").setLevel(logging.INFO)


log_format_option = click.option(
    "--log-format", type=click.Choice(logs.LOG_FORMATS), default=None,
    help="Logs as text, or as JSON (one object per line) for a log collector "
         "(default from config: text).")


# -- ingest ---------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@config_option
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
@click.option("--source", "source_names", multiple=True,
              help="Run this configured [sources.NAME] (repeatable).")
@click.option("--all", "all_sources", is_flag=True,
              help="Run every configured source not marked enabled = false.")
@click.option("--retry-failed", is_flag=True,
              help="Only redo what failed last time (fetches and extractions) in the sources chosen.")
@click.option("--only", "only_urls", multiple=True, metavar="URL",
              help="With one --source: take just these URLs (responses, listings to follow), "
                   "not the whole log (repeatable).")
@click.option("--warc", "warc", is_flag=True,
              help="PATHS are web archives (WARC files, gzipped or not) made by any tool: take the "
                   "responses in them that the configured sources' patterns recognise.")
@log_format_option
@click.option("--follow-symlinks", is_flag=True,
              help="Also take links that lead out of a folder given, hard links to files "
                   "outside it and other mounts inside it (skipped by default).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Extract on the workers of this Dask scheduler (`dask worker tcp://HOST:PORT` "
                   "on any machines); the index is still written here. Needs foi-archive[cluster].")
def ingest(paths: tuple[str, ...], config_path: str | None, progress: bool | None,
           source_names: tuple[str, ...], all_sources: bool, retry_failed: bool,
           only_urls: tuple[str, ...], warc: bool, log_format: str | None,
           follow_symlinks: bool, scheduler: str | None) -> None:
    """Take files and folders (recursively), or configured sources, into the archive.

    Every original is kept write-once under its sha256 with a record of where it
    came from; its text is extracted in a limited child process, its metadata
    read, and the index updated. Re-running on the same inputs changes nothing.

    Example: foi-archive ingest ../shared/corpus/docs

    Example: foi-archive ingest --source met_police    (or --all, --retry-failed)

    Example: foi-archive ingest --warc crawl.warc.gz    (web archives made by any tool)

    Example: foi-archive ingest ../shared/corpus/docs --scheduler tcp://10.0.0.5:8786
    """
    config = load_config(config_path)
    if scheduler is not None:
        config = replace(config, ingest=replace(config.ingest, scheduler=scheduler))
    if config.ingest.scheduler and importlib.util.find_spec("distributed") is None:
        from ingest.infra.cluster import INSTALL_HINT
        raise click.ClickException(INSTALL_HINT)
    from ingest.infra.cluster import ClusterError  # no dask import: that waits for a cluster
    try:
        _ingest(config, paths, progress, source_names, all_sources, retry_failed, only_urls,
                warc, log_format, follow_symlinks)
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None


def _ingest(config: Config, paths: tuple[str, ...], progress: bool | None,
            source_names: tuple[str, ...], all_sources: bool, retry_failed: bool,
            only_urls: tuple[str, ...], warc: bool, log_format: str | None,
            follow_symlinks: bool) -> None:
    report = _Report(log_format or config.ingest.log_format)
    show = sys.stderr.isatty() if progress is None else progress
    if not show:  # no terminal (a timer, a service): a progress line in the log now and then
        say_progress()
    if paths and (source_names or all_sources):
        raise click.UsageError("give PATHS or --source/--all, not both")
    if warc:
        if not paths or source_names or all_sources or retry_failed or only_urls or follow_symlinks:
            raise click.UsageError("--warc FILE... takes WARC files, and no --source, --all or --only")
        missing = [p for p in paths if not Path(p).is_file()]
        if missing:
            raise click.UsageError(f"not a file: {', '.join(missing)}")
        _ingest_warcs(config, list(paths), show, report)
        return
    if paths:
        _ingest_paths(config, paths, show, follow_symlinks, report)
        return
    if follow_symlinks:
        raise click.UsageError("--follow-symlinks is for PATHS; a folder source sets follow_symlinks = true")
    from ingest.runs import enabled_sources
    names = list(source_names) or (enabled_sources(config) if all_sources or retry_failed else [])
    if not names:
        raise click.UsageError("give PATHS, --source NAME or --all")
    if only_urls and (len(source_names) != 1 or all_sources or retry_failed):
        raise click.UsageError("--only is for one --source NAME")
    _ingest_sources(config, names, show, retry_failed, set(only_urls) or None, report)


class _Report:
    """What an ingest run says: "skipped:" and "failed:" lines on stderr and the summary on
    stdout as text; as JSON, each a log record on stderr with its parts as fields."""

    log = logging.getLogger("cli.ingest")

    def __init__(self, fmt: str) -> None:
        self.json = fmt == "json"
        if self.json:
            logs.configure("json")
            self.log.setLevel(logging.INFO)  # the summary is wanted without -v

    def item(self, event: str, what: str, reason: str, detail: str) -> None:
        if self.json:
            self.log.warning("%s: %s: %s%s", event, what, reason, ": " + detail if detail else "",
                             extra={"fields": {"event": event, "item": what, "reason": reason,
                                               "detail": detail}})
        else:
            click.echo(f"{event}: {what}: {reason}{': ' + detail if detail else ''}", err=True)

    def summary(self, line: str, source: str | None = None) -> None:
        if self.json:
            fields = {"event": "summary", **({"source": source} if source else {})}
            self.log.info("%s", line, extra={"fields": fields})
        else:
            click.echo(line)


def _ingest_paths(config: Config, paths: tuple[str, ...], show: bool, follow_symlinks: bool,
                  report: _Report) -> None:
    from ingest.sources.walk import WalkError
    from ingest.runs import ingest_paths

    try:
        summary = ingest_paths(config, list(paths), progress=_progress_bar() if show else None,
                               follow_symlinks=follow_symlinks)
    except WalkError as exc:
        raise click.ClickException(str(exc)) from None
    for name, reason, detail in summary.skips:
        report.item("skipped", name, reason, detail)
    for name, reason, detail in summary.failures:
        report.item("failed", name, reason, detail)
    report.summary(summary.line())
    _exit_if_failed(summary.failures)


def _exit_if_failed(failures: list[tuple[str, str, str]]) -> None:
    """Exit 1 when anything failed, so a scheduled run can tell; the "failed:" lines on
    stderr say which, and the summary how many."""
    if failures:
        sys.exit(1)


def _ingest_warcs(config: Config, warcs: list[str], show: bool, report: _Report) -> None:
    from ingest.runs import ingest_warcs
    from ingest.sources.settings import SourceError

    try:
        summary = ingest_warcs(config, warcs, progress=_progress_bar() if show else None)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    for what, reason, detail in summary.failures:
        report.item("failed", what, reason, detail)
    report.summary(summary.line())
    _exit_if_failed(summary.failures)


def _ingest_sources(config: Config, names: list[str], show: bool, retry_failed: bool,
                    only: set[str] | None, report: _Report) -> None:
    from ingest.runs import run_source
    from ingest.sources.settings import SourceError

    failures: list[tuple[str, str, str]] = []
    for name in names:
        try:
            line = _FetchLine(name)
            summary = run_source(config, name, progress=_progress_bar(line.end) if show else None,
                                 retry_failed=retry_failed, fetch_progress=line if show else None, only=only)
            line.end()
        except SourceError as exc:
            raise click.ClickException(str(exc)) from None
        for what, reason, detail in summary.skips:
            report.item("skipped", what, reason, detail)
        for what, reason, detail in summary.failures:
            report.item("failed", what, reason, detail)
        report.summary(summary.line(), name)
        failures += summary.failures
    _exit_if_failed(failures)


@main.command("sources")
@config_option
@click.option("--check", "check", is_flag=True,
              help="NAME URL...: say what source NAME does with each URL given, and why.")
@click.argument("args", nargs=-1, metavar="[NAME URL...]")
def sources_command(config_path: str | None, check: bool, args: tuple[str, ...]) -> None:
    """List the configured sources, their kind, their evidence and their last run; or,
    with --check NAME URL..., whether the source would take each URL as a response,
    follow it as a listing, take it with a response as an attachment, or ignore it.

    Example: foi-archive sources

    Example: foi-archive sources --check met_police https://www.met.police.uk/foi-ai/...

    Example: foi-archive sources --check --config /etc/foi-archive/config.toml met_police URL
    """
    from cli.reports import source_statuses

    config = load_config(config_path)
    # --check is a flag and NAME the first word after the options, so that --config may
    # come anywhere, even straight after --check.
    if check or args:
        if not check:
            raise click.UsageError("give --check NAME and one or more URLs")
        _check_urls(config, args[0] if args else None, args[1:])
        return
    if not config.sources:
        click.echo("no sources configured (add [sources.NAME] tables to the config file)")
        return
    for status in source_statuses(config):
        click.echo(f"{status.name}: {status.kind}{'' if status.enabled else ' (disabled)'}")
        if status.evidence:
            click.echo(f"  evidence: {status.evidence}")
        run = status.last_run
        if run is None:
            click.echo("  never run")
            continue
        shown = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in run.counts.items() if v)
        click.echo(f"  last run {run.started}"
                   f"{'' if run.finished else ' (did not finish)'}: {shown or 'nothing to do'}")


def _check_urls(config: Config, name: str | None, urls: tuple[str, ...]) -> None:
    from ingest.sources.kinds import make_source
    from ingest.sources.settings import SourceError

    if not name or not urls:
        raise click.UsageError("give --check NAME and one or more URLs")
    if name not in config.sources:
        raise click.ClickException(f"no source {name!r} in the configuration "
                                   f"(configured: {', '.join(config.sources) or 'none'})")
    try:
        source = make_source(name, config.sources[name], config)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    if not hasattr(source, "check"):
        raise click.ClickException(f"{name} is a {source.kind} source: it reads files, not URLs")
    for url in urls:
        verdict = source.check(url)
        click.echo(f"{verdict.action:<10} {url}\n{'':<10} {verdict.reason}")


@main.command("failures")
@config_option
@click.option("--source", "source_name", default=None, help="Only this source.")
def failures_command(config_path: str | None, source_name: str | None) -> None:
    """List extraction and fetch failures with their reasons.

    Example: foi-archive failures --source met_police
    """
    from cli.reports import failures

    found = failures(load_config(config_path), source_name)
    if found is None:
        click.echo("no failures: nothing ingested yet")
        return
    for f in found:
        if f.stage == "extract":
            click.echo(f"extract  {f.source or '?'}  {f.what}: "
                       f"{f.reason}{': ' + f.detail if f.detail else ''}")
        else:
            click.echo(f"fetch    {f.source}  {f.what}: {f.reason}: {f.detail or ''}".rstrip(": "))
    click.echo(f"{len(found)} failure{'s' if len(found) != 1 else ''}")


class _FetchLine:
    """A status line while a source is fetched: how many URLs, in which states, the last one.

    The number of pages a crawl will find is not known in advance, so this counts
    rather than fills a bar; the extraction that follows has a real bar.
    """

    EVERY = 0.2  # seconds between redraws

    def __init__(self, source: str) -> None:
        self.source = source
        self.last = 0.0
        self.shown = False

    def __call__(self, url: str, counts: Any) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY:
            return
        self.last = now
        done = sum(counts[k] for k in ("stored", "unchanged", "not_modified"))
        line = (f"Fetching {self.source}: {done} fetched ({counts['stored']} new or changed), "
                f"{counts['failed'] + counts['gone']} failed or gone, "
                f"{counts['skipped_robots']} skipped by robots, {counts['deferred']} deferred  {url[-60:]}")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        click.echo("\r" + line[:width].ljust(width), nl=False, err=True)
        self.shown = True

    def end(self) -> None:
        """Leave the line as it is and move on to the next."""
        if self.shown:
            click.echo("", err=True)
            self.shown = False


def _progress_bar(before: Any = None) -> Any:
    state: dict[str, Any] = {}

    def update(done: int, total: int, name: str) -> None:
        bar = state.get("bar")
        if bar is None:
            if before is not None:
                before()
            bar = click.progressbar(length=total, label="Extracting", file=sys.stderr,
                                    show_pos=True, item_show_func=lambda n: n and n[-40:])
            bar.__enter__()
            state["bar"] = bar
        bar.update(1, name)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


# -- extract --------------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, per file, in order.")
def extract(files: tuple[str, ...], config_path: str | None, as_json: bool) -> None:
    """Extract text and metadata from files, without storing anything.

    A file that cannot be read gets its line with "error" set; the command goes on.
    No config file is needed: without one the default limits apply.

    Example: foi-archive extract response.pdf --json
    """
    from ingest.pipeline import extract_paths

    config = load_config(config_path)
    for record in extract_paths(config, list(files)):
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            _print_record(record)


def _print_record(record: dict[str, Any]) -> None:
    click.secho(record["path"], bold=True)
    if record["error"]:
        click.echo(f"  error: {record['error']}")
        return
    for key in ("format", "title", "authority", "authority_type", "force", "regime", "reference",
                "date", "received", "outcome"):
        if record.get(key):
            click.echo(f"  {key}: {record[key]}")
    if record["exemptions"]:
        click.echo(f"  exemptions: {', '.join(record['exemptions'])}")
    if record["topics"]:
        click.echo(f"  topics: {', '.join(record['topics'])}")
    click.echo(f"  text: {len(record['text']):,} characters")


# -- search ---------------------------------------------------------------------------


@main.command("search")
@click.argument("query", nargs=-1)
@config_option
@click.option("--force", "forces", multiple=True, help="Only this police force (repeatable).")
@click.option("--authority", "authorities", multiple=True, help="Only this authority (repeatable).")
@click.option("--exemption", "exemptions", multiple=True,
              help='Only responses relying on this provision, e.g. "FOIA s.40" (repeatable).')
@click.option("--topic", "topics", multiple=True, help="Only this topic (repeatable).")
@click.option("--outcome", "outcomes", multiple=True, help="Only this outcome (repeatable).")
@click.option("--year", "years", multiple=True, help="Only this year (repeatable).")
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc", "ingested"]), default="relevance")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1, 500), default=1)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as /search.json.")
def search_command(query: tuple[str, ...], config_path: str | None, forces: tuple[str, ...],
                   authorities: tuple[str, ...], exemptions: tuple[str, ...],
                   topics: tuple[str, ...], outcomes: tuple[str, ...], years: tuple[str, ...],
                   sort: str, limit: int, page: int, as_json: bool) -> None:
    """Search the archive from the terminal.

    Example: foi-archive search facial recognition --force "Metropolitan Police Service"
    """
    from archive.reader import IndexMissing, IndexReader
    from archive.search import QueryError, SearchParams, search
    from archive.serialize import search_dict

    config = load_config(config_path)
    filters = {name: list(values) for name, values in (
        ("force", forces), ("authority", authorities), ("exemption", exemptions),
        ("topic", topics), ("outcome", outcomes), ("year", years)) if values}
    params = SearchParams(q=" ".join(query), filters=filters, sort=sort, page=page, per_page=limit)
    reader = IndexReader(config.index_path)
    try:
        result = search(reader, params)
    except (QueryError, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        reader.close()
    if as_json:
        click.echo(json.dumps(search_dict(result, lambda i: f"/documents/{i}"), ensure_ascii=False))
        return
    click.echo(f"{result.total:,} responses")
    for n, hit in enumerate(result.hits, start=(page - 1) * limit + 1):
        who = hit.force or hit.authority or "unknown authority"
        badges = " ".join([hit.outcome_label or ""] + [e.code for e in hit.exemptions]).strip()
        click.echo(f"{n:>3}. {hit.title}")
        click.echo(f"     {who} · {hit.date or 'no date'} · {badges or 'no decision read'} · id {hit.id}")


# -- export ---------------------------------------------------------------------------


@main.command("export")
@config_option
@click.option("--sqlite", "sqlite_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write a SQLite file with full-text search (ready for Datasette).")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write one CSV file a table into this folder (made if missing).")
@click.option("--force", is_flag=True, help="Replace files an earlier export left there.")
def export_command(config_path: str | None, sqlite_path: Path | None, csv_dir: Path | None,
                   force: bool) -> None:
    """Write the whole archive's metadata and text as data: documents, exemptions with their
    sentences, questions and answers, topics, provenance and round-robin groups. Withdrawn
    responses are left out. The tables are described in docs/api.md.

    Example: foi-archive export --sqlite foi.db && datasette foi.db

    Example: foi-archive export --csv foi-csv
    """
    from archive.export import ExportError, export
    from archive.reader import IndexMissing

    if sqlite_path is None and csv_dir is None:
        raise click.UsageError("give --sqlite FILE, --csv DIR or both")
    config = load_config(config_path)
    started = time.monotonic()
    try:
        summary = export(config, sqlite_path=sqlite_path, csv_dir=csv_dir, force=force)
    except (ExportError, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    where = " and ".join(str(p) for p in (sqlite_path, csv_dir) if p is not None)
    click.echo(f"wrote {where}: {summary.line()} ({time.monotonic() - started:.1f} s)")


# -- serve ----------------------------------------------------------------------------


@main.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default from config: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default from config: 5000).")
@click.option("--debug", is_flag=True, help="Flask's debug server instead of gunicorn. Never in production.")
@log_format_option
def serve(config_path: str | None, host: str | None, port: int | None, debug: bool,
          log_format: str | None) -> None:
    """Serve the site (gunicorn; Flask's debug server only with --debug).

    Example: foi-archive serve --port 8080
    """
    from archive.web.server import run

    config = load_config(config_path)
    run(config, host=host or config.site.host, port=port or config.site.port, debug=debug,
        log_format=log_format)


# -- samples --------------------------------------------------------------------------


@main.command()
@click.argument("dest", type=click.Path(file_okay=False), default="data/samples")
@click.option("--count", type=click.IntRange(1, 10000), default=60, show_default=True)
def samples(dest: str, count: int) -> None:
    """Write the generated sample responses (clearly marked as samples) into DEST.

    Example: foi-archive samples data/samples && foi-archive ingest data/samples
    """
    from samplegen.letters import write_samples

    written = write_samples(Path(dest), count=count)
    click.echo(f"wrote {len(written)} sample files to {dest}")

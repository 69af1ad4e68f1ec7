"""Operator commands: rebuild the index, verify the archive, take a response down."""

from __future__ import annotations

import sys

import click

from cli.main import config_option, load_config


def _need_store(config) -> None:  # type: ignore[no-untyped-def]
    if not (config.store_path / "catalogue.sqlite").exists():
        raise click.ClickException(f"no store at {config.store_path}: run `foi-archive ingest` first")


@click.command("rebuild")
@config_option
@click.option("--reread-metadata", is_flag=True,
              help="Read every document's metadata again from its stored text "
                   "(by default only where the metadata reader has changed since).")
@click.option("--no-swap", is_flag=True, help="Build and check the new index, but leave it aside.")
def rebuild_command(config_path: str | None, reread_metadata: bool, no_swap: bool) -> None:
    """Build a new index from the stored originals' text, check it, and swap it in.

    Nothing is fetched or extracted again. The new index goes into a new folder
    beside the old one and is checked against the store (the same document ids,
    each document's fields, canary queries); only then does the index path, a
    symlink, move to it in one atomic step. The site keeps serving throughout.

    Example: foi-archive rebuild
    """
    from ingest.rebuild import RebuildError, rebuild

    config = load_config(config_path)
    _need_store(config)
    try:
        report = rebuild(config, reread_all=reread_metadata, swap=not no_swap)
    except RebuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"built {report.documents} documents into {report.path} "
               f"({report.reread} with metadata re-read); check passed")
    if report.skipped:
        click.echo(f"{len(report.skipped)} stored documents have no version record: "
                   + ", ".join(report.skipped[:10]), err=True)
    if report.old_text:
        click.echo(f"{report.old_text} documents have text from an older extractor: "
                   "run `foi-archive ingest` to extract them again", err=True)
    if report.compared is not None:
        c = report.compared
        click.echo(f"against the old index: {c['in_both']} in both, "
                   f"{c['only_in_new']} only in the new, {c['only_in_old']} only in the old")
    if no_swap:
        click.echo(f"not swapped in: {config.index_path} is unchanged")
        return
    click.echo(f"swapped in: {config.index_path} -> {report.path.name}")
    for path in report.removed:
        click.echo(f"removed old index {path}")


@click.command("verify")
@config_option
@click.option("--no-objects", is_flag=True, help="Skip re-hashing the originals.")
@click.option("--no-index", is_flag=True, help="Skip comparing the index with the store.")
@click.option("--clean-temp", is_flag=True,
              help="Delete temporary files an interrupted write left in the store (over an hour old).")
def verify_command(config_path: str | None, no_objects: bool, no_index: bool,
                   clean_temp: bool) -> None:
    """Re-hash every stored original and check the index against the store.

    Exits non-zero if an original's bytes no longer match its sha256, an
    original is missing, or the index is unreadable or differs from the store.
    Nothing is repaired: each problem is reported with what depends on it.

    Example: foi-archive verify
    """
    from ingest.verify import verify

    config = load_config(config_path)
    _need_store(config)
    report = verify(config, objects=not no_objects, index=not no_index, clean_temp=clean_temp)
    if not no_objects:
        click.echo(f"originals: {report.objects} checked, {len(report.bad)} bad")
        for bad in report.bad:
            actual = f"actual {bad.actual}" if bad.actual else "the file is missing"
            docs = ", ".join(bad.dependents) or "none"
            click.echo(f"  {bad.status.upper()} expected {bad.sha256} {actual}; documents: {docs}")
        for sha in report.unlisted:
            click.echo(f"  not in the catalogue (kept): {sha}")
        for path in report.temp_files:
            gone = " (removed)" if path in report.removed_temp else ""
            click.echo(f"  temporary file from an interrupted write: {path}{gone}")
    ix = report.index
    if ix is not None:
        if ix.error:
            click.echo(f"index: UNREADABLE ({ix.error}); run `foi-archive rebuild`")
        else:
            click.echo(f"index: generation {ix.generation}, {ix.documents} documents")
            for line in ix.problems():
                click.echo(f"  {line}")
    click.echo("ok" if report.ok else "PROBLEMS FOUND")
    if not report.ok:
        sys.exit(1)


def _act(action, doc_id: str, reason: str, config_path: str | None, done: str) -> None:  # type: ignore[no-untyped-def]
    from ingest.takedown import TakedownError

    config = load_config(config_path)
    _need_store(config)
    try:
        result = action(config, doc_id, reason)
    except TakedownError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{done}: {result.doc_id} {result.title}".rstrip())


@click.command("takedown")
@click.argument("doc_id")
@click.option("--reason", required=True, help="Why (logged with the time and $USER).")
@config_option
def takedown_command(doc_id: str, reason: str, config_path: str | None) -> None:
    """Hide a response and its original from the site, now and on every later ingest.

    The original and its text are kept; `foi-archive restore ID` puts it back.

    Example: foi-archive takedown 3f2a9c0d1e2b4a5c --reason "requester's name in the text"
    """
    from ingest.takedown import takedown

    _act(takedown, doc_id, reason, config_path, "taken down")


@click.command("restore")
@click.argument("doc_id")
@click.option("--reason", default="", help="Why (logged with the time and $USER).")
@config_option
def restore_command(doc_id: str, reason: str, config_path: str | None) -> None:
    """Put a taken-down response back on the site, re-indexed from its stored text.

    Example: foi-archive restore 3f2a9c0d1e2b4a5c --reason "redacted copy checked"
    """
    from ingest.takedown import restore

    _act(restore, doc_id, reason, config_path, "restored")


COMMANDS = (rebuild_command, verify_command, takedown_command, restore_command)

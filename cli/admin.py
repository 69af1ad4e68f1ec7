"""Operator commands: rebuild the index, verify the archive, take a response down,
correct a response's metadata."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archive.models import CORRECTABLE, OUTCOMES
from archive import logs
from cli.main import config_option, load_config, log_format_option, say_progress


def _need_store(config) -> None:  # type: ignore[no-untyped-def]
    if not (config.store_path / "catalogue.sqlite").exists():
        raise click.ClickException(f"no store at {config.store_path}: run `foi-archive ingest` first")


@click.command("rebuild")
@config_option
@click.option("--reread-metadata", is_flag=True,
              help="Read every document's metadata again from its stored text "
                   "(by default only where the metadata reader has changed since).")
@click.option("--no-swap", is_flag=True, help="Build and check the new index, but leave it aside.")
@log_format_option
def rebuild_command(config_path: str | None, reread_metadata: bool, no_swap: bool,
                    log_format: str | None) -> None:
    """Build a new index from the stored originals' text, check it, and swap it in.

    Nothing is fetched or extracted again. The new index goes into a new folder
    beside the old one and is checked against the store (the same document ids,
    each document's fields, canary queries); only then does the index path, a
    symlink, move to it in one atomic step. The site keeps serving throughout.

    Example: foi-archive rebuild
    """
    from ingest.tasks.rebuild import RebuildError, rebuild

    config = load_config(config_path)
    _need_store(config)
    if (log_format or config.ingest.log_format) == "json":
        logs.configure("json")
    say_progress()  # a progress line in the log now and then, as ingest without a terminal
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
    from ingest.tasks.verify import verify

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
            if ix.older_reader:
                click.echo(f"  {len(ix.older_reader)} read by an older metadata reader: `foi-archive rebuild` "
                           "reads them again")
    click.echo("ok" if report.ok else "PROBLEMS FOUND")
    if not report.ok:
        sys.exit(1)


def _act(action, doc_id: str, reason: str, config_path: str | None, done: str) -> None:  # type: ignore[no-untyped-def]
    from ingest.tasks.takedown import TakedownError

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
    from ingest.tasks.takedown import takedown

    _act(takedown, doc_id, reason, config_path, "taken down")


@click.command("restore")
@click.argument("doc_id")
@click.option("--reason", default="", help="Why (logged with the time and $USER).")
@config_option
def restore_command(doc_id: str, reason: str, config_path: str | None) -> None:
    """Put a taken-down response back on the site, re-indexed from its stored text.

    Example: foi-archive restore 3f2a9c0d1e2b4a5c --reason "redacted copy checked"
    """
    from ingest.tasks.takedown import restore

    _act(restore, doc_id, reason, config_path, "restored")


#: The option of each correctable field (archive.models.CORRECTABLE).
CORRECT_OPTIONS = {"outcome": "--outcome", "exemptions": "--exemption", "authority": "--authority",
                   "reference": "--reference", "date": "--date", "reason": "--reason"}


@click.command("correct")
@click.argument("doc_id")
@click.option("--outcome", help=f"{', '.join(OUTCOMES)}, or none.")
@click.option("--exemption", "exemptions", multiple=True,
              help='A provision in the normal form ("FOIA s.40(2)", "EIR reg.12(5)(b)"); '
                   'repeat for each; "none" for no exemptions. Replaces the list read.')
@click.option("--authority", help="The body that answered; its type and force are read from "
                                  "the registry.")
@click.option("--reference", help="The body's reference for the request, as written.")
@click.option("--date", help="The date of the response, YYYY-MM-DD.")
@click.option("--clear", multiple=True, metavar="FIELD",
              type=click.Choice(CORRECTABLE),
              help="Withdraw the correction of FIELD: the reading from the text is back (repeatable).")
@click.option("--reason", required=True, help="Why (logged with the time and $USER).")
@config_option
def correct_command(doc_id: str, outcome: str | None, exemptions: tuple[str, ...],
                    authority: str | None, reference: str | None, date: str | None,
                    clear: tuple[str, ...], reason: str, config_path: str | None) -> None:
    """Correct a response's metadata by hand, now and on every later ingest and rebuild.

    Each correction is logged with its reason, the time and $USER; the page marks
    the field "corrected"; `foi-archive corrections` lists them. "none" means there
    is none (no outcome, no exemptions, ...).

    \b
    Example: foi-archive correct 3f2a9c0d1e2b4a5c --outcome refused
               --exemption "FOIA s.40(2)" --reason "the letter withholds the whole list"
             foi-archive correct 3f2a9c0d1e2b4a5c --clear outcome --reason "reader fixed"
    """
    from ingest.corrections import CorrectionError
    from ingest.tasks.correct import correct, show_value

    values = {name: value for name, value in (
        ("outcome", outcome), ("exemptions", list(exemptions)), ("authority", authority),
        ("reference", reference), ("date", date)) if value not in (None, [])}
    if not values and not clear:
        raise click.UsageError("nothing to correct: give a field's new value, or --clear FIELD")
    config = load_config(config_path)
    _need_store(config)
    try:
        result = correct(config, doc_id, values, clear=clear, reason=reason)
    except CorrectionError as exc:
        if exc.field in CORRECT_OPTIONS:  # a value refused: a usage error (exit status 2)
            raise click.BadParameter(str(exc), param_hint=CORRECT_OPTIONS[exc.field]) from None
        raise click.ClickException(str(exc)) from None
    click.echo(f"corrected: {result.doc_id} {result.title}".rstrip())
    for name, value in result.changed.items():
        click.echo(f"  {name} = {show_value(value)}")
    for name in result.cleared:
        click.echo(f"  {name}: correction withdrawn, the reading from the text is back")
    if not result.indexed:
        click.echo("the response is taken down: the correction applies if it is restored")


@click.command("corrections")
@click.argument("doc_id", required=False)
@click.option("--all", "history", is_flag=True,
              help="Every correction logged, withdrawn and replaced ones too.")
@click.option("--json", "as_json", is_flag=True, help="One JSON list, for scripts.")
@click.option("--labels", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the corrections in force to FILE in labels.json's schema, the "
                   "originals beside it in originals/, for `foi-archive evaluate FILE`.")
@config_option
def corrections_command(doc_id: str | None, history: bool, as_json: bool, labels: str | None,
                        config_path: str | None) -> None:
    """List the corrections in force (of one response, or all), or write them as labels.

    \b
    Example: foi-archive corrections --all
             foi-archive corrections --labels corrections/labels.json
             foi-archive evaluate corrections/labels.json
    """
    import json

    from ingest.tasks.correct import list_corrections, show_value, write_labels

    config = load_config(config_path)
    _need_store(config)
    if labels:
        if history or doc_id:
            raise click.UsageError("--labels writes every correction in force: no ID or --all")
        report = write_labels(config, labels)
        click.echo(f"wrote {report.entries} labelled response{'' if report.entries == 1 else 's'} "
                   f"to {labels} ({report.originals} new originals beside it)")
        for skipped, why in report.skipped:
            click.echo(f"  not written: {skipped}: {why}", err=True)
        return
    rows = list_corrections(config, doc_id, history=history)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in rows], ensure_ascii=False))
        return
    for c in rows:
        value = "(withdrawn)" if c.action == "clear" else show_value(c.value)
        state = ("" if not history or c.action == "clear"
                 else "  in force" if c.in_force else "  no longer in force")
        click.echo(f"{c.id}  {c.field} = {value}  reason: {c.reason}  by {c.user}  {c.time}{state}")
    if not rows:
        click.echo("no corrections" + ("" if history else " in force"))


@click.command("snapshot")
@config_option
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--keep", type=click.IntRange(1, 100), default=2, show_default=True,
              help="Index generations to keep in DEST (the newest; a replica mid-request may be on the one before).")
def snapshot_command(config_path: str | None, dest: str, keep: int) -> None:
    """Copy what the site reads into DEST, for a replica: consistent and checked.

    The current index generation (taken whole even while ingest commits), the
    catalogue (SQLite's online backup) and the originals the copy lacks. The copy is
    counted before DEST/index moves to it in one atomic step; a site serving DEST
    (its config's [index] path = DEST/index, [store] path = DEST/store) takes it up on
    its next request, without a restart. Run it again, e.g. after each ingest, to
    refresh the replica; copy DEST to other machines with rsync.

    Example: foi-archive snapshot /srv/foi-replica && rsync -a /srv/foi-replica/ web2:/srv/foi-replica/
    """
    from ingest.tasks.snapshot import SnapshotError, snapshot

    config = load_config(config_path)
    try:
        result = snapshot(config, Path(dest), keep=keep)
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"snapshot of generation {result.generation}: {result.documents} documents, "
               f"{result.index_files} index files ({result.index_bytes / 1e6:.1f} MB), "
               f"{result.objects_copied} originals copied, {result.objects_kept} already there "
               f"({result.seconds} s)")
    click.echo(f"{Path(dest) / 'index'} -> {Path(dest) / 'generations'}/"
               f"{os.path.basename(os.path.realpath(Path(dest) / 'index'))}")
    for path in result.removed:
        click.echo(f"removed old generation {path}")


COMMANDS = (rebuild_command, verify_command, takedown_command, restore_command,
            correct_command, corrections_command, snapshot_command)

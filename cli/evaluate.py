"""The `foi-archive evaluate` command: score metadata reading against hand labels."""

from __future__ import annotations

import json

import click

from cli.main import config_option, load_config


@click.command("evaluate")
@click.argument("labels", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores and misses as one JSON object.")
@click.option("--by-source", is_flag=True,
              help="Also score each source apart, and cross-validate each claim's threshold with whole "
                   "sources held out (the repository SOURCES.md names, else the label's 'source', else "
                   "the file name's first two parts; sources sharing a body are one).")
def evaluate_command(labels: tuple[str, ...], config_path: str | None, as_json: bool, by_source: bool) -> None:
    """Score `foi-archive extract --json` on the files of LABELS against their labels.

    Each LABELS file is a JSON list of objects whose "file" is relative to its folder
    (the corpus's labels.json, or the samples.json that `foi-archive samples` writes);
    several are scored as one set. Prints per-field scores, then each miss.

    \b
    Example: foi-archive evaluate ../shared/corpus/labels.json
             foi-archive evaluate ../shared/corpus/labels.json ../shared/corpus/heldout_labels.json --by-source
    """
    from ingest.metadata.confidence import TARGET_PRECISION
    from ingest.tasks.evaluate import (claims_by_field, cross_validate, evaluate_sets, format_cross_validation,
                                       format_report, format_sources, records_for, report_dict)

    config = load_config(config_path)
    try:
        records = [r for path in labels for r in records_for(config, path)]
        report, sources = evaluate_sets(labels, records)
        cv = cross_validate(claims_by_field(labels, records), TARGET_PRECISION) if by_source else []
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        data = report_dict(report)
        if by_source:
            data["sources"] = {name: report_dict(r) for name, r in sources.items()}
            data["cross_validation"] = [
                {"claim": c.field, "groups": c.groups, "read": c.claims, "right": c.right,
                 "threshold": None if c.threshold > 1 else c.threshold, "held_out_stated": c.stated,
                 "held_out_right": c.stated_right,
                 "held_out_precision": c.precision if c.stated else None} for c in cv]
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(format_report(report))
        if by_source:
            click.echo("\nby source:\n" + format_sources(sources))
            click.echo("\n" + format_cross_validation(cv, TARGET_PRECISION))

"""The `foi-archive evaluate` command: score metadata reading against hand labels."""

from __future__ import annotations

import json

import click

from cli.main import config_option, load_config


@click.command("evaluate")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores and misses as one JSON object.")
@click.option("--by-source", is_flag=True,
              help="Also score each source apart (the label's 'source', else the file name's first two parts).")
def evaluate_command(labels: str, config_path: str | None, as_json: bool, by_source: bool) -> None:
    """Score `foi-archive extract --json` on the files of LABELS against their labels.

    LABELS is a JSON list of objects whose "file" is relative to its folder (the
    corpus's labels.json, or the samples.json that `foi-archive samples` writes).
    Prints per-field scores, then each miss.

    Example: foi-archive evaluate ../shared/corpus/labels.json
    """
    from ingest.tasks.evaluate import (evaluate, evaluate_by_source, format_report, format_sources, records_for,
                                 report_dict)

    config = load_config(config_path)
    try:
        records = records_for(config, labels)
        report = evaluate(labels, records)
        sources = evaluate_by_source(labels, records) if by_source else {}
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        data = report_dict(report)
        if by_source:
            data["sources"] = {name: report_dict(r) for name, r in sources.items()}
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(format_report(report))
        if by_source:
            click.echo("\nby source:\n" + format_sources(sources))

"""``backoffice match FILE... [--as-of D] [--json] [--dry-run] [--accept-resolved]``."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

import click

from importers.common import ImportFailure
from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app

PROBLEMS = ("mismatched", "unmatched-ours", "unmatched-theirs")


def _print(report: dict[str, Any], written: tuple[list[Any], list[Any]] | None) -> None:
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.store import written_summary

    for row in report["rows"]:
        who = row["trade_id"] or "-"
        conf = row["confirmation"] or "-"
        name = row["security"] or row["isin"]
        click.echo(
            f"{row['status']:<25} {who:<18} {conf:<14} {row['counterparty'] or '-':<12} "
            f"{row['side']} {row['quantity']} {name} {row['trade_date']}"
        )
        for diff in row["differences"]:
            verdict = "within" if diff["within"] else "OUTSIDE"
            click.echo(
                f"    {diff['field']}: ours {diff['ours']}, theirs {diff['theirs']}, "
                f"difference {diff['difference']} ({verdict} {diff['rule']})"
            )
        for break_id in row["resolves"]:
            click.echo(f"    resolves break {break_id}")
        found = row["break"]
        if found is not None:
            state = {
                "new": "new",
                "open": "open",
                "resolved": f"resolved {found['resolved']}: {found['resolution']}",
            }[found["status"]]
            click.echo(f"    break {found['id']} ({found['kind']}): {state}")
    for error in report["errors"]:
        click.echo(f"{error['file']}:{error['line']}: {error['message']}")
    counts = ", ".join(f"{n} {status}" for status, n in report["summary"].items())
    wrote = written_summary(written)
    click.echo(f"{counts}; {wrote}; as of {report['as_of']}", err=True)


def failed(report: dict[str, Any], accept_resolved: bool) -> bool:
    """Exit 1: a problem row (unless its break is resolved and that is accepted) or an error."""
    for row in report["rows"]:
        if row["status"] not in PROBLEMS:
            continue
        if accept_resolved and row["break"] and row["break"]["status"] == "resolved":
            continue
        return True
    return bool(report["errors"])


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", type=DATE, help="Match as of this date (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--dry-run", is_flag=True, help="Report only; write no breaks.")
@click.option(
    "--accept-resolved",
    is_flag=True,
    help="A mismatch whose break the books hold as resolved does not make the exit code 1.",
)
@pass_app
def match(
    app: AppContext,
    files: tuple[Path, ...],
    as_of: datetime.date | None,
    as_json: bool,
    dry_run: bool,
    accept_resolved: bool,
) -> None:
    """Match our trades against the counterparty's confirmations in FILES.

    Writes a custom "break" entry for each new mismatch or unmatched item.
    Exit 1 when anything is mismatched or unmatched.
    """
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.store import stage_breaks
    from ledger.close.snapshot_load import loaded_from
    from ledger.matching.report import reaches_back, run_match

    with app.writing(as_of, dry_run=dry_run) as (opened, writer):
        path, config, date, books = opened
        try:
            found = run_match(books, config, date, files)
            start = loaded_from(books.options)
            why = reaches_back(found.report, start.end) if start else None
            again = app.reopen_in_full(opened, why) if why else None
            if again is not None:
                books = again.books
                found = run_match(books, config, date, files)
        except ImportFailure as exc:
            if as_json:
                click.echo(json.dumps({"errors": [{"message": str(exc)}]}, indent=2))
            else:
                click.echo(str(exc))
            click.echo("nothing written", err=True)
            sys.exit(1)
        written = stage_breaks(writer, path, found.breaks, found.resolutions, books.entries)
    report = found.report
    if as_json:
        echo_json(report)
    else:
        _print(report, written)
    sys.exit(1 if failed(report, accept_resolved) else 0)

"""``backoffice recon [--as-of D] [--json] [--dry-run]``."""

from __future__ import annotations

import datetime
import sys
from typing import Any

import click

from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app


def _print(report: dict[str, Any], written: tuple[list[Any], list[Any]] | None) -> None:
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.store import written_summary

    for row in report["accounts"]:
        if row["status"] == "no-statement":
            click.echo(f"{row['account']:<40} {row['currency'] or '':<6} no statement yet")
            continue
        click.echo(
            f"{row['account']:<40} {row['currency']:<6} {row['statement_date']}  statement "
            f"{row['statement_balance']:>16}  books {row['books_balance']:>16}  "
            + ("reconciled" if row["status"] == "reconciled" else f"DIFFERENCE {row['difference']}")
            + (f"  STALE: last statement {row['statement_age']} days old" if row["stale"] else "")
        )
        if row["adjusted_for"]:
            click.echo(
                f"    custodian less books {row['custody_adjustment']}: {row['adjusted_for']}"
            )
        for number, candidate in enumerate(row["candidates"], 1):
            whole = " (explains all)" if candidate["whole"] else ""
            click.echo(
                f"    {number}. {candidate['kind']}: explains {candidate['explains']}{whole}: "
                f"{candidate['description']}"
            )
        for break_id in row["resolves"]:
            click.echo(f"    resolves break {break_id}")
        if row["break"] is not None:
            click.echo(f"    break {row['break']['id']}: {row['break']['status']}")
    summary = report["summary"]
    wrote = written_summary(written)
    click.echo(
        f"{summary['reconciled']} reconciled, {summary['difference']} with a difference, "
        f"{summary['no-statement']} without statement; {wrote}; as of {report['as_of']}",
        err=True,
    )


@click.command()
@click.option("--as-of", "as_of", type=DATE, help="Reconcile as of this date (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--dry-run", is_flag=True, help="Report only; write no breaks.")
@pass_app
def recon(app: AppContext, as_of: datetime.date | None, as_json: bool, dry_run: bool) -> None:
    """Each bank and custody account's latest statement balance against the books.

    A difference is listed with the items that could explain it, ranked, and
    written as a custom "break" entry. Exit 1 when any account differs.
    """
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.store import stage_breaks
    from ledger.recon.report import run_recon

    with app.writing(as_of, dry_run=dry_run) as ((path, config, date, books), writer):
        found = run_recon(books, config, date)
        written = stage_breaks(writer, path, found.breaks, found.resolutions, books.entries)
    report = found.report
    if as_json:
        echo_json(report)
    else:
        _print(report, written)
    sys.exit(1 if report["summary"]["difference"] else 0)

"""``backoffice breaks [--status open|resolved] [--json]`` and ``breaks resolve ID TEXT``."""

from __future__ import annotations

import datetime
import sys
from typing import Any

import click

from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, UsageError, pass_app


def print_table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        where = row["link"] or row["account"] or ""
        amount = f"{row['amount']} {row['currency']}" if row["amount"] is not None else ""
        state = (
            f"resolved {row['resolved']}: {row['resolution']}"
            if row["status"] == "resolved"
            else ("OVERDUE " if row["overdue"] else "") + f"open {row['age']}d"
            f" (tolerance {row['tolerance']}d)"
        )
        click.echo(
            f"{row['id']}  {row['date']}  {row['kind']:<22} {where:<28} {amount:>16}  {state}"
        )
        click.echo(f"    {row['description']}")


@click.group(invoke_without_command=True)
@click.option(
    "--status", type=click.Choice(["open", "resolved"]), help="Only open or resolved breaks."
)
@click.option("--as-of", "as_of", type=DATE, help="Age the breaks as of this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def breaks(
    ctx: click.Context, status: str | None, as_of: datetime.date | None, as_json: bool
) -> None:
    """List the breaks in the books with their age in business days.

    Exit 1 when an open break is past its kind's tolerance.
    """
    if ctx.invoked_subcommand is not None:
        return
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.report import breaks_report

    app = ctx.find_object(AppContext)
    assert app is not None
    _, config, date, books = app.open_books(as_of)
    report = breaks_report(books, config, date, status=status)
    if as_json:
        echo_json(report)
    else:
        print_table(report["breaks"])
        summary = report["summary"]
        click.echo(
            f"{summary['open']} open ({summary['overdue']} overdue), "
            f"{summary['resolved']} resolved, as of {date}",
            err=True,
        )
    sys.exit(1 if report["summary"]["overdue"] else 0)


@breaks.command()
@click.argument("break_id", metavar="ID")
@click.argument("text")
@click.option("--as-of", "as_of", type=DATE, help="Date of the resolution (default: as-of).")
@pass_app
def resolve(app: AppContext, break_id: str, text: str, as_of: datetime.date | None) -> None:
    """Resolve break ID, saying what was done (writes custom "break-resolved")."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks.model import read_breaks
    from ledger.breaks.store import ResolveError, write_resolution

    path, _, date, books = app.open_books(as_of)
    found = {item.id: item for item in read_breaks(books.entries)[0]}.get(break_id)
    if found is None:
        raise UsageError(f"no break {break_id} in {path}; list them with 'backoffice breaks'")
    if found.resolved is not None:
        raise UsageError(f"break {break_id} is already resolved on {found.resolved}")
    if date < found.date:
        raise UsageError(
            f"break {break_id} was found on {found.date}; resolve it on or after that date "
            "(--as-of)"
        )
    try:
        entry = write_resolution(path, break_id, date, text)
    except ResolveError as exc:
        raise UsageError(str(exc)) from None
    click.echo(entry, nl=False)

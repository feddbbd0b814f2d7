"""``backoffice breaks [--status open|resolved] [--json]``, ``breaks open KIND REFERENCE
TEXT`` and ``breaks resolve ID TEXT``."""

from __future__ import annotations

import datetime
import sys
from typing import Any

import click

from ledger.as_of import UsageError
from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app


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
    from ledger.breaks.actions import BreakRefused, resolve_break

    with app.writing(as_of) as ((path, _, date, books), writer):
        assert writer is not None
        try:
            entry = resolve_break(writer, path, books.entries, break_id, text, date)
        except BreakRefused as exc:
            raise UsageError(str(exc)) from None
    click.echo(entry, nl=False)


@breaks.command("open")
@click.argument("kind")
@click.argument("reference")
@click.argument("text")
@click.option("--amount", help="The amount at stake, e.g. '61275.00 USD'.")
@click.option("--as-of", "as_of", type=DATE, help="Date the break was found (default: as-of).")
@pass_app
def open_break(
    app: AppContext,
    kind: str,
    reference: str,
    text: str,
    amount: str | None,
    as_of: datetime.date | None,
) -> None:
    """Record a break of KIND on REFERENCE (a trade id or an account), saying what is wrong.

    Writes custom "break" to breaks.beancount; its id derives from the kind, reference,
    amount and text. A failed trade recorded so explains its fail at the close.
    """
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.breaks import actions

    opened = app.open_books(as_of)
    path, _, date, books = opened
    try:
        try:
            entry = actions.open_break(path, books.entries, kind, reference, text, amount, date)
        except actions.UnknownReference:
            why = f"breaks open: {reference!r} is no trade and no account of the open period"
            again = app.reopen_in_full(opened, why)
            if again is None:
                raise
            entry = actions.open_break(
                path, again.books.entries, kind, reference, text, amount, date
            )
    except actions.BreakRefused as exc:
        raise UsageError(str(exc)) from None
    click.echo(entry, nl=False)

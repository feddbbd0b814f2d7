"""``backoffice breaks [--status open|resolved] [--json]``, ``breaks open KIND REFERENCE
TEXT`` and ``breaks resolve ID TEXT``."""

from __future__ import annotations

import datetime
import re
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from ledger.as_of import UsageError
from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app
from ledger.meta import TRADE_LINK_PREFIX, trade_link

if TYPE_CHECKING:
    from beancount.core import data
    from beancount.core.amount import Amount


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
    from ledger.close.sealed_periods import sealed_periods

    with app.writing(as_of) as ((path, _, date, books), writer):
        assert writer is not None
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
            entry = write_resolution(
                writer, path, break_id, date, text, sealed_periods(books.entries)
            )
        except ResolveError as exc:
            raise UsageError(str(exc)) from None
    click.echo(entry, nl=False)


_AMOUNT_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]?)\s*$")


def _amount(text: str | None) -> Amount | None:
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from beancount.core.amount import Amount

    if text is None:
        return None
    found = _AMOUNT_RE.match(text)
    if found is None:
        raise UsageError(f"--amount: {text!r} is not an amount; write it as 1242392.50 USD")
    return Amount(Decimal(found.group(1)), found.group(2))


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
    from ledger.breaks.model import new_break
    from ledger.breaks.store import OpenError, write_break
    from ledger.close.sealed_periods import sealed_periods
    from ledger.matching.config import BREAK_KINDS

    if kind not in BREAK_KINDS:
        raise UsageError(f"KIND: {kind!r} is no break kind; the kinds are {', '.join(BREAK_KINDS)}")
    money = _amount(amount)
    if not text.strip():
        raise UsageError("say what is wrong: the break's text is empty")
    path, _, date, books = app.open_books(as_of)
    link, account = _reference(reference, books.entries)
    seal = sealed_periods(books.entries).seal_for(date)
    if seal is not None:
        raise UsageError(
            f"a break dated {date} falls in period {seal.period}, sealed by {seal.where}; "
            f"record it in the open period (--as-of {seal.end + datetime.timedelta(days=1)} "
            "or later)"
        )
    cause = [reference, f"{money.number} {money.currency}" if money else "", text.strip()]
    item = new_break(kind, cause, date, text.strip(), link=link, account=account, amount=money)
    try:
        entry = write_break(path, item)
    except OpenError as exc:
        raise UsageError(str(exc)) from None
    click.echo(entry, nl=False)


def _reference(reference: str, entries: list[data.Directive]) -> tuple[str | None, str | None]:
    """The break's link (a trade in the books) or account (one the books open)."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from beancount.core import data

    link = reference if reference.startswith(TRADE_LINK_PREFIX) else trade_link(reference)
    accounts = set()
    for entry in entries:
        if isinstance(entry, data.Transaction) and link in entry.links:
            return link, None
        if isinstance(entry, data.Open):
            accounts.add(entry.account)
    if reference in accounts:
        return None, reference
    raise UsageError(
        f"{reference!r} is no trade id and no account of the books; give the id of the "
        "trade (as 'backoffice settlements' lists it) or an account such as Assets:Bank:..."
    )

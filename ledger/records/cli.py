"""``backoffice blotter``, ``backoffice stock-record`` and ``backoffice valuation``.

Exit codes: 0 the report (what it lists is in it); 1 the report found problems
the books must answer (``stock-record``: a break with the custodian or long and
short that do not tie; ``valuation``: a missing or stale price); 2 a usage or
configuration error.
"""

from __future__ import annotations

import datetime
import sys

import click

from ledger.as_of import UsageError
from ledger.cli_output import echo_books_problems, echo_json
from ledger.context import DATE, AppContext, pass_app
from ledger.records.text import (
    VALUATION_COLUMNS,
    blotter_text,
    csv_text,
    stock_record_text,
    valuation_rows,
    valuation_text,
)


@click.command("blotter")
@click.option("--from", "start", type=DATE, required=True, help="First trade date (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, required=True, help="Last trade date (YYYY-MM-DD).")
@click.option("--as-of", "as_of_option", type=DATE, help="The date of the statuses (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the blotter as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the blotter as CSV.")
@pass_app
def blotter(
    app: AppContext,
    start: datetime.date,
    end: datetime.date,
    as_of_option: datetime.date | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every trade by trade date: time, side, quantity, security, price, counterparty,
    settle date, status and source document; cancels and corrections as such."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.records.blotter import COLUMNS, blotter_report

    if as_json and as_csv:
        raise UsageError("--json and --csv: choose one")
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    report = blotter_report(books, config, start, end, as_of)
    if as_json:
        echo_json(report)
    elif as_csv:
        click.echo(csv_text(report["trades"], COLUMNS), nl=False)
    else:
        click.echo(blotter_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(0)


@click.command("stock-record")
@click.option("--as-of", "as_of_option", type=DATE, help="The date of the record (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@pass_app
def stock_record(app: AppContext, as_of_option: datetime.date | None, as_json: bool) -> None:
    """Each security's positions and locations (custody, unsettled, fails), long equal
    to short, and the breaks with the custodian's holdings."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.records.stock_record import stock_record_report

    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    report = stock_record_report(books, config, as_of)
    if as_json:
        echo_json(report)
    else:
        click.echo(stock_record_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(1 if report["breaks"] or report["unbalanced"] else 0)


@click.command("valuation")
@click.option("--as-of", "as_of_option", type=DATE, help="The date of the prices (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the valuation as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the positions as CSV.")
@pass_app
def valuation(
    app: AppContext, as_of_option: datetime.date | None, as_json: bool, as_csv: bool
) -> None:
    """Every position at market and at cost, in its currency and the base currency;
    unrealized P&L, FX revaluation of cash; missing and stale prices."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.records.valuation import valuation_report

    if as_json and as_csv:
        raise UsageError("--json and --csv: choose one")
    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    report = valuation_report(books, config, as_of)
    if as_json:
        echo_json(report)
    elif as_csv:
        click.echo(csv_text(valuation_rows(report), VALUATION_COLUMNS), nl=False)
    else:
        click.echo(valuation_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(1 if report["missing"] or report["stale"] else 0)

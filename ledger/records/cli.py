"""``backoffice blotter``, ``backoffice stock-record`` and ``backoffice valuation``.

Exit codes: 0 the report (what it lists is in it); 1 the report found problems
the books must answer (``stock-record``: a break with the custodian or long and
short that do not tie; ``valuation``: a missing or stale price); 2 a usage or
configuration error.
"""

from __future__ import annotations

import csv
import datetime
import io
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click

from ledger.cli_output import amount_text, echo_books_problems, echo_json, table
from ledger.context import DATE, AppContext, UsageError, pass_app


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """The rows as CSV, one column per key, in ``columns``' order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
    return out.getvalue()


def _number(value: Decimal | None) -> str:
    return "" if value is None else amount_text(value)


def _quantity(value: Decimal) -> str:
    return f"{value:,}"


def blotter_text(report: dict[str, Any], firm: str) -> str:
    """The blotter for people: one line per trade or cancellation."""
    lines = [
        f"Trade blotter of {firm}, trade dates {report['from']} to {report['to']} "
        f"(status as of {report['as_of']})",
        "",
    ]
    header = ["T", "time", "kind", "trade", "side", "quantity", "security", "price", "ccy"]
    header += ["amount", "counterparty", "S", "status", "source"]
    rows = [
        [
            str(t["trade_date"]),
            t["time"] or "",
            t["kind"] + (f" of {t['corrects']}" if t["corrects"] else ""),
            t["trade_id"],
            t["side"],
            _quantity(t["quantity"]),
            t["security"],
            _number(t["price"]),
            t["currency"],
            amount_text(t["amount"]),
            t["counterparty"],
            str(t["settle_date"]),
            t["status"],
            t["source"] or f"{t['file']}:{t['line']}",
        ]
        for t in report["trades"]
    ]
    lines += table(header, rows, {5, 7, 9}) if rows else ["  no trades"]
    return "\n".join(lines) + "\n"


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

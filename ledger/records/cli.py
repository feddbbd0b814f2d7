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

from ledger.as_of import UsageError
from ledger.cli_output import amount_text, echo_books_problems, echo_json, table
from ledger.context import DATE, AppContext, pass_app


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
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.records.blotter import COLUMNS, blotter_report

    if as_json and as_csv:
        raise UsageError("--json and --csv: choose one")
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    _, config, as_of, books = app.open_books(as_of_option, hardcore=False, since=start)
    report = blotter_report(books, config, start, end, as_of)
    if as_json:
        echo_json(report)
    elif as_csv:
        click.echo(csv_text(report["trades"], COLUMNS), nl=False)
    else:
        click.echo(blotter_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(0)


def stock_record_text(report: dict[str, Any], firm: str) -> str:
    """The stock record for people: each security's locations, then the breaks."""
    lines = [f"Stock record of {firm} as of {report['as_of']}"]
    for security in report["securities"]:
        title = "  ".join(
            part for part in (security["security"], security["isin"], security["name"]) if part
        )
        lines += ["", title]
        rows = [
            [
                row["side"],
                row["kind"],
                row["location"] + (f" ({row['safekeeping']})" if row["safekeeping"] else ""),
                _quantity(row["quantity"]),
                row["trade_id"] or "",
                _cell(row["settle_date"]),
                _cell(row["age"]),
            ]
            for row in security["locations"]
        ]
        rows.append(["total", "long", "", _quantity(security["long"]), "", "", ""])
        rows.append(["total", "short", "", _quantity(security["short"]), "", "", ""])
        header = ["side", "kind", "location", "quantity", "trade", "S", "age"]
        lines += table(header, rows, {3, 6})
    if not report["securities"]:
        lines += ["", "  no securities"]
    if report["breaks"]:
        lines += ["", "Breaks with the custodian"]
        header = ["date", "account", "security", "custodian", "record", "difference", "source"]
        rows = [
            [
                str(b["date"]),
                b["account"],
                b["security"],
                _quantity(b["custodian"]),
                _quantity(b["record"]),
                _quantity(b["difference"]),
                b["source_ref"] or f"{b['file']}:{b['line']}",
            ]
            for b in report["breaks"]
        ]
        lines += table(header, rows, {3, 4, 5})
    for security in report["unbalanced"]:
        lines += ["", f"{security}: long and short differ; 'backoffice check' the books"]
    return "\n".join(lines) + "\n"


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


VALUATION_COLUMNS = (
    "kind",
    "account",
    "commodity",
    "quantity",
    "currency",
    "cost",
    "price",
    "price_date",
    "market",
    "unrealized",
    "rate",
    "cost_base",
    "market_base",
    "unrealized_base",
    "historical_base",
    "revaluation",
)


def valuation_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The securities and cash rows of the valuation in one set of columns (``--csv``)."""
    rows = []
    for row in report["securities"]:
        rows.append({**dict.fromkeys(VALUATION_COLUMNS), **row, "kind": "security"})
        rows[-1]["commodity"] = row["security"]
    for row in report["cash"]:
        cash = {**dict.fromkeys(VALUATION_COLUMNS), **row, "kind": "cash"}
        cash.update(commodity=row["currency"], quantity=row["balance"])
        cash.update(market_base=row["value_base"])
        rows.append(cash)
    return [{key: row[key] for key in VALUATION_COLUMNS} for row in rows]


def valuation_text(report: dict[str, Any], firm: str) -> str:
    """The valuation for people: securities, cash, totals, then the prices to fix."""
    base = report["base_currency"]
    lines = [
        f"Valuation of {firm} as of {report['as_of']} in {base} "
        f"(a price older than {report['stale_after_days']} days is stale)",
        "",
        "Securities",
    ]
    header = ["account", "security", "quantity", "ccy", "cost", "price", "date", "market"]
    header += ["unrealized", "rate", f"market {base}", f"unrealized {base}"]
    rows = [
        [
            r["account"],
            r["security"],
            _quantity(r["quantity"]),
            r["currency"],
            amount_text(r["cost"]),
            _cell(r["price"]),
            _cell(r["price_date"]),
            _number(r["market"]),
            _number(r["unrealized"]),
            _cell(r["rate"]),
            _number(r["market_base"]),
            _number(r["unrealized_base"]),
        ]
        for r in report["securities"]
    ]
    lines += table(header, rows, {2, 4, 5, 7, 8, 9, 10, 11}) if rows else ["  none"]
    lines += ["", "Cash"]
    header = ["account", "ccy", "balance", "rate", f"value {base}", f"historical {base}"]
    header += ["revaluation"]
    rows = [
        [
            r["account"],
            r["currency"],
            amount_text(r["balance"]),
            _cell(r["rate"]),
            _number(r["value_base"]),
            _number(r["historical_base"]),
            _number(r["revaluation"]),
        ]
        for r in report["cash"]
    ]
    lines += table(header, rows, {2, 3, 4, 5, 6}) if rows else ["  none"]
    totals = report["totals"]
    lines += ["", f"Totals in {base}"]
    names = (
        ("securities at market", "market_base"),
        ("securities at cost", "cost_base"),
        ("unrealized P&L", "unrealized_base"),
        ("cash", "cash_base"),
        ("FX revaluation of cash", "revaluation"),
        ("total at market", "total_base"),
    )
    lines += table(["", ""], [[name, amount_text(totals[key])] for name, key in names])[1:]
    for title, key in (
        ("Missing prices (not valued, not even at cost: add a price directive)", "missing"),
        ("Stale prices (valued at the latest price: add a newer one)", "stale"),
    ):
        if report[key]:
            lines += ["", title]
            rows = [
                [p["commodity"], p["currency"], _cell(p["date"]) or "never", _cell(p["age"])]
                for p in report[key]
            ]
            lines += table(["commodity", "in", "latest price", "age (days)"], rows, {3})
    return "\n".join(lines) + "\n"


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
    # full: the cash's historical base sums every posting, each at the rate of its day
    _, config, as_of, books = app.open_books(as_of_option, hardcore=False, full=True)
    report = valuation_report(books, config, as_of)
    if as_json:
        echo_json(report)
    elif as_csv:
        click.echo(csv_text(valuation_rows(report), VALUATION_COLUMNS), nl=False)
    else:
        click.echo(valuation_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(1 if report["missing"] or report["stale"] else 0)

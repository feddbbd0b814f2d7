"""The records as text and CSV, for people and spreadsheets: the blotter, the
stock record and the valuation (``backoffice blotter``, ``stock-record``,
``valuation``, and the reports ``backoffice close`` writes)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ledger.cli_output import amount_text, table


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
    for kind in ("cash", "other"):
        for row in report[kind]:
            cash = {**dict.fromkeys(VALUATION_COLUMNS), **row, "kind": kind}
            cash.update(commodity=row["currency"], quantity=row["balance"])
            cash.update(market_base=row["value_base"])
            rows.append(cash)
    return [{key: row[key] for key in VALUATION_COLUMNS} for row in rows]


def _balance_table(report_rows: list[dict[str, Any]], base: str) -> list[str]:
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
        for r in report_rows
    ]
    return table(header, rows, {2, 3, 4, 5, 6}) if rows else ["  none"]


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
    lines += ["", "Cash", *_balance_table(report["cash"], base)]
    if report["other"]:
        lines += ["", "Other balances (not cash: clearing, suspense)"]
        lines += _balance_table(report["other"], base)
    totals = report["totals"]
    lines += ["", f"Totals in {base}"]
    names = (
        ("securities at market", "market_base"),
        ("securities at cost", "cost_base"),
        ("unrealized P&L", "unrealized_base"),
        ("cash", "cash_base"),
        ("FX revaluation of cash", "revaluation"),
        ("other balances", "other_base"),
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

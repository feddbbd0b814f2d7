"""``backoffice cash``: cash positions, the projected ladder, exposure, transfers.

Exit codes: 0 the ladder shows no funding need; 1 some account falls below
its floor within the ladder (the report is printed all the same); 2 a usage
or configuration error (``plugins.cash`` listed before ``plugins.settlement``,
an unknown ``--currency``).
"""

from __future__ import annotations

import csv
import datetime
import io
import sys
from typing import TYPE_CHECKING, Any

import click

from ledger.as_of import UsageError
from ledger.cli_output import amount_text, echo_books_problems, echo_json, table
from ledger.context import DATE, AppContext, pass_app
from ledger.errors import format_error

if TYPE_CHECKING:
    from ledger.config import Config


@click.command("cash")
@click.option("--as-of", "as_of_option", type=DATE, help="The date of the positions (YYYY-MM-DD).")
@click.option(
    "--days",
    type=click.IntRange(1, 260),
    help="Business days in the ladder (default: [cash] days, 10).",
)
@click.option("--currency", help="Only this currency (e.g. USD).")
@click.option(
    "--without-failed",
    is_flag=True,
    help="Leave the failed trades' settlements out of the projection.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the ladders as CSV.")
@pass_app
def cash(
    app: AppContext,
    as_of_option: datetime.date | None,
    days: int | None,
    currency: str | None,
    without_failed: bool,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Cash positions, the ladder of the next business days, transfers to cover shortfalls."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.cash.report import UnknownCurrency, cash_report, has_funding_need
    from plugins.cash import plugin_order_error

    if as_json and as_csv:
        raise UsageError("--json and --csv exclude each other; pick one")
    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    order = plugin_order_error(books.options)
    if order is not None:
        raise UsageError(format_error(order))
    try:
        report = cash_report(books, config, as_of, days, currency, without_failed)
    except UnknownCurrency as exc:
        raise UsageError(f"--currency: {exc}") from None
    if as_json:
        echo_json(report)
    elif as_csv:
        click.echo(ladder_csv(report), nl=False)
    else:
        click.echo(report_text(report, config.firm.name), nl=False)
    for name in missing_cash_accounts(report, config):
        click.echo(
            f"warning: counterparty {name} has no cash-account: its pending settlements are "
            "in the ladder's 'unassigned' line, on no account; set cash-account under "
            f"[counterparties.{name}] in backoffice.toml",
            err=True,
        )
    echo_books_problems(books.errors)
    sys.exit(1 if has_funding_need(report) else 0)


def missing_cash_accounts(report: dict[str, Any], config: Config) -> list[str]:
    """The configured counterparties without a ``cash-account`` and those whose pending
    settlements the report could put on no account."""
    configured = {name for name, cp in config.counterparties.items() if cp.cash_account is None}
    return sorted(configured | set(report["unassigned_counterparties"]))


def ladder_csv(report: dict[str, Any]) -> str:
    """One line per currency, account (``total`` for the currency) and day."""
    # lazy: the ladder pulls in the calendars, which other commands need not load
    from ledger.cash.ladder import LADDER_COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["currency", "account", *LADDER_COLUMNS])
    for ladder in report["ladders"]:
        accounts = [*ladder["accounts"], *_unassigned(ladder, "unassigned")]
        accounts.append({"account": "total", "rows": ladder["total"]})
        for account in accounts:
            for row in account["rows"]:
                writer.writerow(
                    [ladder["currency"], account["account"]]
                    + [str(row[name]) for name in LADDER_COLUMNS]
                )
    return out.getvalue()


def _unassigned(ladder: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """The ladder's unassigned line as one more account, when it has one."""
    return [{"account": label, "rows": ladder["unassigned"]}] if ladder["unassigned"] else []


def base_text(base: dict[str, Any]) -> list[str]:
    """The positions in the base currency, each currency's rate, those without one."""

    def text(value: Any) -> str:
        return "" if value is None else amount_text(value)

    lines = ["", f"In {base['currency']} (at the as-of date's rates)"]
    lines += table(
        ["ccy", "rate", "rate of", "settled", "projected"],
        [
            [
                r["currency"],
                "" if r["rate"] is None else str(r["rate"]),
                str(r["rate_date"] or ""),
                text(r["settled_base"]),
                text(r["projected_base"]),
            ]
            for r in base["rows"]
        ]
        + [["total", "", "", text(base["settled"]), text(base["projected"])]],
    )
    if base["missing"]:
        lines.append(
            f"  no rate to {base['currency']} for {', '.join(base['missing'])}: left out of "
            f"the totals; add a price entry, e.g. 'YYYY-MM-DD price {base['missing'][0]} "
            f"1.00 {base['currency']}'"
        )
    return lines


def report_text(report: dict[str, Any], firm: str) -> str:
    """The report for people: positions, ladders, exposure, suggested transfers."""
    # lazy: the ladder pulls in the calendars, which other commands need not load
    from ledger.cash.ladder import LADDER_COLUMNS

    lines = [f"Cash of {firm} as of {report['as_of']} (by value date)", "", "Positions"]
    lines += table(
        ["account", "ccy", "floor", "settled", "pending in", "pending out", "projected"],
        [
            [p["account"], p["currency"]]
            + [
                amount_text(p[k])
                for k in ("floor", "settled", "pending_in", "pending_out", "projected")
            ]
            for p in report["positions"]
        ],
    )
    lines += base_text(report["base"])
    header = ["date", "opening", "settle in", "settle out", "other", "closing"]
    header += ["floor", "headroom", "funding need"]
    for ladder in report["ladders"]:
        calendar = ladder["calendar"] or "Monday to Friday"
        lines += [
            "",
            f"{ladder['currency']} ladder: {len(ladder['dates'])} business days of {calendar}",
        ]
        accounts = [
            *ladder["accounts"],
            *_unassigned(ladder, "unassigned (pending settlements of no known cash account)"),
            {"account": f"Total {ladder['currency']}", "rows": ladder["total"]},
        ]
        for account in accounts:
            lines.append(f"  {account['account']}")
            lines += table(
                header,
                [
                    [str(row["date"])] + [amount_text(row[name]) for name in LADDER_COLUMNS[1:]]
                    for row in account["rows"]
                ],
                indent="    ",
            )
    lines += ["", "Net unsettled exposure (trades not yet settled)"]
    if report["exposure"]:
        lines += table(
            ["ccy", "pay", "receive", "net", "trades"],
            [
                [
                    e["currency"],
                    amount_text(e["pay"]),
                    amount_text(e["receive"]),
                    amount_text(e["net"]),
                    str(e["trades"]),
                ]
                for e in report["exposure"]
            ],
        )
    else:
        lines.append("  none")
    if report["expected_income"]:
        lines += ["", "Expected income (corporate actions notified, not yet confirmed)"]
        lines += table(
            ["pay date", "account", "ccy", "security", "quantity", "event", "gross", "tax", "net"],
            [
                [
                    str(i["pay_date"]),
                    i["account"],
                    i["currency"],
                    i["security"],
                    f"{i['quantity']:f}",
                    i["event"],
                    amount_text(i["gross"]) if i["gross"] is not None else "",
                    amount_text(i["withholding"]) if i["withholding"] is not None else "",
                    amount_text(i["net"]),
                ]
                for i in report["expected_income"]
            ],
        )
    if report["market_claims"]:
        lines += ["", "Market claims (trades across the ex and record dates; + owed to us)"]
        headers = ["pay date", "account", "ccy", "security", "quantity", "counterparty"]
        lines += table(
            [*headers, "trade", "amount"],
            [
                [
                    str(c["pay_date"]),
                    c["account"],
                    c["currency"],
                    c["security"],
                    f"{c['quantity']:f}",
                    c["counterparty"] or "",
                    c["trade_id"],
                    amount_text(c["amount"]),
                ]
                for c in report["market_claims"]
            ],
        )
    if report["transfers"]:
        lines += ["", "Suggested transfers (flagged !: review, then book them)", ""]
        lines += [t["beancount"] for t in report["transfers"]]
    for need in report["uncovered"]:
        lines.append(
            f"No account in {need['currency']} has the headroom to cover "
            f"{amount_text(need['amount'])} {need['currency']} of {need['account']} "
            f"from {need['date']}"
        )
    return "\n".join(lines).rstrip("\n") + "\n"

"""``backoffice settlements`` and ``backoffice instructions``.

Exit codes: ``settlements`` 0 (a report; the fails are in it, and ``check``
turns old ones into errors); ``instructions`` 0, or 1 when a trade has no
matching standing settlement instruction (nothing is written then); 2 a usage
or configuration error.
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path
from typing import Any

import click

from ledger.as_of import UsageError
from ledger.cli_output import amount_text, echo_books_problems, echo_json, table
from ledger.context import DATE, AppContext, pass_app

STATUS_CHOICES = ("pending", "settled", "failed", "partial")


def report_text(report: dict[str, Any], firm: str) -> str:
    """The settlements report for people: the trades, then totals."""
    lines = [f"Settlements of {firm} as of {report['as_of']} ({report['policy']} policy)", ""]
    header = ["trade", "T", "S", "counterparty", "isin", "security", "side", "quantity"]
    header += ["amount", "ccy", "settled", "remaining", "status", "age"]
    rows = [
        [
            t["trade_id"],
            str(t["trade_date"]),
            str(t["settle_date"]),
            t["counterparty"],
            t["isin"] or "",
            t["security"],
            t["side"],
            f"{t['quantity']:,}",
            amount_text(t["amount"]),
            t["currency"],
            amount_text(t["settled_amount"]),
            amount_text(t["remaining"]),
            t["status"],
            str(t["age"]),
        ]
        for t in report["trades"]
    ]
    lines += table(header, rows, {7, 8, 10, 11, 13}) if rows else ["  no trades"]
    for name, title in (("by_status", "status"), ("by_counterparty", "counterparty")):
        totals = report["totals"][name]
        if not totals:
            continue
        lines += ["", f"Totals by {title}"]
        lines += table(
            [title, "ccy", "trades", "amount", "remaining"],
            [
                [
                    r[title],
                    r["currency"],
                    str(r["trades"]),
                    amount_text(r["amount"]),
                    amount_text(r["remaining"]),
                ]
                for r in totals
            ],
            {2, 3, 4},
        )
    return "\n".join(lines) + "\n"


@click.command("settlements")
@click.option("--as-of", "as_of_option", type=DATE, help="The date of the report (YYYY-MM-DD).")
@click.option("--status", type=click.Choice(STATUS_CHOICES), help="Only trades in this state.")
@click.option("--counterparty", help="Only this counterparty (its name in backoffice.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def settlements(
    app: AppContext,
    as_of_option: datetime.date | None,
    status: str | None,
    counterparty: str | None,
    as_json: bool,
) -> None:
    """Each trade's T, S, counterparty, ISIN, quantity, amount, status and age; totals."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.settlement.report import UnknownCounterparty, settlements_report

    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    try:
        report = settlements_report(books, config, as_of, status=status, counterparty=counterparty)
    except UnknownCounterparty as exc:
        raise UsageError(f"--counterparty: {exc}") from None
    if as_json:
        echo_json(report)
    else:
        click.echo(report_text(report, config.firm.name), nl=False)
    echo_books_problems(books.errors)
    sys.exit(0)


@click.command("instructions")
@click.option("--as-of", "as_of_option", type=DATE, help="Which trades are pending (YYYY-MM-DD).")
@click.option("--date", "trade_date", type=DATE, help="Only trades dated D (trade date).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mt54x", "sese023"]),
    default="mt54x",
    show_default=True,
    help="SWIFT MT541/MT543 or ISO 20022 sese.023.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per trade into this directory (else print them).",
)
@pass_app
def instructions(
    app: AppContext,
    as_of_option: datetime.date | None,
    trade_date: datetime.date | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Settlement instructions for the trades pending settlement, from the standing
    settlement instructions in backoffice.toml."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.settlement.instructions import instructions_for
    from ledger.settlement.mt541_mt543 import mt541_mt543
    from ledger.settlement.sese023 import sese023

    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    found, problems = instructions_for(books.entries, config, as_of, trade_date)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo("no instruction written; fix the problems above", err=True)
        sys.exit(1)
    documents: list[tuple[str, bytes]] = []
    for instruction in found:
        stem = re.sub(r"[^A-Za-z0-9.-]", "_", instruction.reference)
        if output_format == "mt54x":
            name = f"MT{instruction.message_type}-{stem}.fin"
            documents.append((name, mt541_mt543(instruction).encode("ascii")))
        else:
            documents.append((f"sese023-{stem}.xml", sese023(instruction)))
    if output is None:
        for _, content in documents:
            click.echo(content.decode("utf-8"), nl=False)
    else:
        output.mkdir(parents=True, exist_ok=True)
        for name, content in documents:
            (output / name).write_bytes(content)
            click.echo(f"wrote {output / name}")
    if not documents:
        click.echo(f"no trade pending settlement as of {as_of}", err=True)
    sys.exit(0)

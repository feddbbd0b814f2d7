"""``backoffice blotter``, ``backoffice stock-record`` and ``backoffice valuation``.

Exit codes: 0 the report (what it lists is in it); 1 the report found problems
the books must answer (``stock-record``: a break with the custodian or long and
short that do not tie; ``valuation``: a missing or stale price); 2 a usage or
configuration error.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

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
    # from a snapshot, the cash's historical base up to its day is the snapshot's
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


@click.command("prices")
@click.option("--date", "day", type=DATE, help="Fetch the close of this day (default: the latest).")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@pass_app
def prices(app: AppContext, day: datetime.date | None, dry_run: bool) -> None:
    """Fetch prices through the bean-price sources the commodity directives name
    ('price: "USD:yahoo/AAPL"') into the prices file ([prices] file)."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.close.seal import read_seals
    from ledger.records.fetch import SourceError, fetch_prices, price_text

    target = (app.books_dir / app.config.prices.file).absolute()
    with app.writing(dry_run=dry_run) as (opened, writer):
        entries = opened.books.entries
        try:
            found = fetch_prices(entries, day, str(target))
        except SourceError as exc:
            raise UsageError(str(exc)) from None
        for source, problem in found.failed:
            click.echo(
                f"{source.meta.get('filename')}:{source.meta.get('lineno')}: "
                f"{source.commodity}: no price: {problem}",
                err=True,
            )
        seals, _ = read_seals(entries)
        sealed = [p for p in found.prices if seals and p.date <= seals[-1].end]
        for price in sealed:
            click.echo(
                f"{price.currency}: a price of {price.date} is in the closed period "
                f"{seals[-1].period}; fetch a later date",
                err=True,
            )
        if found.failed or sealed:
            click.echo("nothing written", err=True)
            sys.exit(1)
        text = "".join("\n" + price_text(price) for price in found.prices)
        click.echo(text.lstrip("\n"), nl=False)
        if writer is not None and found.prices:
            writer.append_text(target, text)
            include = f'include "{target.relative_to(opened.path.parent.absolute())}"'
            loaded = {str(Path(name).absolute()) for name in opened.books.options["include"]}
            if str(target) not in loaded:
                writer.append_text(opened.path.absolute(), include + "\n")
    written = "nothing written (dry run)" if dry_run else f"written to {target.name}"
    click.echo(f"{len(found.prices)} new price(s), {found.already} already in the books; {written}")

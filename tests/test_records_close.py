"""``backoffice close`` writes the month's stock record, blotter and valuation beside
the statements, as of the period end, from the books it seals."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from ledger.close.run import plugins_as_of
from ledger.config import load_config
from ledger.records.close_reports import record_reports
from tests.conftest import write_books
from tests.records_books import records_books


@pytest.fixture(autouse=True)
def _no_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def test_november_records(tmp_path: Path) -> None:
    """On 2026-11-30 the MSFT sale is 5 business days late (Thanksgiving is not one),
    still at the custodian; T5 is due that day; the cancelled T2 and its correction T3
    are in the blotter as such."""
    path = write_books(tmp_path, records_books())
    with plugins_as_of(datetime.date(2026, 11, 30)):
        books = load(path, hardcore=False)
    reports = record_reports(books, load_config(path), "2026-11")
    assert sorted(reports) == [
        "blotter.csv",
        "blotter.txt",
        "stock-record.csv",
        "stock-record.txt",
        "valuation.csv",
        "valuation.txt",
    ]
    assert reports["stock-record.csv"] == (
        "security,isin,side,kind,location,safekeeping,quantity,trade_id,settle_date,age\n"
        "MSFT,US5949181045,long,position,firm,,300,,,\n"
        "MSFT,US5949181045,long,fail-to-deliver,AlphaSec,,200,T4,2026-11-20,5\n"
        "MSFT,US5949181045,short,custody,Assets:Custody:Custodia:Securities,,500,,,\n"
        "XYZ,US8522341036,long,position,firm,,180,,,\n"
        "XYZ,US8522341036,short,custody,Assets:Custody:Custodia:Securities,,150,,,\n"
        "XYZ,US8522341036,short,unsettled-purchase,AlphaSec,,30,T5,2026-11-30,\n"
    )
    blotter = reports["blotter.csv"].splitlines()
    assert blotter[0].startswith("trade_date,time,kind,trade_id,side,quantity,security,")
    assert [row.split(",")[:4] + row.split(",")[13:15] for row in blotter[1:]] == [
        ["2026-11-16", "14:30:01", "trade", "T1", "settled", ""],
        ["2026-11-18", "", "trade", "T2", "cancelled", ""],
        ["2026-11-18", "", "cancel", "T2", "cancelled", ""],
        ["2026-11-18", "", "correction", "T3", "settled", "T2"],
        ["2026-11-19", "", "trade", "T4", "failed", ""],
        ["2026-11-27", "", "trade", "T5", "pending", ""],
    ]
    assert reports["stock-record.txt"].startswith("Stock record of Backoffice as of 2026-11-30\n")
    assert reports["blotter.txt"].startswith(
        "Trade blotter of Backoffice, trade dates 2026-11-01 to 2026-11-30"
    )


REVALUED = {
    "main.beancount": """
option "operating_currency" "USD"
plugin "plugins.period_lock"

2026-01-01 open Assets:Bank:USD USD
2026-01-01 open Assets:Bank:EUR EUR
2026-01-01 open Assets:Custody:Securities "FIFO"
2026-01-01 open Equity:Opening

2026-10-01 price EUR 1.10 USD
2026-10-30 price EUR 1.08 USD
2026-10-30 price AAPL 233.12 USD

2026-10-01 * "Opening balance"
  Assets:Custody:Securities   100 AAPL {200.00 USD}
  Assets:Bank:USD           10000.00 USD
  Assets:Bank:EUR            1000.00 EUR
  Equity:Opening           -30000.00 USD
  Equity:Opening            -1000.00 EUR

2026-11-01 balance Assets:Bank:USD 10000.00 USD
2026-11-01 balance Assets:Bank:EUR 1000.00 EUR
2026-11-01 balance Assets:Custody:Securities 100 AAPL
""",
    "backoffice.toml": """
as-of = 2026-11-27

[close]
revaluation = true
""",
}

MARKED = """; Month-end revaluation (mark-to-market) and its reversal,
; written by 'backoffice close' ([close] revaluation).

2026-10-31 open Assets:Revaluation
2026-10-31 open Income:Unrealized

2026-10-31 * "Revaluation" "Mark-to-market of 2026-10 at 2026-10-31" ^revaluation-2026-10
  revaluation: "2026-10"
  Assets:Revaluation  3312.00 USD
    position: "Assets:Custody:Securities AAPL"
  Assets:Revaluation  -20.00 USD
    position: "Assets:Bank:EUR EUR"
  Income:Unrealized  -3292.00 USD

2026-11-01 * "Revaluation" "Reversal of the mark-to-market of 2026-10" ^revaluation-2026-10
  revaluation-reversal: "2026-10"
  Assets:Revaluation  -3312.00 USD
    position: "Assets:Custody:Securities AAPL"
  Assets:Revaluation  20.00 USD
    position: "Assets:Bank:EUR EUR"
  Income:Unrealized  3292.00 USD
"""


def test_close_books_the_month_end_revaluation_and_seals_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AAPL 100 at 233.12 against a cost of 200.00; EUR 1,000 booked at 1.10, worth
    1.08: the month-end entry, its reversal on the 1st; the seal holds on reload, the
    income statement shows the unrealized P&L, the valuation does not count it twice."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")
    path = write_books(tmp_path / "books", REVALUED)
    result = CliRunner().invoke(main, ["--books", str(path), "close", "2026-10"])
    assert result.exit_code == 0, result.output
    assert (path.parent / "revaluations.beancount").read_text(encoding="utf-8") == MARKED
    assert path.read_text(encoding="utf-8").endswith(
        'include "closes.beancount"\ninclude "revaluations.beancount"\n'
    )
    # what the close lists as written is what --commit commits
    assert "wrote revaluations.beancount" in result.output.splitlines()
    income = (path.parent / "closes/2026-10/income-statement.csv").read_text(encoding="utf-8")
    assert "Income,Income:Unrealized,USD,3292.00" in income
    check = CliRunner().invoke(main, ["--books", str(path), "check"])
    assert check.exit_code == 0, check.output
    verify = CliRunner().invoke(main, ["--books", str(path), "verify"])
    assert verify.exit_code == 0, verify.output
    valuation = CliRunner().invoke(
        main, ["--books", str(path), "valuation", "--as-of", "2026-10-31", "--json"]
    )
    totals = json.loads(valuation.stdout)["totals"]
    assert (totals["unrealized_base"], totals["revaluation"], totals["other_base"]) == (
        "3312.00",
        "-20.00",
        "0",
    )
    # November: the reversal is its first entry, and its own month-end is appended
    books = path.read_text(encoding="utf-8")
    path.write_text(
        books
        + "2026-11-27 price AAPL 230.00 USD\n"
        + "2026-12-01 balance Assets:Bank:USD 10000.00 USD\n"
        + "2026-12-01 balance Assets:Bank:EUR 1000.00 EUR\n"
        + "2026-12-01 balance Assets:Custody:Securities 100 AAPL\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-12-02")
    result = CliRunner().invoke(main, ["--books", str(path), "close", "2026-11"])
    assert result.exit_code == 0, result.output
    text = (path.parent / "revaluations.beancount").read_text(encoding="utf-8")
    assert text.startswith(MARKED + "\n2026-11-30 * ")
    assert "  Assets:Revaluation  3000.00 USD\n" in text
    verify = CliRunner().invoke(main, ["--books", str(path), "verify"])
    assert verify.exit_code == 0, verify.output

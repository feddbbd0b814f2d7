"""``backoffice blotter``: every trade by trade date, cancels and corrections as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import write_books
from tests.records_books import records_books


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)
    return write_books(tmp_path, records_books())


def blotter(runner: CliRunner, books: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["--books", str(books), "blotter", *args])
    return result.exit_code, result.stdout


def test_text(runner: CliRunner, books: Path) -> None:
    code, out = blotter(runner, books, "--from", "2026-11-01", "--to", "2026-11-30")
    assert code == 0
    assert out == (
        "Trade blotter of Backoffice, trade dates 2026-11-01 to 2026-11-30"
        " (status as of 2026-11-27)\n"
        "\n"
        "  T           time      kind              trade  side  quantity  security   price  ccy"
        "     amount  counterparty  S           status     source\n"
        "  2026-11-16  14:30:01  trade             T1     buy        100  XYZ        60.00  USD"
        "  -6,000.00  AlphaSec      2026-11-17  settled    documents/blotter.csv\n"
        "  2026-11-18            trade             T2     buy         50  XYZ        61.25  USD"
        "  -3,062.50  AlphaSec      2026-11-19  cancelled  documents/blotter.csv\n"
        "  2026-11-18            cancel            T2     buy         50  XYZ        61.25  USD"
        "   3,062.50  AlphaSec      2026-11-19  cancelled  documents/blotter.csv\n"
        "  2026-11-18            correction of T2  T3     buy         50  XYZ        61.30  USD"
        "  -3,065.00  AlphaSec      2026-11-19  settled    documents/blotter.csv\n"
        "  2026-11-19            trade             T4     sell       200  MSFT      420.00  USD"
        "  84,000.00  AlphaSec      2026-11-20  failed     documents/blotter.csv\n"
        "  2026-11-27            trade             T5     buy         30  XYZ        62.00  USD"
        "  -1,860.00  AlphaSec      2026-11-30  pending    documents/blotter.csv\n"
    )


def test_csv_range_and_as_of(runner: CliRunner, books: Path) -> None:
    """Only trade dates in the range; the statuses as of --as-of (T4 pending before S)."""
    dates = ["--from", "2026-11-18", "--to", "2026-11-19", "--as-of", "2026-11-19"]
    code, out = blotter(runner, books, *dates, "--csv")
    assert code == 0
    assert out == (
        "trade_date,time,kind,trade_id,side,quantity,security,isin,price,currency,amount,"
        "counterparty,settle_date,status,corrects,cancelled_by,source,source_ref,file,line\n"
        "2026-11-18,,trade,T2,buy,50,XYZ,US8522341036,61.25,USD,-3062.50,AlphaSec,2026-11-19,"
        "cancelled,,T2-CXL,documents/blotter.csv,T2,main.beancount,60\n"
        "2026-11-18,,cancel,T2,buy,50,XYZ,US8522341036,61.25,USD,3062.50,AlphaSec,2026-11-19,"
        "cancelled,,,documents/blotter.csv,T2-CXL,main.beancount,70\n"
        "2026-11-18,,correction,T3,buy,50,XYZ,US8522341036,61.30,USD,-3065.00,AlphaSec,"
        "2026-11-19,settled,T2,,documents/blotter.csv,T3,main.beancount,77\n"
        "2026-11-19,,trade,T4,sell,200,MSFT,US5949181045,420.00,USD,84000.00,AlphaSec,"
        "2026-11-20,pending,,,documents/blotter.csv,T4,main.beancount,93\n"
    )


def test_json(runner: CliRunner, books: Path) -> None:
    code, out = blotter(runner, books, "--from", "2026-11-16", "--to", "2026-11-16", "--json")
    assert code == 0
    assert json.loads(out) == {
        "as_of": "2026-11-27",
        "from": "2026-11-16",
        "to": "2026-11-16",
        "trades": [
            {
                "amount": "-6000.00",
                "cancelled_by": None,
                "corrects": None,
                "counterparty": "AlphaSec",
                "currency": "USD",
                "file": "main.beancount",
                "isin": "US8522341036",
                "kind": "trade",
                "line": 41,
                "price": "60.00",
                "quantity": "100",
                "security": "XYZ",
                "settle_date": "2026-11-17",
                "side": "buy",
                "source": "documents/blotter.csv",
                "source_ref": "T1",
                "status": "settled",
                "time": "14:30:01",
                "trade_date": "2026-11-16",
                "trade_id": "T1",
            }
        ],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-30", "--to", "2026-11-01"], "--to 2026-11-01 is before --from"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--json", "--csv"], "choose one"),
        (["--from", "2026-11-31", "--to", "2026-11-30"], "is not a date"),
    ],
)
def test_usage_errors(runner: CliRunner, books: Path, args: list[str], message: str) -> None:
    result = runner.invoke(main, ["--books", str(books), "blotter", *args])
    assert result.exit_code == 2
    assert message in result.output


SALES_WITHOUT_AT = """
2026-11-26 * "AlphaSec" "Sell 100 XYZ" ^trade-T6
  trade-id: "T6"
  trade-date: 2026-11-26
  settle-date: 2026-11-27
  side: "sell"
  source: "documents/blotter.csv"
  source-ref: "T6"
  Assets:Custody:Custodia:Securities  -100 XYZ {}
  Assets:Unsettled:AlphaSec          6250.00 USD
  Income:Trading:Realized

2026-11-26 * "AlphaSec" "Sell 30 XYZ" ^trade-T7
  trade-id: "T7"
  trade-date: 2026-11-26
  settle-date: 2026-11-27
  side: "sell"
  source: "documents/blotter.csv"
  source-ref: "T7"
  Assets:Custody:Custodia:Securities   -30 XYZ {}
  Assets:Unsettled:AlphaSec          1880.00 USD
  Income:Trading:Realized

2026-11-26 * "AlphaSec" "Sell 10 XYZ @ 62.4375" ^trade-T8
  trade-id: "T8"
  trade-date: 2026-11-26
  settle-date: 2026-11-27
  side: "sell"
  price: 62.4375
  source: "documents/blotter.csv"
  source-ref: "T8"
  Assets:Custody:Custodia:Securities   -10 XYZ {}
  Assets:Unsettled:AlphaSec           624.38 USD
  Income:Trading:Realized
"""


def test_a_sale_without_at_shows_its_sale_price_not_the_lots_cost(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lots reduced cost 60.00 (T1) and 61.30 (T3): the blotter shows the sale's
    proceeds per unit (6,250.00 / 100; 1,880.00 / 30 to six decimals) or the
    trade's ``price`` metadata where it gives one."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)
    files = records_books()
    files["main.beancount"] += SALES_WITHOUT_AT
    main_file = write_books(tmp_path, files)
    code, out = blotter(runner, main_file, "--from", "2026-11-26", "--to", "2026-11-26", "--csv")
    assert code == 0
    assert [line.split(",")[3:11] for line in out.splitlines()[1:]] == [
        ["T6", "sell", "100", "XYZ", "US8522341036", "62.50", "USD", "6250.00"],
        ["T7", "sell", "30", "XYZ", "US8522341036", "62.666667", "USD", "1880.00"],
        ["T8", "sell", "10", "XYZ", "US8522341036", "62.4375", "USD", "624.38"],
    ]

"""``backoffice valuation``: positions at market and at cost, in their currency and the
base currency, FX revaluation of cash; missing and stale prices listed, not hidden."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.convert import convert_position
from beancount.core.prices import build_price_map
from beancount.ops.summarize import balance_by_account
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from tests.conftest import write_books

BOOKS = """
option "operating_currency" "USD"
option "booking_method" "FIFO"

2026-01-01 open Assets:Custody:Securities "FIFO"
2026-01-01 open Assets:Bank:USD USD
2026-01-01 open Assets:Bank:EUR EUR
2026-01-01 open Equity:Opening

2026-10-30 price EUR 1.10 USD
2026-11-20 price EUR 1.05 USD
2026-11-27 price EUR 1.08 USD
2026-11-27 price AAPL 233.12 USD
2026-11-27 price SAP 239.35 EUR
2026-11-20 price TTE 58.00 EUR

2026-11-02 * "Opening balance"
  Assets:Custody:Securities   100 AAPL {200.00 USD}
  Assets:Custody:Securities    10 SAP {250.00 EUR}
  Assets:Custody:Securities    50 TTE {56.00 EUR}
  Assets:Custody:Securities    20 XYZ {61.25 USD}
  Assets:Bank:USD           10000.00 USD
  Assets:Bank:EUR            1000.00 EUR
  Equity:Opening

2026-11-20 * "Transfer in"
  Assets:Bank:EUR             500.00 EUR
  Equity:Opening
"""

CONFIG = """
as-of = 2026-11-27

[firm]
name = "Global Assets Inc."
base-currency = "USD"

[valuation]
stale-after-days = 5
"""


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)
    return write_books(tmp_path, {"main.beancount": BOOKS, "backoffice.toml": CONFIG})


def valuation(runner: CliRunner, books: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["--books", str(books), "valuation", *args])
    return result.exit_code, result.stdout


def test_text(runner: CliRunner, books: Path) -> None:
    """EUR 1,000 booked at 1.10 and 500 at 1.05, worth 1.08 now: 1,620.00 USD against
    1,625.00, a revaluation of -5.00. TTE's price is a week old; XYZ has none."""
    code, out = valuation(runner, books)
    assert code == 1
    assert out == (
        "Valuation of Global Assets Inc. as of 2026-11-27 in USD"
        " (a price older than 5 days is stale)\n"
        "\n"
        "Securities\n"
        "  account                    security  quantity  ccy       cost   price  date"
        "           market  unrealized  rate  market USD  unrealized USD\n"
        "  Assets:Custody:Securities  AAPL           100  USD  20,000.00  233.12  2026-11-27"
        "  23,312.00    3,312.00     1   23,312.00        3,312.00\n"
        "  Assets:Custody:Securities  SAP             10  EUR   2,500.00  239.35  2026-11-27"
        "   2,393.50     -106.50  1.08    2,584.98         -115.02\n"
        "  Assets:Custody:Securities  TTE             50  EUR   2,800.00   58.00  2026-11-20"
        "   2,900.00      100.00  1.08    3,132.00          108.00\n"
        "  Assets:Custody:Securities  XYZ             20  USD   1,225.00"
        "                                                1\n"
        "\n"
        "Cash\n"
        "  account          ccy    balance  rate  value USD  historical USD  revaluation\n"
        "  Assets:Bank:EUR  EUR   1,500.00  1.08   1,620.00        1,625.00        -5.00\n"
        "  Assets:Bank:USD  USD  10,000.00     1  10,000.00       10,000.00         0.00\n"
        "\n"
        "Totals in USD\n"
        "  securities at market    29,028.98\n"
        "  securities at cost      25,724.00\n"
        "  unrealized P&L           3,304.98\n"
        "  cash                    11,620.00\n"
        "  FX revaluation of cash      -5.00\n"
        "  other balances               0.00\n"
        "  total at market         40,648.98\n"
        "\n"
        "Missing prices (not valued, not even at cost: add a price directive)\n"
        "  commodity  in   latest price  age (days)\n"
        "  XYZ        USD  never\n"
        "\n"
        "Stale prices (valued at the latest price: add a newer one)\n"
        "  commodity  in   latest price  age (days)\n"
        "  TTE        EUR  2026-11-20             7\n"
    )


def test_json_before_the_prices(runner: CliRunner, books: Path) -> None:
    """On 2026-11-20 TTE's price is fresh; XYZ is still missing, and so is every price
    of AAPL and SAP (their first is on 2026-11-27)."""
    code, out = valuation(runner, books, "--as-of", "2026-11-20", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["missing"] == [
        {"age": None, "commodity": "AAPL", "currency": "USD", "date": None},
        {"age": None, "commodity": "SAP", "currency": "EUR", "date": None},
        {"age": None, "commodity": "XYZ", "currency": "USD", "date": None},
    ]
    assert report["stale"] == []
    assert report["securities"][2] == {
        "account": "Assets:Custody:Securities",
        "cost": "2800.00",
        "cost_base": "2940.00",
        "currency": "EUR",
        "market": "2900.00",
        "market_base": "3045.00",
        "price": "58.00",
        "price_date": "2026-11-20",
        "quantity": "50",
        "rate": "1.05",
        "security": "TTE",
        "unrealized": "100.00",
        "unrealized_base": "105.00",
    }
    assert report["totals"] == {
        "cash_base": "11575.00",
        "cost_base": "2940.00",
        "market_base": "3045.00",
        "other_base": "0",
        "revaluation": "-50.00",
        "total_base": "14620.00",
        "unrealized_base": "105.00",
    }


def test_csv(runner: CliRunner, books: Path) -> None:
    code, out = valuation(runner, books, "--csv")
    assert code == 1
    assert out == (
        "kind,account,commodity,quantity,currency,cost,price,price_date,market,unrealized,"
        "rate,cost_base,market_base,unrealized_base,historical_base,revaluation\n"
        "security,Assets:Custody:Securities,AAPL,100,USD,20000.00,233.12,2026-11-27,23312.00,"
        "3312.00,1,20000.00,23312.00,3312.00,,\n"
        "security,Assets:Custody:Securities,SAP,10,EUR,2500.00,239.35,2026-11-27,2393.50,"
        "-106.50,1.08,2700.00,2584.98,-115.02,,\n"
        "security,Assets:Custody:Securities,TTE,50,EUR,2800.00,58.00,2026-11-20,2900.00,"
        "100.00,1.08,3024.00,3132.00,108.00,,\n"
        "security,Assets:Custody:Securities,XYZ,20,USD,1225.00,,,,,1,1225.00,,,,\n"
        "cash,Assets:Bank:EUR,EUR,1500.00,EUR,,,,,,1.08,,1620.00,,1625.00,-5.00\n"
        "cash,Assets:Bank:USD,USD,10000.00,USD,,,,,,1,,10000.00,,10000.00,0.00\n"
    )


CLEARING_BOOKS = """
2026-01-01 open Assets:Custody:Securities "FIFO"
2026-01-01 open Assets:Custody:Cash:EUR EUR
  cash-floor: "0 EUR"
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Assets:Suspense
2026-01-01 open Equity:Opening

2026-11-02 price EUR 1.10 USD
2026-11-27 price EUR 1.08 USD

2026-11-02 * "Opening balance"
  Assets:Custody:Cash:EUR   1000.00 EUR
  Assets:Unsettled:AlphaSec  500.00 EUR
  Assets:Suspense             20.00 EUR
  Equity:Opening
"""


def test_cash_is_only_the_cash_accounts(runner: CliRunner, tmp_path: Path) -> None:
    """A clearing account (what a counterparty owes) and the suspense account are the
    firm's but not cash: listed apart, in the total, out of the cash total."""
    books = write_books(tmp_path, {"main.beancount": CLEARING_BOOKS, "backoffice.toml": CONFIG})
    code, out = valuation(runner, books)
    assert code == 0
    assert out.split("Cash\n", 1)[1] == (
        "  account                  ccy   balance  rate  value USD  historical USD  revaluation\n"
        "  Assets:Custody:Cash:EUR  EUR  1,000.00  1.08   1,080.00        1,100.00       -20.00\n"
        "\n"
        "Other balances (not cash: clearing, suspense)\n"
        "  account                    ccy  balance  rate  value USD  historical USD  revaluation\n"
        "  Assets:Suspense            EUR    20.00  1.08      21.60           22.00        -0.40\n"
        "  Assets:Unsettled:AlphaSec  EUR   500.00  1.08     540.00          550.00       -10.00\n"
        "\n"
        "Totals in USD\n"
        "  securities at market        0.00\n"
        "  securities at cost          0.00\n"
        "  unrealized P&L              0.00\n"
        "  cash                    1,080.00\n"
        "  FX revaluation of cash    -20.00\n"
        "  other balances            561.60\n"
        "  total at market         1,641.60\n"
    )


def test_a_rate_through_the_euro(runner: CliRunner, tmp_path: Path) -> None:
    """The ECB's rates are per euro: pounds are worth their euros' dollars."""
    books = write_books(
        tmp_path,
        {
            "main.beancount": """
2026-01-01 open Assets:Bank:GBP GBP
2026-01-01 open Equity:Opening
2026-11-27 price EUR 1.08 USD
2026-11-27 price EUR 0.80 GBP
2026-11-27 * "Opening balance"
  Assets:Bank:GBP   100.00 GBP
  Equity:Opening
""",
            "backoffice.toml": CONFIG,
        },
    )
    code, out = valuation(runner, books, "--json")
    assert code == 0, out
    assert json.loads(out)["cash"] == [
        {
            "account": "Assets:Bank:GBP",
            "balance": "100.00",
            "currency": "GBP",
            "historical_base": "135.00",
            "rate": "1.3500",
            "revaluation": "0.00",
            "value_base": "135.00",
        }
    ]


def test_priced_demo_books_are_clean(runner: CliRunner, demo_books: Path) -> None:
    """The demo's documents price every position and give a rate for every euro's day,
    on the last day and at the October month-end; each price names its document."""
    inbox = sorted(str(p) for p in (demo_books.parent / "inbox").iterdir() if p.is_file())
    imported = runner.invoke(main, ["--books", str(demo_books), "import", *inbox])
    assert imported.exit_code == 0, imported.output
    held = {"2026-11-27": ["AAPL", "MSFT", "SAP", "SPY", "TTE", "XYZ"]}
    held["2026-10-31"] = ["AAPL", "MSFT", "SAP", "SPY", "TTE"]
    for day, securities in held.items():
        code, out = valuation(runner, demo_books, "--json", "--as-of", day)
        assert code == 0, out
        report = json.loads(out)
        assert (report["missing"], report["stale"]) == ([], [])
        assert [r["security"] for r in report["securities"]] == securities
        assert all(r["revaluation"] is not None for r in report["cash"])
    books = load(demo_books)
    # Fava's "converted to USD": every position of every account (at cost: through its
    # cost currency) into dollars on the last day, nothing left in "Other"
    price_map = build_price_map(books.entries)
    last = datetime.date(2026, 11, 27)
    balances = balance_by_account(books.entries, last + datetime.timedelta(days=1))[0]
    left = {
        position.units.currency
        for inventory in balances.values()
        for position in inventory
        if convert_position(position, "USD", price_map, last).currency != "USD"
    }
    assert left == set()
    prices = [e for e in books.entries if isinstance(e, data.Price)]
    assert all(e.meta.get("source-ref") and e.meta.get("source-sha256") for e in prices)
    assert {Path(e.meta["source"]).name for e in prices} == {
        "2026-10-31.custodia-mt535.txt",
        "2026-11-25.alphasec-2026-11-25.ofx",
        "2026-11-27.closing-prices-2026-11-27.csv",
        "2026-11-27.eurofxref-hist-90d.xml",
    }

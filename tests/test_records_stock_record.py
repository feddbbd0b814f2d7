"""``backoffice stock-record``: each security's long side equals its locations, the
fails where they really are, and a break where the custodian's holding differs."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.ops.summarize import balance_by_account
from click.testing import CliRunner

from bench.generate import read_firm, render, write
from ledger.books import Books, load
from ledger.cli import main
from ledger.config import load_config
from ledger.records.entries import read_trade_entries
from ledger.records.stock_record import stock_record_report
from ledger.settlement.report import settlements_report
from tests.conftest import DEMO_BOOKS, write_books
from tests.records_books import records_books


@pytest.fixture(autouse=True)
def _no_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def stock_record(runner: CliRunner, books: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["--books", str(books), "stock-record", *args])
    return result.exit_code, result.stdout


@pytest.mark.parametrize("policy", ["settlement-date", "contractual", "actual", "trade-date"])
def test_text_fail_unsettled_and_break(runner: CliRunner, tmp_path: Path, policy: str) -> None:
    """The failed MSFT sale is still at the custodian (a fail to deliver), the pending
    XYZ purchase is due in; Custodia's 140 XYZ against the record's 150 is a break.
    The books differ by policy (the trade-date policy has the pending XYZ in them, the
    actual policy still the MSFT sold); where the securities are does not."""
    books = write_books(tmp_path, records_books(policy))
    code, out = stock_record(runner, books)
    assert code == 1
    assert out == (
        "Stock record of Backoffice as of 2026-11-27\n"
        "\n"
        "MSFT  US5949181045\n"
        "  side   kind             location                            quantity  trade"
        "  S           age\n"
        "  long   position         firm                                     300\n"
        "  long   fail-to-deliver  AlphaSec                                 200  T4   "
        "  2026-11-20    4\n"
        "  short  custody          Assets:Custody:Custodia:Securities       500\n"
        "  total  long                                                      500\n"
        "  total  short                                                     500\n"
        "\n"
        "XYZ  US8522341036\n"
        "  side   kind                location                            quantity  trade"
        "  S           age\n"
        "  long   position            firm                                     180\n"
        "  short  custody             Assets:Custody:Custodia:Securities       150\n"
        "  short  unsettled-purchase  AlphaSec                                  30  T5   "
        "  2026-11-30\n"
        "  total  long                                                         180\n"
        "  total  short                                                        180\n"
        "\n"
        "Breaks with the custodian\n"
        "  date        account                             security  custodian  record"
        "  difference  source\n"
        "  2026-11-26  Assets:Custody:Custodia:Securities  XYZ             140     150"
        "         -10  STMT-1126\n"
    )


def test_json_before_settlement(runner: CliRunner, tmp_path: Path) -> None:
    """On T of the MSFT sale nothing has moved at the custodian: an unsettled sale."""
    books = write_books(tmp_path, records_books())
    code, out = stock_record(runner, books, "--as-of", "2026-11-19", "--json")
    assert code == 0
    msft = {
        "books": "500",
        "isin": "US5949181045",
        "long": "500",
        "name": None,
        "security": "MSFT",
        "short": "500",
        "locations": [
            {
                "age": None,
                "kind": "position",
                "location": "firm",
                "quantity": "300",
                "safekeeping": None,
                "settle_date": None,
                "side": "long",
                "trade_id": None,
            },
            {
                "age": None,
                "kind": "unsettled-sale",
                "location": "AlphaSec",
                "quantity": "200",
                "safekeeping": None,
                "settle_date": "2026-11-20",
                "side": "long",
                "trade_id": "T4",
            },
            {
                "age": None,
                "kind": "custody",
                "location": "Assets:Custody:Custodia:Securities",
                "quantity": "500",
                "safekeeping": None,
                "settle_date": None,
                "side": "short",
                "trade_id": None,
            },
        ],
    }
    report = json.loads(out)
    assert report["as_of"] == "2026-11-19"
    assert report["breaks"] == []
    assert report["unbalanced"] == []
    assert [s["security"] for s in report["securities"]] == ["MSFT", "XYZ"]
    assert report["securities"][0] == msft


def ties_to_the_books(books: Books, as_of: datetime.date) -> None:
    """Each security's position is the books' balance (Beancount's own sum) plus the
    live trades whose entries the policy dated after ``as_of`` (pending, or under the
    actual policy not yet settled); long equals short."""
    config = load_config(books.path)
    report = stock_record_report(books, config, as_of)
    balances = balance_by_account(books.entries, as_of + datetime.timedelta(days=1))[0]
    books_total: dict[str, Decimal] = defaultdict(Decimal)
    for inventory in balances.values():
        for position in inventory:
            books_total[position.units.currency] += position.units.number
    entries = read_trade_entries(books.entries)
    pending: dict[str, Decimal] = defaultdict(Decimal)
    for trade in settlements_report(books, config, as_of)["trades"]:
        if entries[trade["trade_id"]].entry.date > as_of:
            sign = 1 if trade["side"] == "buy" else -1
            pending[trade["security"]] += sign * trade["quantity"]
    assert report["unbalanced"] == []
    assert report["breaks"] == []
    assert report["securities"], "no securities: the tie would prove nothing"
    for security in report["securities"]:
        name = security["security"]
        assert security["books"] == books_total[name], name
        position = [r["quantity"] for r in security["locations"] if r["kind"] == "position"]
        assert sum(position, Decimal(0)) == books_total[name] + pending[name], name
        assert security["long"] == security["short"], name


@pytest.mark.parametrize("policy", ["settlement-date", "actual", "trade-date"])
def test_demo_ties_to_the_books(demo_books: Path, runner: CliRunner, policy: str) -> None:
    config = demo_books.parent / "backoffice.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('policy = "settlement-date"', f'policy = "{policy}"'))
    inbox = sorted(str(p) for p in (demo_books.parent / "inbox").iterdir() if p.is_file())
    result = runner.invoke(main, ["--books", str(demo_books), "import", *inbox])
    assert result.exit_code == 0, result.output
    books = load(demo_books, hardcore=False)
    for day in ("2026-10-30", "2026-11-20", "2026-11-27"):
        ties_to_the_books(books, datetime.date.fromisoformat(day))


def test_generated_books_tie_to_the_books(tmp_path: Path) -> None:
    write(render(read_firm(DEMO_BOOKS), 1500, seed=3), tmp_path)
    books = load(tmp_path / "main.beancount", hardcore=False)
    as_of = load_config(books.path).as_of
    assert as_of is not None
    for day in (as_of - datetime.timedelta(days=9), as_of):
        ties_to_the_books(books, day)

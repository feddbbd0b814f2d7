"""``backoffice stock-record``: each security's long side equals its locations, the
fails where they really are, and a break where the custodian's holding differs."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.ops.summarize import balance_by_account
from click.testing import CliRunner

from bench.generate import read_firm, render, write
from ledger.books import Books, load
from ledger.cli import main
from ledger.config import load_config
from ledger.records.entries import read_trade_entries
from ledger.records.stock_record import stock_record_report
from ledger.settlement.state import trade_states
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


def trade_legs(books: Books) -> dict[str, tuple[data.Transaction, str, str, Decimal]]:
    """Each live trade's entry, securities account, security and signed quantity, read
    from its postings (booking splits a sale into one posting per lot it reduces)."""
    legs: dict[str, tuple[data.Transaction, str, str, Decimal]] = {}
    for trade_id, read in read_trade_entries(books.entries).items():
        assert read.account is not None and read.security is not None, trade_id
        number = sum(
            (
                p.units.number
                for p in read.entry.postings
                if p.account == read.account and p.units.currency == read.security
            ),
            Decimal(0),
        )
        legs[trade_id] = (read.entry, read.account, read.security, number)
    return legs


def ties_to_the_books(books: Books, as_of: datetime.date) -> None:
    """The record against the books, summed here from the postings: each security's
    position is its balance (Beancount's own sum) plus the live trades the policy dated
    after ``as_of``; at the custodian is the securities account's balance less what
    the trades booked but not settled moved (all of it: these books settle no trade in
    part); long equals short; the custodian's statements agree (no break)."""
    config = load_config(books.path)
    report = stock_record_report(books, config, as_of)
    balances = balance_by_account(books.entries, as_of + datetime.timedelta(days=1))[0]
    position: dict[str, Decimal] = defaultdict(Decimal)
    custody: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for account, inventory in balances.items():
        for held in inventory:
            position[held.units.currency] += held.units.number
            custody[(account, held.units.currency)] += held.units.number
    books_total = dict(position)
    legs = trade_legs(books)
    for state in trade_states(books.entries, config, as_of):
        entry, account, security, number = legs[state.trade_id]
        assert state.status != "partial", state.trade_id
        if entry.date > as_of:
            position[security] += number
        elif state.status != "settled":
            custody[(account, security)] -= number
    assert report["unbalanced"] == []
    assert report["breaks"] == []
    assert report["securities"], "no securities: the tie would prove nothing"
    for security in report["securities"]:
        name = security["security"]
        assert security["books"] == books_total[name], name
        rows = security["locations"]
        in_position = sum((r["quantity"] for r in rows if r["kind"] == "position"), Decimal(0))
        assert in_position == position[name], name
        at_custodian = {r["location"]: r["quantity"] for r in rows if r["kind"] == "custody"}
        expected = {a: n for (a, s), n in custody.items() if s == name and n and a in at_custodian}
        assert at_custodian == expected, name
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


@pytest.mark.parametrize("policy", ["settlement-date", "trade-date"])
def test_generated_books_tie_to_the_books(tmp_path: Path, policy: str) -> None:
    """On the benchmark's books: at every month end (the custodian's statement of
    holdings is asserted the next day), mid-month with trades pending, and on the
    last day, when every trade has settled and the custodian holds the books'
    balance of the securities account."""
    write(render(read_firm(DEMO_BOOKS), 3000, seed=3), tmp_path)
    config = tmp_path / "backoffice.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('policy = "settlement-date"', f'policy = "{policy}"'))
    books = load(tmp_path / "main.beancount", hardcore=False)
    as_of = load_config(books.path).as_of
    assert as_of is not None
    months = sorted({(e.date.year, e.date.month) for e in books.entries if e.date <= as_of})
    days = [as_of]
    for year, month in months[1:]:
        first = datetime.date(year, month, 1)
        days += [first - datetime.timedelta(days=1), first + datetime.timedelta(days=14)]
    for day in sorted(d for d in days if d <= as_of):
        ties_to_the_books(books, day)
    last = stock_record_report(books, load_config(books.path), as_of)
    securities = balance_by_account(books.entries, as_of + datetime.timedelta(days=1))[0]
    for security in last["securities"]:
        (custody,) = [r for r in security["locations"] if r["kind"] == "custody"]
        balance = securities[custody["location"]].get_currency_units(security["security"])
        assert custody["quantity"] == balance.number, security["security"]

"""The one trade-entry builder: buys at cost, sells against lots with
realized P&L, commissions and fees, the cash leg on the clearing account."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import printer

from importers.trades.builder import Trade, TradeAccounts, trade_entry
from ledger.books import load_string
from tests.importers.trade_books import trades_config

ACCOUNTS = TradeAccounts.from_config(trades_config())
META = {
    "filename": "blotter.csv",
    "lineno": 2,
    "source": "blotter.csv",
    "source-ref": "T1",
    "source-sha256": "00",
}


def trade(**changes: object) -> Trade:
    fields: dict[str, object] = {
        "trade_id": "T1",
        "trade_date": datetime.date(2026, 11, 24),
        "settle_date": datetime.date(2026, 11, 25),
        "counterparty": "AlphaSec",
        "side": "buy",
        "security": "XYZ",
        "isin": "US8522341036",
        "quantity": Decimal(1000),
        "price": Decimal("61.25"),
        "currency": "USD",
        "commission": Decimal("25.00"),
    }
    fields.update(changes)
    return Trade(**fields)  # type: ignore[arg-type]


def test_buy_at_cost_with_commission_and_cash_leg_on_the_clearing_account() -> None:
    entry = trade_entry(trade(), ACCOUNTS, META)
    assert printer.format_entry(entry) == (
        '2026-11-24 * "AlphaSec" "Buy 1000 XYZ @ 61.25 USD" ^trade-T1\n'
        '  trade-id: "T1"\n'
        "  trade-date: 2026-11-24\n"
        "  settle-date: 2026-11-25\n"
        '  isin: "US8522341036"\n'
        '  side: "buy"\n'
        '  counterparty: "AlphaSec"\n'
        '  source: "blotter.csv"\n'
        '  source-ref: "T1"\n'
        '  source-sha256: "00"\n'
        "  Assets:Custody:Custodia:Securities       1000 XYZ {61.25 USD}\n"
        "  Expenses:Commissions                    25.00 USD\n"
        "  Assets:Unsettled:AlphaSec           -61275.00 USD\n"
    )


def test_sell_books_against_the_lots_and_realizes_the_difference(tmp_path: Path) -> None:
    sell = trade(
        side="sell",
        quantity=Decimal(300),
        price=Decimal("63.00"),
        commission=Decimal("10.00"),
        fees=(("Exchange", Decimal("0.42")),),
        trade_id="T2",
        trade_date=datetime.date(2026, 11, 26),
        settle_date=datetime.date(2026, 11, 27),
    )
    ledger = (
        'option "booking_method" "FIFO"\n'
        "2026-01-01 open Assets:Custody:Custodia:Securities\n"
        "2026-01-01 open Assets:Unsettled:AlphaSec\n"
        "2026-01-01 open Expenses:Commissions\n"
        "2026-01-01 open Expenses:Fees:Exchange\n"
        "2026-01-01 open Income:Trading:Realized\n"
        "2026-01-01 commodity XYZ\n"
        + printer.format_entry(trade_entry(trade(), ACCOUNTS, META))
        + printer.format_entry(trade_entry(sell, ACCOUNTS, {**META, "source-ref": "T2"}))
    )
    books = load_string(ledger)
    assert books.errors == []
    booked = [e for e in books.entries if isinstance(e, data.Transaction)][-1]
    postings = {(p.account, p.units.currency): p for p in booked.postings}
    # 300 sold at 63.00 from the 61.25 lot: 525.00 realized (income is negative).
    assert postings[("Income:Trading:Realized", "USD")].units.number == Decimal("-525.00")
    assert postings[("Assets:Custody:Custodia:Securities", "XYZ")].cost.number == Decimal("61.25")
    assert postings[("Assets:Unsettled:AlphaSec", "USD")].units.number == Decimal("18889.58")
    assert postings[("Expenses:Fees:Exchange", "USD")].units.number == Decimal("0.42")


def test_a_notional_from_fills_is_the_cash_leg_not_quantity_times_rounded_price() -> None:
    averaged = trade(
        quantity=Decimal(3),
        price=Decimal("10.33333333"),
        notional=Decimal("31.00"),
        commission=Decimal(0),
    )
    entry = trade_entry(averaged, ACCOUNTS, META)
    assert [str(p.units) for p in entry.postings] == ["3 XYZ", "-31.00 USD"]

"""trade_states: the demo storyline's trades as of 2026-11-27, every field compared."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.books import load, load_string
from ledger.config import load_config
from ledger.settlement.state import TradeState, trade_states

BOOKS = Path(__file__).parent / "data" / "settlement" / "books" / "main.beancount"
USD_CASH = "Assets:Custody:Custodia:Cash:USD"


def state(
    trade_id: str,
    t: date,
    s: date,
    cp: str,
    isin: str,
    security: str,
    side: str,
    qty: str,
    amount: str,
    currency: str,
    cash: str,
    settled: str,
    remaining: str,
    status: str,
    age: int,
    line: int,
) -> TradeState:
    return TradeState(
        trade_id=trade_id,
        link=f"trade-{trade_id}",
        trade_date=t,
        settle_date=s,
        counterparty=cp,
        isin=isin,
        security=security,
        side=side,
        quantity=Decimal(qty),
        amount=Decimal(amount),
        currency=currency,
        cash_account=cash,
        settled_amount=Decimal(settled),
        remaining=Decimal(remaining),
        status=status,
        age=age,
        meta={"filename": str(BOOKS), "lineno": line},
    )


def test_storyline_states(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    books = load(BOOKS)
    states = trade_states(books.entries, load_config(BOOKS), date(2026, 11, 27))
    # fmt: off
    assert states == [
        state("A1009", date(2026, 10, 9), date(2026, 10, 13), "AlphaSec", "US0378331005",
              "AAPL", "buy", "500", "-122550.00", "USD", USD_CASH, "-122550.00", "0",
              "settled", 0, 47),
        state("A1119", date(2026, 11, 19), date(2026, 11, 20), "AlphaSec", "US5949181045",
              "MSFT", "sell", "300", "126000.00", "USD", USD_CASH, "0", "126000.00",
              "failed", 4, 60),
        state("T123", date(2026, 11, 24), date(2026, 11, 25), "AlphaSec", "US8522341036",
              "XYZ", "buy", "1000", "-61275.00", "USD", USD_CASH, "-61275.00", "0",
              "settled", 0, 70),
        # BetaMarkets is auto-settle: the plugin's generated settlement counts.
        state("B1125", date(2026, 11, 25), date(2026, 11, 27), "BetaMarkets", "DE0007164600",
              "SAP", "buy", "200", "-47360.00", "EUR", "Assets:Custody:Custodia:Cash:EUR",
              "-47360.00", "0", "settled", 0, 84),
        state("A1127", date(2026, 11, 27), date(2026, 11, 30), "AlphaSec", "US78462F1030",
              "SPY", "buy", "2000", "-1196800.00", "USD", USD_CASH, "0", "-1196800.00",
              "pending", 0, 93),
    ]
    # fmt: on


def test_partial_cancelled_and_future_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A partial is partial before and after S; a cancelled trade has no state; an
    auto-settlement dated after the as-of date leaves the trade pending with nothing
    remaining (the generated entry already carries the cash)."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-24")
    text = BOOKS.read_text(encoding="utf-8") + (
        """
2026-11-25 * "Custodia" "MT545 partial" ^trade-A1127
  partial: TRUE
  Assets:Unsettled:AlphaSec          598400.00 USD
  Assets:Custody:Custodia:Cash:USD  -598400.00 USD

2026-11-20 * "AlphaSec" "Cancel A1119" ^trade-A1119
  cancels: "A1119"
  Assets:Custody:Custodia:Securities      300 MSFT {415.20 USD}
  Assets:Unsettled:AlphaSec         -126000.00 USD
  Income:Trading:Realized
"""
    )
    books = load_string(text)
    config = load_config(BOOKS)
    by_id = {s.trade_id: s for s in trade_states(books.entries, config, date(2026, 11, 28))}
    assert "A1119" not in by_id
    spy = by_id["A1127"]
    assert (spy.status, spy.settled_amount, spy.remaining, spy.age) == (
        "partial",
        Decimal("-598400.00"),
        Decimal("-598400.00"),
        0,
    )
    later = {s.trade_id: s for s in trade_states(books.entries, config, date(2026, 12, 2))}
    assert (later["A1127"].status, later["A1127"].age) == ("partial", 2)
    # load_string has no config beside it, so nothing is auto-settled here ...
    assert (by_id["B1125"].status, by_id["B1125"].remaining) == ("failed", Decimal("-47360.00"))
    # ... while the books beside their config get the settlement, dated S, flagged "!".
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-26")
    generated = [e for e in load(BOOKS).entries if e.meta.get("auto-settled")]
    assert [(e.date, e.flag) for e in generated] == [(date(2026, 11, 27), "!")]
    sap = {s.trade_id: s for s in trade_states(load(BOOKS).entries, config, date(2026, 11, 26))}
    assert (sap["B1125"].status, sap["B1125"].settled_amount, sap["B1125"].remaining) == (
        "pending",
        Decimal("-47360.00"),
        Decimal("0"),
    )

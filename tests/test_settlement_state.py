"""trade_states: the demo storyline's trades as of 2026-11-27, every field compared."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from ledger.books import Books, load, load_string
from ledger.cash.positions import cash_book
from ledger.config import CONFIG_NAME, Config, load_config
from ledger.settlement import state as state_module
from ledger.settlement.scan import Scan, scan
from ledger.settlement.state import TradeState, trade_states
from tests.settlement_books import CONFIG, HEADER, SALE_ACROSS_LOTS

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


def _books_with(tmp_path: Path, trade_cash: str) -> tuple[Books, Config]:
    """The settlement test chart and a buy of 10 XYZ on 2026-11-27 (S 11-30), its
    cash legs as given."""
    (tmp_path / "main.beancount").write_text(
        HEADER
        + """
2026-11-27 * "AlphaSec" "Buy 10 XYZ" ^trade-D1
  trade-id: "D1"
  trade-date: 2026-11-27
  settle-date: 2026-11-30
  side: "buy"
  Assets:Custody:Custodia:Securities  10 XYZ {60 USD}
"""
        + trade_cash,
        encoding="utf-8",
    )
    (tmp_path / CONFIG_NAME).write_text(CONFIG.format(policy="settlement-date"), encoding="utf-8")
    books = load(tmp_path / "main.beancount")
    assert books.errors == []
    return books, load_config(books.path)


def _cash_flows(books: Books, config: Config) -> list[tuple[date, Decimal, bool]]:
    book = cash_book(books.entries, config, date(2026, 11, 27))
    return [(f.value_date, f.amount, f.projected) for f in book.flows if f.account == USD_CASH]


def test_trade_paying_from_cash_has_nothing_remaining(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trade's own entry moves the cash: settled in that entry while still pending,
    and the cash ladder has that entry's flow on S and no projection of it."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    books, config = _books_with(tmp_path, "  Assets:Custody:Custodia:Cash:USD  -600 USD\n")
    [d1] = trade_states(books.entries, config, date(2026, 11, 27))
    assert (d1.status, d1.amount, d1.settled_amount, d1.remaining, d1.cash_account) == (
        "pending",
        Decimal("-600"),
        Decimal("-600"),
        Decimal("0"),
        USD_CASH,
    )
    assert _cash_flows(books, config) == [(date(2026, 11, 30), Decimal("-600"), False)]


def test_trade_with_clearing_leg_and_cash_commission_projects_its_settlement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trade that pays its commission from cash but the principal through the
    clearing account: the commission is booked, the principal still to come."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    books, config = _books_with(
        tmp_path,
        "  Assets:Unsettled:AlphaSec  -600 USD\n"
        "  Assets:Custody:Custodia:Cash:USD  -5 USD\n"
        "  Expenses:Commissions  5 USD\n",
    )
    [d1] = trade_states(books.entries, config, date(2026, 11, 27))
    assert (d1.status, d1.settled_amount, d1.remaining) == (
        "pending",
        Decimal("0"),
        Decimal("-600"),
    )
    assert _cash_flows(books, config) == [
        (date(2026, 11, 30), Decimal("-5"), False),
        (date(2026, 11, 30), Decimal("-600"), True),
    ]


def test_states_of_the_same_entries_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asked again for the same list (another date too), trade_states reuses its scan;
    a copy of the list, a longer list or another config is read afresh."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    books = load(BOOKS)
    config = load_config(BOOKS)
    scans = []

    def counting_scan(entries: Iterable[data.Directive], cfg: Config) -> Scan:
        entries = list(entries)
        scans.append(len(entries))
        return scan(entries, cfg)

    monkeypatch.setattr(state_module, "scan", counting_scan)
    first = trade_states(books.entries, config, date(2026, 11, 27))
    first.clear()  # the caller's list: the kept states are not changed by it
    again = trade_states(books.entries, config, date(2026, 11, 27))
    later = trade_states(books.entries, config, date(2026, 12, 4))
    assert scans == [len(books.entries)]
    assert [s.trade_id for s in again] == ["A1009", "A1119", "T123", "B1125", "A1127"]
    assert [s.status for s in later] == ["settled", "failed", "settled", "settled", "failed"]
    # An iterator is read afresh: the kept states are what a fresh reading gives.
    assert trade_states(iter(books.entries), config, date(2026, 11, 27)) == again
    assert trade_states(iter(books.entries), config, date(2026, 12, 4)) == later
    assert trade_states(books.entries, config, date(2026, 11, 27)) == again
    assert len(scans) == 3

    copy = list(books.entries)
    assert trade_states(copy, config, date(2026, 11, 27)) == again
    assert len(scans) == 4

    cancel = load_string(
        '2026-11-20 * "AlphaSec" "Cancel A1119" ^trade-A1119\n  cancels: "A1119"\n'
    ).entries
    copy.extend(cancel)
    assert [s.trade_id for s in trade_states(copy, config, date(2026, 11, 27))] == [
        "A1009",
        "T123",
        "B1125",
        "A1127",
    ]
    assert len(scans) == 5

    elsewhere = config.model_copy(
        update={
            "counterparties": {
                **config.counterparties,
                "AlphaSec": config.counterparties["AlphaSec"].model_copy(
                    update={"cash_account": "Assets:Bank:FirstHarbor:USD"}
                ),
            }
        }
    )
    moved = trade_states(books.entries, elsewhere, date(2026, 11, 27))
    assert len(scans) == 6
    assert [s.cash_account for s in moved if s.counterparty == "AlphaSec"] == [
        USD_CASH,  # its settlement names the cash account it moved
        "Assets:Bank:FirstHarbor:USD",
        USD_CASH,
        "Assets:Bank:FirstHarbor:USD",
    ]


def test_a_sale_across_lots_is_the_whole_sale(tmp_path: Path) -> None:
    """Booking splits ``-900 XYZ {}`` into one posting per lot it reduces (600 and 300);
    the trade is of 900, not of its first lot's 600."""
    text = HEADER + SALE_ACROSS_LOTS
    (tmp_path / "main.beancount").write_text(text, encoding="utf-8")
    (tmp_path / CONFIG_NAME).write_text(CONFIG.format(policy="trade-date"), encoding="utf-8")
    books = load(tmp_path / "main.beancount")
    [entry] = [e for e in books.entries if isinstance(e, data.Transaction) and e.links]
    assert [p.units.number for p in entry.postings[:2]] == [Decimal(-600), Decimal(-300)]
    [s1] = trade_states(books.entries, load_config(books.path), date(2026, 11, 25))
    assert (s1.side, s1.quantity, s1.amount, s1.status) == (
        "sell",
        Decimal(900),
        Decimal("55800.00"),
        "pending",
    )

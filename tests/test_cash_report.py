"""cash_report: positions, the ladder on each currency's calendar, exposure, transfers."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ledger.books import Books
from ledger.cash.report import UnknownCurrency, cash_report
from ledger.config import load_config
from tests.cash_books import HEADER, buy_xyz, config

Ledger = Callable[..., Books]
D = datetime.date.fromisoformat


@pytest.fixture(autouse=True)
def _as_of_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "")


def report(books: Books, as_of: str, days: int, currency: str | None = None) -> dict[str, Any]:
    return cash_report(books, load_config(books.path), D(as_of), days, currency)


def table(text: str) -> list[dict[str, Any]]:
    """Ladder rows written as a table: date, opening, in, out, other, closing, floor."""
    rows = []
    for line in text.strip().splitlines()[1:]:
        day, *numbers = line.split()
        opening, settle_in, settle_out, other, closing, floor = map(Decimal, numbers)
        rows.append(
            {
                "date": D(day),
                "opening": opening,
                "settlements_in": settle_in,
                "settlements_out": settle_out,
                "other": other,
                "closing": closing,
                "floor": floor,
                "headroom": closing - floor,
                "funding_need": max(Decimal(0), floor - closing),
            }
        )
    return rows


def ladder(result: dict[str, Any], currency: str, account: str) -> list[dict[str, Any]]:
    (found,) = [lad for lad in result["ladders"] if lad["currency"] == currency]
    if account == "total":
        return list(found["total"])
    (rows,) = [a["rows"] for a in found["accounts"] if a["account"] == account]
    return list(rows)


HOLIDAYS = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash"
  Assets:Custody:Custodia:Cash:USD    100000.00 USD
  Assets:Bank:Rheinbank:EUR            50000.00 EUR
  Equity:Opening                     -100000.00 USD
  Equity:Opening                      -50000.00 EUR
"""
    + buy_xyz("2026-11-25", "2026-11-27")
    + """
2026-11-26 * "Custodia" "Custody fee, booked on Thanksgiving"
  Assets:Custody:Custodia:Cash:USD       -40.00 USD
  Expenses:Fees:Bank

2026-11-26 * "Rheinbank" "Account fee"
  Assets:Bank:Rheinbank:EUR              -15.00 EUR
  Expenses:Fees:Bank

2026-11-28 * "Custodia" "Interest, value date Saturday"
  Assets:Custody:Custodia:Cash:USD       120.00 USD
  Equity:Opening
"""
)


def test_weekend_and_holiday_inside_the_ladder(ledger: Ledger) -> None:
    """USD cash settles on the Fed's days: Thanksgiving (26th) and the weekend are not
    ladder days, their flows land on the next one; TARGET is open on the 26th."""
    result = report(ledger(HOLIDAYS, config=config("2026-11-25")), "2026-11-25", 4)
    usd, eur = sorted(result["ladders"], key=lambda lad: lad["currency"], reverse=True)
    assert (usd["currency"], usd["calendar"]) == ("USD", "FED")
    assert usd["dates"] == [D("2026-11-25"), D("2026-11-27"), D("2026-11-30"), D("2026-12-01")]
    assert (eur["currency"], eur["calendar"]) == ("EUR", "ECB")
    assert eur["dates"] == [D("2026-11-25"), D("2026-11-26"), D("2026-11-27"), D("2026-11-30")]
    assert ladder(result, "USD", "Assets:Custody:Custodia:Cash:USD") == table(
        """
        date        opening    in     out        other   closing    floor
        2026-11-25  100000.00  0      0          0       100000.00  0
        2026-11-27  100000.00  0      -61250.00  -40.00  38710.00   0
        2026-11-30  38710.00   0      0          120.00  38830.00   0
        2026-12-01  38830.00   0      0          0       38830.00   0
        """
    )
    assert ladder(result, "EUR", "Assets:Bank:Rheinbank:EUR") == table(
        """
        date        opening   in  out  other   closing   floor
        2026-11-25  50000.00  0   0    0       50000.00  0
        2026-11-26  50000.00  0   0    -15.00  49985.00  0
        2026-11-27  49985.00  0   0    0       49985.00  0
        2026-11-30  49985.00  0   0    0       49985.00  0
        """
    )
    # Accounts the books never move are in the ladder too, and in the total.
    assert ladder(result, "USD", "total") == table(
        """
        date        opening    in     out        other   closing    floor
        2026-11-25  100000.00  0      0          0       100000.00  -500000
        2026-11-27  100000.00  0      -61250.00  -40.00  38710.00   -500000
        2026-11-30  38710.00   0      0          120.00  38830.00   -500000
        2026-12-01  38830.00   0      0          0       38830.00   -500000
        """
    )


def test_positions_and_exposure(ledger: Ledger) -> None:
    result = report(ledger(HOLIDAYS, config=config("2026-11-25")), "2026-11-25", 4)
    zero = Decimal(0)
    assert result["positions"] == [
        {
            "account": "Assets:Bank:FirstHarbor:USD",
            "currency": "USD",
            "floor": Decimal(-500000),
            "settled": zero,
            "pending_in": zero,
            "pending_out": zero,
            "projected": zero,
        },
        {
            "account": "Assets:Bank:Rheinbank:EUR",
            "currency": "EUR",
            "floor": zero,
            "settled": Decimal("50000.00"),
            "pending_in": zero,
            "pending_out": Decimal("-15.00"),
            "projected": Decimal("49985.00"),
        },
        {
            "account": "Assets:Custody:Custodia:Cash:EUR",
            "currency": "EUR",
            "floor": zero,
            "settled": zero,
            "pending_in": zero,
            "pending_out": zero,
            "projected": zero,
        },
        {
            "account": "Assets:Custody:Custodia:Cash:USD",
            "currency": "USD",
            "floor": zero,
            "settled": Decimal("100000.00"),
            "pending_in": Decimal("120.00"),
            "pending_out": Decimal("-61290.00"),
            "projected": Decimal("38830.00"),
        },
    ]
    assert result["exposure"] == [
        {
            "currency": "USD",
            "pay": Decimal("-61250.00"),
            "receive": zero,
            "net": Decimal("-61250.00"),
            "trades": 1,
            "links": ["trade-T1"],
        }
    ]
    assert result["transfers"] == [] and result["uncovered"] == []


def test_currency_filter(ledger: Ledger) -> None:
    books = ledger(HOLIDAYS, config=config("2026-11-25"))
    result = report(books, "2026-11-25", 2, "EUR")
    assert [lad["currency"] for lad in result["ladders"]] == ["EUR"]
    assert {p["currency"] for p in result["positions"]} == {"EUR"}
    assert result["exposure"] == []
    with pytest.raises(UnknownCurrency, match="no cash account holds GBP; the cash currencies"):
        report(books, "2026-11-25", 2, "GBP")


def short(northbank: str) -> str:
    """Custodia USD 41,250 short on 2026-11-24; First Harbor 20,000 from its credit limit."""
    return (
        HEADER
        + f"""
2026-01-01 open Assets:Bank:Northbank:USD USD
  cash-floor: "0 USD"

2026-11-02 * "Opening" "Cash"
  Assets:Custody:Custodia:Cash:USD     20000.00 USD
  Assets:Bank:FirstHarbor:USD        -480000.00 USD
  Assets:Bank:Northbank:USD           {northbank} USD
  Equity:Opening
"""
        + buy_xyz("2026-11-23", "2026-11-24")
    )


SUGGESTED = (
    """\
2026-11-24 ! "Global Assets Inc." "Cover the cash shortfall of Assets:Custody:Custodia:Cash:USD"
  Assets:Custody:Custodia:Cash:USD           30000.00 USD
  Assets:Bank:Northbank:USD                 -30000.00 USD
""",
    """\
2026-11-24 ! "Global Assets Inc." "Cover the cash shortfall of Assets:Custody:Custodia:Cash:USD"
  Assets:Custody:Custodia:Cash:USD           11250.00 USD
  Assets:Bank:FirstHarbor:USD               -11250.00 USD
""",
)

FIRM = '[firm]\nname = "Global Assets Inc."\n'


def test_a_suggested_transfer_once_booked_removes_the_shortfall(ledger: Ledger) -> None:
    """Short 41,250 USD on the 24th: Northbank (30,000 of headroom) gives first, then
    First Harbor (20,000 left on its credit line) the rest."""
    text = short("30000.00")
    books = ledger(text, config=config("2026-11-23", FIRM))
    assert [e.message.split(",")[0] for e in books.errors] == [
        "cash floor breached: Assets:Custody:Custodia:Cash:USD closes 2026-11-24 at -41"
    ]
    result = report(books, "2026-11-23", 5)
    assert [t["beancount"] for t in result["transfers"]] == list(SUGGESTED)
    assert [(t["from"], t["to"], t["amount"], t["date"]) for t in result["transfers"]] == [
        (
            "Assets:Bank:Northbank:USD",
            "Assets:Custody:Custodia:Cash:USD",
            Decimal("30000.00"),
            D("2026-11-24"),
        ),
        (
            "Assets:Bank:FirstHarbor:USD",
            "Assets:Custody:Custodia:Cash:USD",
            Decimal("11250.00"),
            D("2026-11-24"),
        ),
    ]
    assert result["uncovered"] == []
    (usd,) = [lad for lad in result["ladders"] if lad["currency"] == "USD"]
    assert usd["funding_need"] == Decimal("41250.00")

    booked = ledger(text + "\n" + "\n".join(SUGGESTED), config=config("2026-11-23", FIRM))
    assert booked.errors == []
    after = report(booked, "2026-11-23", 5)
    assert after["transfers"] == [] and after["uncovered"] == []
    assert (
        ladder(after, "USD", "Assets:Custody:Custodia:Cash:USD")[1]
        == table(
            """
        date        opening   in  out        other     closing  floor
        2026-11-24  20000.00  0   -61250.00  41250.00  0.00     0
        """
        )[0]
    )


def test_what_no_account_can_cover_is_uncovered(ledger: Ledger) -> None:
    text = short("10000.00")
    result = report(ledger(text, config=config("2026-11-23")), "2026-11-23", 5)
    assert [(t["from"], t["amount"]) for t in result["transfers"]] == [
        ("Assets:Bank:FirstHarbor:USD", Decimal("20000.00")),
        ("Assets:Bank:Northbank:USD", Decimal("10000.00")),
    ]
    assert result["uncovered"] == [
        {
            "date": D("2026-11-24"),
            "currency": "USD",
            "amount": Decimal("11250.00"),
            "account": "Assets:Custody:Custodia:Cash:USD",
        }
    ]


def test_a_later_deeper_shortfall_is_covered_from_the_first_day_short(ledger: Ledger) -> None:
    text = short("500000.00") + (
        """
2026-11-25 * "Custodia" "Custody fee"
  Assets:Custody:Custodia:Cash:USD     -5000.00 USD
  Expenses:Fees:Bank
"""
    )
    result = report(ledger(text, config=config("2026-11-23")), "2026-11-23", 5)
    assert [(t["from"], t["amount"], t["date"]) for t in result["transfers"]] == [
        ("Assets:Bank:Northbank:USD", Decimal("46250.00"), D("2026-11-24")),
    ]


def test_the_cash_report_keeps_no_reading_that_would_push_the_books_out(ledger: Ledger) -> None:
    # The cash book reads the open trades from a selection made anew on every call:
    # trade_states must not keep it, or a few cash reports evict the loaded books'
    # reading that the settlements, close and reconciliation reports share.
    from ledger.settlement import state

    books = ledger(HOLIDAYS, config=config("2026-11-25"))
    cfg = load_config(books.path)
    state.trade_states(books.entries, cfg, D("2026-11-25"))
    kept = dict(state._memos)
    for day in ("2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"):
        cash_report(books, cfg, D(day), 4)
    assert dict(state._memos) == kept

"""``[settlement] policy = "actual"``: a trade takes effect when its settlement
arrives; pending until then, and after S a fail still at the custodian. The example
is the demo's failed MSFT sale of 2026-11-19 (S 2026-11-20), against the
contractual policy (today's "settlement-date", also written "contractual")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.ops.summarize import balance_by_account

from ledger.books import load
from tests.conftest import write_books
from tests.settlement_books import CONFIG, HEADER

OPENING = """
2026-11-02 * "Opening balance" "Positions at Custodia"
  Assets:Custody:Custodia:Securities   500 MSFT {400.00 USD}
  Assets:Custody:Custodia:Cash:USD  100000.00 USD
  Equity:Opening

2026-11-19 * "AlphaSec" "Sell 200 MSFT @ 420.00" ^trade-GA-20261119-001
  trade-id: "GA-20261119-001"
  trade-date: 2026-11-19
  settle-date: 2026-11-20
  side: "sell"
  counterparty: "AlphaSec"
  Assets:Custody:Custodia:Securities  -200 MSFT {} @ 420.00 USD
  Assets:Unsettled:AlphaSec          84000.00 USD
  Income:Trading:Realized
"""

DELIVERED = """
2026-12-01 * "Custodia" "MT547 delivered 200 MSFT against payment" ^trade-GA-20261119-001
  Assets:Custody:Custodia:Cash:USD   84000.00 USD
  Assets:Unsettled:AlphaSec         -84000.00 USD
"""

CANCELLED = """
2026-11-30 * "AlphaSec" "Cancel the MSFT sale" ^trade-GA-20261119-001
  cancels: "GA-20261119-001"
  Assets:Custody:Custodia:Securities   200 MSFT {400.00 USD}
  Assets:Unsettled:AlphaSec         -84000.00 USD
  Income:Trading:Realized
"""


def books_of(tmp_path: Path, policy: str, ledger: str, as_of: str) -> list[data.Directive]:
    config = CONFIG.format(policy=policy).replace("as-of = 2026-11-27", f"as-of = {as_of}")
    config = config.replace("fail-warning-days = 3", "fail-warning-days = 10")  # as warnings
    path = write_books(tmp_path, {"main.beancount": HEADER + ledger, "backoffice.toml": config})
    books = load(path)
    assert [error.message for error in books.errors] == []
    return books.entries


def the_sale(entries: list[data.Directive]) -> data.Transaction:
    return next(e for e in entries if isinstance(e, data.Transaction) and "trade-id" in e.meta)


def position(entries: list[data.Directive], account: str, currency: str, day: str) -> Decimal:
    balances, _ = balance_by_account(entries, datetime.date.fromisoformat(day))
    inventory = balances.get(account)
    return Decimal(0) if inventory is None else inventory.get_currency_units(currency).number


@pytest.fixture(autouse=True)
def _as_of_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


@pytest.mark.parametrize(
    ("policy", "dated", "msft", "receivable"),
    [
        # contractual: gone on S, owed by AlphaSec
        ("contractual", "2026-11-20", Decimal(300), Decimal(84000)),
        ("settlement-date", "2026-11-20", Decimal(300), Decimal(84000)),
        # actual: not delivered, so still ours, and nothing is owed; the trade waits
        ("actual", "2026-11-28", Decimal(500), Decimal(0)),
    ],
)
def test_a_failed_sale(
    tmp_path: Path, policy: str, dated: str, msft: Decimal, receivable: Decimal
) -> None:
    entries = books_of(tmp_path, policy, OPENING, "2026-11-27")
    sale = the_sale(entries)
    assert str(sale.date) == dated
    assert (sale.flag, sale.meta["fail-age"]) == ("!", Decimal(4))  # a fail either way
    day = "2026-11-28"  # balances at the start of the day after the as-of date
    securities = "Assets:Custody:Custodia:Securities"
    assert position(entries, securities, "MSFT", day) == msft
    assert position(entries, "Assets:Unsettled:AlphaSec", "USD", day) == receivable


def test_actual_before_s_the_sale_is_pending_on_s(tmp_path: Path) -> None:
    sale = the_sale(books_of(tmp_path, "actual", OPENING, "2026-11-19"))
    assert (str(sale.date), sale.flag) == ("2026-11-20", "*")


def test_actual_the_sale_takes_effect_when_delivered(tmp_path: Path) -> None:
    """Delivered on 12-01, eight business days late: the sale, its realized P&L and
    the cash all land that day; the books never showed a receivable."""
    entries = books_of(tmp_path, "actual", OPENING + DELIVERED, "2026-12-02")
    sale = the_sale(entries)
    assert (str(sale.date), sale.flag) == ("2026-12-01", "*")
    securities = "Assets:Custody:Custodia:Securities"
    assert position(entries, securities, "MSFT", "2026-12-01") == 500
    assert position(entries, securities, "MSFT", "2026-12-02") == 300
    for day in ("2026-11-21", "2026-12-02"):
        assert position(entries, "Assets:Unsettled:AlphaSec", "USD", day) == 0


def test_actual_a_failed_sale_cancelled_never_takes_effect(tmp_path: Path) -> None:
    entries = books_of(tmp_path, "actual", OPENING + CANCELLED, "2026-12-02")
    sale = the_sale(entries)
    cancel = next(e for e in entries if isinstance(e, data.Transaction) and "cancels" in e.meta)
    assert (str(sale.date), str(cancel.date)) == ("2026-11-30", "2026-11-30")
    for day in ("2026-11-25", "2026-12-02"):
        securities = "Assets:Custody:Custodia:Securities"
        assert position(entries, securities, "MSFT", day) == 500
        assert position(entries, "Assets:Unsettled:AlphaSec", "USD", day) == 0

"""The bundled demo books load clean and hold what the README says."""

from __future__ import annotations

from decimal import Decimal

from beancount.core import convert, data, realization

from ledger.books import load
from ledger.isin import isin_error
from ledger.meta import ASSET_CLASSES, get_cash_floor
from tests.conftest import DEMO_BOOKS


def test_demo_books_load_clean() -> None:
    books = load(DEMO_BOOKS / "main.beancount")
    assert books.errors == []


def test_demo_securities_have_valid_isins_and_known_classes() -> None:
    books = load(DEMO_BOOKS / "main.beancount")
    securities = [e for e in books.entries if isinstance(e, data.Commodity) and "isin" in e.meta]
    assert {e.currency for e in securities} >= {"XYZ", "AAPL", "SAP"}
    for entry in securities:
        assert isin_error(entry.meta["isin"]) is None, entry.currency
        assert entry.meta["asset-class"] in ASSET_CLASSES
        assert entry.meta["market"]


def test_demo_cash_floors_and_opening_cash() -> None:
    books = load(DEMO_BOOKS / "main.beancount")
    floors = {
        e.account: get_cash_floor(e.meta)
        for e in books.entries
        if isinstance(e, data.Open) and "cash-floor" in e.meta
    }
    assert floors["Assets:Bank:FirstHarbor:USD"] == (Decimal("-500000"), "USD")
    assert floors["Assets:Bank:Rheinbank:EUR"] == (Decimal("0"), "EUR")
    real = realization.realize(books.entries)
    usd = realization.get(real, "Assets:Bank:FirstHarbor:USD").balance
    assert usd.get_currency_units("USD").number == Decimal("5000000.00")
    # Double entry: everything sums to zero at cost.
    total = realization.compute_balance(real).reduce(convert.get_cost)
    assert all(pos.units.number == 0 for pos in total)


def test_repeated_loads_do_not_grow_beancount_validations() -> None:
    from beancount.ops import validation

    before = list(validation.VALIDATIONS)
    load(DEMO_BOOKS / "main.beancount")
    load(DEMO_BOOKS / "main.beancount")
    assert before == validation.VALIDATIONS

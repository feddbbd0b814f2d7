"""Metadata getters and ISIN check digits."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ledger import meta as keys
from ledger.isin import check_digit, is_valid_isin, isin_error


def test_getters_read_beancount_values() -> None:
    entry_meta = {
        "trade-id": "T1",
        "trade-date": datetime.date(2026, 10, 9),
        "settle-date": "2026-10-13",
        "side": "buy",
        "settle-override": True,
    }
    assert keys.get_trade_id(entry_meta) == "T1"
    assert keys.get_trade_date(entry_meta) == datetime.date(2026, 10, 9)
    assert keys.get_settle_date(entry_meta) == datetime.date(2026, 10, 13)
    assert keys.get_side(entry_meta) == "buy"
    assert keys.get_bool(entry_meta, keys.SETTLE_OVERRIDE) is True
    assert keys.get_isin(entry_meta) is None


@pytest.mark.parametrize(
    ("entry_meta", "getter"),
    [
        ({"side": "long"}, keys.get_side),
        ({"settle-date": "13/10/2026"}, keys.get_settle_date),
        ({"trade-id": datetime.date(2026, 1, 1)}, keys.get_trade_id),
    ],
)
def test_getters_reject_wrong_types(entry_meta: dict[str, object], getter: object) -> None:
    with pytest.raises(keys.MetaError):
        getter(entry_meta)  # type: ignore[operator]


def test_cash_floor_forms() -> None:
    assert keys.get_cash_floor({}) == (Decimal(0), None)
    assert keys.get_cash_floor({"cash-floor": "-500000 USD"}) == (Decimal(-500000), "USD")
    assert keys.get_cash_floor({"cash-floor": Decimal("-10")}) == (Decimal(-10), None)
    with pytest.raises(keys.MetaError):
        keys.get_cash_floor({"cash-floor": "lots"})


def test_stable_id_is_deterministic() -> None:
    assert keys.stable_id("a", "b") == keys.stable_id("a", "b")
    assert keys.stable_id("a", "b") != keys.stable_id("ab")
    assert keys.trade_link("T1") == "trade-T1"


@pytest.mark.parametrize("isin", ["US0378331005", "DE0007164600", "GB0007980591", "US78462F1030"])
def test_valid_isins(isin: str) -> None:
    assert is_valid_isin(isin)
    assert check_digit(isin[:11]) == int(isin[-1])


def test_invalid_isins_explain() -> None:
    assert isin_error("US0378331006") == (
        "'US0378331006' has check digit 6; the ISIN's check digit is 5"
    )
    assert "not an ISIN" in (isin_error("US03783") or "")

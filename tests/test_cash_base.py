"""Cash totals in the base currency: the day's rate from the books' prices, a
missing rate listed and left out, never 1:1."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount import loader

from ledger.cash.base import base_totals

PRICES = """
2026-11-20 price EUR 1.0712 USD
2026-11-27 price EUR 1.0764 USD
2026-12-01 price EUR 1.2000 USD
2026-11-26 price USD 150.00 JPY
"""


def position(currency: str, settled: str, projected: str) -> dict[str, object]:
    return {"currency": currency, "settled": Decimal(settled), "projected": Decimal(projected)}


def test_positions_in_the_base_currency_at_the_days_rate() -> None:
    entries, errors, _ = loader.load_string(PRICES)
    assert errors == []
    positions = [
        position("EUR", "100.00", "50.00"),
        position("EUR", "10.00", "10.00"),
        position("USD", "1000.00", "-200.00"),
        position("JPY", "15000", "15000"),
        position("CHF", "5.00", "5.00"),
    ]
    totals = base_totals(entries, positions, "USD", datetime.date(2026, 11, 27))
    day = datetime.date(2026, 11, 27)
    assert totals == {
        "currency": "USD",
        "rows": [
            {"currency": "CHF", "rate": None, "rate_date": None, "settled": Decimal("5.00"),
             "projected": Decimal("5.00"), "settled_base": None, "projected_base": None},
            # The rate of the as-of date, not the later one.
            {"currency": "EUR", "rate": Decimal("1.0764"), "rate_date": day,
             "settled": Decimal("110.00"), "projected": Decimal("60.00"),
             "settled_base": Decimal("118.40"), "projected_base": Decimal("64.58")},
            # Only USD in JPY is written: its inverse serves.
            {"currency": "JPY", "rate": Decimal(1) / Decimal("150.00"),
             "rate_date": datetime.date(2026, 11, 26), "settled": Decimal(15000),
             "projected": Decimal(15000), "settled_base": Decimal("100.00"),
             "projected_base": Decimal("100.00")},
            {"currency": "USD", "rate": Decimal(1), "rate_date": day,
             "settled": Decimal("1000.00"), "projected": Decimal("-200.00"),
             "settled_base": Decimal("1000.00"), "projected_base": Decimal("-200.00")},
        ],
        "settled": Decimal("1218.40"),
        "projected": Decimal("-35.42"),
        "missing": ["CHF"],
    }  # fmt: skip

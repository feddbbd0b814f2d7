"""Cash positions totalled in the base currency (``[firm] base-currency``).

Each currency's settled and projected cash converts at the rate of the as-of
date: the books' latest ``price`` of the currency in the base currency on or
before that day (the inverse of the base currency's price in it when only that
is written), read through Beancount's price map. A currency without a rate is
listed under ``missing`` and left out of the totals: never converted 1:1.

::

    2026-11-27 price EUR 1.0850 USD

    settled 100.00 EUR -> 108.50 USD at 1.0850 (2026-11-27)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data, prices

ZERO = Decimal(0)
ROUND = Decimal("0.01")


def _rate(
    price_map: Any, currency: str, base: str, day: datetime.date
) -> tuple[Decimal | None, datetime.date | None]:
    """Beancount's lookup (untyped there): ``currency`` in ``base`` on ``day``."""
    when, number = prices.get_price(price_map, (currency, base), day)  # type: ignore[no-untyped-call]
    return number, when


def base_totals(
    entries: Iterable[data.Directive],
    positions: Sequence[Mapping[str, Any]],
    base: str,
    as_of: datetime.date,
) -> dict[str, Any]:
    """Per currency of ``positions`` (the cash report's), the rate and the settled and
    projected cash in ``base``; their totals over the currencies with a rate; the
    currencies without one."""
    price_map = prices.build_price_map(  # type: ignore[no-untyped-call]
        [entry for entry in entries if isinstance(entry, data.Price)]
    )
    held: dict[str, list[Decimal]] = {}
    for row in positions:
        sums = held.setdefault(row["currency"], [ZERO, ZERO])
        sums[0] += row["settled"]
        sums[1] += row["projected"]
    rows = []
    missing: list[str] = []
    settled_total = projected_total = ZERO
    for currency, (settled, projected) in sorted(held.items()):
        rate: Decimal | None = Decimal(1)
        when: datetime.date | None = as_of
        if currency != base:
            rate, when = _rate(price_map, currency, base, as_of)
        if rate is None:
            missing.append(currency)
            settled_base = projected_base = None
        else:
            settled_base = (settled * rate).quantize(ROUND)
            projected_base = (projected * rate).quantize(ROUND)
            settled_total += settled_base
            projected_total += projected_base
        rows.append(
            {
                "currency": currency,
                "rate": rate,
                "rate_date": when,
                "settled": settled,
                "projected": projected,
                "settled_base": settled_base,
                "projected_base": projected_base,
            }
        )
    return {
        "currency": base,
        "rows": rows,
        "settled": settled_total,
        "projected": projected_total,
        "missing": missing,
    }

"""A local price source with beanprice's interface, for the tests (no network).

``get_latest_price`` answers the last quote of a ticker, ``get_historical_price``
the latest on or before the day asked; ``DOWN`` fails as a source whose service
is unreachable does; an unknown ticker has no price (None), as beanprice's do.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple


class SourcePrice(NamedTuple):
    """beanprice.source.SourcePrice."""

    price: Decimal
    time: datetime.datetime | None
    quote_currency: str | None


def _at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day + "T21:00:00+00:00")


QUOTES = {
    "AAPL": [("2026-11-26", "232.48"), ("2026-11-27", "233.12")],
    "EURUSD": [("2026-11-26", "1.0751"), ("2026-11-27", "1.0764")],
}


class Source:
    """beanprice.source.Source."""

    def get_latest_price(self, ticker: str) -> SourcePrice | None:
        return self.get_historical_price(ticker, _at("9999-12-31"))

    def get_historical_price(self, ticker: str, time: datetime.datetime) -> SourcePrice | None:
        if ticker == "DOWN":
            raise ConnectionError("connection refused")
        quotes = [(day, price) for day, price in QUOTES.get(ticker, []) if _at(day) <= time]
        if not quotes:
            return None
        day, price = quotes[-1]
        return SourcePrice(Decimal(price), _at(day), "USD")

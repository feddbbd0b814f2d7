"""One normalised vocabulary for a trade, whoever describes it: us or them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Origin = Literal["ours", "theirs"]


@dataclass(frozen=True)
class TradeRecord:
    """A trade as one side sees it. A field the source does not give is None
    and is then not compared.

    ``ref`` identifies the record within its side: our trade id, or the
    counterparty's confirmation id. ``reference`` is the id both sides share
    when there is one (the confirmation quoting our trade id); for our trades
    it is the trade id too.
    """

    origin: Origin
    ref: str
    reference: str | None
    counterparty: str | None
    isin: str | None
    side: str
    trade_date: datetime.date
    quantity: Decimal
    settle_date: datetime.date | None = None
    price: Decimal | None = None
    gross: Decimal | None = None
    commission: Decimal | None = None
    fees: Decimal | None = None
    net: Decimal | None = None
    currency: str | None = None
    security: str | None = None
    source: str = ""
    line: int | None = None

    def value(self, field: str) -> Decimal | datetime.date | None:
        """The value of a compared field by its config name (``settle-date``)."""
        result: Decimal | datetime.date | None = getattr(self, field.replace("-", "_"))
        return result

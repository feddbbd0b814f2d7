"""The one way the importers and plugins build a posting."""

from __future__ import annotations

from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.number import MISSING
from beancount.core.position import CostSpec


def posting(
    account: str,
    number: Decimal | None,
    currency: str | None,
    cost: CostSpec | None = None,
    price: Amount | None = None,
) -> data.Posting:
    """A posting of ``number currency`` to ``account``, at ``cost`` and ``price``.

    Without a number Beancount fills the amount in: the whole amount when
    ``currency`` is None too (the posting that balances the entry), else the
    number only (the cost of the lots a sale reduces).
    """
    if number is not None and currency:
        units: Amount | None = Amount(number, currency)
    elif currency:
        units = Amount(MISSING, currency)  # type: ignore[arg-type]  # Beancount's placeholder
    else:
        units = None
    return data.Posting(account, units, cost, price, None, None)

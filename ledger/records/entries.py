"""Trade entries as the records read them, in one pass.

The settlement state (:mod:`ledger.settlement.state`) says how far each trade
has settled; the records also need what it leaves out: the securities account
and the price of each trade, and the date its entry stands on in the books (the
settlement plugin moves it to S under the settlement-date policy). A trade is a
transaction with ``trade-id`` and ``side``, as :mod:`ledger.settlement.model`
reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from beancount.core import data
from beancount.core.position import Cost

from ledger import meta as keys
from ledger.documents import path_in_books

T = TypeVar("T")


def kept_for_the_last_list(
    read: Callable[[list[data.Directive]], T],
) -> Callable[[list[data.Directive]], T]:
    """``read`` of a list of entries, kept for the last list read (the same list, of the
    same length): ``close --through`` makes the records of every month from one
    load, and would otherwise read every entry again for each. The result is shared:
    callers read it, never change it."""
    last: list[tuple[list[data.Directive], int, T]] = []

    @functools.wraps(read)
    def kept(entries: list[data.Directive]) -> T:
        if last and last[0][0] is entries and last[0][1] == len(entries):
            return last[0][2]
        found = read(entries)
        last[:] = [(entries, len(entries), found)]
        return found

    return kept


@dataclass(frozen=True)
class TradeEntry:
    """One trade entry: where its securities leg posts and at what price."""

    trade_id: str
    entry: data.Transaction
    account: str | None  # the securities leg's account
    security: str | None
    price: Decimal | None  # per unit, in the trade's cash currency; None: a sale without @
    price_currency: str | None


def _security_leg(entry: data.Transaction) -> data.Posting | None:
    """The securities leg: the posting held at cost, else the one with a price."""
    priced = None
    for posting in entry.postings:
        if posting.cost is not None:
            return posting
        if posting.price is not None and priced is None:
            priced = posting
    return priced


def _trade_entry(trade_id: str, entry: data.Transaction) -> TradeEntry:
    leg = _security_leg(entry)
    if leg is None or leg.units is None:
        return TradeEntry(trade_id, entry, None, None, None, None)
    price = leg.price
    cost = leg.cost
    number: Decimal | None = None
    currency: str | None = None
    if price is not None and isinstance(price.number, Decimal):
        number, currency = price.number, price.currency
    elif isinstance(cost, Cost) and isinstance(cost.number, Decimal):
        # a sale without ``@`` reduces lots: their cost is not the sale's price
        sold = isinstance(leg.units.number, Decimal) and leg.units.number < 0
        number, currency = (None if sold else cost.number), cost.currency
    return TradeEntry(trade_id, entry, leg.account, leg.units.currency, number, currency)


@kept_for_the_last_list
def read_trade_entries(entries: list[data.Directive]) -> dict[str, TradeEntry]:
    """The trades among ``entries`` by id: transactions with ``trade-id`` and ``side``
    that cancel nothing (metadata of the wrong type is left to the settlement plugin,
    which reports it)."""
    trades: dict[str, TradeEntry] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or not entry.meta:
            continue
        if keys.CANCELS in entry.meta:
            continue
        try:
            trade_id = keys.get_trade_id(entry.meta)
            if trade_id is not None and keys.get_side(entry.meta) is not None:
                trades.setdefault(trade_id, _trade_entry(trade_id, entry))
        except keys.MetaError:
            continue
    return trades


def where(meta: dict[str, Any] | None, books_dir: Path) -> tuple[str | None, int | None]:
    """An entry's file (relative to the books' directory when inside it) and line."""
    if not meta:
        return None, None
    filename = meta.get("filename")
    line = meta.get("lineno")
    if not isinstance(filename, str) or filename.startswith("<"):
        return filename, line
    try:
        return path_in_books(Path(filename), books_dir), line
    except ValueError:
        return filename, line


def signed(side: str, quantity: Decimal) -> Decimal:
    """A trade's quantity as it moves the position: a sale is negative."""
    return quantity if side == "buy" else -quantity


def unsettled_quantity(quantity: Decimal, amount: Decimal, remaining: Decimal) -> Decimal:
    """The quantity of a trade still to settle: in proportion to the cash still
    to settle (a delivery versus payment moves both together)."""
    if amount == 0:
        return Decimal(0) if remaining == 0 else quantity
    return quantity * remaining / amount

"""Trades, their settlements and how far each trade has settled: the vocabulary.

Settlement-date accounting, as the books hold it:

- a **trade** is a transaction carrying ``trade-id`` and ``side``, with
  ``trade-date`` and ``settle-date``; its cash leg posts to the counterparty's
  clearing account ``Assets:Unsettled:<Counterparty>`` (or, unusually, straight
  to a cash account);
- a **settlement** is any other transaction that posts to a clearing account;
  it names its trade with the link ``^trade-<trade-id>``; ``partial: TRUE``
  says it settles only part of the trade;
- a **cancellation** carries ``cancels: "<trade-id>"`` and reverses the trade.

:mod:`ledger.settlement.scan` reads them from the entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from ledger import meta as keys
from ledger.settlement.cycles import Cycle, CycleBook

ZERO = Decimal(0)


class Trade(NamedTuple):
    """A trade entry, read. (A named tuple: the plugin builds one per trade, and they
    are cheaper to build than frozen dataclasses.)"""

    entry: data.Transaction
    trade_id: str
    trade_date: datetime.date
    settle_date: datetime.date
    side: str
    counterparty: str
    security: str
    isin: str | None
    market: str
    asset_class: str
    quantity: Decimal
    currency: str
    amount: Decimal  # the cash leg, firm's view: negative = we pay
    clearing_account: str | None  # None when the trade posts cash directly
    direct_cash: tuple[str, ...]  # cash accounts the trade itself moves
    override: bool
    position: int  # the entry's index in the entries scanned

    @property
    def link(self) -> str:
        return keys.trade_link(self.trade_id)


class Settlement(NamedTuple):
    """A settlement entry: cash against a trade's clearing account."""

    entry: data.Transaction
    trade_id: str | None
    clearing_account: str
    amount: Decimal  # firm's view, as the trade's: negative = we paid
    currency: str
    cash_account: str | None
    partial: bool
    generated: bool
    date: datetime.date  # the entry's


def trade_cycle(book: CycleBook, trade: Trade) -> Cycle:
    """The settlement cycle of ``trade`` (raises :class:`ledger.settlement.cycles.CycleError`);
    an FX trade settles on both currencies' calendars."""
    currencies = (
        (trade.currency, trade.security) if trade.asset_class == "fx" else (trade.currency,)
    )
    return book.cycle(trade.market, trade.asset_class, currencies, trade.trade_date)


class Progress(NamedTuple):
    """How far a trade has settled as of a date."""

    settled: Decimal  # every settlement entry, whatever its date
    settled_by_as_of: Decimal  # settlements dated on or before the as-of date
    status: str  # "pending" | "settled" | "failed" | "partial"
    overdue: bool  # S is before the as-of date and the trade is not fully settled


def progress(trade: Trade, settlements: list[Settlement], as_of: datetime.date) -> Progress:
    """The status of ``trade`` as of ``as_of``; a trade with no clearing leg settles on S."""
    if trade.clearing_account is None:
        done = trade.settle_date <= as_of
        return Progress(
            trade.amount, trade.amount if done else ZERO, "settled" if done else "pending", False
        )
    if len(settlements) == 1:  # the common case, without the generator machinery
        settled = settlements[0].amount
        by_as_of = settled if settlements[0].date <= as_of else ZERO
    else:
        settled = sum((s.amount for s in settlements), ZERO)
        by_as_of = sum((s.amount for s in settlements if s.date <= as_of), ZERO)
    if by_as_of == trade.amount:
        return Progress(settled, by_as_of, "settled", False)
    overdue = trade.settle_date < as_of
    status = "partial" if by_as_of != ZERO else "failed" if overdue else "pending"
    return Progress(settled, by_as_of, status, overdue)

"""The settlement state of each trade as of a date: the contract other areas build on.

:func:`trade_states` reads the entries (the books after the plugins ran, so the
settlements ``plugins.settlement`` generated for auto-settle counterparties
count as settling) and gives one :class:`TradeState` per live trade; a
cancelled trade has none, nor has a trade dated after the as-of date. The cash
ladder projects ``remaining``; the settlements report and the Fava page show
the rest.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger.calendars import business_days_between
from ledger.config import Config
from ledger.settlement.cycles import CycleBook, CycleError
from ledger.settlement.trades import Settlement, Trade, progress, scan, trade_cycle

STATUSES = ("pending", "settled", "failed", "partial")


@dataclass(frozen=True)
class TradeState:
    """One trade and how far it has settled."""

    trade_id: str
    link: str  # "trade-<trade_id>"
    trade_date: datetime.date
    settle_date: datetime.date
    counterparty: str
    isin: str | None
    security: str
    side: str  # "buy" | "sell"
    quantity: Decimal  # positive
    amount: Decimal  # cash leg, firm's view: negative = we pay (buy)
    currency: str
    cash_account: str | None  # the cash account the money moves on at S
    settled_amount: Decimal  # settled so far, in any entry, same sign convention
    remaining: Decimal  # amount - settled_amount, not yet in any entry
    status: str  # "pending" | "settled" | "failed" | "partial"
    age: int  # business days past S while not fully settled, else 0
    meta: dict[str, Any]  # filename/lineno of the trade entry


def _age(book: CycleBook, trade: Trade, as_of: datetime.date) -> int:
    try:
        calendars = trade_cycle(book, trade).calendars
    except CycleError:
        try:
            calendars = book.currency_calendar(trade.currency)
        except CycleError:
            return (as_of - trade.settle_date).days
    return business_days_between(calendars, trade.settle_date, as_of)


def _cash_account(trade: Trade, settlements: list[Settlement], config: Config) -> str | None:
    for settlement in settlements:
        if settlement.cash_account:
            return settlement.cash_account
    counterparty = config.counterparties.get(trade.counterparty)
    if counterparty is not None and counterparty.cash_account:
        return counterparty.cash_account
    return trade.direct_cash[0] if trade.direct_cash else None


def trade_states(
    entries: Iterable[data.Directive], config: Config, as_of: datetime.date
) -> list[TradeState]:
    """Every live trade's state as of ``as_of``, by settle date then trade id."""
    found = scan(entries, config)
    book = CycleBook(config.settlement)
    states = []
    for trade in found.trades.values():
        if trade.trade_id in found.cancels or trade.trade_date > as_of:
            continue
        settlements = found.settlements.get(trade.trade_id, [])
        state = progress(trade, settlements, as_of)
        meta = trade.entry.meta
        states.append(
            TradeState(
                trade_id=trade.trade_id,
                link=trade.link,
                trade_date=trade.trade_date,
                settle_date=trade.settle_date,
                counterparty=trade.counterparty,
                isin=trade.isin,
                security=trade.security,
                side=trade.side,
                quantity=trade.quantity,
                amount=trade.amount,
                currency=trade.currency,
                cash_account=_cash_account(trade, settlements, config),
                settled_amount=state.settled,
                remaining=trade.amount - state.settled,
                status=state.status,
                age=_age(book, trade, as_of) if state.overdue else 0,
                meta={"filename": meta.get("filename"), "lineno": meta.get("lineno")},
            )
        )
    states.sort(key=lambda s: (s.settle_date, s.trade_date, s.trade_id))
    return states

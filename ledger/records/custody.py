"""What the custodian should hold: the books' position adjusted by the trades
the books and the custodian see differently on a day.

Under the contractual (``settlement-date``) policy a trade leaves or enters the
books on its contractual S whether or not it settles; the custodian moves the
securities only when it does. On a day D, for each trade (its state as of D):

- ``moved``: the quantity the trade moves (a sale negative);
- ``booked``: what of it the books hold on D (all of it when its entry is dated
  on or before D, else nothing);
- ``unsettled``: the quantity still to settle (a partial settlement in
  proportion to the cash still to settle);

and the custodian holds ``moved - unsettled - booked`` more than the books: a
failed sale (booked, not delivered) adds its quantity back, a failed purchase
(booked, not received) takes it off, a trade settled before its S (not booked
yet, delivered) moves it early. Under the ``actual`` policy a trade is dated when
it settles, so every difference is zero: nothing to adjust.

The stock record's custody location, the import's check of a custodian's
holdings (MT535 ``:93B::AGGR//``, custody CSV ``holding`` rows) and ``recon``
all use this one computation.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from ledger.config import Config
from ledger.records.entries import TradeEntry, read_trade_entries, signed, unsettled_quantity
from ledger.settlement.state import TradeState, trade_states

ZERO = Decimal(0)


@dataclass(frozen=True)
class TradeAtCustody:
    """One live trade on a day, as the books and the custodian hold it."""

    state: TradeState
    account: str  # the securities account its securities leg posts to
    moved: Decimal
    booked: Decimal
    unsettled: Decimal  # positive
    kind: str  # unsettled-purchase, unsettled-sale, fail-to-receive, fail-to-deliver

    @property
    def difference(self) -> Decimal:
        """What the custodian holds of this trade less what the books hold."""
        return self.moved - signed(self.state.side, self.unsettled) - self.booked

    def describe(self) -> str:
        """The trade as an explanation of a holding, e.g. ``GA-1 (fail to deliver
        300 MSFT to AlphaSec, due 2026-11-20: +300)``."""
        state = self.state
        what = self.kind.replace("-", " ")
        to = "to" if state.side == "sell" else "from"
        if self.booked == 0:
            what = f"{'delivered' if state.side == 'sell' else 'received'} before S"
        quantity = self.unsettled if self.booked else abs(self.moved) - self.unsettled
        return (
            f"{state.trade_id} ({what} {quantity:f} {state.security} {to} {state.counterparty}, "
            f"due {state.settle_date}: {self.difference:+f})"
        )


def _kind(state: TradeState, day: datetime.date) -> str:
    overdue = state.status == "failed" or (state.status == "partial" and state.settle_date < day)
    if state.side == "buy":
        return "fail-to-receive" if overdue else "unsettled-purchase"
    return "fail-to-deliver" if overdue else "unsettled-sale"


def _unsettled(state: TradeState) -> Decimal:
    if state.status == "settled":
        return ZERO
    if state.status == "partial":
        return unsettled_quantity(state.quantity, state.amount, state.remaining)
    return state.quantity


def _entry_date(entry: data.Transaction) -> datetime.date:
    return entry.date


def trades_at_custody(
    entries: list[data.Directive],
    config: Config,
    day: datetime.date,
    trades: dict[str, TradeEntry] | None = None,
    booked_on: Callable[[data.Transaction], datetime.date] = _entry_date,
) -> list[TradeAtCustody]:
    """Every live trade as of ``day`` with a securities leg. ``trades``: the trade
    entries already read; ``booked_on``: the date from which the books count an
    entry (its own date in loaded books)."""
    if trades is None:
        trades = read_trade_entries(entries)
    out = []
    for state in trade_states(entries, config, day):
        read = trades.get(state.trade_id)
        if read is None or read.account is None:
            continue
        moved = signed(state.side, state.quantity)
        booked = moved if booked_on(read.entry) <= day else ZERO
        out.append(
            TradeAtCustody(state, read.account, moved, booked, _unsettled(state), _kind(state, day))
        )
    return out


def custody_differences(
    entries: list[data.Directive],
    config: Config,
    day: datetime.date,
    booked_on: Callable[[data.Transaction], datetime.date] = _entry_date,
) -> dict[tuple[str, str], list[TradeAtCustody]]:
    """By (securities account, security): the trades that make the custodian's
    holding at the end of ``day`` differ from the books'."""
    found: dict[tuple[str, str], list[TradeAtCustody]] = defaultdict(list)
    for trade in trades_at_custody(entries, config, day, booked_on=booked_on):
        if trade.difference:
            found[(trade.account, trade.state.security)].append(trade)
    return dict(found)


def total(trades: Sequence[TradeAtCustody]) -> Decimal:
    """The custodian's holding less the books' over ``trades``."""
    return sum((trade.difference for trade in trades), ZERO)


def explained(trades: Sequence[TradeAtCustody]) -> str:
    """The trades as one phrase for a message: ``GA-1 (...), GA-2 (...)``."""
    return ", ".join(trade.describe() for trade in trades)

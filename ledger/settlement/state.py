"""The settlement state of each trade as of a date: the contract other areas build on.

:func:`trade_states` reads the entries (the books after the plugins ran, so the
settlements ``plugins.settlement`` generated for auto-settle counterparties
count as settling) and gives one :class:`TradeState` per live trade; a
cancelled trade has none, nor has a trade dated after the as-of date. The cash
ladder projects ``remaining``; the settlements report and the Fava page show
the rest.

A trade whose own entry moves the cash (no clearing leg) has settled its
amount in that entry: ``settled_amount`` is its amount and ``remaining`` 0,
pending or not, so nothing of it is projected twice.

The reports (settlements, close, reconciliation, for several dates each) and
the Fava pages ask for the states of the same loaded books again and again, so
the scan of a list of entries is kept, and the states per date with it, for the
last few lists: a list is the same when it is the same object with the same
length (a loaded books' entries are never changed in place) and the parts of
the config the states depend on are the same.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger.calendars import business_days_between
from ledger.config import Config
from ledger.settlement.cycles import CycleBook, CycleError
from ledger.settlement.model import Settlement, Trade, progress, trade_cycle
from ledger.settlement.scan import Scan, scan

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


class _Reading:
    """What the states of every date share: the scan, its live trades in the states'
    order, and the last state made of each trade, which a later date reuses while the
    trade's status and age are the same (most trades settled long before either date)."""

    def __init__(self, found: Scan, config: Config) -> None:
        self.found = found
        self.config = config
        self.book = CycleBook(config.settlement)
        live = (t for t in found.trades.values() if t.trade_id not in found.cancels)
        self.trades = sorted(live, key=lambda t: (t.settle_date, t.trade_date, t.trade_id))
        self.made: dict[str, TradeState] = {}

    def states(self, as_of: datetime.date) -> list[TradeState]:
        found, made, config = self.found, self.made, self.config
        states = []
        for trade in self.trades:
            if trade.trade_date > as_of:
                continue
            settlements = found.settlements.get(trade.trade_id, [])
            state = progress(trade, settlements, as_of)
            age = _age(self.book, trade, as_of) if state.overdue else 0
            old = made.get(trade.trade_id)
            if (
                old is not None
                and old.status == state.status
                and old.age == age
                and old.settled_amount == state.settled
            ):
                states.append(old)
                continue
            meta = trade.entry.meta
            made[trade.trade_id] = new = TradeState(  # positional: keywords cost more
                trade.trade_id,
                trade.link,
                trade.trade_date,
                trade.settle_date,
                trade.counterparty,
                trade.isin,
                trade.security,
                trade.side,
                trade.quantity,
                trade.amount,
                trade.currency,
                _cash_account(trade, settlements, config),
                state.settled,
                trade.amount - state.settled,
                state.status,
                age,
                {"filename": meta.get("filename"), "lineno": meta.get("lineno")},
            )
            states.append(new)
        return states


class _Memo:
    """The reading of one list of entries and the states of the last dates asked."""

    def __init__(self, entries: list[data.Directive], reading: _Reading) -> None:
        self.entries = entries  # held, so that its id is not reused while cached
        self.length = len(entries)
        self.reading = reading
        self.states: dict[datetime.date, list[TradeState]] = {}


# Lists of entries whose reading is kept: the last few loaded books' (any other
# iterable is read each time, as the cash book's selection of the open trades is);
# the states of the last few dates asked for each (each grows with the trades, so
# the counts are small; dates that share most states share their memory).
MEMO_SIZE = 3
DATES_PER_MEMO = 4
_memos: OrderedDict[tuple[int, str], _Memo] = OrderedDict()
_memo_lock = threading.Lock()


def _config_key(config: Config) -> str:
    """The parts of the config the states depend on."""
    return config.model_dump_json(include={"accounts", "counterparties", "settlement"})


def _memo(entries: list[data.Directive], config: Config) -> _Memo:
    """The kept reading of ``entries`` (read now if none is kept); under the lock."""
    key = (id(entries), _config_key(config))
    memo = _memos.get(key)
    if memo is None or memo.entries is not entries or memo.length != len(entries):
        memo = _memos[key] = _Memo(entries, _Reading(scan(entries, config), config))
        while len(_memos) > MEMO_SIZE:
            _memos.popitem(last=False)
    _memos.move_to_end(key)
    return memo


def scanned(entries: list[data.Directive], config: Config) -> Scan:
    """The scan of ``entries`` that :func:`trade_states` keeps: the loaded books are
    read once for the states and the records of every date (a close's blotter)."""
    with _memo_lock:
        return _memo(entries, config).reading.found


def trade_states(
    entries: Iterable[data.Directive], config: Config, as_of: datetime.date
) -> list[TradeState]:
    """Every live trade's state as of ``as_of``, by settle date then trade id."""
    if not isinstance(entries, list):
        return _Reading(scan(entries, config), config).states(as_of)
    with _memo_lock:
        memo = _memo(entries, config)
        states = memo.states.get(as_of)
        if states is None:
            states = memo.states[as_of] = memo.reading.states(as_of)
            if len(memo.states) > DATES_PER_MEMO:
                del memo.states[next(iter(memo.states))]
    return list(states)  # the caller's to filter or sort; the kept list stays as it is

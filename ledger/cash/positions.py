"""Cash accounts, their floors, and every cash flow by value date.

A cash account is one opened with ``cash-floor`` metadata, one named in
``[cash.floors]`` of ``backoffice.toml`` (which wins over the ``open``), or a
counterparty's ``cash-account`` (floor 0 unless said otherwise). A negative
floor is a credit line; a floor written with a currency applies to that
currency, the account's other currencies have a floor of 0.

A flow is what one entry (or one projected settlement) does to one cash
account in one currency on one value date. A bank line's value date is its
``value-date`` metadata (on the posting, else on the transaction), else the
entry's date. A flow of an entry linked ``^trade-<id>`` is a settlement; so is
the projected settlement of a trade that no entry settles yet: its remaining
amount, on its settle date, or — for a trade already past its settle date
(a fail) — on the first business day of the currency's calendar from the
as-of date, when it may settle at the earliest.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from ledger.cash.days import currency_calendar, first_business_day
from ledger.config import Config
from ledger.errors import BooksError
from ledger.meta import (
    CANCELS,
    CASH_FLOOR,
    NO_CASH_FLOOR,
    SETTLE_DATE,
    TRADE_LINK_PREFIX,
    VALUE_DATE,
    MetaError,
    get_cash_floor,
    get_value_date,
)
from ledger.settlement.state import TradeState, trade_states

ZERO = Decimal(0)


@dataclass(frozen=True)
class CashAccount:
    """A cash account and its floor."""

    account: str
    floor: Decimal
    floor_currency: str | None
    currencies: tuple[str, ...]  # the currencies its ``open`` allows, and the floor's
    meta: Mapping[str, Any]

    def floor_in(self, currency: str) -> Decimal:
        """The floor that applies to ``currency`` in this account."""
        if self.floor_currency is None or self.floor_currency == currency:
            return self.floor
        return ZERO


class Flow(NamedTuple):
    """One entry's (or one projected settlement's) effect on a cash account.

    A named tuple, not a dataclass: the books make one per cash posting, and
    a tuple is several times cheaper to create.
    """

    account: str
    currency: str
    value_date: datetime.date
    amount: Decimal
    settlement: bool  # the cash leg of a trade's settlement, booked or projected
    projected: bool  # a pending trade's settlement that no entry books yet
    link: str | None
    label: str  # narration, or what the projected settlement is
    meta: Mapping[str, Any]  # of the entry, or of the trade when projected
    entry: data.Transaction | None  # None when projected


# The account of a projected settlement whose cash account is unknown: its
# counterparty has no cash-account (or names no cash account of the books).
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class CashBook:
    """The cash accounts and their flows: booked flows in books order, then projected."""

    accounts: dict[str, CashAccount]
    flows: list[Flow]
    states: list[TradeState]  # the trades still open as of the as-of date
    errors: list[BooksError]
    # Projected settlements of no known cash account (account UNASSIGNED): they
    # move cash all the same, so the reports count them in the currency's total.
    unassigned: list[Flow] = field(default_factory=list)

    def unassigned_counterparties(self) -> list[str]:
        """The counterparties of the unassigned settlements."""
        links = {flow.link for flow in self.unassigned}
        return sorted({state.counterparty for state in self.states if state.link in links})


def cash_accounts(
    entries: Iterable[data.Directive], config: Config
) -> tuple[dict[str, CashAccount], list[BooksError]]:
    """The cash accounts the books open, by name."""
    counterparty_accounts = {
        cp.cash_account for cp in config.counterparties.values() if cp.cash_account
    }
    accounts: dict[str, CashAccount] = {}
    errors: list[BooksError] = []
    for entry in entries:
        if not isinstance(entry, data.Open):
            continue
        name = entry.account
        configured = config.cash.floor_of(name)
        if configured is None and (entry.meta or {}).get(CASH_FLOOR) == NO_CASH_FLOOR:
            continue
        if configured is None and CASH_FLOOR not in (entry.meta or {}):
            if name not in counterparty_accounts:
                continue
            configured = (ZERO, None)
        if configured is None:
            try:
                configured = get_cash_floor(entry.meta)
            except MetaError as exc:
                errors.append(
                    BooksError(
                        entry.meta,
                        f"{name}: {exc}; the floor is taken as 0 until it is fixed",
                        entry,
                    )
                )
                configured = (ZERO, None)
        floor, floor_currency = configured
        currencies = set(entry.currencies or ())
        if floor_currency is not None:
            currencies.add(floor_currency)
        accounts[name] = CashAccount(
            name, floor, floor_currency, tuple(sorted(currencies)), entry.meta
        )
    return accounts, errors


def _value_date(
    meta: Mapping[str, Any],
    default: datetime.date,
    entry: data.Transaction,
    errors: list[BooksError],
) -> datetime.date:
    try:
        return get_value_date(meta) or default
    except MetaError as exc:
        errors.append(BooksError(entry.meta, f"{exc}; {default} is used", entry))
        return default


def _entry_flows(
    entry: data.Transaction,
    postings: list[data.Posting],
    link: str | None,
    errors: list[BooksError],
) -> list[Flow]:
    """The flows of one entry's postings to cash accounts: one per account,
    currency and value date, none where they net to zero."""
    value_date = entry.date
    if VALUE_DATE in entry.meta:
        value_date = _value_date(entry.meta, entry.date, entry, errors)
    sums: dict[tuple[str, str, datetime.date], Decimal] = {}
    for posting in postings:
        units = posting.units
        if units is None or not isinstance(units.number, Decimal):
            continue
        day = value_date
        if posting.meta and VALUE_DATE in posting.meta:
            day = _value_date(posting.meta, value_date, entry, errors)
        key = (posting.account, units.currency, day)
        sums[key] = sums.get(key, ZERO) + units.number
    label = entry.narration or entry.payee or ""
    return [
        Flow(
            account, currency, day, amount, link is not None, False, link, label, entry.meta, entry
        )
        for (account, currency, day), amount in sums.items()
        if amount
    ]


@dataclass
class _Read:
    """What one pass over the transactions finds."""

    flows: list[Flow]
    open_links: set[str]  # trades not done as of the as-of date
    errors: list[BooksError]


def _read(
    entries: Iterable[data.Directive],
    accounts: Mapping[str, CashAccount],
    clearing_prefix: str,
    as_of: datetime.date,
) -> _Read:
    """One pass over the transactions, for speed: the booked flows on cash
    accounts, in books order, and the trades still open.

    A trade is done when the postings of its entries (linked ``^trade-<id>``)
    to the clearing accounts net to zero — what ``trade_states`` calls its
    ``remaining`` — and none of those entries is dated, or settles, after
    the as-of date: its status is then "settled" with nothing remaining.
    """
    flows: list[Flow] = []
    errors: list[BooksError] = []
    net: dict[tuple[str, str], Decimal] = {}
    still_open: set[str] = set()
    for entry in entries:
        if type(entry) is not data.Transaction:
            continue
        links = entry.links
        if not links:
            trade_links = []
        elif len(links) == 1:
            trade_links = [link for link in links if link.startswith(TRADE_LINK_PREFIX)]
        else:
            trade_links = sorted(link for link in links if link.startswith(TRADE_LINK_PREFIX))
        cash = None
        for posting in entry.postings:
            account = posting.account
            if account in accounts:
                if cash is None:
                    cash = [posting]
                else:
                    cash.append(posting)
            elif trade_links and account.startswith(clearing_prefix):
                units = posting.units
                if units is not None and isinstance(units.number, Decimal):
                    for link in trade_links:
                        key = (link, units.currency)
                        net[key] = net.get(key, ZERO) + units.number
        if trade_links:
            settle_date = entry.meta.get(SETTLE_DATE)
            if entry.date > as_of or (
                settle_date is not None
                and (not isinstance(settle_date, datetime.date) or settle_date > as_of)
            ):
                still_open.update(trade_links)
        if cash is not None:
            flows.extend(_entry_flows(entry, cash, trade_links[0] if trade_links else None, errors))
    still_open.update(link for (link, _), amount in net.items() if amount)
    return _Read(flows, still_open, errors)


def projected_flows(
    states: Sequence[TradeState],
    accounts: Mapping[str, CashAccount],
    earliest: Callable[[str], datetime.date],
    *,
    without_failed: bool = False,
) -> list[Flow]:
    """The settlements still to come: each unsettled trade's remaining amount, on
    its counterparty's cash account, or on :data:`UNASSIGNED` when that is unknown.

    ``earliest(currency)`` is the first day a fail may still settle (the first
    business day from the as-of date); a trade's own settle date is used when
    it is not earlier. ``without_failed`` leaves the fails out: what the ladder
    is if none of them settles.
    """
    flows = []
    for state in states:
        if state.status == "settled" or not state.remaining:
            continue
        if without_failed and state.status == "failed":
            continue
        account = state.cash_account if state.cash_account in accounts else None
        value_date = max(state.settle_date, earliest(state.currency))
        label = (
            f"projected settlement: {state.side} {state.quantity} {state.security} "
            f"with {state.counterparty}, settle date {state.settle_date} ({state.status})"
        )
        flows.append(
            Flow(
                account or UNASSIGNED,
                state.currency,
                value_date,
                state.remaining,
                True,
                True,
                state.link,
                label,
                state.meta,
                None,
            )
        )
    return flows


def location(meta: Mapping[str, Any] | None) -> tuple[object, object]:
    """Where an entry (or a trade) is written: (filename, lineno)."""
    return (meta or {}).get("filename"), (meta or {}).get("lineno")


def open_trade_entries(
    entries: Iterable[data.Directive], open_links: set[str]
) -> Iterator[data.Directive]:
    """The entries :func:`ledger.settlement.state.trade_states` needs for the
    trades in ``open_links``, so that it reads those and not every trade in the
    books: every directive that is not a transaction, every cancellation, and
    every entry linked to one of those trades, in order.

    An iterator, not a list: ``trade_states`` keeps the reading of a list for
    the next call with that list, and this selection is made anew on every
    call; kept, it would never be asked for again, and would only hold memory
    and push the loaded books' reading (the reports' and pages') out."""
    return (
        entry
        for entry in entries
        if type(entry) is not data.Transaction
        or CANCELS in entry.meta
        or (entry.links and not open_links.isdisjoint(entry.links))
    )


def cash_book(
    entries: Sequence[data.Directive],
    config: Config,
    as_of: datetime.date,
    *,
    without_failed: bool = False,
) -> CashBook:
    """The cash accounts of the books, every flow on them (projected ones
    included, the fails' unless ``without_failed``) and the state of each trade
    still open as of ``as_of``."""
    accounts, errors = cash_accounts(entries, config)
    read = _read(entries, accounts, config.accounts.unsettled + ":", as_of)
    states = trade_states(open_trade_entries(entries, read.open_links), config, as_of)
    earliest: dict[str, datetime.date] = {}

    def earliest_settlement(currency: str) -> datetime.date:
        if currency not in earliest:
            earliest[currency] = first_business_day(currency_calendar(config, currency), as_of)
        return earliest[currency]

    # A trade that posts to a cash account itself is in the books already (on S,
    # where plugins.settlement puts it): trade_states gives it nothing remaining.
    projected = projected_flows(
        states, accounts, earliest_settlement, without_failed=without_failed
    )
    flows = read.flows + [flow for flow in projected if flow.account != UNASSIGNED]
    unassigned = [flow for flow in projected if flow.account == UNASSIGNED]
    return CashBook(accounts, flows, states, [*errors, *read.errors], unassigned)

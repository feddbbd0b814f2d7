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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger.cash.days import currency_calendar, first_business_day
from ledger.config import Config
from ledger.errors import BooksError
from ledger.meta import (
    CASH_FLOOR,
    TRADE_LINK_PREFIX,
    MetaError,
    get_cash_floor,
    get_value_date,
)
from ledger.settlement.state import TradeState

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


@dataclass(frozen=True)
class Flow:
    """One entry's (or one projected settlement's) effect on a cash account."""

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


@dataclass(frozen=True)
class CashBook:
    """The cash accounts and their flows: booked flows in books order, then projected."""

    accounts: dict[str, CashAccount]
    flows: list[Flow]
    errors: list[BooksError]


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


def _trade_link(links: Iterable[str] | None) -> str | None:
    found = sorted(link for link in links or () if link.startswith(TRADE_LINK_PREFIX))
    return found[0] if found else None


def booked_flows(
    entries: Iterable[data.Directive], accounts: Mapping[str, CashAccount]
) -> tuple[list[Flow], list[BooksError]]:
    """The flows of the entries on cash accounts, in books order.

    Postings of one entry to the same account, currency and value date are
    one flow; a flow that nets to zero is none.
    """
    flows: list[Flow] = []
    errors: list[BooksError] = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        postings = [p for p in entry.postings if p.account in accounts]
        if not postings:
            continue
        try:
            entry_value_date = get_value_date(entry.meta) or entry.date
        except MetaError as exc:
            errors.append(BooksError(entry.meta, f"{exc}; the entry's date is used", entry))
            entry_value_date = entry.date
        sums: dict[tuple[str, str, datetime.date], Decimal] = {}
        for posting in postings:
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            value_date = entry_value_date
            if posting.meta and "value-date" in posting.meta:
                try:
                    value_date = get_value_date(posting.meta) or entry_value_date
                except MetaError as exc:
                    errors.append(
                        BooksError(entry.meta, f"{exc}; the entry's value date is used", entry)
                    )
            key = (posting.account, units.currency, value_date)
            sums[key] = sums.get(key, ZERO) + units.number
        link = _trade_link(entry.links)
        label = entry.narration or entry.payee or ""
        for (account, currency, value_date), amount in sums.items():
            if amount:
                flows.append(
                    Flow(
                        account,
                        currency,
                        value_date,
                        amount,
                        link is not None,
                        False,
                        link,
                        label,
                        entry.meta,
                        entry,
                    )
                )
    return flows, errors


def projected_flows(
    states: Sequence[TradeState],
    accounts: Mapping[str, CashAccount],
    earliest: Callable[[str], datetime.date],
) -> list[Flow]:
    """The settlements still to come: each unsettled trade's remaining amount.

    ``earliest(currency)`` is the first day a fail may still settle (the first
    business day from the as-of date); a trade's own settle date is used when
    it is not earlier.
    """
    flows = []
    for state in states:
        if state.status == "settled" or not state.remaining or state.cash_account is None:
            continue
        if state.cash_account not in accounts:
            continue
        value_date = max(state.settle_date, earliest(state.currency))
        label = (
            f"projected settlement: {state.side} {state.quantity} {state.security} "
            f"with {state.counterparty}, settle date {state.settle_date} ({state.status})"
        )
        flows.append(
            Flow(
                state.cash_account,
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


def cash_book(
    entries: Sequence[data.Directive],
    config: Config,
    as_of: datetime.date,
    states: Sequence[TradeState],
) -> CashBook:
    """The cash accounts of the books and every flow on them, projected ones included."""
    accounts, errors = cash_accounts(entries, config)
    flows, flow_errors = booked_flows(entries, accounts)
    earliest: dict[str, datetime.date] = {}

    def earliest_settlement(currency: str) -> datetime.date:
        if currency not in earliest:
            earliest[currency] = first_business_day(currency_calendar(config, currency), as_of)
        return earliest[currency]

    # A trade that posts to a cash account itself is in the books already (on S,
    # where plugins.settlement puts it): nothing of it is still to come.
    self_settled = {location(flow.meta) for flow in flows if flow.settlement}
    pending = [state for state in states if location(state.meta) not in self_settled]
    flows.extend(projected_flows(pending, accounts, earliest_settlement))
    return CashBook(accounts, flows, [*errors, *flow_errors])

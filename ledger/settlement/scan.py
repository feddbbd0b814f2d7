"""Trades, settlements and cancellations, read from the entries in one pass.

The vocabulary (trade, settlement, cancellation) is :mod:`ledger.settlement.model`'s.
:func:`scan` is shared by the plugin (which checks and transforms) and by
:mod:`ledger.settlement.state` (which reports), so both read the books alike.
Problems with one entry become :class:`BooksError` tuples; nothing raises.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from ledger import meta as keys
from ledger.config import Config
from ledger.errors import BooksError
from ledger.meta import (
    AUTO_SETTLED,
    CANCELS,
    PARTIAL,
    SETTLE_DATE,
    SETTLE_OVERRIDE,
    SIDE,
    TRADE_DATE,
    TRADE_ID,
)
from ledger.settlement.model import ZERO, Settlement, Trade


@dataclass
class Scan:
    """What :func:`scan` found."""

    trades: dict[str, Trade] = field(default_factory=dict)
    settlements: dict[str, list[Settlement]] = field(default_factory=dict)
    unmatched: list[Settlement] = field(default_factory=list)
    cancels: dict[str, data.Transaction] = field(default_factory=dict)
    cancel_positions: dict[str, int] = field(default_factory=dict)  # as Trade.position
    cash_accounts: set[str] = field(default_factory=set)
    errors: list[BooksError] = field(default_factory=list)
    # With scan(..., settled_by=D): the trades settled in full by one settlement dated
    # on or before D, on the trade's clearing account and in its currency, as far as
    # the settlements read after the trade show (the plugin checks no more of them),
    # each with that settlement's entry. That settlement is not in ``settlements``:
    # nearly every trade settles so, and the plugin need not build, check and free a
    # Settlement and a list for each. A second settlement of the trade puts both in
    # ``settlements`` and takes the trade out of ``settled``.
    settled: dict[str, data.Transaction] = field(default_factory=dict)


def _trade_ids(links: Iterable[str]) -> list[str]:
    prefix = keys.TRADE_LINK_PREFIX
    ids = [link[len(prefix) :] for link in links if link.startswith(prefix)]
    ids.sort()
    return ids


class Leg(NamedTuple):
    """A booked posting, reduced to what settlement needs."""

    account: str
    number: Decimal
    currency: str
    at_cost: bool


def _leg(posting: data.Posting) -> Leg | None:
    units = posting.units
    if units is None or not isinstance(units.number, Decimal):
        return None
    return Leg(posting.account, units.number, units.currency, posting.cost is not None)


def legs(postings: Iterable[data.Posting]) -> list[Leg]:
    """Booked postings as legs (booking has filled in every number)."""
    return [leg for leg in map(_leg, postings) if leg is not None]


def _security_leg(entry_legs: list[Leg], cash_currency: str) -> Leg | None:
    """The securities leg: the postings at cost (else in another currency than the
    cash) in the first one's security, summed (booking splits a sale into one posting
    per lot it reduces)."""
    at_cost = [leg for leg in entry_legs if leg.at_cost]
    others = [leg for leg in entry_legs if leg.currency != cash_currency]
    candidates = at_cost or others
    if not candidates:
        return None
    first = candidates[0]
    number = sum((leg.number for leg in candidates if leg.currency == first.currency), ZERO)
    return first._replace(number=number)


class _Reader:
    """Reads one books' entries; holds the lookups built while scanning."""

    def __init__(
        self,
        config: Config,
        on_trade: Callable[[Trade], object] | None = None,
        settled_by: datetime.date | None = None,
    ) -> None:
        self.config = config
        self.on_trade = on_trade
        self.settled_by = settled_by
        self.prefix = config.accounts.unsettled + ":"
        self.commodities: dict[str, Mapping[str, Any]] = {}
        self.securities: dict[str, tuple[str | None, str, str]] = {}
        self.late: set[str] = set()  # securities whose commodity came after a trade
        self.deferred: list[str] = []  # trades on_trade sees after the pass
        self.before_trade: list[str] = []  # trade ids settled before the trade was read
        self.scan = Scan(
            cash_accounts={c.cash_account for c in config.counterparties.values() if c.cash_account}
        )

    def error(self, entry: data.Directive, message: str) -> None:
        self.scan.errors.append(BooksError(entry.meta, message, entry))

    def read(self, entries: Iterable[data.Directive]) -> Scan:
        # One pass: the books are far larger than the processor's caches, and a second
        # pass would read every entry from memory again.
        for position, entry in enumerate(entries):
            if isinstance(entry, data.Transaction):
                meta = entry.meta
                try:
                    if CANCELS in meta:
                        self.cancel(entry, position)
                    elif TRADE_ID in meta and SIDE in meta:
                        self.trade(entry, position)
                    else:
                        self.settlement(entry)
                except keys.MetaError as exc:
                    self.error(entry, f"{exc}; fix the entry's metadata")
            elif isinstance(entry, data.Commodity):
                self.commodity(entry)
            elif isinstance(entry, data.Open) and entry.meta and keys.CASH_FLOOR in entry.meta:
                # Accounts are opened before they are used (Beancount checks it), so
                # a cash account is known before the first trade that moves it.
                self.scan.cash_accounts.add(entry.account)
        if self.late:
            self.relook()
        if self.on_trade is not None:
            for trade_id in self.deferred:
                self.on_trade(self.scan.trades[trade_id])
        return self.scan

    def commodity(self, entry: data.Commodity) -> None:
        self.commodities[entry.currency] = entry.meta or {}
        if entry.currency in self.securities:
            # A trade came before its commodity directive: its ISIN, market and asset
            # class are looked up again once the pass is done.
            del self.securities[entry.currency]
            self.late.add(entry.currency)

    def relook(self) -> None:
        """Look up again the trades read before their security's commodity directive."""
        trades = self.scan.trades
        for trade_id, trade in trades.items():
            if trade.security in self.late:
                isin, market, asset_class = self.security(trade.security)
                own_isin = keys.get_isin(trade.entry.meta)
                trades[trade_id] = trade._replace(
                    isin=own_isin or isin, market=market, asset_class=asset_class
                )

    def cancel(self, entry: data.Transaction, position: int) -> None:
        trade_id = keys.get_str(entry.meta, CANCELS)
        if trade_id in self.scan.cancels:
            self.error(entry, f"trade {trade_id} is cancelled twice; remove one cancellation")
        elif trade_id:
            self.scan.cancels[trade_id] = entry
            self.scan.cancel_positions[trade_id] = position

    def trade(self, entry: data.Transaction, position: int) -> None:
        """A trade; ``position`` is its index in the entries."""
        meta = entry.meta
        trade_id = keys.get_trade_id(meta) or ""
        side = keys.get_side(meta) or "buy"
        trade_date = keys.get_trade_date(meta)
        settle_date = keys.get_settle_date(meta)
        if trade_date is None or settle_date is None:
            missing = [
                key
                for key, value in ((TRADE_DATE, trade_date), (SETTLE_DATE, settle_date))
                if value is None
            ]
            self.error(
                entry,
                f"trade {trade_id} has no {' and no '.join(missing)}; "
                "add them (YYYY-MM-DD) to the trade's metadata",
            )
            return
        trades = self.scan.trades
        if trade_id in trades:
            first = trades[trade_id].entry.meta
            self.error(
                entry,
                f"trade {trade_id} is booked twice (first at {first.get('filename')}:"
                f"{first.get('lineno')}); a settlement must not carry 'side', a rebooked "
                "trade needs a new trade-id",
            )
            return
        prefix, cash_accounts = self.prefix, self.scan.cash_accounts
        # The common trade has one clearing leg and one security leg: the first clearing
        # leg is kept in locals, lists only start at a second cash leg.
        clearing_account: str | None = None
        number: Decimal = ZERO
        currency = ""
        more: list[Leg] | None = None  # further clearing legs
        direct: list[Leg] | None = None  # legs on cash accounts
        security: tuple[str, Decimal] | None = None  # the security leg's currency, number
        for posting in entry.postings:
            account = posting.account
            if account.startswith(prefix):
                units = posting.units
                if units is None or not isinstance(units.number, Decimal):
                    continue
                if clearing_account is None:
                    clearing_account, number, currency = account, units.number, units.currency
                else:
                    more = more or []
                    more.append(Leg(account, units.number, units.currency, False))
            elif account in cash_accounts:
                units = posting.units
                if units is not None and isinstance(units.number, Decimal):
                    direct = direct or []
                    direct.append(Leg(account, units.number, units.currency, False))
            elif posting.cost is not None:
                units = posting.units
                if units is not None:
                    quantity = units.number
                    if not isinstance(quantity, Decimal):
                        continue
                    if security is None:
                        security = (units.currency, quantity)
                    elif security[0] == units.currency:
                        # booking splits a sale into one posting per lot it reduces
                        security = (units.currency, security[1] + quantity)
        cash_account = clearing_account
        if cash_account is None:
            if not direct:
                self.error(
                    entry,
                    f"trade {trade_id} posts to no clearing account ({self.prefix}"
                    "<Counterparty>) and no cash account; book its cash leg against the "
                    "counterparty's clearing account",
                )
                return
            first_direct = direct[0]
            cash_account, number, currency = (
                first_direct.account,
                first_direct.number,
                first_direct.currency,
            )
            more = direct[1:] or None
        if more is not None:
            cash = [Leg(cash_account, number, currency, False), *more]
            if any(leg.currency != currency for leg in cash) or (
                clearing_account is not None
                and any(leg.account != clearing_account for leg in more)
            ):
                currencies = {leg.currency for leg in cash}
                accounts = {leg.account for leg in cash}
                self.error(
                    entry,
                    f"trade {trade_id}'s cash leg is in {', '.join(sorted(currencies))} on "
                    f"{', '.join(sorted(accounts))}; "
                    "a trade settles in one currency with one counterparty",
                )
                return
            number = sum((leg.number for leg in cash), ZERO)
        counterparty = keys.get_counterparty(meta)
        if clearing_account is not None:
            from_account = clearing_account[len(self.prefix) :]
            if counterparty is None:
                counterparty = from_account
            elif from_account != counterparty:
                self.error(
                    entry,
                    f"trade {trade_id} is with counterparty {counterparty} but posts to "
                    f"{clearing_account}; use {self.config.unsettled_account(counterparty)}",
                )
                return
        if security is not None:
            security_currency, quantity = security
        else:
            leg = _security_leg(legs(entry.postings), currency)
            if leg is None:
                self.error(entry, f"trade {trade_id} moves no security; add the securities leg")
                return
            security_currency, quantity = leg.currency, leg.number
        isin, market, asset_class = self.security(security_currency)
        own_isin = keys.get_isin(meta)
        trades[trade_id] = read = Trade(
            entry=entry,
            trade_id=trade_id,
            trade_date=trade_date,
            settle_date=settle_date,
            side=side,
            counterparty=counterparty or "",
            security=security_currency,
            isin=own_isin or isin,
            market=market,
            asset_class=asset_class,
            quantity=quantity.copy_abs(),  # exact: abs() rounds to the decimal context
            currency=currency,
            amount=number,
            clearing_account=clearing_account,
            direct_cash=tuple(sorted({leg.account for leg in direct})) if direct else (),
            override=keys.get_bool(meta, SETTLE_OVERRIDE),
            position=position,
        )
        if self.on_trade is not None:
            if security_currency in self.commodities:
                self.on_trade(read)
            else:  # after the pass, with the commodity directive if one comes later
                self.deferred.append(trade_id)

    def security(self, currency: str) -> tuple[str | None, str, str]:
        """The ISIN, market and asset class of a security's commodity directive."""
        found = self.securities.get(currency)
        if found is None:
            commodity = self.commodities.get(currency, {})
            found = (
                keys.get_str(commodity, keys.COMMODITY_ISIN),
                keys.get_str(commodity, keys.MARKET) or "",
                keys.get_str(commodity, keys.ASSET_CLASS) or "",
            )
            self.securities[currency] = found
        return found

    def settlement(self, entry: data.Transaction) -> None:
        """A transaction that is neither a trade nor a cancellation: a settlement if it
        posts to a clearing account."""
        # The first clearing leg in locals, a list only from a second one (rare).
        account: str | None = None
        number = ZERO
        currency = ""
        more: list[Leg] = []
        for posting in entry.postings:
            units = posting.units
            if (
                posting.account.startswith(self.prefix)
                and units is not None
                and isinstance(units.number, Decimal)
            ):
                if account is None:
                    account, number, currency = posting.account, units.number, units.currency
                else:
                    more.append(Leg(posting.account, units.number, units.currency, False))
        if account is None:
            return
        trade_ids = _trade_ids(entry.links)
        if len(trade_ids) > 1 or any(
            leg.account != account or leg.currency != currency for leg in more
        ):
            accounts = {account, *(leg.account for leg in more)}
            currencies = {currency, *(leg.currency for leg in more)}
            self.error(
                entry,
                f"a settlement settles one trade in one currency; this one links "
                f"{', '.join(trade_ids) or 'no trade'} and posts "
                f"{', '.join(sorted(currencies))} to {', '.join(sorted(accounts))}; "
                "split it",
            )
            return
        number = sum((leg.number for leg in more), number)
        trade_id = trade_ids[0] if trade_ids else None
        found = self.scan
        if trade_id is not None and self.settled_by is not None:
            if trade_id in found.settled:  # a second settlement: the first one becomes one too
                # It settled the trade in full: on its account, in its currency, its amount.
                trade = found.trades[trade_id]
                first = self.read_settlement(
                    found.settled.pop(trade_id),
                    trade_id,
                    trade.clearing_account or "",
                    trade.amount,
                    trade.currency,
                )
                found.settlements[trade_id] = [first]
            elif trade_id not in found.settlements and self.settles_in_full(
                entry, trade_id, account, number, currency
            ):
                found.settled[trade_id] = entry
                return
        settlement = self.read_settlement(entry, trade_id, account, -number, currency)
        if trade_id is None:
            found.unmatched.append(settlement)
            return
        settlements = found.settlements
        if trade_id in settlements:
            settlements[trade_id].append(settlement)
            return
        settlements[trade_id] = [settlement]
        if trade_id not in found.trades:
            self.before_trade.append(trade_id)  # or of no trade: see scan()

    def settles_in_full(
        self, entry: data.Transaction, trade_id: str, account: str, number: Decimal, currency: str
    ) -> bool:
        """Whether ``entry``, the first settlement of trade ``trade_id`` (``number`` of
        ``currency`` on clearing ``account``), settles it in full by ``settled_by``.
        The trade is looked up now, while it is still at hand (read a few days of
        entries before): a later pass would read it from memory again."""
        trade = self.scan.trades.get(trade_id)
        if (
            trade is None
            or self.settled_by is None
            or entry.date > self.settled_by
            or trade.clearing_account != account
            or trade.currency != currency
            or trade.amount != -number
        ):
            return False
        # Its flags are read all the same: one that is not TRUE or FALSE is an error.
        keys.get_bool(entry.meta, PARTIAL)
        keys.get_bool(entry.meta, AUTO_SETTLED)
        return True

    def read_settlement(
        self,
        entry: data.Transaction,
        trade_id: str | None,
        account: str,
        amount: Decimal,
        currency: str,
    ) -> Settlement:
        """The settlement ``entry`` of trade ``trade_id``: ``amount`` of ``currency`` on
        clearing ``account``, in the firm's view (negative: we paid)."""
        cash_accounts = self.scan.cash_accounts
        cash = [
            posting.account
            for posting in entry.postings
            if posting.account in cash_accounts and not posting.account.startswith(self.prefix)
        ]
        return Settlement(
            entry=entry,
            trade_id=trade_id,
            clearing_account=account,
            amount=amount,
            currency=currency,
            cash_account=cash[0] if cash else None,
            partial=keys.get_bool(entry.meta, PARTIAL),
            generated=keys.get_bool(entry.meta, AUTO_SETTLED),
            date=entry.date,
        )


def scan(
    entries: Iterable[data.Directive],
    config: Config,
    *,
    on_trade: Callable[[Trade], object] | None = None,
    settled_by: datetime.date | None = None,
) -> Scan:
    """Read the trades, settlements and cancellations of ``entries``.

    ``on_trade`` is called with each trade as it is read, while its entry is at hand
    (the plugin checks and re-dates it there: the books are far larger than the
    processor's caches, and a later pass reads every entry from memory again). With
    ``settled_by``, :attr:`Scan.settled` holds the trades settled in full by then, each
    with its one settlement's entry, which :attr:`Scan.settlements` then leaves out."""
    reader = _Reader(config, on_trade, settled_by)
    result = reader.read(entries)
    # Settlements read before any trade of theirs: of a trade read later, or of none.
    trades = result.trades
    for trade_id in sorted({tid for tid in reader.before_trade if tid not in trades}):
        result.unmatched.extend(result.settlements.pop(trade_id))
    return result

"""The one trade-entry builder every trade importer uses.

Readers (blotter CSV, FIX drop copy, broker OFX) produce :class:`Trade` rows
in one vocabulary; :func:`trade_entry` turns a row into the books' trade
entry, policy-neutral and dated T (``plugins.settlement`` re-dates it to S
under settlement-date accounting)::

    2026-11-24 * "AlphaSec" "Buy 1000 XYZ @ 61.25 USD" ^trade-T-1001
      trade-id: "T-1001"
      trade-date: 2026-11-24
      settle-date: 2026-11-25
      isin: "US8522341036"
      side: "buy"
      counterparty: "AlphaSec"
      source: "inbox/blotter.csv"
      source-ref: "T-1001"
      source-sha256: "..."
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Expenses:Commissions                25.00 USD
      Assets:Unsettled:AlphaSec        -61275.00 USD

A sell is booked against the lots (``{}``, the books' FIFO booking) at its
price, and the realized P&L goes to ``Income:Trading:Realized``, whose amount
Beancount computes from the lots' cost. Commissions and each kind of fee
have their own posting; the cash leg (gross -/+ costs) is on the
counterparty's clearing account.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import CostSpec
from beangulp import Importer

from importers.common import ImportFailure, entry_meta
from ledger import meta as keys
from ledger.config import Config
from ledger.documents import document_sha256
from ledger.meta import Side
from ledger.posting import posting
from ledger.securities import (
    InvalidIsin,
    SecuritiesMaster,
    Security,
    UnknownSecurity,
    commodity_text,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Trade:
    """One trade in the importers' shared vocabulary (amounts in ``currency``)."""

    trade_id: str
    trade_date: datetime.date
    settle_date: datetime.date
    counterparty: str
    side: Side
    security: str
    isin: str | None
    quantity: Decimal
    price: Decimal
    currency: str
    commission: Decimal = Decimal(0)
    fees: tuple[tuple[str, Decimal], ...] = ()
    notional: Decimal | None = None
    # A bond's interest accrued since its last coupon, which the buyer pays the
    # seller on top of the price (positive either way; the side gives the direction).
    accrued_interest: Decimal = Decimal(0)
    trade_time: str | None = None  # HH:MM:SS of the execution, where the source gives it

    @property
    def gross(self) -> Decimal:
        """The notional (quantity times price unless the source gives the sum
        of its fills), in cents."""
        exact = self.quantity * self.price if self.notional is None else self.notional
        return exact.quantize(CENT, ROUND_HALF_EVEN)

    @property
    def costs(self) -> Decimal:
        return self.commission + sum((fee for _, fee in self.fees), Decimal(0))

    @property
    def cash(self) -> Decimal:
        """The cash leg, firm's view: negative when we pay (a buy); accrued interest
        included (paid on a buy, received on a sale)."""
        if self.side == "buy":
            return -(self.gross + self.costs + self.accrued_interest)
        return self.gross - self.costs + self.accrued_interest


@dataclass(frozen=True)
class TradeAccounts:
    """The accounts a trade books to, from the config."""

    securities: str
    unsettled: str
    realized: str
    commissions: str
    fees: str
    interest: str  # accrued interest bought (debit) or sold (credit)

    @classmethod
    def from_config(cls, config: Config) -> TradeAccounts:
        return cls(
            securities=config.trades.securities_account,
            unsettled=config.accounts.unsettled,
            realized=config.accounts.realized,
            commissions=config.accounts.commissions,
            fees=config.accounts.fees,
            interest=config.accounts.interest,
        )

    def clearing(self, counterparty: str) -> str:
        return f"{self.unsettled}:{counterparty}"


def _fmt(number: Decimal) -> str:
    return f"{number:f}"


def _securities_postings(trade: Trade, account: str, held: Decimal | None) -> list[data.Posting]:
    """The securities leg: a buy opens a lot at its price, a sale reduces the lots
    (``{}``, FIFO) at its price. With ``held`` (the quantity held before the trade,
    given when short positions are allowed) the part beyond a long position opens a
    short lot at the sale price, and a buy first covers a short position."""
    sign = Decimal(1) if trade.side == "buy" else Decimal(-1)
    if held is None:
        reducing = Decimal(0) if trade.side == "buy" else trade.quantity
    else:
        reducing = min(trade.quantity, max(Decimal(0), -sign * held))
    postings = []
    if reducing:
        empty = CostSpec(None, None, None, None, None, False)
        price = Amount(trade.price, trade.currency)
        postings.append(posting(account, sign * reducing, trade.security, cost=empty, price=price))
    if trade.quantity - reducing:
        cost = CostSpec(trade.price, None, trade.currency, None, None, False)
        opening = sign * (trade.quantity - reducing)
        postings.append(posting(account, opening, trade.security, cost=cost))
    return postings


def trade_entry(
    trade: Trade,
    accounts: TradeAccounts,
    meta: Mapping[str, Any],
    narration_source: str = "",
    held: Decimal | None = None,
) -> data.Transaction:
    """The trade entry for ``trade``; ``meta`` holds filename/lineno and provenance.

    ``narration_source`` is appended to the narration (e.g. ``"FIX drop copy"``);
    ``held`` is the position before the trade when short positions are allowed.
    """
    entry_meta: dict[str, Any] = {
        "filename": meta["filename"],
        "lineno": meta["lineno"],
        keys.TRADE_ID: trade.trade_id,
        keys.TRADE_DATE: trade.trade_date,
    }
    if trade.trade_time:
        entry_meta[keys.TRADE_TIME] = trade.trade_time
    entry_meta[keys.SETTLE_DATE] = trade.settle_date
    if trade.isin:
        entry_meta[keys.ISIN] = trade.isin
    entry_meta[keys.SIDE] = trade.side
    entry_meta[keys.COUNTERPARTY] = trade.counterparty
    for key, value in meta.items():
        if key not in ("filename", "lineno"):
            entry_meta[key] = value
    verb = "Buy" if trade.side == "buy" else "Sell"
    narration = (
        f"{verb} {_fmt(trade.quantity)} {trade.security} @ {_fmt(trade.price)} {trade.currency}"
    )
    if narration_source:
        narration += f" ({narration_source})"
    postings = _securities_postings(trade, accounts.securities, held)
    if trade.commission:
        postings.append(posting(accounts.commissions, trade.commission, trade.currency))
    for kind, fee in trade.fees:
        if fee:
            postings.append(posting(f"{accounts.fees}:{kind}", fee, trade.currency))
    if trade.accrued_interest:
        # Bought accrued interest is income paid away (the next coupon pays it back);
        # sold accrued interest is income earned.
        accrued = trade.accrued_interest if trade.side == "buy" else -trade.accrued_interest
        postings.append(posting(accounts.interest, accrued, trade.currency))
    postings.append(posting(accounts.clearing(trade.counterparty), trade.cash, trade.currency))
    if any(leg.price is not None for leg in postings):
        postings.append(posting(accounts.realized, None, None))
    return data.Transaction(
        entry_meta,
        trade.trade_date,
        "*",
        trade.counterparty,
        narration,
        data.EMPTY_SET,
        frozenset({keys.trade_link(trade.trade_id)}),
        postings,
    )


@dataclass(frozen=True)
class SourcedTrade:
    """A trade as a reader found it: ``trade.security`` is still the source's
    ticker (or ``""``); the importer resolves it through the securities master."""

    trade: Trade
    line: int
    source_ref: str
    name: str | None = None
    market: str | None = None
    asset_class: str | None = None


class UnknownSecurities(ImportFailure):
    """ISINs the securities master lacks; carries the directives to add."""

    def __init__(self, path: str, securities: list[Security], day: datetime.date) -> None:
        self.securities = securities
        self.day = day
        directives = "".join(commodity_text(security, day) for security in securities)
        super().__init__(
            path,
            None,
            "securities not in the books: " + ", ".join(str(s.isin) for s in securities),
            hint="add these directives to commodities.beancount (check asset-class and "
            "market, which the settlement rules use):\n" + directives,
        )


def _trade_date(entry: data.Transaction) -> datetime.date:
    """The entry's ``trade-date`` (Beancount books a trade's lots on it), else its date."""
    try:
        return keys.get_date(entry.meta, keys.TRADE_DATE) or entry.date
    except keys.MetaError:  # the settlement plugin reports it
        return entry.date


class SecurityResolver:
    """Resolves each row's ISIN against the master, collecting the unknown."""

    def __init__(self, existing: Iterable[data.Directive], filename: str) -> None:
        entries = list(existing)
        self.master = SecuritiesMaster.from_entries(entries)
        self.filename = filename
        self.missing: dict[str, Security] = {}
        # The currency of each security's lots: a delivery from the lots with
        # no price (a free delivery, a transfer out) needs it for its other leg.
        self.cost_currencies: dict[str, str] = {}
        # Each account's and security's movements, (date, units), for the quantity
        # held before a sale or delivery (dated by trade date, as Beancount books them).
        self.movements: dict[tuple[str, str], list[tuple[datetime.date, Decimal]]] = {}
        # The source references in the books: a row seen again is a re-import, which
        # the pipeline's dedupe drops; it neither counts twice nor is checked again.
        self.booked: set[str] = set()
        for entry in entries:
            if isinstance(entry, data.Transaction):
                self._count(entry)
                ref = keys.get_source_ref(entry.meta)
                if ref is not None:
                    self.booked.add(ref)

    def record(self, entry: data.Transaction) -> None:
        """Count a new entry of the file being read in the positions."""
        if keys.get_source_ref(entry.meta) not in self.booked:
            self._count(entry)

    def _count(self, entry: data.Transaction) -> None:
        day = _trade_date(entry) if keys.TRADE_DATE in entry.meta else entry.date
        for leg in entry.postings:
            currency = getattr(leg.cost, "currency", None)
            units = leg.units
            if units is None or leg.cost is None or not isinstance(units.number, Decimal):
                continue
            if isinstance(currency, str):
                self.cost_currencies[units.currency] = currency
            moves = self.movements.setdefault((leg.account, units.currency), [])
            moves.append((day, units.number))

    def held(self, account: str, symbol: str, day: datetime.date) -> Decimal:
        """The quantity of ``symbol`` in ``account`` at the end of ``day``."""
        moves = self.movements.get((account, symbol), ())
        return sum((units for date, units in moves if date <= day), Decimal(0))

    def check_held(
        self,
        line: int,
        what: str,
        account: str,
        symbol: str,
        quantity: Decimal,
        day: datetime.date,
        *,
        source_ref: str,
        allow_short: bool = False,
    ) -> Decimal:
        """The quantity held before ``what`` (the source's ``source_ref``) takes ``quantity``
        of ``symbol`` out of ``account`` on ``day``: an error when it is less, unless short
        positions are allowed or the books hold ``what`` already."""
        held = self.held(account, symbol, day)
        if quantity <= held or allow_short or source_ref in self.booked:
            return held
        raise ImportFailure(
            self.filename,
            line,
            f"{what} takes {quantity:f} {symbol} out of {account} on {day}, which holds "
            f"{held:f} {symbol} then",
            hint="import the buy or the opening position (opening.beancount) first, check the "
            "side and the quantity, or, if the firm sells short, set allow-short = true "
            "under [settlement] in backoffice.toml",
        )

    def symbol(
        self,
        line: int,
        isin: str | None,
        ticker: str | None,
        *,
        name: str | None = None,
        market: str | None = None,
        asset_class: str | None = None,
    ) -> str:
        try:
            return self.master.resolve(
                isin, ticker=ticker, name=name, market=market, asset_class=asset_class
            ).symbol
        except InvalidIsin as exc:
            raise ImportFailure(
                self.filename, line, str(exc), hint="check the security identifier in the source"
            ) from None
        except UnknownSecurity as exc:
            found = self.missing.setdefault(exc.security.isin or "", exc.security)
            return found.symbol

    def lot_currency(self, line: int, symbol: str) -> str:
        """The cost currency of the lots of ``symbol``; an error when there are none."""
        currency = self.cost_currencies.get(symbol)
        if currency is None:
            raise ImportFailure(
                self.filename,
                line,
                f"delivers {symbol}, of which the books hold no lots",
                hint="import the trades or the opening position first",
            )
        return currency

    def check(self, day: datetime.date) -> None:
        """Raise :class:`UnknownSecurities` when any ISIN was unknown."""
        if self.missing:
            raise UnknownSecurities(
                self.filename, [self.missing[isin] for isin in sorted(self.missing)], day
            )


def check_trade_ids(
    filepath: str, entries: Iterable[data.Directive], existing: Iterable[data.Directive]
) -> None:
    """A trade id names one trade: the same id from another source (a blotter
    and a drop copy of the same order) or twice in one file is an error, not
    a second booking. The same entry again (same ``source-ref``) is a
    re-import, which the pipeline's dedupe drops."""
    known: dict[str, data.Transaction] = {}
    for entry in existing:
        if isinstance(entry, data.Transaction) and keys.TRADE_ID in entry.meta:
            known[str(entry.meta[keys.TRADE_ID])] = entry
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, data.Transaction) or keys.TRADE_ID not in entry.meta:
            continue
        trade_id = str(entry.meta[keys.TRADE_ID])
        line = entry.meta.get("lineno")
        if not keys.LINK_SAFE.fullmatch(trade_id):
            raise ImportFailure(
                filepath,
                line,
                "a trade id goes into the trade's link, which holds only letters, digits "
                f"and - _ / . (at most {keys.LINK_MAX} characters)",
                value=trade_id[:80],
                hint="correct the id in the source (a space or another character there "
                "would leave books that no longer parse)",
            )
        if trade_id in seen:
            raise ImportFailure(
                filepath,
                line,
                f"trade {trade_id!r} appears twice in the file",
                hint="one row a trade",
            )
        seen.add(trade_id)
        other = known.get(trade_id)
        if other is not None and keys.get_source_ref(other.meta) != keys.get_source_ref(entry.meta):
            where = keys.get_source(other.meta) or other.meta.get("filename")
            raise ImportFailure(
                filepath,
                line,
                f"trade {trade_id!r} is already in the books from {where}",
                hint="import each trade from one source (the blotter or the drop copy, not both)",
            )


class TradeImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """What every trade importer shares; a format supplies :meth:`read`."""

    source_label = ""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.accounts = TradeAccounts.from_config(config)

    def account(self, filepath: str) -> str:
        return self.config.trades.securities_account

    def read(self, filepath: str) -> list[SourcedTrade]:
        raise NotImplementedError

    def counterparty(self, filepath: str, line: int, name: str) -> str:
        """``name`` when it is a configured counterparty, else an error."""
        if name not in self.config.counterparties:
            known = ", ".join(sorted(self.config.counterparties)) or "none"
            raise ImportFailure(
                filepath,
                line,
                f"counterparty {name!r} is not in backoffice.toml",
                hint=f"add a [counterparties.{name}] table (configured: {known})",
            )
        return name

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        resolver = SecurityResolver(existing, filepath)
        entries = self.entries(filepath, resolver, document_sha256(filepath))
        check_trade_ids(filepath, entries, existing)
        if entries:
            resolver.check(min(entry.date for entry in entries))
        return entries

    def entries(
        self, filepath: str, resolver: SecurityResolver, sha256: str
    ) -> list[data.Directive]:
        """The trade entries of the file (a format with more than trades overrides this)."""
        entries: list[data.Directive] = []
        for row in self.read(filepath):
            entry = self.trade(row, resolver, filepath, sha256)
            resolver.record(entry)
            entries.append(entry)
        return entries

    def trade(
        self, row: SourcedTrade, resolver: SecurityResolver, filepath: str, sha256: str
    ) -> data.Transaction:
        """The entry of one row, its security resolved through the master."""
        symbol = resolver.symbol(
            row.line,
            row.trade.isin,
            row.trade.security,
            name=row.name,
            market=row.market,
            asset_class=row.asset_class,
        )
        trade = replace(row.trade, security=symbol)
        allow_short = self.config.settlement.allow_short
        held = None
        if trade.side == "sell" or allow_short:
            held = resolver.check_held(
                row.line,
                f"trade {trade.trade_id} ({trade.side})",
                self.accounts.securities,
                symbol,
                trade.quantity if trade.side == "sell" else Decimal(0),
                trade.trade_date,
                source_ref=row.source_ref,
                allow_short=allow_short,
            )
        meta = entry_meta(filepath, row.line, filepath, row.source_ref, sha256)
        return trade_entry(
            trade, self.accounts, meta, self.source_label, held if allow_short else None
        )

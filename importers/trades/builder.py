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
from importers.securities import SecurityResolver
from importers.trades.settle_dates import derived_settle_date
from ledger import meta as keys
from ledger.config import Config
from ledger.documents import document_sha256
from ledger.meta import Side
from ledger.posting import posting
from ledger.securities import Security
from ledger.settlement.cycles import CycleBook

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
    settle_date_from: str | None = None  # how S was derived, when the source gives none

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
    if trade.settle_date_from:
        entry_meta[keys.SETTLE_DATE_FROM] = trade.settle_date_from
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
    # the source gives no settle date: trade.settle_date holds T until the importer
    # derives S from the security's cycle (importers.trades.settle_dates)
    derive_settle_date: bool = False


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
        self._cycles: CycleBook | None = None  # the config's settlement cycles, when needed

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
        if row.derive_settle_date:
            if self._cycles is None:
                self._cycles = CycleBook(self.config.settlement)
            security = resolver.security(symbol) or Security(symbol, None)
            settle_date, how = derived_settle_date(
                self._cycles,
                security,
                trade.currency,
                trade.trade_date,
                path=filepath,
                where=str(row.line),
            )
            trade = replace(trade, settle_date=settle_date, settle_date_from=how)
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

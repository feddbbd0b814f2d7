"""``stock_record_report``: each security's positions and locations (SEC 17a-3(a)(5)).

The double entry of securities: for each security, what the firm owns and is
owed out (the **long** side) equals where the securities are or are due from
(the **short** side):

- long: ``position``, the firm's trade-date position (every live trade dated on
  or before the as-of date, whatever the settlement policy); ``unsettled-sale``,
  a sale not yet due (S after the as-of date or on it), the securities still
  ours to deliver; ``fail-to-deliver``, a sale past S not delivered;
- short: ``custody``, the quantity at the custodian in each securities account
  (the books' balance, less what trades booked but not settled moved, plus
  what trades not yet booked have settled); ``unsettled-purchase``, a purchase
  not yet due; ``fail-to-receive``, a purchase past S not received.

A trade settled in part counts the rest, in proportion to the cash still to
settle. One dict (quantities are Decimals, dates are dates):

- ``as_of``; ``securities``: one per security held or traded, by name, with
  ``security``, ``isin``, ``name``, ``books`` (the books' balance over every
  account), ``long`` and ``short`` (the totals) and ``locations``: rows of
  ``side``, ``kind``, ``location`` (the account, or the counterparty),
  ``safekeeping`` (the account's id in ``[[statement-accounts]]``),
  ``quantity``, ``trade_id``, ``settle_date`` and ``age`` (business days past S);
- ``breaks``: the custodian's latest holding (a ``balance`` on a securities
  account: from MT535 or a custody CSV; its ``custodian-quantity`` where the
  import asserted it in the books' terms) that differs from the record's custody
  on the statement date (the day before the balance's date), with ``account``,
  ``security``, ``date``, ``custodian``, ``record``, ``difference``
  (custodian less record), ``pending_quantity``, ``blocked_quantity``,
  ``source``, ``source_ref``, ``file`` and ``line``;
- ``unbalanced``: the securities whose long and short differ (always empty
  unless the books are inconsistent).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger import meta as keys
from ledger.books import Books
from ledger.config import Config
from ledger.records.custody import trades_at_custody
from ledger.records.entries import (
    kept_for_the_last_list,
    read_trade_entries,
    where,
)
from ledger.settlement.state import TradeState

ZERO = Decimal(0)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class _Holding:
    """A securities posting, reduced to what the record sums."""

    date: datetime.date
    account: str
    security: str
    number: Decimal


@dataclass
class _Record:
    """One date's record: the books' balances and the trades' effects on them."""

    books: dict[tuple[str, str], Decimal]  # (account, security) -> quantity
    custody: dict[tuple[str, str], Decimal]
    position: dict[str, Decimal]
    open_trades: list[tuple[TradeState, Decimal, str]]  # state, unsettled quantity, kind


@kept_for_the_last_list
def _securities(entries: list[data.Directive]) -> tuple[list[_Holding], dict[str, data.Commodity]]:
    """Every posting in a security (a commodity whose asset class is not ``fx``, or
    any held at cost), and the securities' commodity directives."""
    commodities = {e.currency: e for e in entries if isinstance(e, data.Commodity)}
    securities = {
        name
        for name, entry in commodities.items()
        if (entry.meta or {}).get(keys.ASSET_CLASS) not in (None, "fx")
    }
    holdings = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            if units.currency in securities or posting.cost is not None:
                holdings.append(_Holding(entry.date, posting.account, units.currency, units.number))
    return holdings, commodities


class _Reader:
    """The books read once; a record made for each date asked."""

    def __init__(self, books: Books, config: Config) -> None:
        self.books = books
        self.config = config
        self.holdings, self.commodities = _securities(books.entries)
        self.trades = read_trade_entries(books.entries)

    def record(self, as_of: datetime.date) -> _Record:
        balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for holding in self.holdings:
            if holding.date <= as_of:
                balances[(holding.account, holding.security)] += holding.number
        custody = dict(balances)
        position: dict[str, Decimal] = defaultdict(Decimal)
        for (_, security), number in balances.items():
            position[security] += number
        open_trades = []
        for trade in trades_at_custody(self.books.entries, self.config, as_of, self.trades):
            key = (trade.account, trade.state.security)
            custody[key] = custody.get(key, ZERO) + trade.difference
            position[trade.state.security] += trade.moved - trade.booked
            if trade.unsettled:
                open_trades.append((trade.state, trade.unsettled, trade.kind))
        return _Record(dict(balances), custody, dict(position), open_trades)


def _safekeeping(config: Config) -> dict[str, str]:
    return {
        mapping.account: mapping.id
        for mapping in config.statement_accounts
        if mapping.currency is None
    }


def _locations(security: str, record: _Record, safekeeping: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(side: str, kind: str, location: str, quantity: Decimal, **more: Any) -> None:
        rows.append(
            {
                "side": side,
                "kind": kind,
                "location": location,
                "safekeeping": more.get("safekeeping"),
                "quantity": quantity,
                "trade_id": more.get("trade_id"),
                "settle_date": more.get("settle_date"),
                "age": more.get("age"),
            }
        )

    position = record.position.get(security, ZERO)
    if position:
        row("long", "position", "firm", position)
    trades = sorted(
        (t for t in record.open_trades if t[0].security == security),
        key=lambda t: (t[2], t[0].settle_date, t[0].trade_id),
    )
    for state, quantity, kind in trades:
        if state.side == "sell":
            row("long", kind, state.counterparty, quantity, **_trade(state, kind))
    for (account, name), quantity in sorted(record.custody.items()):
        if name == security and quantity:
            row("short", "custody", account, quantity, safekeeping=safekeeping.get(account))
    for state, quantity, kind in trades:
        if state.side == "buy":
            row("short", kind, state.counterparty, quantity, **_trade(state, kind))
    return rows


def _trade(state: TradeState, kind: str) -> dict[str, Any]:
    fail = kind.startswith("fail")
    return {
        "trade_id": state.trade_id,
        "settle_date": state.settle_date,
        "age": state.age if fail else None,
    }


def _breaks(reader: _Reader, as_of: datetime.date) -> list[dict[str, Any]]:
    """The latest custodian holding of each account and security, against the record."""
    latest: dict[tuple[str, str], data.Balance] = {}
    accounts = {holding.account for holding in reader.holdings}
    securities = {holding.security for holding in reader.holdings}
    for entry in reader.books.entries:
        if (
            isinstance(entry, data.Balance)
            and entry.account in accounts
            and entry.amount.currency in securities
            and entry.date - ONE_DAY <= as_of
        ):
            key = (entry.account, entry.amount.currency)
            if key not in latest or latest[key].date <= entry.date:
                latest[key] = entry
    records: dict[datetime.date, _Record] = {}
    breaks = []
    for (account, security), entry in sorted(latest.items()):
        day = entry.date - ONE_DAY
        if day not in records:
            records[day] = reader.record(day)
        ours = records[day].custody.get((account, security), ZERO)
        # a holding asserted in the books' terms keeps the custodian's own figure
        theirs = (entry.meta or {}).get(keys.CUSTODIAN_QUANTITY, entry.amount.number)
        if theirs is None or theirs == ours:
            continue
        file, line = where(entry.meta, reader.books.directory)
        breaks.append(
            {
                "account": account,
                "security": security,
                "date": day,
                "custodian": theirs,
                "record": ours,
                "difference": theirs - ours,
                "pending_quantity": (entry.meta or {}).get(keys.PENDING_QUANTITY),
                "blocked_quantity": (entry.meta or {}).get(keys.BLOCKED_QUANTITY),
                "source": keys.get_source(entry.meta),
                "source_ref": keys.get_source_ref(entry.meta),
                "file": file,
                "line": line,
            }
        )
    return breaks


def stock_record_report(books: Books, config: Config, as_of: datetime.date) -> dict[str, Any]:
    """The stock record as of ``as_of``, with the breaks with the custodian."""
    reader = _Reader(books, config)
    record = reader.record(as_of)
    safekeeping = _safekeeping(config)
    names = {security for _, security in record.books} | set(record.position)
    names |= {security for _, security in record.custody}
    securities = []
    unbalanced = []
    for security in sorted(names):
        locations = _locations(security, record, safekeeping)
        books_total = sum((n for (_, name), n in record.books.items() if name == security), ZERO)
        if not locations and not books_total:
            continue
        long = sum((r["quantity"] for r in locations if r["side"] == "long"), ZERO)
        short = sum((r["quantity"] for r in locations if r["side"] == "short"), ZERO)
        commodity = reader.commodities.get(security)
        meta = commodity.meta if commodity is not None and commodity.meta else {}
        securities.append(
            {
                "security": security,
                "isin": meta.get(keys.COMMODITY_ISIN),
                "name": meta.get(keys.COMMODITY_NAME),
                "books": books_total,
                "long": long,
                "short": short,
                "locations": locations,
            }
        )
        if long != short:
            unbalanced.append(security)
    return {
        "as_of": as_of,
        "securities": securities,
        "breaks": _breaks(reader, as_of),
        "unbalanced": unbalanced,
    }


STOCK_RECORD_COLUMNS = (
    "security",
    "isin",
    "side",
    "kind",
    "location",
    "safekeeping",
    "quantity",
    "trade_id",
    "settle_date",
    "age",
)


def stock_record_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every location of every security, one row each (the CSV)."""
    return [
        {"security": security["security"], "isin": security["isin"], **row}
        for security in report["securities"]
        for row in security["locations"]
    ]

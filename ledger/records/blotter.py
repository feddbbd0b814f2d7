"""``blotter_report``: every trade by trade date (SEC 17a-3(a)(1)), for the CLI.

One dict (amounts are Decimals, dates are dates; ``--json`` prints them as
strings): ``from``, ``to``, ``as_of`` and ``trades``, one row per trade or
cancellation whose trade date falls in the range, by trade date, time, trade
id and kind. A row's keys are :data:`COLUMNS`:

- ``kind``: ``trade``; ``correction`` for a trade whose entry also carries the
  link of a trade it replaces (``corrects`` names it); ``cancel`` for the entry
  that reverses a trade (``cancels: "<trade-id>"``);
- ``status``: the settlement state as of ``as_of`` (``pending``, ``settled``,
  ``failed``, ``partial``), ``cancelled`` for a cancelled trade and its
  cancellation; a trade dated after ``as_of`` is ``pending``;
- ``time``: the ``trade-time`` metadata, or None when the source gives none;
- ``price`` and ``currency``: the securities leg's price (or a purchase's cost per
  unit); a sale booked without ``@`` reduces lots whose cost is not its price: its
  ``price`` metadata, else the proceeds (the cash leg) over the quantity, to at most
  six decimals;
  ``amount``: the cash leg, firm's view (negative: we pay);
- ``source`` and ``source_ref``: the document and its line; ``file`` and
  ``line``: where the entry is in the books.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger import meta as keys
from ledger.books import Books
from ledger.config import Config
from ledger.records.entries import TradeEntry, read_trade_entries, where
from ledger.settlement.model import Trade
from ledger.settlement.state import scanned, trade_states

COLUMNS = (
    "trade_date",
    "time",
    "kind",
    "trade_id",
    "side",
    "quantity",
    "security",
    "isin",
    "price",
    "currency",
    "amount",
    "counterparty",
    "settle_date",
    "status",
    "corrects",
    "cancelled_by",
    "source",
    "source_ref",
    "file",
    "line",
)


def _time(meta: dict[str, Any]) -> str | None:
    value = meta.get(keys.TRADE_TIME)
    return None if value is None else str(value)


PRICE_PLACES = Decimal("0.000001")


def _price(trade: Trade, read: TradeEntry | None) -> Decimal | None:
    """The trade's price per unit: its securities leg's ``@`` price (or a purchase's
    cost per unit); for a sale booked without ``@`` (``-900 XYZ {}``, the proceeds on
    the cash leg) its ``price`` metadata, else the proceeds over the quantity."""
    if read is not None and read.price is not None:
        return read.price
    given = (trade.entry.meta or {}).get(keys.TRADE_PRICE)
    if isinstance(given, Decimal):
        return given
    if not trade.quantity:
        return None
    price = abs(trade.amount) / trade.quantity
    exponent = price.as_tuple().exponent
    return price.quantize(PRICE_PLACES) if isinstance(exponent, int) and exponent < -6 else price


def _row(
    trade: Trade,
    read: TradeEntry | None,
    entry: data.Transaction,
    books: Books,
    **fields: Any,
) -> dict[str, Any]:
    meta = entry.meta or {}
    file, line = where(meta, books.directory)
    row: dict[str, Any] = {
        "trade_date": trade.trade_date,
        "time": _time(meta),
        "trade_id": trade.trade_id,
        "side": trade.side,
        "quantity": trade.quantity,
        "security": trade.security,
        "isin": trade.isin,
        "price": _price(trade, read),
        "currency": trade.currency,
        "amount": trade.amount,
        "counterparty": trade.counterparty,
        "settle_date": trade.settle_date,
        "corrects": None,
        "cancelled_by": None,
        "source": keys.get_source(meta),
        "source_ref": keys.get_source_ref(meta),
        "file": file,
        "line": line,
    }
    row.update(fields)
    return {key: row[key] for key in COLUMNS}


def blotter_report(
    books: Books,
    config: Config,
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.date,
) -> dict[str, Any]:
    """The trades and cancellations with a trade date from ``start`` to ``end``."""
    found = scanned(books.entries, config)
    read = read_trade_entries(books.entries)
    status = {state.trade_id: state.status for state in trade_states(books.entries, config, as_of)}
    links = {trade.link: trade.trade_id for trade in found.trades.values()}
    rows = []
    for trade in found.trades.values():
        if not start <= trade.trade_date <= end:
            continue
        entry = trade.entry
        cancel = found.cancels.get(trade.trade_id)
        corrects = sorted(
            links[link]
            for link in entry.links
            if link in links and links[link] != trade.trade_id and links[link] in found.cancels
        )
        fields: dict[str, Any] = {
            "kind": "correction" if corrects else "trade",
            "status": "cancelled" if cancel else status.get(trade.trade_id, "pending"),
            "corrects": ", ".join(corrects) or None,
        }
        if cancel is not None:
            fields["cancelled_by"] = keys.get_source_ref(cancel.meta) or _at(cancel, books)
        rows.append(_row(trade, read.get(trade.trade_id), entry, books, **fields))
        if cancel is not None:
            rows.append(
                _row(
                    trade,
                    read.get(trade.trade_id),
                    cancel,
                    books,
                    kind="cancel",
                    status="cancelled",
                    time=_time(cancel.meta or {}),
                    amount=-trade.amount,
                )
            )
    rows.sort(key=_order)
    return {"from": start, "to": end, "as_of": as_of, "trades": rows}


def _at(entry: data.Transaction, books: Books) -> str:
    file, line = where(entry.meta, books.directory)
    return f"{file}:{line}"


_KINDS = {"trade": 0, "correction": 0, "cancel": 1}


def _order(row: dict[str, Any]) -> tuple[datetime.date, str, str, int]:
    return (row["trade_date"], row["time"] or "", row["trade_id"], _KINDS[row["kind"]])

"""FIX 4.2 / 4.4 drop-copy logs: execution reports (35=8) → one trade per
order per trade date, at the average price of its fills.

The log's messages come from :mod:`importers.trades.fix_log`, checked. Per the
FIX specifications (4.2 ExecTransType 20, 4.4 ExecType 150):

- a fill or partial fill (150=1/2, 4.4 150=F) with 20=0 or absent adds
  LastQty (32) at LastPx (31) to its order's day;
- a trade cancel (150=H, or 4.2 20=1) removes the execution ExecRefID (19) names;
- a trade correct (150=G, or 4.2 20=2) replaces it with this report's
  LastQty/LastPx (the new execution keeps the ExecID of this report);
- anything else (new, pending, rejected, canceled order, restated; every
  session and non-execution message) adds nothing.

The log is streamed line by line; memory holds the fills of the open orders
and one total per order day of the closed ones (OrdStatus filled, done for
day, canceled, expired), never the file. A bust of a closed order takes the
order's adjusted CumQty (14) and AvgPx (6) from the cancel or correct.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import simplefix

from importers.common import ImportFailure
from importers.numbers import plain_decimal
from importers.trades.builder import SourcedTrade, Trade, TradeImporter
from importers.trades.fix_log import BEGIN, Message, messages
from ledger.config import Config
from ledger.meta import Side

_EXEC_REPORT = b"8"
_FILL_TYPES = {simplefix.EXECTYPE_PARTIAL_FILL, simplefix.EXECTYPE_FILL, simplefix.EXECTYPE_TRADE}
_ISIN_SOURCE = b"4"
# OrdStatus (39) after which an order takes no more fills: filled, done for
# day, canceled, expired (a later bust must then carry CumQty and AvgPx).
_DONE = {
    simplefix.ORDSTATUS_FILLED,
    simplefix.ORDSTATUS_DONE_FOR_DAY,
    simplefix.ORDSTATUS_CANCELED,
    simplefix.ORDSTATUS_EXPIRED,
}
AVG_PRICE_PLACES = Decimal("0.00000001")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Fill:
    exec_id: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    line: int


@dataclass(slots=True)
class OrderDay:
    """One order on one trade date: the fills of an open order, or the totals
    of a closed one (its fills are no longer needed, so no longer held)."""

    sender: str
    order_id: str
    cl_ord_id: str
    trade_date: datetime.date
    side: str
    symbol: str | None
    isin: str | None
    currency: str
    settle_date: datetime.date | None  # None: the log gives none (optional in FIX 4.2/4.4)
    market: str | None
    line: int
    fills: dict[str, Fill] = field(default_factory=dict)
    closed_quantity: Decimal = Decimal(0)
    closed_notional: Decimal = Decimal(0)
    closed_commission: Decimal = Decimal(0)
    closed_first: Fill | None = None

    @property
    def quantity(self) -> Decimal:
        return self.closed_quantity + sum((f.quantity for f in self.fills.values()), Decimal(0))

    @property
    def notional(self) -> Decimal:
        return self.closed_notional + sum(
            (f.quantity * f.price for f in self.fills.values()), Decimal(0)
        )

    @property
    def average_price(self) -> Decimal:
        """Notional over quantity, to 8 places, without trailing zeros past cents."""
        average = (self.notional / self.quantity).quantize(AVG_PRICE_PLACES, ROUND_HALF_EVEN)
        cents = average.quantize(CENT)
        return cents if cents == average else average.normalize()

    @property
    def commission(self) -> Decimal:
        total = self.closed_commission + sum(
            (f.commission for f in self.fills.values()), Decimal(0)
        )
        return total.quantize(CENT, ROUND_HALF_EVEN)

    @property
    def first_exec_id(self) -> str:
        candidates = [*self.fills.values(), *([self.closed_first] if self.closed_first else [])]
        return min(candidates, key=lambda fill: fill.line).exec_id

    @property
    def traded(self) -> bool:
        return bool(self.fills) or self.closed_quantity != 0

    def close(self) -> None:
        """Fold the fills into totals (the order is done; its fills are released)."""
        if self.fills:
            first = min(self.fills.values(), key=lambda fill: fill.line)
            if self.closed_first is None or first.line < self.closed_first.line:
                self.closed_first = first
        self.closed_quantity = self.quantity
        self.closed_notional = self.notional
        self.closed_commission += sum((f.commission for f in self.fills.values()), Decimal(0))
        self.fills = {}


@functools.lru_cache(maxsize=4096)
def _date(text: bytes) -> datetime.date:
    """``YYYYMMDD`` (UTCDateOnly / LocalMktDate); a log has few distinct dates."""
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _shared(value: str | None) -> str | None:
    """One string object per distinct value: thousands of trades share a few
    securities and currencies."""
    return None if value is None else sys.intern(value)


def _text(fields: dict[bytes, bytes], tag: bytes) -> str | None:
    value = fields.get(tag)
    return value.decode("latin-1") if value else None


OrderKey = tuple[str, str]


class _Reader:
    """The state of one log being read: the fills of open orders, the totals
    of closed ones. Memory grows with the orders, not with the file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.open: dict[OrderKey, dict[datetime.date, OrderDay]] = {}
        self.closed: dict[OrderKey, dict[datetime.date, OrderDay]] = {}

    def fail(self, message: Message, problem: str, hint: str) -> ImportFailure:
        exec_id = _text(message.fields, simplefix.TAG_EXECID) or "?"
        return ImportFailure(self.filename, message.line, f"ExecID {exec_id}: {problem}", hint=hint)

    def missing(self, message: Message, tag: bytes, name: str) -> ImportFailure:
        return self.fail(
            message,
            f"execution report has no {name} ({tag.decode()})",
            "a drop copy of a fill must carry it",
        )

    def required(self, message: Message, tag: bytes, name: str) -> str:
        value = _text(message.fields, tag)
        if value is None:
            raise self.missing(message, tag, name)
        return value

    def decimal(self, message: Message, tag: bytes, name: str) -> Decimal:
        text = self.required(message, tag, name)
        value = plain_decimal(text)
        if value is None:
            raise self.fail(
                message, f"{name} ({tag.decode()}) is {text!r}, not a number", "check the log"
            )
        return value

    def date(self, message: Message, tag: bytes, name: str) -> datetime.date:
        value = message.fields.get(tag)
        if value is None:
            raise self.missing(message, tag, name)
        try:
            return _date(value[:8])
        except ValueError:
            raise self.fail(
                message,
                f"{name} ({tag.decode()}) is {value.decode('latin-1')!r}, not YYYYMMDD",
                "check the log",
            ) from None

    def key(self, message: Message) -> OrderKey:
        sender = self.required(message, simplefix.TAG_SENDER_COMPID, "SenderCompID")
        return sender, self.required(message, simplefix.TAG_ORDERID, "OrderID")

    def trade_date(self, message: Message) -> datetime.date:
        if simplefix.TAG_TRADEDATE in message.fields:
            return self.date(message, simplefix.TAG_TRADEDATE, "TradeDate")
        return self.date(message, simplefix.TAG_TRANSACTTIME, "TransactTime")

    def fill(self, message: Message) -> Fill:
        fields = message.fields
        quantity = self.decimal(message, simplefix.TAG_LASTQTY, "LastQty")
        price = self.decimal(message, simplefix.TAG_LASTPX, "LastPx")
        commission = Decimal(0)
        if simplefix.TAG_COMMISSION in fields:
            rate = self.decimal(message, simplefix.TAG_COMMISSION, "Commission")
            kind = fields.get(simplefix.TAG_COMMTYPE, b"3")
            if kind == b"1":
                commission = rate * quantity
            elif kind == b"2":
                commission = rate * quantity * price / 100
            else:
                commission = rate
        exec_id = self.required(message, simplefix.TAG_EXECID, "ExecID")
        return Fill(exec_id, quantity, price, commission, message.line)

    def order_day(self, message: Message) -> OrderDay:
        fields = message.fields
        key = self.key(message)
        trade_date = self.trade_date(message)
        days = self.open.setdefault(key, {})
        day = days.get(trade_date)
        if day is not None:
            return day
        side = {b"1": "buy", b"2": "sell"}.get(fields.get(simplefix.TAG_SIDE, b""))
        if side is None:
            raise self.fail(
                message,
                f"Side (54) is {_text(fields, simplefix.TAG_SIDE)!r}",
                "only 1 (buy) and 2 (sell) are trades the books know",
            )
        isin = None
        if fields.get(simplefix.TAG_SECURITYIDSOURCE) == _ISIN_SOURCE:
            isin = _shared(_text(fields, simplefix.TAG_SECURITY_ID))
        day = OrderDay(
            sender=sys.intern(key[0]),
            order_id=key[1],
            cl_ord_id=_text(fields, simplefix.TAG_CLORDID) or key[1],
            trade_date=trade_date,
            side=side,
            symbol=_shared(_text(fields, simplefix.TAG_SYMBOL)),
            isin=isin,
            currency=sys.intern(self.required(message, simplefix.TAG_CURRENCY, "Currency")),
            settle_date=self.date(message, simplefix.TAG_SETTLDATE, "SettlDate")
            if simplefix.TAG_SETTLDATE in fields
            else None,
            market=_shared(_text(fields, b"207")),
            line=message.line,
        )
        days[trade_date] = day
        return day

    def apply(self, message: Message) -> None:
        fields = message.fields
        if fields.get(simplefix.TAG_MSGTYPE) != _EXEC_REPORT:
            return
        exec_type = fields.get(simplefix.TAG_EXECTYPE)
        trans_type = fields.get(simplefix.TAG_EXECTRANSTYPE, b"0")
        key = self.key(message)
        if exec_type == simplefix.EXECTYPE_TRADECANCEL or trans_type == b"1":
            self.bust(message, key, replace=False)
        elif exec_type == simplefix.EXECTYPE_TRADECORRECT or trans_type == b"2":
            self.bust(message, key, replace=True)
        elif exec_type in _FILL_TYPES and trans_type == b"0":
            if key in self.closed and _is_resend(message):
                return
            self.add(message)
        if fields.get(simplefix.TAG_ORDSTATUS) in _DONE and key in self.open:
            days = self.open.pop(key)
            for day in days.values():
                day.close()
            self.closed.setdefault(key, {}).update(days)

    def add(self, message: Message) -> None:
        day = self.order_day(message)
        fill = self.fill(message)
        if fill.exec_id in day.fills:
            if _is_resend(message):
                return
            raise self.fail(
                message,
                "the execution was already reported",
                "a repeated ExecID is a resend (PossDupFlag 43=Y) or a broken log",
            )
        day.fills[fill.exec_id] = fill

    def bust(self, message: Message, key: OrderKey, *, replace: bool) -> None:
        """Cancel (or correct) the execution ExecRefID names."""
        ref = self.required(message, simplefix.TAG_EXECREFID, "ExecRefID")
        for day in self.open.get(key, {}).values():
            if ref in day.fills:
                del day.fills[ref]
                if replace:
                    self.add(message)
                return
        closed = self.closed.get(key, {})
        if len(closed) == 1 and simplefix.TAG_CUMQTY in message.fields:
            # The order is done and its fills released: per FIX, a cancel or
            # correct carries the order's adjusted CumQty (14) and AvgPx (6).
            [day] = closed.values()
            cum_qty = self.decimal(message, simplefix.TAG_CUMQTY, "CumQty")
            day.closed_quantity = cum_qty
            day.closed_notional = cum_qty * self.decimal(message, simplefix.TAG_AVGPX, "AvgPx")
            return
        raise self.fail(
            message,
            f"cancels or corrects execution {ref!r}, which this log does not hold",
            "import the log with the original execution first (or in the same batch); "
            "a bust of a completed order must carry CumQty (14) and AvgPx (6)",
        )


def _is_resend(message: Message) -> bool:
    return message.fields.get(simplefix.TAG_POSSDUPFLAG) == b"Y"


def read_order_days(
    lines: Iterable[bytes], filename: str, *, lenient: bool = False
) -> list[OrderDay]:
    """Every order day with fills, in the order of its first fill."""
    reader = _Reader(filename)
    for message in messages(lines, filename, lenient):
        reader.apply(message)
    days = [
        day
        for orders in (reader.closed, reader.open)
        for order in orders.values()
        for day in order.values()
        if day.traded
    ]
    return sorted(days, key=lambda day: (day.line, day.trade_date))


def trade_ids(days: list[OrderDay]) -> list[str]:
    """ClOrdID, or ClOrdID-YYYYMMDD when the order trades on several dates."""
    dates: dict[tuple[str, str], int] = {}
    for day in days:
        dates[(day.sender, day.order_id)] = dates.get((day.sender, day.order_id), 0) + 1
    return [
        day.cl_ord_id
        if dates[(day.sender, day.order_id)] == 1
        else f"{day.cl_ord_id}-{day.trade_date:%Y%m%d}"
        for day in days
    ]


def looks_like_fix(head: bytes) -> bool:
    """A cheap check on the file's first bytes: an execution report in a FIX log."""
    return BEGIN in head and (b"35=8" in head)


class FixImporter(TradeImporter):
    """FIX drop-copy logs; the counterparty is ``[trades.fix] counterparties``
    keyed by SenderCompID (49)."""

    source_label = "FIX drop copy"

    def __init__(self, config: Config, *, lenient: bool | None = None) -> None:
        super().__init__(config)
        self.lenient = config.trades.fix.lenient if lenient is None else lenient

    @property
    def name(self) -> str:
        return "trades.fix"

    def identify(self, filepath: str) -> bool:
        try:
            with open(filepath, "rb") as handle:
                head = handle.read(1 << 16)
        except OSError:
            return False
        return looks_like_fix(head)

    def read(self, filepath: str) -> list[SourcedTrade]:
        with open(filepath, "rb") as handle:
            days = read_order_days(handle, filepath, lenient=self.lenient)
        names = self.config.trades.fix.counterparties
        rows = []
        for day, trade_id in zip(days, trade_ids(days), strict=True):
            name = names.get(day.sender)
            if name is None:
                raise ImportFailure(
                    filepath,
                    day.line,
                    f"SenderCompID {day.sender!r} is not mapped to a counterparty",
                    hint=f'add {day.sender} = "<Counterparty>" under [trades.fix.counterparties]',
                )
            side: Side = "buy" if day.side == "buy" else "sell"
            trade = Trade(
                trade_id=trade_id,
                trade_date=day.trade_date,
                settle_date=day.settle_date or day.trade_date,
                counterparty=self.counterparty(filepath, day.line, name),
                side=side,
                security=day.symbol or "",
                isin=day.isin,
                quantity=day.quantity,
                price=day.average_price,
                currency=day.currency,
                commission=day.commission,
                notional=day.notional,
            )
            rows.append(
                SourcedTrade(
                    trade,
                    day.line,
                    day.first_exec_id,
                    market=day.market,
                    derive_settle_date=day.settle_date is None,
                )
            )
        return rows

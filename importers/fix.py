"""FIX 4.2 / 4.4 drop-copy logs: execution reports (35=8) → one trade per
order per trade date, at the average price of its fills.

A log line is whatever a FIX engine writes (QuickFIX:
``20261124-14:30:01.123 : 8=FIX.4.4^A9=...^A10=123^A``); the message starts
at ``8=FIX`` and its fields are separated by SOH (``\\x01``) or ``|``. Lines
without a message (engine events, blank lines) are skipped. BodyLength (9)
and CheckSum (10) are verified as on the wire, the separator counted as SOH;
a mismatch is an error naming the line and the ExecID, unless ``lenient``
(for logs known to have been edited by hand).

Per the FIX specifications (4.2 ExecTransType 20, 4.4 ExecType 150):

- a fill or partial fill (150=1/2, 4.4 150=F) with 20=0 or absent adds
  LastQty (32) at LastPx (31) to its order's day;
- a trade cancel (150=H, or 4.2 20=1) removes the execution ExecRefID (19) names;
- a trade correct (150=G, or 4.2 20=2) replaces it with this report's
  LastQty/LastPx (the new execution keeps the ExecID of this report);
- anything else (new, pending, rejected, canceled order, restated; every
  session and non-execution message) adds nothing.

Memory holds the fills of the orders seen (one small tuple per fill), never
the file: the log is streamed line by line. The message text is split by
hand (``bytes.split``): simplefix's parser costs ~57 µs a message, beyond the
budget of a million execution reports in 30 s; simplefix names the tags.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import simplefix

from importers.common import ImportFailure
from importers.trades import SourcedTrade, Trade, TradeImporter
from ledger.config import Config
from ledger.meta import Side

SOH = b"\x01"
_BEGIN = b"8=FIX"
_CHECKSUM_FIELD = b"10="
_EXEC_REPORT = b"8"
_FILL_TYPES = {simplefix.EXECTYPE_PARTIAL_FILL, simplefix.EXECTYPE_FILL, simplefix.EXECTYPE_TRADE}
_ISIN_SOURCE = b"4"
AVG_PRICE_PLACES = Decimal("0.00000001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Fill:
    exec_id: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    line: int


@dataclass
class OrderDay:
    """The fills of one order on one trade date, and what they share."""

    sender: str
    order_id: str
    cl_ord_id: str
    trade_date: datetime.date
    side: str
    symbol: str | None
    isin: str | None
    currency: str
    settle_date: datetime.date
    market: str | None
    line: int
    fills: dict[str, Fill] = field(default_factory=dict)

    @property
    def quantity(self) -> Decimal:
        return sum((fill.quantity for fill in self.fills.values()), Decimal(0))

    @property
    def notional(self) -> Decimal:
        return sum((fill.quantity * fill.price for fill in self.fills.values()), Decimal(0))

    @property
    def average_price(self) -> Decimal:
        """Notional over quantity, to 8 places, without trailing zeros past cents."""
        average = (self.notional / self.quantity).quantize(AVG_PRICE_PLACES, ROUND_HALF_EVEN)
        cents = average.quantize(CENT)
        return cents if cents == average else average.normalize()

    @property
    def commission(self) -> Decimal:
        total = sum((fill.commission for fill in self.fills.values()), Decimal(0))
        return total.quantize(CENT, ROUND_HALF_EVEN)

    @property
    def first_exec_id(self) -> str:
        return min(self.fills.values(), key=lambda fill: fill.line).exec_id


@dataclass(frozen=True)
class _Message:
    line: int
    fields: dict[bytes, bytes]


def _messages(lines: Iterable[bytes], filename: str, lenient: bool) -> Iterator[_Message]:
    for number, raw in enumerate(lines, start=1):
        start = raw.find(_BEGIN)
        if start < 0:
            continue
        text = raw[start:].rstrip(b"\r\n")
        separator = SOH if SOH in text else b"|"
        end = text.rfind(separator + _CHECKSUM_FIELD)
        if end < 0:
            raise ImportFailure(
                filename,
                number,
                "FIX message has no CheckSum (10) field: the line is cut off",
                value=text[:60].decode("latin-1"),
                hint="a message ends with 10=NNN followed by the separator",
            )
        body_end = end + 1
        tail = text[body_end:].rstrip(separator)
        pairs = text[:end].split(separator)
        fields: dict[bytes, bytes] = {}
        for pair in pairs:
            tag, eq, value = pair.partition(b"=")
            if not eq or not tag.isdigit():
                raise ImportFailure(
                    filename,
                    number,
                    "FIX field is not TAG=VALUE",
                    value=pair.decode("latin-1"),
                    hint="fields are separated by SOH or '|'",
                )
            fields.setdefault(tag, value)
        if not lenient:
            _validate(text, body_end, tail, fields, separator, filename, number)
        yield _Message(number, fields)


def _validate(
    text: bytes,
    body_end: int,
    tail: bytes,
    fields: dict[bytes, bytes],
    separator: bytes,
    filename: str,
    line: int,
) -> None:
    exec_id = fields.get(simplefix.TAG_EXECID, b"?").decode("latin-1")
    msg_type = fields.get(simplefix.TAG_MSGTYPE, b"?").decode("latin-1")
    what = f"FIX message 35={msg_type} (ExecID {exec_id})"
    hint = "the log was changed after it was written; use --lenient for a log edited by hand"
    body_start = text.find(separator, text.find(b"9=")) + 1
    length = body_end - body_start
    declared = fields.get(simplefix.TAG_BODYLENGTH)
    if declared is None or not declared.isdigit() or int(declared) != length:
        raise ImportFailure(
            filename,
            line,
            f"{what}: BodyLength (9) is {declared.decode('latin-1') if declared else 'missing'} "
            f"but the body has {length} bytes",
            hint=hint,
        )
    total = sum(text[:body_end]) + text[:body_end].count(separator) * (1 - separator[0])
    expected = f"{total % 256:03d}".encode()
    if tail != _CHECKSUM_FIELD + expected:
        raise ImportFailure(
            filename,
            line,
            f"{what}: CheckSum (10) is {tail[3:].decode('latin-1')!r} "
            f"but the bytes sum to {expected.decode()}",
            hint=hint,
        )


def _text(fields: dict[bytes, bytes], tag: bytes) -> str | None:
    value = fields.get(tag)
    return value.decode("latin-1") if value else None


class _Reader:
    """The state of one log being read: order days and where each fill is."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.days: dict[tuple[str, str, datetime.date], OrderDay] = {}
        self.fill_day: dict[str, tuple[str, str, datetime.date]] = {}

    def fail(self, message: _Message, problem: str, hint: str) -> ImportFailure:
        exec_id = _text(message.fields, simplefix.TAG_EXECID) or "?"
        return ImportFailure(self.filename, message.line, f"ExecID {exec_id}: {problem}", hint=hint)

    def required(self, message: _Message, tag: bytes, name: str) -> str:
        value = _text(message.fields, tag)
        if value is None:
            raise self.fail(
                message,
                f"execution report has no {name} ({tag.decode()})",
                "a drop copy of a fill must carry it",
            )
        return value

    def decimal(self, message: _Message, tag: bytes, name: str) -> Decimal:
        text = self.required(message, tag, name)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.fail(
                message, f"{name} ({tag.decode()}) is {text!r}, not a number", "check the log"
            ) from None
        if not value.is_finite():
            raise self.fail(message, f"{name} ({tag.decode()}) is {text!r}", "check the log")
        return value

    def date(self, message: _Message, tag: bytes, name: str) -> datetime.date:
        text = self.required(message, tag, name)[:8]
        try:
            return datetime.datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            raise self.fail(
                message, f"{name} ({tag.decode()}) is {text!r}, not YYYYMMDD", "check the log"
            ) from None

    def fill(self, message: _Message) -> Fill:
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

    def order_day(self, message: _Message) -> OrderDay:
        fields = message.fields
        if simplefix.TAG_TRADEDATE in fields:
            trade_date = self.date(message, simplefix.TAG_TRADEDATE, "TradeDate")
        else:
            trade_date = self.date(message, simplefix.TAG_TRANSACTTIME, "TransactTime")
        sender = self.required(message, simplefix.TAG_SENDER_COMPID, "SenderCompID")
        order_id = self.required(message, simplefix.TAG_ORDERID, "OrderID")
        key = (sender, order_id, trade_date)
        day = self.days.get(key)
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
            isin = _text(fields, simplefix.TAG_SECURITY_ID)
        day = OrderDay(
            sender=sender,
            order_id=order_id,
            cl_ord_id=_text(fields, simplefix.TAG_CLORDID) or order_id,
            trade_date=trade_date,
            side=side,
            symbol=_text(fields, simplefix.TAG_SYMBOL),
            isin=isin,
            currency=self.required(message, simplefix.TAG_CURRENCY, "Currency"),
            settle_date=self.date(message, simplefix.TAG_SETTLDATE, "SettlDate"),
            market=_text(fields, b"207"),
            line=message.line,
        )
        self.days[key] = day
        return day

    def apply(self, message: _Message) -> None:
        fields = message.fields
        if fields.get(simplefix.TAG_MSGTYPE) != _EXEC_REPORT:
            return
        exec_type = fields.get(simplefix.TAG_EXECTYPE)
        trans_type = fields.get(simplefix.TAG_EXECTRANSTYPE, b"0")
        if exec_type == simplefix.EXECTYPE_TRADECANCEL or trans_type == b"1":
            self.remove(message)
        elif exec_type == simplefix.EXECTYPE_TRADECORRECT or trans_type == b"2":
            self.remove(message)
            self.add(message)
        elif exec_type in _FILL_TYPES and trans_type == b"0":
            self.add(message)

    def add(self, message: _Message) -> None:
        day = self.order_day(message)
        fill = self.fill(message)
        if fill.exec_id in self.fill_day:
            raise self.fail(
                message,
                "the execution was already reported",
                "a repeated ExecID is a resend (PossDupFlag 43=Y) or a broken log",
            )
        day.fills[fill.exec_id] = fill
        self.fill_day[fill.exec_id] = (day.sender, day.order_id, day.trade_date)

    def remove(self, message: _Message) -> None:
        ref = self.required(message, simplefix.TAG_EXECREFID, "ExecRefID")
        key = self.fill_day.pop(ref, None)
        if key is None:
            raise self.fail(
                message,
                f"cancels or corrects execution {ref!r}, which this log does not hold",
                "import the log with the original execution first (or in the same batch)",
            )
        del self.days[key].fills[ref]


def _is_resend(message: _Message) -> bool:
    return message.fields.get(simplefix.TAG_POSSDUPFLAG) == b"Y"


def read_order_days(
    lines: Iterable[bytes], filename: str, *, lenient: bool = False
) -> list[OrderDay]:
    """Every order day with fills, in the order of its first fill."""
    reader = _Reader(filename)
    for message in _messages(lines, filename, lenient):
        if _is_resend(message) and _text(message.fields, simplefix.TAG_EXECID) in reader.fill_day:
            continue
        reader.apply(message)
    days = [day for day in reader.days.values() if day.fills]
    return sorted(days, key=lambda day: day.line)


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
    return _BEGIN in head and (b"35=8" in head)


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
                settle_date=day.settle_date,
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
            rows.append(SourcedTrade(trade, day.line, day.first_exec_id, market=day.market))
        return rows

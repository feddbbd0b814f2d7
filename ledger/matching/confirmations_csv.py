"""Their side: a broker confirmation CSV, described in config, as :class:`TradeRecord` rows.

The format is data (``[[matching.confirmations]]``): which header holds which
field, the delimiter, date format and number separators, the words for buy
and sell. A file is read with the format whose columns all appear in its
header row; none or several is an error naming the formats.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from importers.common import ImportFailure
from importers.numbers import plain_decimal
from ledger.matching.config import ConfirmationColumns, ConfirmationFormat
from ledger.matching.model import TradeRecord


def _header(fmt: ConfirmationFormat, text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text), delimiter=fmt.delimiter)
    return [cell.strip() for cell in next(reader, [])]


def _columns(fmt: ConfirmationFormat) -> list[str]:
    values = fmt.columns.model_dump().values()
    return [value for value in values if value is not None]


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise ImportFailure(
            path,
            None,
            f"byte {exc.start} is not {encoding}",
            hint="set 'encoding' of the confirmation format to the file's encoding (e.g. cp1252)",
        ) from None


def identify(path: Path, data: bytes, formats: Sequence[ConfirmationFormat]) -> ConfirmationFormat:
    """The one format whose columns all appear in the file's header."""
    fits = []
    for fmt in formats:
        try:
            text = data.decode(fmt.encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
        header = set(_header(fmt, text))
        if set(_columns(fmt)) <= header:
            fits.append(fmt)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        names = ", ".join(f.name for f in formats) or "none configured"
        raise ImportFailure(
            path,
            1,
            f"no confirmation format fits this header (formats: {names})",
            hint="add a [[matching.confirmations]] format whose columns name this file's headers",
        )
    raise ImportFailure(
        path,
        1,
        f"several confirmation formats fit this header ({', '.join(f.name for f in fits)})",
        hint="make their columns distinguish them",
    )


@lru_cache(maxsize=4096)
def _parse_date(value: str, date_format: str) -> datetime.date:
    # A file holds few distinct dates; strptime is slow.
    return datetime.datetime.strptime(value, date_format).date()


MAX_DIGITS = 30  # beyond any real amount; keeps Decimal arithmetic in its context


class _Row:
    """Typed access to one CSV row; every error names file, line, column, value."""

    def __init__(self, path: Path, line: int, fmt: ConfirmationFormat, row: dict[str, str]):
        self.path, self.line, self.fmt, self.row = path, line, fmt, row

    def fail(self, column: str, value: str, expected: str) -> ImportFailure:
        return ImportFailure(
            self.path, self.line, f"column {column!r} is {value!r}; expected {expected}"
        )

    def text(self, column: str | None) -> str | None:
        if column is None:
            return None
        value = (self.row.get(column) or "").strip()
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            raise self.fail(column, "", "a value")
        return value

    def number(self, column: str | None) -> Decimal | None:
        value = self.text(column)
        if value is None or column is None:
            return None
        cleaned = value.replace(self.fmt.thousands, "") if self.fmt.thousands else value
        number = plain_decimal(cleaned.replace(self.fmt.decimal, "."))
        if number is None:
            raise self.fail(column, value, f"a number with decimal {self.fmt.decimal!r}")
        if abs(number.adjusted()) > MAX_DIGITS:
            raise self.fail(column, value, f"a number of at most {MAX_DIGITS} digits")
        return number

    def date(self, column: str | None) -> datetime.date | None:
        value = self.text(column)
        if value is None or column is None:
            return None
        try:
            return _parse_date(value, self.fmt.date_format)
        except ValueError:
            raise self.fail(column, value, f"a date as {self.fmt.date_format}") from None

    def side(self, column: str) -> str:
        value = self.required(column)
        if value in self.fmt.buy:
            return "buy"
        if value in self.fmt.sell:
            return "sell"
        raise self.fail(column, value, f"one of {[*self.fmt.buy, *self.fmt.sell]}")


def _record(row: _Row, cols: ConfirmationColumns, source: str) -> TradeRecord:
    quantity = row.number(cols.quantity)
    trade_date = row.date(cols.trade_date)
    if quantity is None or quantity == 0:
        raise row.fail(cols.quantity, row.text(cols.quantity) or "", "a quantity other than 0")
    if trade_date is None:
        raise row.fail(cols.trade_date, "", "a trade date")
    return TradeRecord(
        origin="theirs",
        ref=row.required(cols.confirmation_id),
        reference=row.text(cols.reference),
        counterparty=row.fmt.counterparty,
        isin=row.required(cols.isin),
        side=row.side(cols.side),
        trade_date=trade_date,
        settle_date=row.date(cols.settle_date),
        quantity=abs(quantity),
        price=row.number(cols.price),
        gross=_abs(row.number(cols.gross)),
        commission=_abs(row.number(cols.commission)),
        fees=_abs(row.number(cols.fees)),
        net=_abs(row.number(cols.net)),
        currency=row.text(cols.currency),
        source=source,
        line=row.line,
    )


def _abs(value: Decimal | None) -> Decimal | None:
    # Brokers sign amounts either way; both sides compare magnitudes.
    return None if value is None else abs(value)


def read_confirmations_csv(
    path: Path, data: bytes, formats: Sequence[ConfirmationFormat], source: str
) -> list[TradeRecord]:
    """Every confirmation in the CSV file ``path`` (whose bytes are ``data``)."""
    fmt = identify(path, data, formats)
    text = _decode(path, data, fmt.encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    records = []
    for row in reader:
        if None in row:
            raise ImportFailure(
                path,
                reader.line_num,
                f"{len(reader.fieldnames) + len(row[None])} fields, "
                f"the header has {len(reader.fieldnames)}",
                hint=f"check the delimiter ({fmt.delimiter!r}) and the quoting of this line",
            )
        if not any((value or "").strip() for value in row.values()):
            continue
        records.append(_record(_Row(path, reader.line_num, fmt, row), fmt.columns, source))
    return records

"""Their side: a broker confirmation CSV, described in config, as :class:`TradeRecord` rows.

The format is data (``[[matching.confirmations]]``): which header holds which
field and the words for buy and sell, and, as every CSV format, the encoding,
delimiter, date format and number separators, which :mod:`importers.csv_rows`
reads. A file is read with the format whose columns all appear in its
header row; none or several is an error naming the formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from importers.common import ImportFailure
from importers.csv_rows import CsvRow, CsvTable, header_of
from ledger.matching.config import ConfirmationFormat
from ledger.matching.model import TradeRecord


def _columns(fmt: ConfirmationFormat) -> list[str]:
    values = fmt.columns.model_dump().values()
    return [value for value in values if value is not None]


def identify(path: Path, data: bytes, formats: Sequence[ConfirmationFormat]) -> ConfirmationFormat:
    """The one format whose columns all appear in the file's header."""
    fits = [fmt for fmt in formats if set(_columns(fmt)) <= set(header_of(data, fmt))]
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


def _side(row: CsvRow, fmt: ConfirmationFormat) -> str:
    column = fmt.columns.side
    value = row.required(column)
    if value in fmt.buy:
        return "buy"
    if value in fmt.sell:
        return "sell"
    raise row.table.fail(
        row.line, f"column {column!r}: not one of {[*fmt.buy, *fmt.sell]}", value, "buy' / 'sell"
    )


def _record(row: CsvRow, fmt: ConfirmationFormat, source: str) -> TradeRecord:
    cols = fmt.columns
    quantity = row.number(cols.quantity)
    if quantity == 0:
        raise row.table.fail(row.line, f"column {cols.quantity!r}: a quantity of 0", "0")
    return TradeRecord(
        origin="theirs",
        ref=row.required(cols.confirmation_id),
        reference=row.text(cols.reference) or None,
        counterparty=fmt.counterparty,
        isin=row.required(cols.isin),
        side=_side(row, fmt),
        trade_date=row.date(cols.trade_date),
        settle_date=row.optional_date(cols.settle_date),
        quantity=abs(quantity),
        price=row.optional_number(cols.price),
        gross=_abs(row.optional_number(cols.gross)),
        commission=_abs(row.optional_number(cols.commission)),
        fees=_abs(row.optional_number(cols.fees)),
        net=_abs(row.optional_number(cols.net)),
        currency=row.text(cols.currency) or None,
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
    table = CsvTable(str(path), data, fmt, f"[[matching.confirmations]] {fmt.name!r}")
    return [_record(row, fmt, source) for row in table.rows()]

"""The front office's trade blotter (CSV), columns per ``[trades.blotter]``.

One row is one trade; the ``trade-id`` column is its id and its ``source-ref``.
Header names, the date format, the side codes and the fee columns are
configuration (``ledger/trades_config.py``), validated when the config loads;
the file is read by :mod:`importers.csv_rows`.
"""

from __future__ import annotations

import re
from pathlib import Path

from importers.common import ImportFailure, head
from importers.csv_rows import CsvRow, CsvTable, header_of, matches_filename
from importers.trades.builder import SourcedTrade, Trade, TradeImporter
from ledger.trades_config import BlotterFormat

TABLE = "[trades.blotter]"


class BlotterImporter(TradeImporter):
    """``[trades.blotter]`` CSV files."""

    source_label = "blotter"

    @property
    def format(self) -> BlotterFormat:
        return self.config.trades.blotter

    @property
    def name(self) -> str:
        return "trades.blotter"

    def identify(self, filepath: str) -> bool:
        fmt = self.format
        columns = {fmt.columns.trade_id, fmt.columns.side, fmt.columns.quantity}
        return matches_filename(filepath, fmt.filename) and columns <= set(
            header_of(head(filepath), fmt)
        )

    def read(self, filepath: str) -> list[SourcedTrade]:
        fmt = self.format
        columns = fmt.columns
        table = CsvTable(filepath, Path(filepath).read_bytes(), fmt, TABLE)
        table.require(
            [
                columns.trade_id,
                columns.trade_date,
                columns.trade_time,
                columns.settle_date,
                columns.side,
                columns.quantity,
                columns.price,
                columns.currency,
                columns.isin,
                columns.symbol,
                columns.commission,
                *columns.fees.values(),
                columns.counterparty if not fmt.counterparty else None,
            ]
        )
        return [self._row(row) for row in table.rows()]

    def _row(self, row: CsvRow) -> SourcedTrade:
        fmt = self.format
        columns = fmt.columns
        side_text = row.required(columns.side)
        side = fmt.sides.get(side_text)
        if side is None:
            raise ImportFailure(
                row.filename,
                row.line,
                f"column {columns.side!r} is not a known side",
                value=side_text,
                hint=f"known sides: {', '.join(sorted(fmt.sides))} ({TABLE} sides)",
            )
        quantity = row.number(columns.quantity)
        if quantity <= 0:
            raise ImportFailure(
                row.filename,
                row.line,
                "the quantity must be positive (the side says buy or sell)",
                value=row.text(columns.quantity),
            )
        counterparty = fmt.counterparty or row.required(columns.counterparty or "counterparty")
        trade_id = row.required(columns.trade_id)
        trade = Trade(
            trade_id=trade_id,
            trade_date=row.date(columns.trade_date),
            trade_time=_time(row, columns.trade_time),
            settle_date=row.date(columns.settle_date),
            counterparty=self.counterparty(row.filename, row.line, counterparty),
            side=side,
            security=row.text(columns.symbol),
            isin=row.text(columns.isin) or None,
            quantity=quantity,
            price=row.number(columns.price),
            currency=row.required(columns.currency),
            commission=row.number(columns.commission or "", "0"),
            fees=tuple(
                (kind, row.number(column, "0")) for kind, column in sorted(columns.fees.items())
            ),
        )
        return SourcedTrade(trade, row.line, trade_id, name=row.text(columns.name) or None)


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def _time(row: CsvRow, column: str | None) -> str | None:
    """The execution time, ``HH:MM:SS`` (seconds 00 when the file gives none), or None."""
    text = row.text(column)
    if not text:
        return None
    if not _TIME.match(text):
        raise ImportFailure(
            row.filename,
            row.line,
            f"column {column!r} is not a time HH:MM or HH:MM:SS",
            value=text,
        )
    return text if len(text) == 8 else text + ":00"

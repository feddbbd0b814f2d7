"""The front office's trade blotter (CSV), columns per ``[trades.blotter]``.

One row is one trade; the ``trade-id`` column is its id and its ``source-ref``.
Header names, the date format, the side codes and the fee columns are
configuration (``importers/trades_config.py``), validated when the config loads.
"""

from __future__ import annotations

import csv
import datetime
import fnmatch
import os
from decimal import Decimal, InvalidOperation

from importers.common import ImportFailure
from importers.trades import SourcedTrade, Trade, TradeImporter
from importers.trades_config import BlotterFormat


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
        if not fnmatch.fnmatch(os.path.basename(filepath), self.format.filename):
            return False
        try:
            with open(filepath, encoding=self.format.encoding, newline="") as handle:
                header = next(csv.reader(handle, delimiter=self.format.delimiter), [])
        except (OSError, UnicodeDecodeError):
            return False
        columns = self.format.columns
        return {columns.trade_id, columns.side, columns.quantity} <= set(header)

    def read(self, filepath: str) -> list[SourcedTrade]:
        fmt = self.format
        columns = fmt.columns
        with open(filepath, encoding=fmt.encoding, newline="") as handle:
            reader = csv.DictReader(handle, delimiter=fmt.delimiter)
            header = reader.fieldnames or []
            wanted = [
                columns.trade_id,
                columns.trade_date,
                columns.settle_date,
                columns.side,
                columns.quantity,
                columns.price,
                columns.currency,
                *(c for c in (columns.isin, columns.symbol, columns.commission) if c),
                *columns.fees.values(),
            ]
            if columns.counterparty and not fmt.counterparty:
                wanted.append(columns.counterparty)
            missing = [name for name in wanted if name not in header]
            if missing:
                raise ImportFailure(
                    filepath,
                    1,
                    f"the blotter has no column {', '.join(map(repr, missing))}",
                    value=", ".join(header),
                    hint="rename the columns under [trades.blotter.columns] in backoffice.toml",
                )
            rows = []
            for row in reader:
                if not any((value or "").strip() for value in row.values()):
                    continue
                rows.append(self._row(filepath, reader.line_num, row))
        return rows

    def _row(self, filepath: str, line: int, row: dict[str, str]) -> SourcedTrade:
        fmt = self.format
        columns = fmt.columns

        def text(column: str | None) -> str:
            return (row.get(column) or "").strip() if column else ""

        def required(column: str) -> str:
            value = text(column)
            if not value:
                raise ImportFailure(filepath, line, f"column {column!r} is empty")
            return value

        def number(column: str | None, default: str | None = None) -> Decimal:
            value = text(column) or default
            if value is None:
                raise ImportFailure(filepath, line, f"column {column!r} is empty")
            try:
                parsed = Decimal(value)
            except InvalidOperation:
                parsed = Decimal("NaN")
            if not parsed.is_finite():
                raise ImportFailure(
                    filepath,
                    line,
                    f"column {column!r} is not a number",
                    value=value,
                    hint="write numbers with a decimal point and no thousands separators",
                )
            return parsed

        def date(column: str) -> datetime.date:
            value = required(column)
            try:
                return datetime.datetime.strptime(value, fmt.date_format).date()
            except ValueError:
                raise ImportFailure(
                    filepath,
                    line,
                    f"column {column!r} is not a date in the format {fmt.date_format!r}",
                    value=value,
                    hint="set [trades.blotter] date-format to the blotter's format",
                ) from None

        side_text = required(columns.side)
        side = fmt.sides.get(side_text)
        if side is None:
            raise ImportFailure(
                filepath,
                line,
                f"column {columns.side!r} is not a known side",
                value=side_text,
                hint=f"known sides: {', '.join(sorted(fmt.sides))} ([trades.blotter] sides)",
            )
        quantity = number(columns.quantity)
        if quantity <= 0:
            raise ImportFailure(
                filepath,
                line,
                "the quantity must be positive (the side says buy or sell)",
                value=text(columns.quantity),
            )
        counterparty = fmt.counterparty or required(columns.counterparty or "counterparty")
        trade_id = required(columns.trade_id)
        trade = Trade(
            trade_id=trade_id,
            trade_date=date(columns.trade_date),
            settle_date=date(columns.settle_date),
            counterparty=self.counterparty(filepath, line, counterparty),
            side=side,
            security=text(columns.symbol),
            isin=text(columns.isin) or None,
            quantity=quantity,
            price=number(columns.price),
            currency=required(columns.currency),
            commission=number(columns.commission, "0"),
            fees=tuple(
                (kind, number(column, "0")) for kind, column in sorted(columns.fees.items())
            ),
        )
        return SourcedTrade(trade, line, trade_id, name=text(columns.name) or None)

"""The custodian's CSV export of holdings and settlements, columns per
``[trades.custody-csv]``.

A row whose ``type`` column says ``holding`` asserts a settled position
(pending and blocked quantities ride along as metadata); a ``settlement``
row books the cash leg of the trade its ``trade-reference`` names against
the custody cash account (:mod:`importers.custody`). The ``reference``
column is the row's ``source-ref``.
"""

from __future__ import annotations

import csv
import datetime
import fnmatch
import os
from decimal import Decimal, InvalidOperation

from beancount.core import data
from beangulp import Importer

from importers.common import ImportFailure, document_sha256
from importers.custody import (
    HoldingRow,
    SettlementBuilder,
    SettlementRow,
    holding_balance,
    money,
    safekeeping_account,
)
from importers.trades import SecurityResolver
from importers.trades_config import CustodyCsvFormat
from ledger.config import Config


class _Row:
    """One CSV row with typed accessors that raise errors naming the cell."""

    def __init__(self, fmt: CustodyCsvFormat, filename: str, line: int, row: dict[str, str]):
        self.fmt = fmt
        self.filename = filename
        self.line = line
        self.row = row

    def text(self, column: str | None) -> str:
        return (self.row.get(column) or "").strip() if column else ""

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise ImportFailure(self.filename, self.line, f"column {column!r} is empty")
        return value

    def number(self, column: str) -> Decimal:
        value = self.required(column)
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            parsed = Decimal("NaN")
        if not parsed.is_finite():
            raise ImportFailure(
                self.filename,
                self.line,
                f"column {column!r} is not a number",
                value=value,
                hint="write numbers with a decimal point and no thousands separators",
            )
        return parsed

    def optional_number(self, column: str | None) -> Decimal | None:
        return self.number(column) if column and self.text(column) else None

    def date(self, column: str) -> datetime.date:
        value = self.required(column)
        try:
            return datetime.datetime.strptime(value, self.fmt.date_format).date()
        except ValueError:
            raise ImportFailure(
                self.filename,
                self.line,
                f"column {column!r} is not a date in the format {self.fmt.date_format!r}",
                value=value,
                hint="set [trades.custody-csv] date-format to the file's format",
            ) from None


class CustodyCsvImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """``[trades.custody-csv]`` files."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def format(self) -> CustodyCsvFormat:
        return self.config.trades.custody_csv

    @property
    def name(self) -> str:
        return "custody.csv"

    def account(self, filepath: str) -> str:
        return self.config.trades.securities_account

    def identify(self, filepath: str) -> bool:
        if not fnmatch.fnmatch(os.path.basename(filepath), self.format.filename):
            return False
        try:
            with open(filepath, encoding=self.format.encoding, newline="") as handle:
                header = next(csv.reader(handle, delimiter=self.format.delimiter), [])
        except (OSError, UnicodeDecodeError):
            return False
        columns = self.format.columns
        return {columns.record_type, columns.isin, columns.quantity} <= set(header)

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        fmt = self.format
        columns = fmt.columns
        sha256 = document_sha256(filepath)
        builder = SettlementBuilder(self.config, existing, filepath, sha256)
        resolver = SecurityResolver(existing, filepath)
        entries: data.Entries = []
        with open(filepath, encoding=fmt.encoding, newline="") as handle:
            reader = csv.DictReader(handle, delimiter=fmt.delimiter)
            header = reader.fieldnames or []
            wanted = [columns.record_type, columns.date, columns.isin, columns.quantity]
            missing = [name for name in wanted if name not in header]
            if missing:
                raise ImportFailure(
                    filepath,
                    1,
                    f"the custody file has no column {', '.join(map(repr, missing))}",
                    value=", ".join(header),
                    hint="rename the columns under [trades.custody-csv.columns]",
                )
            for raw in reader:
                if not any((value or "").strip() for value in raw.values()):
                    continue
                row = _Row(fmt, filepath, reader.line_num, raw)
                kind = row.required(columns.record_type)
                symbol = resolver.symbol(row.line, row.required(columns.isin), None)
                if kind == fmt.holding:
                    holding = self._holding(row, symbol)
                    entries.append(holding_balance(holding, filepath, sha256))
                elif kind == fmt.settlement:
                    entries.append(builder.settlement(self._settlement(row, symbol)))
                else:
                    raise ImportFailure(
                        filepath,
                        row.line,
                        f"column {columns.record_type!r} is neither {fmt.holding!r} "
                        f"nor {fmt.settlement!r}",
                        value=kind,
                    )
        if entries:
            resolver.check(min(entry.date for entry in entries))
        return entries

    def _holding(self, row: _Row, symbol: str) -> HoldingRow:
        columns = self.format.columns
        account = safekeeping_account(
            self.config, row.filename, row.line, row.required(columns.account)
        )
        return HoldingRow(
            line=row.line,
            source_ref=row.required(columns.reference),
            account=account,
            statement_date=row.date(columns.date),
            security=symbol,
            settled=row.number(columns.quantity),
            pending=row.optional_number(columns.pending),
            blocked=row.optional_number(columns.blocked),
        )

    def _settlement(self, row: _Row, symbol: str) -> SettlementRow:
        fmt = self.format
        columns = fmt.columns
        direction_code = row.required(columns.direction)
        if direction_code not in (fmt.receive, fmt.deliver):
            raise ImportFailure(
                row.filename,
                row.line,
                f"column {columns.direction!r} is neither {fmt.receive!r} nor {fmt.deliver!r}",
                value=direction_code,
            )
        return SettlementRow(
            line=row.line,
            source_ref=row.required(columns.reference),
            label="custody CSV",
            trade_id=row.required(columns.trade_reference),
            settle_date=row.date(columns.date),
            direction="receive" if direction_code == fmt.receive else "deliver",
            security=symbol,
            quantity=abs(row.number(columns.quantity)),
            amount=money(abs(row.number(columns.amount))),
            currency=row.required(columns.currency),
        )

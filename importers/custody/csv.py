"""The custodian's CSV export of holdings and settlements, columns per
``[trades.custody-csv]``.

A row whose ``type`` column says ``holding`` asserts a settled position
(pending and blocked quantities ride along as metadata); a ``settlement``
row books the cash leg of the trade its ``trade-reference`` names against
the custody cash account (:mod:`importers.custody.builder`). The ``reference``
column is the row's ``source-ref``.
"""

from __future__ import annotations

from pathlib import Path

from beancount.core import data
from beangulp import Importer

from importers.common import ImportFailure, head
from importers.csv_rows import CsvRow, CsvTable, header_of, matches_filename
from importers.custody.builder import (
    HoldingRow,
    SettlementBuilder,
    SettlementRow,
    holding_balance,
    money,
    safekeeping_account,
)
from importers.securities import SecurityResolver
from ledger.config import Config
from ledger.documents import document_sha256
from ledger.trades_config import CustodyCsvFormat

TABLE = "[trades.custody-csv]"


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
        fmt = self.format
        columns = {fmt.columns.record_type, fmt.columns.isin, fmt.columns.quantity}
        return matches_filename(filepath, fmt.filename) and columns <= set(
            header_of(head(filepath), fmt)
        )

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        fmt = self.format
        columns = fmt.columns
        sha256 = document_sha256(filepath)
        builder = SettlementBuilder(self.config, existing, filepath, sha256)
        resolver = SecurityResolver(existing, filepath)
        entries: data.Entries = []
        table = CsvTable(filepath, Path(filepath).read_bytes(), fmt, TABLE)
        table.require([columns.record_type, columns.date, columns.isin, columns.quantity])
        for row in table.rows():
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

    def _holding(self, row: CsvRow, symbol: str) -> HoldingRow:
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

    def _settlement(self, row: CsvRow, symbol: str) -> SettlementRow:
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

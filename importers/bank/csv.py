"""Bank CSV exports, each described by an ``[imports.csv.<name>]`` format.

No per-bank code: :class:`~ledger.imports.config.BankCsvFormat` says which file
names it takes, the columns (by header text) and the sign convention, and,
as every CSV format, the encoding, delimiter, lines to skip, date format and
number separators, which :mod:`importers.csv_rows` reads.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from importers.bank.base import BankImporter
from importers.bank.statement import Statement, StatementBalance, StatementLine
from importers.common import head
from importers.csv_rows import CsvTable, header_of, matches_filename
from ledger.config import Config
from ledger.gcpause import gc_paused
from ledger.imports.config import BankCsvFormat


@gc_paused()
def read_csv(path: str, fmt: BankCsvFormat, name: str) -> list[Statement]:
    """The file as one statement of the format's account."""
    table = CsvTable(path, Path(path).read_bytes(), fmt, f"[imports.csv.{name}]")
    table.require(
        [
            fmt.date,
            fmt.value_date,
            fmt.payee,
            *fmt.narration,
            fmt.reference,
            fmt.code,
            fmt.amount,
            fmt.debit,
            fmt.credit,
            fmt.balance,
        ]
    )
    parsed: list[tuple[StatementLine, Decimal | None]] = []
    for row in table.rows():
        if fmt.amount is not None:
            amount = row.number(fmt.amount)
        else:
            debit, credit = row.text(fmt.debit), row.text(fmt.credit)
            if not debit and not credit:
                raise table.fail(row.line, "neither debit nor credit has an amount", key="debit")
            amount = abs(row.number(str(fmt.credit))) if credit else Decimal(0)
            amount -= abs(row.number(str(fmt.debit))) if debit else Decimal(0)
        if fmt.negate:
            amount = -amount
        reference = row.text(fmt.reference) or None
        parsed.append(
            (
                StatementLine(
                    lineno=row.line,
                    booking_date=row.date(fmt.date),
                    value_date=row.optional_date(fmt.value_date),
                    amount=amount,
                    narration=" ".join(text for text in map(row.text, fmt.narration) if text),
                    payee=row.text(fmt.payee) or None,
                    ref=reference,
                    references=(reference,) if reference else (),
                    code=row.text(fmt.code) or None,
                ),
                row.optional_number(fmt.balance),
            )
        )
    if len(parsed) > 1 and parsed[0][0].booking_date > parsed[-1][0].booking_date:
        parsed.reverse()  # newest first, as many banks export
    opening = closing = None
    if parsed:
        (first, first_balance), (last, last_balance) = parsed[0], parsed[-1]
        if first_balance is not None and last_balance is not None:
            opening = StatementBalance(
                first.booking_date, first_balance - first.amount, first.lineno
            )
            closing = StatementBalance(last.booking_date, last_balance, last.lineno)
    return [
        Statement(
            account_id=fmt.account_id,
            currency=fmt.currency,
            lineno=fmt.skip_lines + 1,
            statement_id=Path(path).name,
            opening=opening,
            closing=closing,
            lines=[line for line, _ in parsed],
        )
    ]


class CsvImporter(BankImporter):
    """One configured bank CSV format."""

    format_name = "csv"

    def __init__(self, config: Config, format_name: str) -> None:
        super().__init__(config)
        self.csv_name = format_name
        self.fmt = config.imports.csv[format_name]

    @property
    def name(self) -> str:
        return f"bank.csv.{self.csv_name}"

    def identify(self, filepath: str) -> bool:
        fmt = self.fmt
        return matches_filename(filepath, fmt.filename) and fmt.date in header_of(
            head(filepath), fmt
        )

    def read(self, filepath: str) -> list[Statement]:
        return read_csv(filepath, self.fmt, self.csv_name)

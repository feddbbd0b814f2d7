"""Bank CSV exports, each described by an ``[imports.csv.<name>]`` format.

No per-bank code: :class:`~ledger.imports.config.CsvFormat` says which file
names it takes, the encoding, delimiter, lines to skip, the columns (by
header text), the date format, the decimal and thousands separators and the
sign convention. Errors quote the row, the column, the value and the format
key to change, the way hledger's CSV rules do.
"""

from __future__ import annotations

import csv
import datetime
import fnmatch
import io
import re
from decimal import Decimal
from pathlib import Path

from importers.bank import BankImporter, decode, head
from importers.common import ImportFailure
from importers.statement import Statement, StatementBalance, StatementLine
from ledger.config import Config
from ledger.gcpause import gc_paused
from ledger.imports.config import CsvFormat

_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?\Z")


class _Rows:
    """One file read with one format: header → column indexes, checked values."""

    def __init__(self, fmt: CsvFormat, name: str, path: str) -> None:
        self.fmt = fmt
        self.name = name
        self.path = path
        decimal = re.escape(fmt.decimal)
        grouped = rf"\d{{1,3}}({re.escape(fmt.thousands)}\d{{3}})*" if fmt.thousands else None
        integer = rf"(\d+|{grouped})" if grouped else r"\d+"
        self.pattern = re.compile(rf"^{integer}({decimal}\d+)?$")
        self.dates: dict[str, datetime.date] = {}  # a statement has few distinct days
        self.plain = fmt.decimal == "." and not fmt.thousands

    def fail(self, line: int, problem: str, value: object, key: str) -> ImportFailure:
        return ImportFailure(
            self.path,
            line,
            problem,
            value=value,
            hint=f"check '{key}' in [imports.csv.{self.name}] of backoffice.toml",
        )

    def number(self, text: str, line: int, column: str | None) -> Decimal:
        if self.plain and _PLAIN_NUMBER.match(text):  # the steps below, in short
            return -Decimal(text[1:]) if text[0] == "-" else Decimal(text)
        fmt = self.fmt
        raw = text.strip().replace("\u00a0", " ")
        negative = False
        if raw.startswith("(") and raw.endswith(")"):
            raw, negative = raw[1:-1], True
        if raw.endswith("-"):
            raw, negative = raw[:-1], not negative
        if raw.startswith(("-", "+")):
            negative = negative != raw.startswith("-")
            raw = raw[1:]
        raw = raw.replace(" ", "") if fmt.thousands != " " else raw
        if not self.pattern.match(raw):
            raise self.fail(
                line,
                f"column {column!r}: not a number with decimal mark {fmt.decimal!r}"
                + (f" and thousands separator {fmt.thousands!r}" if fmt.thousands else ""),
                text,
                "decimal' / 'thousands",
            )
        raw = raw.replace(fmt.thousands, "") if fmt.thousands else raw
        raw = raw.replace(fmt.decimal, ".")
        value = Decimal(raw)
        return -value if negative else value

    def date(self, text: str, line: int, column: str | None) -> datetime.date:
        day = self.dates.get(text)
        if day is not None:
            return day
        try:
            day = datetime.datetime.strptime(text.strip(), self.fmt.date_format).date()
        except ValueError:
            raise self.fail(
                line,
                f"column {column!r}: not a date in format {self.fmt.date_format!r}",
                text,
                "date-format",
            ) from None
        self.dates[text] = day
        return day


@gc_paused()
def read_csv(path: str, fmt: CsvFormat, name: str) -> list[Statement]:
    """The file as one statement of the format's account."""
    rows = _Rows(fmt, name, path)
    text = decode(
        Path(path).read_bytes(),
        path,
        (fmt.encoding,),
        hint="set 'encoding' of the CSV format (e.g. cp1252, latin-1)",
    )
    lines = text.splitlines(keepends=True)[fmt.skip_lines :]
    reader = csv.reader(
        io.StringIO("".join(lines), newline=""), delimiter=fmt.delimiter, quotechar=fmt.quote
    )
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ImportFailure(
            path, fmt.skip_lines + 1, "no header row", hint="the file is empty"
        ) from None
    except csv.Error as exc:
        raise ImportFailure(
            path, fmt.skip_lines + 1, f"header row is not valid CSV: {exc}", hint="check 'quote'"
        ) from None
    wanted = [
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
    missing = [column for column in wanted if column and column not in header]
    if missing:
        raise rows.fail(
            fmt.skip_lines + 1,
            f"header lacks column(s) {missing}; it has {header}",
            None,
            "the column names",
        )
    index = {column: header.index(column) for column in wanted if column}
    # each optional column's index, or None: looked up once, not per row
    at_amount, at_debit, at_credit, at_balance, at_date, at_value, at_payee, at_ref, at_code = (
        index[column] if column else None
        for column in (
            fmt.amount,
            fmt.debit,
            fmt.credit,
            fmt.balance,
            fmt.date,
            fmt.value_date,
            fmt.payee,
            fmt.reference,
            fmt.code,
        )
    )
    at_narration = [index[column] for column in fmt.narration]
    width = len(header)
    parsed: list[tuple[StatementLine, Decimal | None]] = []
    try:
        for record in reader:
            line = fmt.skip_lines + reader.line_num
            if len(record) < width:
                if not any(cell.strip() for cell in record):
                    continue
                raise rows.fail(
                    line,
                    f"{len(record)} field(s), the header has {width}",
                    fmt.delimiter.join(record),
                    "delimiter",
                )
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if at_amount is not None:
                amount = rows.number(cells[at_amount], line, fmt.amount)
            else:
                debit = cells[at_debit] if at_debit is not None else ""
                credit = cells[at_credit] if at_credit is not None else ""
                if not debit and not credit:
                    raise rows.fail(line, "neither debit nor credit has an amount", None, "debit")
                amount = abs(rows.number(credit, line, str(fmt.credit))) if credit else Decimal(0)
                amount -= abs(rows.number(debit, line, str(fmt.debit))) if debit else Decimal(0)
            if fmt.negate:
                amount = -amount
            booking = rows.date(cells[at_date], line, fmt.date)  # type: ignore[index]
            value_text = cells[at_value] if at_value is not None else ""
            value = rows.date(value_text, line, fmt.value_date) if value_text else None
            narration = " ".join(cells[i] for i in at_narration if cells[i])
            reference = (cells[at_ref] if at_ref is not None else "") or None
            balance_text = cells[at_balance] if at_balance is not None else ""
            parsed.append(
                (
                    StatementLine(
                        lineno=line,
                        booking_date=booking,
                        value_date=value,
                        amount=amount,
                        narration=narration,
                        payee=(cells[at_payee] if at_payee is not None else "") or None,
                        ref=reference,
                        references=(reference,) if reference else (),
                        code=(cells[at_code] if at_code is not None else "") or None,
                    ),
                    rows.number(balance_text, line, fmt.balance) if balance_text else None,
                )
            )
    except csv.Error as exc:
        raise ImportFailure(
            path,
            fmt.skip_lines + reader.line_num,
            f"not valid CSV: {exc}",
            hint="check 'delimiter' and 'quote' of the format",
        ) from None
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
        if not fnmatch.fnmatch(Path(filepath).name.lower(), self.fmt.filename.lower()):
            return False
        try:
            text = head(filepath).decode(self.fmt.encoding, errors="replace")
        except LookupError:  # pragma: no cover - validated in the config
            return False
        lines = text.splitlines()[self.fmt.skip_lines :]
        if not lines:
            return False
        header = next(
            csv.reader([lines[0]], delimiter=self.fmt.delimiter, quotechar=self.fmt.quote)
        )
        return self.fmt.date in [cell.strip() for cell in header]

    def read(self, filepath: str) -> list[Statement]:
        return read_csv(filepath, self.fmt, self.csv_name)

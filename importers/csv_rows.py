"""Reading the configured CSV formats of the trade and custody importers:
the header check and typed cells whose errors name file, line, column and value."""

from __future__ import annotations

import csv
import datetime
import fnmatch
import os
from decimal import Decimal
from pathlib import Path

from importers.common import ImportFailure
from importers.numbers import plain_decimal


def has_columns(
    filepath: str, pattern: str, encoding: str, delimiter: str, columns: set[str]
) -> bool:
    """``identify``: the file's name matches ``pattern`` and its header has ``columns``."""
    if not fnmatch.fnmatch(os.path.basename(filepath), pattern):
        return False
    try:
        with open(filepath, encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), [])
    except (OSError, UnicodeDecodeError):
        return False
    return columns <= set(header)


def read_text(filepath: str, encoding: str, table: str) -> str:
    """The file decoded; an undecodable byte is an error naming its line."""
    raw = Path(filepath).read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFailure(
            filepath,
            raw.count(b"\n", 0, exc.start) + 1,
            f"byte {raw[exc.start : exc.start + 1]!r} is not {encoding}",
            hint=f"set [{table}] encoding to the file's encoding (e.g. cp1252)",
        ) from None


def check_header(
    filepath: str, header: list[str], wanted: list[str], what: str, table: str
) -> None:
    """An error listing the ``wanted`` columns the header lacks."""
    missing = [name for name in wanted if name not in header]
    if missing:
        raise ImportFailure(
            filepath,
            1,
            f"the {what} has no column {', '.join(map(repr, missing))}",
            value=", ".join(header),
            hint=f"rename the columns under [{table}.columns] in backoffice.toml",
        )


def blank(row: dict[str, str]) -> bool:
    return not any((value or "").strip() for value in row.values())


class CsvRow:
    """One row with typed accessors; ``table`` names the config table for hints."""

    def __init__(
        self, filename: str, line: int, row: dict[str, str], date_format: str, table: str
    ) -> None:
        self.filename = filename
        self.line = line
        self.row = row
        self.date_format = date_format
        self.table = table

    def text(self, column: str | None) -> str:
        return (self.row.get(column) or "").strip() if column else ""

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise ImportFailure(self.filename, self.line, f"column {column!r} is empty")
        return value

    def number(self, column: str, default: str | None = None) -> Decimal:
        value = self.text(column) or default
        if value is None:
            raise ImportFailure(self.filename, self.line, f"column {column!r} is empty")
        number = plain_decimal(value)
        if number is None:
            raise ImportFailure(
                self.filename,
                self.line,
                f"column {column!r} is not a number",
                value=value,
                hint="write numbers with a decimal point and no thousands separators",
            )
        return number

    def optional_number(self, column: str | None) -> Decimal | None:
        return self.number(column) if column and self.text(column) else None

    def date(self, column: str) -> datetime.date:
        value = self.required(column)
        try:
            return datetime.datetime.strptime(value, self.date_format).date()
        except ValueError:
            raise ImportFailure(
                self.filename,
                self.line,
                f"column {column!r} is not a date in the format {self.date_format!r}",
                value=value,
                hint=f"set [{self.table}] date-format to the file's format",
            ) from None

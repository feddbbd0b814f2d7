"""The one CSV reader: a file read with its :class:`ledger.csv_format.CsvFormat`,
its header checked, its rows with typed cells.

The bank CSV formats, the blotter, the custody CSV and the broker
confirmations all read their files here. Every error is an
:class:`~importers.common.ImportFailure` naming the file, the line, the
column and the value, and the key of the format to change (``where``, such
as ``[trades.blotter]``), the way hledger's CSV rules do.
"""

from __future__ import annotations

import csv
import datetime
import fnmatch
import io
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache

from importers.common import ImportFailure, decode
from importers.numbers import MAX_DIGITS, csv_number
from ledger.csv_format import CsvFormat

# The common case, read without the separators' steps (csv_number gives the same).
_PLAIN = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?\Z")


def matches_filename(filepath: str, pattern: str) -> bool:
    """The file's name matches the format's ``filename`` glob (case aside)."""
    return fnmatch.fnmatch(os.path.basename(filepath).lower(), pattern.lower())


def header_of(data: bytes, fmt: CsvFormat) -> list[str]:
    """The header row of a file's first bytes, for ``identify``: never an error."""
    text = data.decode(fmt.encoding, errors="replace").removeprefix("\ufeff")
    lines = text.splitlines()[fmt.skip_lines :]
    if not lines:
        return []
    try:
        row = next(csv.reader([lines[0]], delimiter=fmt.delimiter, quotechar=fmt.quote), [])
    except csv.Error:
        return []
    return [cell.strip() for cell in row]


@lru_cache(maxsize=4096)
def _date(text: str, date_format: str) -> datetime.date:
    # A file holds few distinct dates; strptime is slow.
    return datetime.datetime.strptime(text, date_format).date()


class CsvTable:
    """One file read with one format: its header, then its rows."""

    def __init__(self, path: str, data: bytes, fmt: CsvFormat, where: str) -> None:
        self.path = path
        self.fmt = fmt
        self.where = where
        text = decode(
            data,
            path,
            (fmt.encoding,),
            hint=f"check 'encoding' in {where} of backoffice.toml (e.g. cp1252, latin-1)",
        )
        lines = text.splitlines(keepends=True)[fmt.skip_lines :]
        self._reader = csv.reader(
            io.StringIO("".join(lines), newline=""), delimiter=fmt.delimiter, quotechar=fmt.quote
        )
        try:
            self.header = [cell.strip() for cell in next(self._reader)]
        except StopIteration:
            raise self.fail(fmt.skip_lines + 1, "no header row (the file is empty)") from None
        except csv.Error as exc:
            raise self.fail(
                fmt.skip_lines + 1, f"header row is not valid CSV: {exc}", key="quote"
            ) from None
        # a name the header gives twice: its first column
        self.index = {name: at for at, name in reversed(list(enumerate(self.header)))}
        self.plain = fmt.decimal == "."

    def fail(
        self, line: int, problem: str, value: object = None, key: str | None = None
    ) -> ImportFailure:
        hint = f"check '{key}' in {self.where} of backoffice.toml" if key else None
        return ImportFailure(self.path, line, problem, value=value, hint=hint)

    def require(self, columns: Iterable[str | None]) -> None:
        """An error listing the ``columns`` (None: not configured) the header lacks."""
        missing = [column for column in columns if column and column not in self.index]
        if missing:
            raise ImportFailure(
                self.path,
                self.fmt.skip_lines + 1,
                f"the header has no column {', '.join(map(repr, missing))}",
                value=", ".join(self.header),
                hint=f"name the file's columns in {self.where} of backoffice.toml",
            )

    def rows(self) -> Iterator[CsvRow]:
        """The rows that are not blank; one with fields missing, or more fields
        than the header that are not empty, is an error."""
        reader, skip, width = self._reader, self.fmt.skip_lines, len(self.header)
        try:
            for record in reader:
                cells = [cell.strip() for cell in record]
                if not any(cells):
                    continue
                line = skip + reader.line_num
                if len(cells) < width or any(cells[width:]):
                    raise self.fail(
                        line,
                        f"{len(cells)} field(s), the header has {width}",
                        self.fmt.delimiter.join(record),
                        "delimiter' and 'quote",
                    )
                yield CsvRow(self, line, cells)
        except csv.Error as exc:
            raise self.fail(
                skip + reader.line_num, f"not valid CSV: {exc}", key="delimiter' and 'quote"
            ) from None

    def number(self, text: str, line: int, column: str) -> Decimal:
        if self.plain and _PLAIN.match(text):
            # negated as csv_number negates, so that -0.00 reads 0.00 either way
            return -Decimal(text[1:]) if text[0] == "-" else Decimal(text)
        fmt = self.fmt
        number = csv_number(text, fmt.decimal, fmt.thousands)
        if number is None:
            separators = f" and thousands separator {fmt.thousands!r}" if fmt.thousands else ""
            raise self.fail(
                line,
                f"column {column!r}: not a number with decimal mark {fmt.decimal!r}{separators}",
                text,
                "decimal' / 'thousands",
            )
        if abs(number.adjusted()) > MAX_DIGITS:
            raise self.fail(line, f"column {column!r}: more than {MAX_DIGITS} digits", text)
        return number

    def date(self, text: str, line: int, column: str) -> datetime.date:
        try:
            return _date(text, self.fmt.date_format)
        except ValueError:
            raise self.fail(
                line,
                f"column {column!r}: not a date in format {self.fmt.date_format!r}",
                text,
                "date-format",
            ) from None


class CsvRow:
    """One row: typed cells by column name (header text)."""

    __slots__ = ("cells", "line", "table")

    def __init__(self, table: CsvTable, line: int, cells: list[str]) -> None:
        self.table = table
        self.line = line
        self.cells = cells

    @property
    def filename(self) -> str:
        return self.table.path

    def text(self, column: str | None) -> str:
        """The cell, stripped; empty when the column is not configured."""
        at = self.table.index.get(column) if column else None
        return self.cells[at] if at is not None else ""

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise self.table.fail(self.line, f"column {column!r}: empty")
        return value

    def number(self, column: str, default: str | None = None) -> Decimal:
        value = self.text(column) or default
        if value is None:
            raise self.table.fail(self.line, f"column {column!r}: empty")
        return self.table.number(value, self.line, column)

    def optional_number(self, column: str | None) -> Decimal | None:
        value = self.text(column)
        return self.table.number(value, self.line, str(column)) if value else None

    def date(self, column: str) -> datetime.date:
        return self.table.date(self.required(column), self.line, column)

    def optional_date(self, column: str | None) -> datetime.date | None:
        value = self.text(column)
        return self.table.date(value, self.line, str(column)) if value else None

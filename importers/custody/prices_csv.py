"""A price file by config (``[prices.csv.<name>]``) → ``price`` directives.

One row is one price: the date, the security (``isin``, resolved through the
securities master, or ``security``, its symbol in the books), the price per unit
and its currency::

    date,isin,price,currency
    2026-11-27,US0378331005,233.12,USD

becomes::

    2026-11-27 price AAPL  233.12 USD
      source: "prices-2026-11-27.csv"
      source-ref: "<name>/2026-11-27/AAPL"
      source-sha256: "..."

The ``source-ref`` is the format's name, the date and the security, so importing
the file again, or another file with the same day's price, adds nothing (the
import pipeline dedupes by it, as statement lines). A price that is not a positive
number, a currency Beancount cannot write, or a second price for the same security
and day in one file is an error naming the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beangulp import Importer

from importers.common import ImportFailure, head
from importers.csv_rows import CsvTable, header_of, matches_filename
from importers.securities import SecurityResolver
from ledger import meta as keys
from ledger.config import Config
from ledger.documents import document_sha256
from ledger.prices_config import PriceCsvFormat

_CURRENCY = re.compile(r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$|^[A-Z]$")


class PriceCsvImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """The files of one ``[prices.csv.<name>]`` format."""

    def __init__(self, config: Config, format_name: str) -> None:
        self.config = config
        self.format_name = format_name

    @property
    def format(self) -> PriceCsvFormat:
        return self.config.prices.csv[self.format_name]

    @property
    def table(self) -> str:
        return f"[prices.csv.{self.format_name}]"

    @property
    def name(self) -> str:
        return f"prices.csv.{self.format_name}"

    def account(self, filepath: str) -> str:
        return self.format.account or self.config.trades.securities_account

    def identify(self, filepath: str) -> bool:
        fmt = self.format
        columns = fmt.columns
        wanted = {c for c in (columns.date, columns.price, columns.isin, columns.security) if c}
        return matches_filename(filepath, fmt.filename) and wanted <= set(
            header_of(head(filepath), fmt)
        )

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        fmt = self.format
        columns = fmt.columns
        sha256 = document_sha256(filepath)
        resolver = SecurityResolver(existing, filepath)
        table = CsvTable(filepath, Path(filepath).read_bytes(), fmt, self.table)
        table.require(
            [columns.date, columns.price, columns.currency, columns.isin, columns.security]
        )
        seen: dict[tuple[Any, str], int] = {}
        entries: data.Entries = []
        for row in table.rows():
            day = row.date(columns.date)
            isin = row.text(columns.isin) or None
            ticker = row.text(columns.security) or None
            symbol = resolver.symbol(row.line, isin, ticker)
            price = row.number(columns.price)
            if price <= 0:
                raise ImportFailure(
                    filepath,
                    row.line,
                    f"column {columns.price!r}: a price must be a positive number",
                    value=row.text(columns.price),
                )
            currency = row.required(columns.currency)
            if not _CURRENCY.match(currency):
                raise ImportFailure(
                    filepath,
                    row.line,
                    f"column {columns.currency!r} is not a currency code",
                    value=currency,
                    hint="write the currency as the books do (USD, EUR)",
                )
            first = seen.setdefault((day, symbol), row.line)
            if first != row.line:
                raise ImportFailure(
                    filepath,
                    row.line,
                    f"a second price of {symbol} on {day} (the first is on line {first})",
                    hint="keep one price per security and day",
                )
            meta: dict[str, Any] = data.new_metadata(filepath, row.line)
            meta[keys.SOURCE] = filepath
            meta[keys.SOURCE_REF] = f"{self.format_name}/{day.isoformat()}/{symbol}"
            meta[keys.SOURCE_SHA256] = sha256
            entries.append(data.Price(meta, day, symbol, Amount(price, currency)))
        if entries:
            resolver.check(min(entry.date for entry in entries))
        return entries

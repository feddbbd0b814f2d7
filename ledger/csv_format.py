"""What every CSV format in ``backoffice.toml`` says about its files.

A bank's export (``[imports.csv.<name>]``), the trade blotter
(``[trades.blotter]``), the custodian's CSV (``[trades.custody-csv]``) and a
broker's confirmations (``[[matching.confirmations]]``) are each a
:class:`CsvFormat` plus their columns: the encoding, the delimiter and quote
character, lines before the header, the date format and the number
separators are read the same way for all of them, by
:mod:`importers.csv_rows`.
"""

from __future__ import annotations

import codecs
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ledger.config_base import _Model, check_date_format

DateFormat = Annotated[str, AfterValidator(check_date_format)]


def _check_encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"{value!r} is not an encoding Python knows (e.g. utf-8, cp1252, latin-1)"
        ) from None
    return value


class CsvFormat(_Model):
    """How a CSV file is written: the keys every CSV format shares.

    Numbers are read with ``decimal`` as the decimal mark and ``thousands``
    (empty: none) between groups of three digits; a number may be signed
    (``-12.50``, ``+3``), written in parentheses (``(12.50)``) or with a
    trailing minus (``12.50-``) for a negative amount.
    """

    encoding: Annotated[str, AfterValidator(_check_encoding)] = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    skip_lines: int = Field(default=0, ge=0, description="lines before the header row")
    date_format: DateFormat = "%Y-%m-%d"
    decimal: Literal[".", ","] = "."
    thousands: Literal["", ",", ".", "'", " ", "\u2019"] = ""

    @model_validator(mode="after")
    def _separators_differ(self) -> CsvFormat:
        if self.decimal == self.thousands:
            raise ValueError("'decimal' and 'thousands' must differ")
        return self

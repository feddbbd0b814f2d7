"""The ``[imports]`` table of ``backoffice.toml``: classification rules and
bank CSV formats.

An institution's CSV export is configuration, not code (STYLE.md, hledger's
rules files): :class:`CsvFormat` describes columns, dates, numbers and sign
conventions, and is validated when the config loads, so an invalid format can
never reach a file.
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ledger.config_base import _check_account, _Model, check_date_format

_CURRENCY = r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$"


def _check_regex(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a regular expression: {exc}") from None
    return value


class Rule(_Model):
    """Classify a statement line: the first rule whose patterns all match wins.

    Patterns are Python regular expressions searched case-insensitively in the
    line's field: ``payee``, ``narration`` (the purpose / remittance text),
    ``reference`` (every reference the line carries), ``code`` (the bank
    transaction code: MT940 ``:61:`` type code such as ``NCHG``, camt
    ``Domn-Fmly-SubFmly`` such as ``PMNT-RCDT-ESCT`` or the proprietary code,
    OFX ``TRNTYPE``). ``direction`` limits the rule to money ``in`` or ``out``;
    ``statement-account`` to lines of one ledger account.
    """

    account: str
    payee: str | None = None
    narration: str | None = None
    reference: str | None = None
    code: str | None = None
    direction: Literal["in", "out"] | None = None
    statement_account: str | None = None

    @field_validator("payee", "narration", "reference", "code")
    @classmethod
    def _patterns(cls, value: str | None) -> str | None:
        return _check_regex(value)

    @field_validator("account", "statement_account")
    @classmethod
    def _accounts(cls, value: str | None) -> str | None:
        return None if value is None else _check_account(value)

    @model_validator(mode="after")
    def _some_pattern(self) -> Rule:
        if not any((self.payee, self.narration, self.reference, self.code)):
            raise ValueError(
                "a rule needs at least one of payee, narration, reference, code "
                "(a rule matching everything would hide the suspense account)"
            )
        return self


class CsvFormat(_Model):
    """One bank's CSV export, described entirely here.

    Columns are named by their header text. Amounts are either one signed
    ``amount`` column (positive = money in; ``negate = true`` when the bank
    writes outflows positive) or split ``debit`` / ``credit`` columns (a value
    in ``debit`` is money out whatever its sign). ``balance`` names a running
    balance column: the balance after the first line, less that line, is the
    opening balance, the balance after the last line the closing one.
    """

    filename: str = Field(min_length=1, description="glob the file's name must match")
    account_id: str = Field(min_length=1)
    currency: str = Field(pattern=_CURRENCY)
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    skip_lines: int = Field(default=0, ge=0)
    date: str
    date_format: str = "%Y-%m-%d"
    value_date: str | None = None
    payee: str | None = None
    narration: list[str] = Field(default_factory=list)
    reference: str | None = None
    code: str | None = None
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    negate: bool = False
    decimal: Literal[".", ","] = "."
    thousands: Literal["", ",", ".", "'", " ", "\u2019"] = ""
    balance: str | None = None

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"{value!r} is not an encoding Python knows (e.g. utf-8, cp1252, latin-1)"
            ) from None
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str) -> str:
        return check_date_format(value)

    @model_validator(mode="after")
    def _amount_columns(self) -> CsvFormat:
        split = self.debit is not None or self.credit is not None
        if (self.amount is None) == (not split) or (split and not (self.debit and self.credit)):
            raise ValueError("give either 'amount', or both 'debit' and 'credit'")
        if self.decimal == self.thousands:
            raise ValueError("'decimal' and 'thousands' must differ")
        return self


class ImportsConfig(_Model):
    """``[imports]``: ``[[imports.rules]]`` and ``[imports.csv.<name>]``."""

    rules: list[Rule] = Field(default_factory=list)
    csv: dict[str, CsvFormat] = Field(default_factory=dict)
    # A new account's first statement books its opening balance against
    # [accounts] opening; off for firms that book openings by hand.
    opening_from_statement: bool = True

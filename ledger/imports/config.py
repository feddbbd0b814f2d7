"""The ``[imports]`` table of ``backoffice.toml``: classification rules and
bank CSV formats.

An institution's CSV export is configuration, not code (as hledger's
rules files are): :class:`BankCsvFormat` names the columns and the sign
convention on top of :class:`ledger.csv_format.CsvFormat` (encoding, dates,
numbers), and is validated when the config loads, so an invalid format can
never reach a file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ledger.config_base import _check_account, _Model
from ledger.csv_format import CsvFormat

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


class BankCsvFormat(CsvFormat):
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
    date: str
    value_date: str | None = None
    payee: str | None = None
    narration: list[str] = Field(default_factory=list)
    reference: str | None = None
    code: str | None = None
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    negate: bool = False
    balance: str | None = None

    @model_validator(mode="after")
    def _amount_columns(self) -> BankCsvFormat:
        split = self.debit is not None or self.credit is not None
        if (self.amount is None) == (not split) or (split and not (self.debit and self.credit)):
            raise ValueError("give either 'amount', or both 'debit' and 'credit'")
        return self


class ImportsConfig(_Model):
    """``[imports]``: ``[[imports.rules]]`` and ``[imports.csv.<name>]``."""

    rules: list[Rule] = Field(default_factory=list)
    csv: dict[str, BankCsvFormat] = Field(default_factory=dict)

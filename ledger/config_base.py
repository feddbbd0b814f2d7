"""What every config model builds on: the kebab-case base model and the shared
validators.

This module imports nothing of Backoffice: each area's config module
(``ledger.trades_config``, ``ledger.imports.config``, ``ledger.close.config``
…) builds on it, and ``ledger.config`` assembles them into
:class:`ledger.config.Config`.
"""

from __future__ import annotations

import datetime
import re

from pydantic import BaseModel, ConfigDict

_ACCOUNT_RE = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][\w-]*)+$")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True
    )


def _check_account(value: str) -> str:
    if not _ACCOUNT_RE.match(value):
        raise ValueError(
            f"{value!r} is not a Beancount account name "
            "(Assets|Liabilities|Equity|Income|Expenses followed by :Capitalised components)"
        )
    return value


def check_date_format(value: str) -> str:
    """A ``strftime`` format that writes and reads back a full date (the CSV
    formats' ``date-format``)."""
    sample = datetime.date(2026, 11, 27)
    try:
        parsed = datetime.datetime.strptime(sample.strftime(value), value).date()
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a usable strftime date format: {exc}") from None
    if parsed != sample:
        raise ValueError(f"{value!r} does not name a full date (day, month and year)")
    return value

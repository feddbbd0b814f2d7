"""The ``[prices]`` table of ``backoffice.toml``: the price files a firm receives.

Each ``[prices.csv.<name>]`` is a CSV format (the keys every CSV format shares,
:mod:`ledger.csv_format`) whose rows are one price each: a date, the security
(its ISIN or its symbol in the books), the price per unit and its currency.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ledger.config_base import _check_account, _Model
from ledger.csv_format import CsvFormat


class PriceColumns(_Model):
    """Header text of each column; ``isin`` or ``security`` names the security."""

    date: str = "date"
    isin: str | None = "isin"
    security: str | None = None
    price: str = "price"
    currency: str = "currency"

    @model_validator(mode="after")
    def _names_the_security(self) -> PriceColumns:
        if self.isin is None and self.security is None:
            raise ValueError("set 'isin' or 'security': the column that names the security")
        return self


class PriceCsvFormat(CsvFormat):
    """``[prices.csv.<name>]``: a file of prices, one row per security and day."""

    filename: str = Field(min_length=1, description="glob of the file's name")
    account: str | None = Field(
        default=None,
        description="the account whose folders hold the file and its prices "
        "(default: [trades] securities-account)",
    )
    columns: PriceColumns = PriceColumns()

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        return None if value is None else _check_account(value)


class PricesConfig(_Model):
    """``[prices]``: the configured price files, where the rate files are archived."""

    csv: dict[str, PriceCsvFormat] = Field(default_factory=dict)
    file: str = Field(
        default="prices.beancount",
        min_length=1,
        description="where 'backoffice prices' writes, relative to the books",
    )
    rates_account: str | None = Field(
        default=None,
        description="the account whose folders archive ECB and Fed H.10 rate files "
        "(default: [trades] securities-account)",
    )

    @field_validator("rates_account")
    @classmethod
    def _rates_account(cls, value: str | None) -> str | None:
        return None if value is None else _check_account(value)

"""The ``[trades]`` table of ``backoffice.toml``: where trades are booked and
how each trade and custody source is read.

A broker's blotter or a custodian's CSV export is configuration, not code
(a new institution needs no new module): columns are named by their header
text and validated when the config loads.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from ledger.config_base import _check_account, _Model
from ledger.csv_format import CsvFormat

_ACCOUNT_COMPONENT = re.compile(r"^[A-Z0-9][\w-]*$")


def _check_counterparty(value: str) -> str:
    if not _ACCOUNT_COMPONENT.match(value):
        raise ValueError(
            f"{value!r} cannot be an account component (Assets:Unsettled:<Counterparty>): "
            "start with a capital letter or digit, then letters, digits, - or _"
        )
    return value


# A name that becomes an account component: a counterparty or a fee kind.
Component = Annotated[str, AfterValidator(_check_counterparty)]


class BlotterColumns(_Model):
    """Header text of each blotter column; optional columns may be left out."""

    trade_id: str = "trade-id"
    trade_date: str = "trade-date"
    trade_time: str | None = Field(default=None, description="execution time, HH:MM[:SS]")
    settle_date: str = "settle-date"
    side: str = "side"
    quantity: str = "quantity"
    price: str = "price"
    currency: str = "currency"
    isin: str | None = "isin"
    symbol: str | None = "symbol"
    name: str | None = None
    counterparty: str | None = "counterparty"
    commission: str | None = "commission"
    fees: dict[Component, str] = Field(
        default={}, description="fee kind (account under [accounts] fees) -> column"
    )


class BlotterFormat(CsvFormat):
    """``[trades.blotter]``: the front office's trade blotter (CSV)."""

    filename: str = Field(default="*blotter*.csv", min_length=1)
    counterparty: str | None = Field(
        default=None, description="the counterparty when the file has no such column"
    )
    sides: dict[str, Literal["buy", "sell"]] = Field(
        default={"buy": "buy", "sell": "sell", "B": "buy", "S": "sell"},
        description="side column value -> buy or sell",
    )
    columns: BlotterColumns = BlotterColumns()


class FixConfig(_Model):
    """``[trades.fix]``: FIX drop copies; the broker is the message's SenderCompID."""

    counterparties: dict[str, Component] = Field(
        default={}, description="SenderCompID (49) -> counterparty"
    )
    lenient: bool = Field(
        default=False, description="accept wrong BodyLength/CheckSum (logs edited by hand)"
    )


class OfxConfig(_Model):
    """``[trades.ofx]``: broker OFX investment statements, keyed by BROKERID."""

    brokers: dict[str, Component] = Field(default={}, description="<BROKERID> -> counterparty")
    fee_kind: Component = Field(
        default="Exchange", description="<FEES> and <TAXES> book to [accounts] fees:<fee-kind>"
    )


class CustodyCsvColumns(_Model):
    """Header text of the custody CSV's columns (holdings and transactions)."""

    record_type: str = "type"
    account: str = "safekeeping-account"
    date: str = "date"
    isin: str = "isin"
    quantity: str = "quantity"
    reference: str = "reference"
    trade_reference: str = "trade-reference"
    direction: str = "direction"
    amount: str = "amount"
    currency: str = "currency"
    pending: str | None = "pending"
    blocked: str | None = "blocked"


class CustodyCsvFormat(CsvFormat):
    """``[trades.custody-csv]``: the custodian's CSV of holdings and settlements.

    A ``holding`` row asserts a settled position; a ``settlement`` row books the
    cash leg of the trade its ``trade-reference`` names.
    """

    filename: str = Field(default="*custody*.csv", min_length=1)
    holding: str = "holding"
    settlement: str = "settlement"
    receive: str = "RECE"
    deliver: str = "DELI"
    columns: CustodyCsvColumns = CustodyCsvColumns()


class TradesConfig(_Model):
    """``[trades]``: the securities account trades are booked to, and the sources."""

    securities_account: str = "Assets:Custody:Custodia:Securities"
    custodian: str = Field(default="Custodia", description="payee of custody entries")
    bics: dict[str, Component] = Field(
        default={}, description="counterparty BIC in custody messages -> counterparty"
    )
    blotter: BlotterFormat = BlotterFormat()
    fix: FixConfig = FixConfig()
    ofx: OfxConfig = OfxConfig()
    custody_csv: CustodyCsvFormat = CustodyCsvFormat()

    @field_validator("securities_account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value)

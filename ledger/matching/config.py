"""The ``[matching]`` section of ``backoffice.toml``.

It configures what is compared, and how strictly, when our books meet the
outside world: confirmation matching (``backoffice match``), statement
reconciliation (``backoffice recon``) and how long a break may stay open.

```toml
[matching]
calendars = ["XNYS"]                  # business days for the age of a break

[matching.tolerances]                 # per field: exact, absolute or percent
price = { rule = "absolute", value = "0.01" }
settle-date = { rule = "exact" }

[matching.break-tolerance]            # business days a break may stay open, per kind
confirmation-mismatch = 1

[[matching.confirmations]]            # a broker confirmation CSV, described as data
name = "alphasec"
counterparty = "AlphaSec"
columns = { reference = "Our Ref", isin = "ISIN", ... }
```
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ledger.config_base import _Model
from ledger.csv_format import CsvFormat

FIELDS = ("price", "quantity", "gross", "net", "commission", "fees", "settle-date")
# Business days a break of each kind may stay open before the plugin reports it.
DEFAULT_BREAK_TOLERANCE = {
    "confirmation-mismatch": 1,
    "unmatched-ours": 1,
    "unmatched-theirs": 1,
    "statement-difference": 2,
    # an MT566 confirmation that differs from its MT564 entitlement (quantity or amount)
    "entitlement-mismatch": 2,
    # recorded by hand ('backoffice breaks open'): a trade that failed to settle, or anything else
    "settlement-fail": 2,
    "other": 2,
}
BREAK_KINDS = tuple(DEFAULT_BREAK_TOLERANCE)


class ToleranceRule(_Model):
    """How far theirs may be from ours: ``exact``; ``absolute`` (in the field's
    unit: currency units, shares, days); ``percent`` (of our value)."""

    rule: Literal["exact", "absolute", "percent"] = "exact"
    value: Decimal = Field(default=Decimal(0), ge=0)

    @model_validator(mode="after")
    def _value_fits_rule(self) -> ToleranceRule:
        if self.rule == "exact" and self.value != 0:
            raise ValueError("an exact rule takes no value; use rule = 'absolute' or 'percent'")
        return self


def _absolute(value: str) -> ToleranceRule:
    return ToleranceRule(rule="absolute", value=Decimal(value))


class Tolerances(_Model):
    """One rule per compared field; the defaults allow a cent on amounts."""

    price: ToleranceRule = ToleranceRule()
    quantity: ToleranceRule = ToleranceRule()
    gross: ToleranceRule = _absolute("0.01")
    net: ToleranceRule = _absolute("0.01")
    commission: ToleranceRule = _absolute("0.01")
    fees: ToleranceRule = _absolute("0.01")
    settle_date: ToleranceRule = ToleranceRule()

    def rule(self, field: str) -> ToleranceRule:
        rule: ToleranceRule = getattr(self, field.replace("-", "_"))
        return rule


class ConfirmationColumns(_Model):
    """Header names of the CSV columns; a field left out is not compared."""

    confirmation_id: str
    reference: str | None = None
    isin: str
    side: str
    trade_date: str
    settle_date: str | None = None
    quantity: str
    price: str | None = None
    gross: str | None = None
    commission: str | None = None
    fees: str | None = None
    net: str | None = None
    currency: str | None = None


class ConfirmationFormat(CsvFormat):
    """A broker confirmation CSV: one row per confirmed trade.

    A file is read with the format whose columns all appear in its header.
    """

    name: str = Field(min_length=1)
    counterparty: str = Field(min_length=1)
    columns: ConfirmationColumns
    buy: tuple[str, ...] = ("B", "BUY", "Buy", "buy")
    sell: tuple[str, ...] = ("S", "SELL", "Sell", "sell")


class MatchingConfig(_Model):
    """Tolerances, confirmation formats and break ageing."""

    calendars: tuple[str, ...] = ("XNYS",)
    tolerances: Tolerances = Tolerances()
    break_tolerance: dict[str, int] = Field(default_factory=dict)
    confirmations: tuple[ConfirmationFormat, ...] = ()

    @field_validator("break_tolerance")
    @classmethod
    def _known_kinds(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(BREAK_KINDS))
        if unknown:
            raise ValueError(f"unknown break kind {unknown[0]!r}; kinds: {', '.join(BREAK_KINDS)}")
        negative = sorted(kind for kind, days in value.items() if days < 0)
        if negative:
            raise ValueError(f"{negative[0]}: a tolerance is a number of days >= 0")
        return value

    @field_validator("calendars")
    @classmethod
    def _known_calendars(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # lazy: the holidays library loads only for a config that names calendars
        from ledger.calendars import calendar_set

        calendar_set(value)
        return value

    def break_days(self, kind: str) -> int:
        """Business days a break of ``kind`` may stay open."""
        return self.break_tolerance.get(kind, DEFAULT_BREAK_TOLERANCE.get(kind, 0))

"""The ``[cash]`` table of ``backoffice.toml`` (plugins.cash, ``backoffice cash``).

```toml
[cash]
intraday = false                 # check the floor after each entry, not at end of day
days = 10                        # business days of `backoffice cash`'s ladder
[cash.floors]                    # cash accounts and floors besides `cash-floor` on `open`
"Assets:Bank:Nordbank:SEK" = "-100000 SEK"
```
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from ledger.config_base import _check_account, _Model
from ledger.meta import CASH_FLOOR, MetaError, get_cash_floor


class CashConfig(_Model):
    """Cash sufficiency options."""

    intraday: bool = False
    days: int = Field(default=10, ge=1, le=260)
    floors: dict[str, str | int] = Field(default_factory=dict)

    @field_validator("floors")
    @classmethod
    def _floors(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        for account, floor in value.items():
            _check_account(account)
            try:
                get_cash_floor({CASH_FLOOR: floor})
            except MetaError:
                raise ValueError(
                    f'floor of {account} is {floor!r}; write an amount such as "-500000 USD" '
                    "(a negative floor is a credit line)"
                ) from None
        return value

    def floor_of(self, account: str) -> tuple[Decimal, str | None] | None:
        """The configured floor of ``account``, or None when the config names none."""
        if account not in self.floors:
            return None
        return get_cash_floor({CASH_FLOOR: self.floors[account]})

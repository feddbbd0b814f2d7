"""The ``[corporate-actions]`` table of ``backoffice.toml``: where income from
custody (MT564 entitlements, MT566 confirmations) is booked.

The income itself goes to ``[accounts] dividends`` (cash dividends) or
``[accounts] interest`` (coupons); this table says where the tax withheld at
source goes and which cash account the custodian pays into.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from ledger.config_base import _check_account, _Model


class CorporateActionsConfig(_Model):
    """``[corporate-actions]``."""

    withholding_account: str = Field(
        default="Expenses:Taxes:Withholding",
        description="tax withheld at source: an expense, or a receivable "
        "(Assets:...) where the firm reclaims it",
    )
    cash_accounts: dict[str, str] = Field(
        default={},
        description="currency -> the custody cash account income is paid into "
        "(default: <parent of [trades] securities-account>:Cash:<CCY>)",
    )

    @field_validator("withholding_account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value)

    @field_validator("cash_accounts")
    @classmethod
    def _cash_accounts(cls, value: dict[str, str]) -> dict[str, str]:
        for account in value.values():
            _check_account(account)
        return value

    def cash_account(self, currency: str, securities_account: str) -> str:
        """The account income in ``currency`` is paid into."""
        configured = self.cash_accounts.get(currency)
        if configured is not None:
            return configured
        parent = securities_account.rpartition(":")[0] or securities_account
        return f"{parent}:Cash:{currency}"

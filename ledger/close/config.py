"""The ``[close]`` table of ``backoffice.toml`` (``backoffice close``).

```toml
[close]
reconciled-accounts = ["Assets:Bank", "Assets:Custody"]   # need a balance assertion at period end
revaluation = false                        # book the month-end mark-to-market and its reversal
revaluation-account = "Assets:Revaluation" # the positions' unrealized P&L in the base currency
unrealized-account = "Income:Unrealized"   # against it
sign-off = false                           # wait for `backoffice sign-off` before the close
```
"""

from __future__ import annotations

from pydantic import field_validator

from ledger.config_base import _check_account, _Model


class CloseConfig(_Model):
    """What the month-end checklist requires."""

    reconciled_accounts: tuple[str, ...] = ("Assets:Bank", "Assets:Custody")
    revaluation: bool = False
    revaluation_account: str = "Assets:Revaluation"
    unrealized_account: str = "Income:Unrealized"
    sign_off: bool = False

    @field_validator("reconciled_accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            _check_account(account)
        return value

    @field_validator("revaluation_account", "unrealized_account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value)

    def reconciled(self, account: str) -> bool:
        """Whether ``account`` is, or is under, a reconciled account."""
        return any(account == a or account.startswith(a + ":") for a in self.reconciled_accounts)

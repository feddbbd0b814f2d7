"""The ``[close]`` table of ``backoffice.toml`` (``backoffice close``).

```toml
[close]
reconciled-accounts = ["Assets:Bank", "Assets:Custody"]   # need a balance assertion at period end
sign-off = true      # a period needs someone's sign-off (backoffice sign-off) before its close
```
"""

from __future__ import annotations

from pydantic import field_validator

from ledger.config_base import _check_account, _Model


class CloseConfig(_Model):
    """What the month-end checklist requires."""

    reconciled_accounts: tuple[str, ...] = ("Assets:Bank", "Assets:Custody")
    sign_off: bool = False

    @field_validator("reconciled_accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            _check_account(account)
        return value

    def reconciled(self, account: str) -> bool:
        """Whether ``account`` is, or is under, a reconciled account."""
        return any(account == a or account.startswith(a + ":") for a in self.reconciled_accounts)

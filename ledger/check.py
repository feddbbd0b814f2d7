"""``backoffice check``: load the books, run every plugin, report each problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.books import Books, load
from ledger.config import CONFIG_NAME, Config
from ledger.errors import BooksError


def config_errors(config: Config, books: Books) -> list[BooksError]:
    """Accounts named in ``backoffice.toml`` that the books never open."""
    opened = {entry.account for entry in books.entries if isinstance(entry, data.Open)}
    config_file = str(books.directory / CONFIG_NAME)
    text = Path(config_file).read_text(encoding="utf-8") if Path(config_file).exists() else ""
    errors = []

    def check(account: str | None, key: str) -> None:
        if account is None or account in opened:
            return
        needle = f'"{account}"'
        line = text[: text.find(needle)].count("\n") + 1 if needle in text else None
        meta: dict[str, Any] = {"filename": config_file, "lineno": line}
        errors.append(
            BooksError(
                meta,
                f"{key} names {account}, which the books never open; add "
                f"'YYYY-MM-DD open {account}' to the chart of accounts or fix the name",
                None,
            )
        )

    for name, counterparty in sorted(config.counterparties.items()):
        check(counterparty.cash_account, f"counterparties.{name}.cash-account")
    for i, mapping in enumerate(config.statement_accounts):
        check(mapping.account, f"statement-accounts[{i}].account")
    return errors


def run_check(path: Path, config: Config) -> tuple[Books, Sequence[Any]]:
    """Load the books and collect Beancount's errors and the config's."""
    books = load(path)
    return books, [*books.errors, *config_errors(config, books)]

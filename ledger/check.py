"""``backoffice check``: load the books, run every plugin, report each problem."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys
from ledger.books import Books
from ledger.close.guard import seal_guard
from ledger.close.snapshot_load import load_books
from ledger.close.verify import document_errors
from ledger.config import CONFIG_NAME, Config
from ledger.errors import BooksError, error_location


def config_errors(config: Config, books: Books) -> list[BooksError]:
    """Accounts named in ``backoffice.toml`` that the books never open: each written
    in ``[accounts]`` (``fees`` is a parent: one account under it will do), each
    counterparty's cash and clearing (``unsettled``) accounts, each statement account."""
    opened = {entry.account for entry in books.entries if isinstance(entry, data.Open)}
    config_file = str(books.directory / CONFIG_NAME)
    text = Path(config_file).read_text(encoding="utf-8") if Path(config_file).exists() else ""
    errors = []

    def check(account: str | None, key: str, parent: bool = False, needle: str = "") -> None:
        if account is None or account in opened:
            return
        if parent and any(name.startswith(account + ":") for name in opened):
            return
        needle = needle or f'"{account}"'
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

    for field in sorted(config.accounts.model_fields_set):
        # fees names a parent (Expenses:Fees:<Kind>); so does unsettled, whose
        # accounts (one per counterparty) are checked with the counterparties
        if field != "unsettled":
            account = getattr(config.accounts, field)
            check(account, f"accounts.{field}", parent=field == "fees")
    for name, counterparty in sorted(config.counterparties.items()):
        check(counterparty.cash_account, f"counterparties.{name}.cash-account")
        check(
            config.unsettled_account(name),
            f"counterparties.{name} (its clearing account)",
            needle=f"[counterparties.{name}]",
        )
    for i, mapping in enumerate(config.statement_accounts):
        check(mapping.account, f"statement-accounts[{i}].account")
    return errors


def run_check(
    path: Path,
    config: Config,
    log_timings: Callable[[str], None] | None = None,
    *,
    full: bool = False,
    since: datetime.date | None = None,
) -> tuple[Books, Sequence[Any]]:
    """Load the books and collect Beancount's errors, the config's, what leaves a seal
    unverified (:func:`ledger.close.guard.seal_guard`) and the archived documents
    that changed (:func:`ledger.close.verify.document_errors`); ``log_timings`` gets a
    line per step of the load. The books are loaded from their latest snapshot on
    unless ``full`` or ``since`` (the as-of date) is sealed
    (:func:`ledger.close.snapshot_load.load_books`)."""

    books = load_books(path, full=full, since=since, log_timings=log_timings)
    found = [*books.errors, *config_errors(config, books), *seal_guard(books)]
    found += document_errors(books)
    # the guard repeats plugins.period_lock's own error when it is not first
    unique = {(error_location(error), error.message): error for error in found}
    return books, list(unique.values())


def fail_warnings(entries: Sequence[data.Directive], config: Config) -> list[BooksError]:
    """The fails younger than ``fail-warning-days``: ``plugins.settlement`` flags each
    such trade ``!`` with ``fail-age`` and ``fail-outstanding`` (Beancount's errors
    have no warning level, so they are read back from the entries)."""
    limit = config.settlement.fail_warning_days
    prefix = config.accounts.unsettled + ":"
    warnings = []
    transaction = data.Transaction
    for entry in entries:
        if type(entry) is not transaction or entry.flag != "!" or keys.FAIL_AGE not in entry.meta:
            continue
        meta = entry.meta
        age = meta[keys.FAIL_AGE]
        outstanding = meta.get(keys.FAIL_OUTSTANDING)
        counterparty = meta.get(keys.COUNTERPARTY) or next(
            (p.account[len(prefix) :] for p in entry.postings if p.account.startswith(prefix)),
            "the counterparty",
        )
        unsettled = (
            f", {outstanding.to_string()} unsettled" if isinstance(outstanding, Amount) else ""
        )
        warnings.append(
            BooksError(
                meta,
                f"warning: trade {meta.get(keys.TRADE_ID)} failed: due {meta.get(keys.SETTLE_DATE)}"
                f"{unsettled}, {age} business day(s) late (an error after {limit}); chase "
                f"{counterparty} and book the settlement or the cancellation",
                entry,
            )
        )
    return warnings

"""The books as the import pipeline needs them.

A *view* gives the importers their ``existing`` entries, the identities
already booked (for dedupe), the accounts opened and each account's balance at
the start of a day. The full view loads the books (parse, book, plugins); the
fast one, used when every file of a batch is a bank statement, reads an index
from the books' text (:mod:`ledger.imports.index`) and falls back to the full
view when a balance it would need is not exact in the text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import data

from ledger.books import load
from ledger.config import Config
from ledger.imports.balances import Ledger
from ledger.imports.dedupe import Key, known_keys
from ledger.imports.index import scan_books


class InexactBalance(Exception):
    """The fast view cannot give this balance exactly; load the books in full."""


@dataclass(frozen=True)
class BooksView:
    entries: list[data.Directive]
    keys: set[Key]
    opened: set[str]
    balance: Callable[[str, str, datetime.date], Decimal]
    loaded: bool = False  # entries are the loaded books, not the text index's stand-ins


def _full(entries: list[data.Directive]) -> BooksView:
    ledger = Ledger(entries)
    return BooksView(
        entries=entries,
        keys=known_keys(entries),
        opened={entry.account for entry in entries if isinstance(entry, data.Open)},
        balance=ledger.before,
        loaded=True,
    )


def _fast(books_path: Path, config: Config) -> BooksView:
    watched = {mapping.account for mapping in config.statement_accounts}
    index = scan_books(
        books_path,
        watched,
        config.accounts.unsettled,
        settlement_date=config.settlement.on_settlement,
    )
    # plugins.settlement posts auto-settlements to these; the text does not show them
    index.inexact.update(
        cp.cash_account
        for cp in config.counterparties.values()
        if cp.auto_settle and cp.cash_account
    )

    def balance(account: str, currency: str, day: datetime.date) -> Decimal:
        if account in index.inexact or account not in watched:
            raise InexactBalance(account)
        return index.before(account, currency, day)

    return BooksView(
        entries=index.stand_ins(), keys=index.keys, opened=index.opened, balance=balance
    )


def books_view(
    books_path: Path,
    config: Config,
    *,
    fast: bool,
    extra: Sequence[data.Directive] = (),
    base: BooksView | None = None,
) -> BooksView:
    """The fast view (an index of the text) or the full one (the loaded books, plus
    ``extra``). A full ``base`` view of the same books is extended, not loaded again."""
    if base is not None and base.loaded:
        return _full([*base.entries, *extra])
    if fast and not extra:
        try:
            return _fast(books_path, config)
        except (OSError, UnicodeDecodeError):
            pass  # a file the text index cannot read: the loader reports it properly
    return _full([*load(books_path).entries, *extra])

"""Which extracted entries the books already hold.

An entry's identity is exact, never a similarity guess (beangulp's default):

- a transaction: its first posting's account and its ``source-ref``
  (an importer puts the statement's own account first);
- a ``balance``: account, date and currency (a second assertion with another
  amount is a conflict, reported by :mod:`ledger.imports.balances`);
- an ``open``: its account;
- any other entry with a ``source-ref``: its type and ``source-ref``.

Entries without an identity (no ``source-ref``) are always new.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from beancount.core import data

from ledger import meta as keys

Key = tuple[Any, ...]


def entry_key(entry: data.Directive) -> Key | None:
    """The identity of ``entry``, or None when it has none."""
    if isinstance(entry, data.Balance):
        return ("balance", entry.account, entry.date, entry.amount.currency)
    if isinstance(entry, data.Open):
        return ("open", entry.account)
    ref = keys.get_source_ref(entry.meta)
    if ref is None:
        return None
    if isinstance(entry, data.Transaction):
        account = entry.postings[0].account if entry.postings else ""
        return ("txn", account, ref)
    return (type(entry).__name__, ref)


def known_keys(entries: Iterable[data.Directive]) -> set[Key]:
    """The identities of ``entries`` that have one."""
    return {key for key in map(entry_key, entries) if key is not None}


def split_new(
    entries: Iterable[data.Directive], index: set[Key]
) -> tuple[list[data.Directive], list[data.Directive]]:
    """``(new, duplicates)``; new entries join ``index`` so a batch dedupes itself."""
    new: list[data.Directive] = []
    duplicates: list[data.Directive] = []
    for entry in entries:
        key = entry_key(entry)
        if key is not None and key in index:
            duplicates.append(entry)
            continue
        if key is not None:
            index.add(key)
        new.append(entry)
    return new, duplicates

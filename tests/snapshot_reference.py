"""The snapshot's body as first written: a pass over every entry for each period end.

:mod:`ledger.close.snapshot` builds the same text from the previous month's state
(:class:`~ledger.close.snapshot.History`); tests compare the two on generated books.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beancount.core import data, inventory
from beancount.core import prices as price_ops
from beancount.parser import printer

from ledger import meta as keys
from ledger.close.hashes import is_seal
from ledger.close.snapshot import (
    BREAK,
    RESOLVED,
    _empty,
    _Groups,
    _keys,
    _location,
    _with_origin,
    kept_before,
    summary_entry,
)


def _later(meta: Mapping[str, Any], key: str, end: datetime.date) -> bool:
    value = meta.get(key)
    return isinstance(value, datetime.date) and value > end


@dataclass(frozen=True)
class Alive:
    """The entries carried across the period end, and how to know their kin."""

    entries: list[data.Directive]
    roots: frozenset[str]
    locations: frozenset[tuple[Any, Any]]
    groups: _Groups

    def holds(self, entry: data.Directive) -> bool:
        """Whether ``entry`` (as parsed, or as a plugin made it) belongs to a carried group."""
        if _location(entry) in self.locations:
            return True
        return any(self.groups.find(key) in self.roots for key in _keys(entry))


def alive_entries(
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    end: datetime.date,
    unsettled: str,
    suspense: str,
) -> Alive:
    """The entries of ``booked`` (as parsed and booked) dated up to ``end`` that are
    still alive after it; ``processed`` are the same books after the plugins."""
    groups = _Groups()
    for entry in [*booked, *processed]:
        groups.union(_keys(entry))
    seeds: set[str] = set()
    direct: set[tuple[Any, Any]] = set()
    resolved = {
        entry.values[0].value
        for entry in booked
        if isinstance(entry, data.Custom) and entry.type == RESOLVED and entry.date <= end
    }
    for entry in booked:
        found = _keys(entry)
        if entry.date > end:
            seeds.update(found)
            continue
        is_break = isinstance(entry, data.Custom) and entry.type == BREAK and entry.values
        if is_break and entry.values[0].value not in resolved:  # type: ignore[union-attr]
            seeds.update(found)
        if _later(entry.meta, keys.SETTLE_DATE, end) or _later(entry.meta, keys.VALUE_DATE, end):
            seeds.update(found)
            direct.add(_location(entry))
    # A group whose clearing account does not net to zero by the end has not settled.
    clearing: dict[str, inventory.Inventory] = defaultdict(inventory.Inventory)
    suspense_balance = inventory.Inventory()
    prefix = unsettled + ":"
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account.startswith(prefix):
                for key in _keys(entry):
                    clearing[groups.find(key)].add_amount(posting.units)  # type: ignore[arg-type]
            if posting.account == suspense:
                suspense_balance.add_amount(posting.units)  # type: ignore[arg-type]
    seeds.update(root for root, balance in clearing.items() if not _empty(balance))
    roots = frozenset(groups.find(key) for key in seeds)
    alive = Alive([], roots, frozenset(direct), groups)
    carried = []
    for entry in booked:
        if entry.date > end or is_seal(entry) or kept_before(entry):
            continue
        on_suspense = not _empty(suspense_balance) and any(
            posting.account == suspense for posting in getattr(entry, "postings", ())
        )
        if on_suspense or alive.holds(entry):
            carried.append(entry)
    return Alive(carried, roots, frozenset(direct | {_location(e) for e in carried}), groups)


def balances(
    processed: Iterable[data.Directive], end: datetime.date, alive: Alive
) -> dict[str, inventory.Inventory]:
    """Each account's balance by lot at ``end`` after the plugins, less the carried groups."""
    found: dict[str, inventory.Inventory] = defaultdict(inventory.Inventory)
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            found[posting.account].add_position(posting)
    return {account: inv for account, inv in sorted(found.items()) if not _empty(inv)}


def booking_order(
    booked: Iterable[data.Directive], end: datetime.date, alive: Alive
) -> dict[str, dict[tuple[Any, ...], int]]:
    """Where each lot of each account stands in the inventory Beancount books with (the
    entries as parsed, before the plugins re-date them): FIFO takes lots of the same
    date in that order."""
    found: dict[str, dict[tuple[Any, ...], int]] = defaultdict(dict)
    for entry in booked:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            if posting.cost is not None and posting.units is not None:
                lots = found[posting.account]
                lots.setdefault((posting.units.currency, posting.cost), len(lots))
    return found


def last_balances(
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    end: datetime.date,
    alive: Alive,
) -> list[data.Balance]:
    """The last balance assertion of each account and currency up to ``end``, when no
    entry summed up in the snapshot moves that account and currency on or after its
    day: the snapshot's balance is then the balance it asserts, so it still holds
    (and the reconciliation still finds the latest statement)."""
    latest: dict[tuple[str, str], data.Balance] = {}
    for entry in booked:
        if isinstance(entry, data.Balance) and entry.date <= end:
            latest[entry.account, entry.amount.currency] = entry
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            found = latest.get((posting.account, posting.units.currency))  # type: ignore[union-attr]
            if found is not None and found.date <= entry.date:
                del latest[posting.account, posting.units.currency]  # type: ignore[union-attr]
    return sorted(latest.values(), key=data.entry_sortkey)


def snapshot_body(
    period: str,
    end: datetime.date,
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    unsettled: str,
    suspense: str,
    books_dir: Path,
) -> str:
    """The snapshot's entries (everything but its header) from a full load."""
    alive = alive_entries(booked, processed, end, unsettled, suspense)
    asserted = last_balances(booked, processed, end, alive)
    day = min(
        [
            end,
            *(entry.date for entry in alive.entries),
            *(entry.date - datetime.timedelta(days=1) for entry in asserted),
        ]
    )
    order = booking_order(booked, end, alive)
    summary = summary_entry(period, end, day, balances(processed, end, alive), order)
    last_prices = price_ops.get_last_price_entries(  # type: ignore[no-untyped-call]
        list(booked), end + datetime.timedelta(days=1)
    )
    parts = [printer.format_entry(summary)]
    parts.append("; the last price of each pair\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in last_prices]
    parts.append("; the last balance assertion of each account and currency that still holds\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in asserted]
    parts.append(f"; the entries alive after {end}, as parsed and booked\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in alive.entries]
    return "\n".join(parts)

"""The postings of the books on the accounts being reconciled, for balances and
candidate searches."""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from ledger.gcpause import gc_paused


class Line(NamedTuple):
    """One posting with what a reconciler looks at."""

    date: datetime.date
    account: str
    number: Decimal
    currency: str
    entry: data.Transaction

    @property
    def narration(self) -> str:
        return " ".join(part for part in (self.entry.payee, self.entry.narration) if part)


def _under(account: str, roots: frozenset[str]) -> bool:
    parts = account.split(":")
    return any(":".join(parts[:n]) in roots for n in range(1, len(parts) + 1))


class PostingIndex:
    """Postings on ``roots`` and the accounts below them, by account and currency,
    in date order (the entries come sorted)."""

    def __init__(self, entries: Iterable[data.Directive], roots: Iterable[str]) -> None:
        wanted = frozenset(roots)
        kept: dict[str, bool] = {}
        self._lines: dict[tuple[str, str], list[Line]] = defaultdict(list)
        with gc_paused():
            for entry in entries:
                if not isinstance(entry, data.Transaction):
                    continue
                for posting in entry.postings:
                    account = posting.account
                    keep = kept.get(account)
                    if keep is None:
                        keep = kept[account] = _under(account, wanted)
                    units = posting.units
                    if not keep or units is None or units.number is None:
                        continue
                    self._lines[account, units.currency].append(
                        Line(entry.date, account, units.number, units.currency, entry)
                    )

    def lines(self, account: str, currency: str) -> list[Line]:
        """Postings in ``currency`` on ``account`` and the accounts below it, by date."""
        below = account + ":"
        found = [
            lines
            for (name, unit), lines in self._lines.items()
            if unit == currency and (name == account or name.startswith(below))
        ]
        if len(found) == 1:
            return found[0]
        return list(heapq.merge(*found, key=lambda line: line.date))

    def currencies(self, account: str) -> set[str]:
        """The commodities posted on ``account`` and the accounts below it."""
        below = account + ":"
        return {unit for name, unit in self._lines if name == account or name.startswith(below)}

    def balance(self, account: str, currency: str, before: datetime.date) -> Decimal:
        """The balance at the start of ``before`` (what a ``balance`` directive checks)."""
        return sum(
            (line.number for line in self.lines(account, currency) if line.date < before),
            Decimal(0),
        )

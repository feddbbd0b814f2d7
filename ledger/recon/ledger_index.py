"""The postings of the books by account, for balances and candidate searches."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data


@dataclass(frozen=True)
class Line:
    """One posting with what a reconciler looks at."""

    date: datetime.date
    account: str
    number: Decimal
    currency: str
    entry: data.Transaction

    @property
    def narration(self) -> str:
        return " ".join(part for part in (self.entry.payee, self.entry.narration) if part)


class PostingIndex:
    """Postings grouped by account, in date order."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self._by_account: dict[str, list[Line]] = defaultdict(list)
        for entry in entries:
            if not isinstance(entry, data.Transaction):
                continue
            for posting in entry.postings:
                units = posting.units
                if units is None or units.number is None:
                    continue
                self._by_account[posting.account].append(
                    Line(entry.date, posting.account, units.number, units.currency, entry)
                )

    def lines(self, account: str, currency: str) -> Iterator[Line]:
        """Postings in ``currency`` on ``account`` and the accounts below it, by date."""
        found = [
            line
            for name, lines in self._by_account.items()
            if name == account or name.startswith(account + ":")
            for line in lines
            if line.currency == currency
        ]
        found.sort(key=lambda line: line.date)
        return iter(found)

    def balance(self, account: str, currency: str, before: datetime.date) -> Decimal:
        """The balance at the start of ``before`` (what a ``balance`` directive checks)."""
        return sum(
            (line.number for line in self.lines(account, currency) if line.date < before),
            Decimal(0),
        )

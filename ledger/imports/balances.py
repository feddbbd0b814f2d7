"""Statement balances against the books, before anything is written.

Every ``balance`` an importer extracts (a statement's opening balance, dated
its first booking day, and its closing balance, dated the next day) is
checked against the books plus the batch's new transactions, the way
Beancount checks it: the balance at the start of the assertion's date, a
trade (an entry with ``settle-date``) counted from S under the books'
``settlement-date`` policy, as ``plugins.settlement`` books it. A
statement that starts where the books do not, or does not close where its
own lines lead, is refused with both numbers and the date.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from beancount.core import data

from importers.common import ImportFailure
from ledger import meta as keys


class Ledger:
    """Per (account, currency): dates and running sums, for balance look-ups."""

    def __init__(
        self,
        entries: Iterable[data.Directive],
        accounts: set[str] | None = None,
        *,
        settlement_date: bool = False,
    ) -> None:
        """``settlement_date``: a trade counts from its ``settle-date``, not its own date."""
        moves: dict[tuple[str, str], list[tuple[datetime.date, Decimal]]] = defaultdict(list)
        for entry in entries:
            if not isinstance(entry, data.Transaction):
                continue
            day = (settlement_date and keys.get_settle_date(entry.meta)) or entry.date
            for posting in entry.postings:
                if posting.units is not None and (accounts is None or posting.account in accounts):
                    units = posting.units
                    if isinstance(units.number, Decimal):
                        moves[(posting.account, units.currency)].append((day, units.number))
        self._dates: dict[tuple[str, str], list[datetime.date]] = {}
        self._sums: dict[tuple[str, str], list[Decimal]] = {}
        for key, rows in moves.items():
            rows.sort(key=lambda row: row[0])
            running = Decimal(0)
            sums = []
            for _, number in rows:
                running += number
                sums.append(running)
            self._dates[key] = [row[0] for row in rows]
            self._sums[key] = sums

    def before(self, account: str, currency: str, day: datetime.date) -> Decimal:
        """The balance at the start of ``day``."""
        dates = self._dates.get((account, currency))
        if not dates:
            return Decimal(0)
        index = bisect.bisect_left(dates, day)
        return self._sums[(account, currency)][index - 1] if index else Decimal(0)


def check_balances(
    balances: Sequence[data.Balance],
    books: Callable[[str, str, datetime.date], Decimal],
    batch: Sequence[data.Directive],
    *,
    settlement_date: bool,
) -> list[ImportFailure]:
    """A failure per assertion the books (``books(account, currency, day)``: the
    balance at the start of the day) plus the batch's new entries do not meet;
    ``settlement_date``: the batch's trades count from their settle date."""
    if not balances:
        return []
    added = Ledger(
        batch, {balance.account for balance in balances}, settlement_date=settlement_date
    )
    failures = []
    for balance in balances:
        expected = balance.amount.number
        assert isinstance(expected, Decimal)  # importers write numbers, never MISSING
        currency = balance.amount.currency
        actual = books(balance.account, currency, balance.date) + added.before(
            balance.account, currency, balance.date
        )
        if actual == expected:
            continue
        says = f"the statement says {balance.account} holds {expected} {currency}"
        custodian = balance.meta.get(keys.CUSTODIAN_QUANTITY)
        if custodian is not None:
            says = (
                f"the statement says {balance.account} holds {custodian} {currency}, "
                f"{expected} {currency} in the books' terms after the trades "
                f"{balance.meta.get(keys.ADJUSTED_FOR)},"
            )
        failures.append(
            ImportFailure(
                balance.meta.get("filename", "<unknown>"),
                balance.meta.get("lineno"),
                f"{says} at the start of {balance.date}; the books with this import hold "
                f"{actual} {currency} (difference {expected - actual} {currency})",
                hint="import the statements before this one, or correct the books, then retry",
            )
        )
    return failures

"""Cash sufficiency: each cash account's balance against its floor, by value date.

End of day (the default): for each account, currency and value date, the
balance after the day's flows — projected settlements included — must be at
or above the floor. A breach is reported once per account and day, on the
day's largest outflow, when the day has outflows or is the first day below
the floor; a day that only brings cash into an account still short is not a
new breach.

Intraday (``[cash] intraday = true``): the balance after each entry of a
value date, in books order (projected settlements after the day's entries),
must stay at or above the floor; a breach is reported once per account and
day, on the first entry that takes or keeps the balance below it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from beancount.core import data

from ledger.cash.positions import ZERO, CashBook, Flow, location
from ledger.errors import BooksError, error_location

# Outflows named in one error; the rest are counted and summed.
LISTED_OUTFLOWS = 5


@dataclass(frozen=True)
class Breach:
    """A cash account below its floor on a value date."""

    account: str
    currency: str
    balance: Decimal
    floor: Decimal
    outflows: list[Flow]  # the day's outflows (up to ``at`` when intraday), largest first
    at: Flow  # where the error is reported
    intraday: bool

    @property
    def shortfall(self) -> Decimal:
        return self.floor - self.balance


def _by_account(flows: Iterable[Flow]) -> dict[tuple[str, str], list[Flow]]:
    """Flows per account and currency, by value date (books order within a day)."""
    grouped: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        grouped.setdefault((flow.account, flow.currency), []).append(flow)
    for account_flows in grouped.values():
        account_flows.sort(key=attrgetter("value_date"))
    return grouped


def _largest_first(flows: Iterable[Flow]) -> list[Flow]:
    return sorted(flows, key=attrgetter("amount"))


def floor_breaches(book: CashBook, *, intraday: bool = False) -> list[Breach]:
    """Every breach of a cash floor in ``book``, by account, currency and date."""
    breaches = []
    for (account, currency), flows in sorted(_by_account(book.flows).items()):
        floor = book.accounts[account].floor_in(currency)
        balance = ZERO
        below = False
        for _, day in itertools.groupby(flows, key=attrgetter("value_date")):
            day_flows = list(day)
            if intraday:
                outflows: list[Flow] = []
                reported = False
                for flow in day_flows:
                    balance += flow.amount
                    if flow.amount < 0:
                        outflows.append(flow)
                    now_below = balance < floor
                    if now_below and not reported and (flow.amount < 0 or not below):
                        breaches.append(
                            Breach(
                                account,
                                currency,
                                balance,
                                floor,
                                _largest_first(outflows),
                                flow,
                                True,
                            )
                        )
                        reported = True
                    below = now_below
                continue
            balance += sum((flow.amount for flow in day_flows), ZERO)
            now_below = balance < floor
            outflows = _largest_first(flow for flow in day_flows if flow.amount < 0)
            if now_below and (outflows or not below):
                at = outflows[0] if outflows else day_flows[0]
                breaches.append(Breach(account, currency, balance, floor, outflows, at, False))
            below = now_below
    return breaches


def _describe(flow: Flow) -> str:
    filename, lineno = error_location(BooksError(flow.meta, "", None))
    where = f"{filename}:{lineno}" if lineno is not None else filename
    if flow.projected:
        what = f"projected settlement of {flow.link}"
    elif flow.link:
        what = f"settlement of {flow.link}"
    else:
        what = f'"{flow.label}"'
    return f"{flow.amount:,} {flow.currency} {what} ({where})"


def breach_message(breach: Breach) -> str:
    """The error text: account, date, balance, floor, shortfall and the outflows."""
    ccy = breach.currency
    day = breach.at.value_date
    listed = ", ".join(_describe(flow) for flow in breach.outflows[:LISTED_OUTFLOWS])
    rest = breach.outflows[LISTED_OUTFLOWS:]
    if rest:
        more = sum((flow.amount for flow in rest), ZERO)
        listed += f" and {len(rest)} more ({more:,} {ccy})"
    if breach.intraday:
        head = f"{breach.account} falls to {breach.balance:,} {ccy} on {day} after this entry"
        causes = f"outflows that day up to this entry: {listed or 'none'}"
    else:
        head = (
            f"{breach.account} closes {day} at {breach.balance:,} {ccy} "
            "(end of day by value date, projected settlements included)"
        )
        causes = f"outflows that day: {listed or 'none'}"
    return (
        f"cash floor breached: {head}, below its cash-floor of {breach.floor:,} {ccy}, "
        f"short by {breach.shortfall:,} {ccy}; {causes}; hint: move at least "
        f"{breach.shortfall:,} {ccy} into {breach.account} with value date {day} or earlier "
        "('backoffice cash' suggests transfers from accounts with headroom), "
        "or correct the flows' value dates"
    )


def breach_errors(
    breaches: Sequence[Breach], entries: Sequence[data.Directive]
) -> list[BooksError]:
    """One error per breach, on the entry of the flow it is reported at.

    A projected settlement has no entry of its own: its error is on the trade
    (the entry its meta points at).
    """
    wanted = {location(b.at.meta) for b in breaches if b.at.entry is None}
    trades: dict[tuple[object, object], data.Transaction] = {}
    if wanted:
        for entry in entries:
            if isinstance(entry, data.Transaction) and location(entry.meta) in wanted:
                trades.setdefault(location(entry.meta), entry)
    errors = []
    for breach in breaches:
        at = breach.at.entry or trades.get(location(breach.at.meta))
        errors.append(BooksError(breach.at.meta, breach_message(breach), at))
    return errors

"""The projected cash ladder: per account and currency, day by business day.

The days are the first N business days, from the as-of date, of the
currency's cash settlement calendar (:mod:`ledger.cash.days`). A flow is counted on the
first ladder day on or after its value date, so a flow dated on a weekend or
holiday lands on the next business day; flows before the as-of date make the
opening balance; flows after the last day are outside the ladder.

Each row: ``opening + settlements_in + settlements_out + other = closing``;
``headroom = closing - floor``; ``funding_need = max(0, floor - closing)``.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from ledger.cash.positions import ZERO, Flow


@dataclass(frozen=True)
class LadderRow:
    """One business day of the ladder of one account (or a currency's total)."""

    date: datetime.date
    opening: Decimal
    settlements_in: Decimal
    settlements_out: Decimal
    other: Decimal
    closing: Decimal
    floor: Decimal
    headroom: Decimal
    funding_need: Decimal


LADDER_COLUMNS = tuple(f.name for f in fields(LadderRow))


def account_ladder(
    flows: Iterable[Flow], dates: Sequence[datetime.date], as_of: datetime.date, floor: Decimal
) -> list[LadderRow]:
    """The ladder of one account and currency from its flows."""
    opening = ZERO
    settle_in = [ZERO] * len(dates)
    settle_out = [ZERO] * len(dates)
    other = [ZERO] * len(dates)
    for flow in flows:
        if flow.value_date < as_of:
            opening += flow.amount
            continue
        index = bisect.bisect_left(dates, flow.value_date)
        if index == len(dates):
            continue
        if not flow.settlement:
            other[index] += flow.amount
        elif flow.amount > 0:
            settle_in[index] += flow.amount
        else:
            settle_out[index] += flow.amount
    rows = []
    for i, day in enumerate(dates):
        closing = opening + settle_in[i] + settle_out[i] + other[i]
        rows.append(
            LadderRow(
                day,
                opening,
                settle_in[i],
                settle_out[i],
                other[i],
                closing,
                floor,
                closing - floor,
                max(ZERO, floor - closing),
            )
        )
        opening = closing
    return rows


def total_ladder(ladders: Sequence[Sequence[LadderRow]]) -> list[LadderRow]:
    """Day by day, the sum of the accounts' ladders of one currency.

    The total's funding need is the sum of the accounts' needs: cash above
    one account's floor covers another's only once it is transferred.
    """
    totals = []
    for rows in zip(*ladders, strict=True):
        sums = [sum((getattr(r, name) for r in rows), ZERO) for name in LADDER_COLUMNS[1:]]
        totals.append(LadderRow(rows[0].date, *sums))
    return totals

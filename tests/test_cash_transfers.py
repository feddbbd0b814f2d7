"""Suggested transfers, as a property: once booked, every need they cover is gone,
no account that gives goes below its floor, and what they leave is reported uncovered."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.cash.ladder import LadderRow
from ledger.cash.transfers import suggest_transfers

DAYS = [datetime.date(2026, 11, 23) + datetime.timedelta(days=i) for i in range(5)]
ZERO = Decimal(0)

amounts = st.integers(min_value=-50_000, max_value=50_000).map(lambda n: Decimal(n) / 100)


def rows(closings: list[Decimal], floor: Decimal) -> list[LadderRow]:
    return [
        LadderRow(
            day, ZERO, ZERO, ZERO, ZERO, closing, floor, closing - floor, max(ZERO, floor - closing)
        )
        for day, closing in zip(DAYS, closings, strict=True)
    ]


ladders = st.dictionaries(
    st.sampled_from([f"Assets:Bank:B{i}:USD" for i in range(5)]),
    st.tuples(st.lists(amounts, min_size=5, max_size=5), amounts),
    min_size=1,
)


@given(ladders)
def test_booked_transfers_cover_what_they_say(
    accounts: dict[str, tuple[list[Decimal], Decimal]],
) -> None:
    ladder = {name: rows(closings, floor) for name, (closings, floor) in accounts.items()}
    transfers, uncovered = suggest_transfers("USD", ladder)
    closing = {name: list(closings) for name, (closings, _) in accounts.items()}
    for transfer in transfers:
        assert transfer.amount > 0 and transfer.source != transfer.target
        start = DAYS.index(transfer.date)
        for i in range(start, len(DAYS)):
            closing[transfer.target][i] += transfer.amount
            closing[transfer.source][i] -= transfer.amount
    short = {u.account for u in uncovered}
    for name, (_, floor) in accounts.items():
        was_short = any(row.funding_need > 0 for row in ladder[name])
        if name in short:
            continue
        # Covered, or giving (only accounts never short give): never below the floor.
        assert all(c >= floor for c in closing[name]), (name, was_short)
    needs = {
        name: max(row.funding_need for row in rows_)
        for name, rows_ in ladder.items()
        if any(row.funding_need > 0 for row in rows_)
    }
    given_to = {name: ZERO for name in needs}
    for transfer in transfers:
        given_to[transfer.target] += transfer.amount
    for u in uncovered:
        given_to[u.account] += u.amount
    # What each short account gets, plus what stays uncovered, is its largest need from its
    # first day short (the largest need overall, as needs only count from then on).
    assert given_to == needs

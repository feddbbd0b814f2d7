"""Items in the books that could explain a statement difference, ranked.

The difference is the statement's balance minus the books'. Each candidate
says how much of it it would explain if it were the cause:

- ``unsettled-trade``: a trade whose settlement the statement already shows
  and the books do not yet (cash: the unsettled amount; securities: the
  quantity held in the books but not yet delivered at the custodian).
- ``pending-at-custodian``: the quantity the custodian's statement reports
  pending (an MT535 sub-balance, ``pending-quantity`` on the balance): not
  yet settled there, already in the books.
- ``after-statement-date``: an item the books date after the statement date
  that the bank booked by then (timing difference): explains its amount.
- ``duplicate``: an item the books hold twice (same date, amount and text, or
  the same source reference): explains minus its amount.
- ``suspense``: an unclassified statement line, which may belong here.
- ``transposed-digits``: an item whose amount with two digits swapped would
  close the difference (the difference is then divisible by 9).
- ``recurring-item``: an earlier item of exactly the difference (a monthly
  bank fee, say) with no counterpart in this statement period.

Candidates that explain the whole difference come first, then by kind in
the order above, then by how close they come.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger import meta as keys
from ledger.recon.ledger_index import Line
from ledger.settlement.state import TradeState

KINDS = (
    "unsettled-trade",
    "pending-at-custodian",
    "after-statement-date",
    "duplicate",
    "suspense",
    "transposed-digits",
    "recurring-item",
)
AFTER_DAYS = 7  # calendar days after the statement date searched for timing differences
LIMIT = 10


@dataclass(frozen=True)
class Candidate:
    kind: str
    date: datetime.date
    explains: Decimal
    description: str
    link: str | None
    file: str | None
    line: int | None


@dataclass(frozen=True)
class Statement:
    """What the difference is about: one account and commodity on a statement date."""

    account: str
    currency: str
    date: datetime.date  # the statement date: the day before the balance directive
    difference: Decimal
    since: datetime.date  # the previous statement date (window start, exclusive)


def _link(line: Line) -> str | None:
    links = sorted(line.entry.links)
    return links[0] if links else None


def _candidate(kind: str, line: Line, explains: Decimal, why: str) -> Candidate:
    text = f"{line.date} {line.narration!r} {line.number} {line.currency}: {why}"
    return Candidate(
        kind,
        line.date,
        explains,
        text,
        _link(line),
        line.entry.meta.get("filename"),
        line.entry.meta.get("lineno"),
    )


def pending_at_custodian(meta: Mapping[str, Any], stmt: Statement) -> list[Candidate]:
    value = meta.get(keys.PENDING_QUANTITY)
    if not isinstance(value, Decimal) or value == 0:
        return []
    return [
        Candidate(
            "pending-at-custodian",
            stmt.date,
            -value,
            f"the statement reports {value} {stmt.currency} pending settlement",
            None,
            meta.get("filename"),
            meta.get("lineno"),
        )
    ]


def after_statement(lines: Sequence[Line], stmt: Statement) -> list[Candidate]:
    until = stmt.date + datetime.timedelta(days=AFTER_DAYS)
    found = []
    for line in lines:
        if not stmt.date < line.date <= until:
            continue
        value_date = keys.get_value_date(line.entry.meta)
        if line.number == stmt.difference or (value_date and value_date <= stmt.date):
            found.append(
                _candidate(
                    "after-statement-date",
                    line,
                    line.number,
                    f"booked after the statement date {stmt.date}"
                    + (f", value date {value_date}" if value_date else ""),
                )
            )
    return found


def duplicates(window: Sequence[Line]) -> list[Candidate]:
    groups: dict[tuple[object, ...], list[Line]] = defaultdict(list)
    for line in window:
        ref = keys.get_source_ref(line.entry.meta)
        key = ("ref", ref, line.number) if ref else ("text", line.date, line.number, line.narration)
        groups[key].append(line)
    found = []
    for group in groups.values():
        for twin in group[1:]:
            first = group[0]
            where = f"{first.entry.meta.get('filename')}:{first.entry.meta.get('lineno')}"
            found.append(_candidate("duplicate", twin, -twin.number, f"same as {where}"))
    return found


def suspense(lines: Sequence[Line]) -> list[Candidate]:
    return [
        _candidate("suspense", line, -line.number, "an unclassified statement line")
        for line in lines
    ]


def _digits(number: Decimal, exponent: int) -> str:
    """The digits of ``number`` at ``exponent`` decimals, leading zeros dropped, sorted."""
    text = format(abs(number).quantize(Decimal(1).scaleb(exponent)), "f").lstrip("0.")
    return "".join(sorted(ch for ch in text if ch.isdigit()))


def transposed(window: Sequence[Line], difference: Decimal) -> list[Candidate]:
    if difference == 0:
        return []
    found = []
    for line in window:
        fixed = line.number + difference
        exponent = min(int(line.number.as_tuple().exponent), int(fixed.as_tuple().exponent))
        if (fixed > 0) == (line.number > 0) and _digits(fixed, exponent) == _digits(
            line.number, exponent
        ):
            found.append(
                _candidate(
                    "transposed-digits",
                    line,
                    difference,
                    f"the statement may say {fixed} (digits swapped)",
                )
            )
    return found


def recurring(earlier: Sequence[Line], difference: Decimal) -> list[Candidate]:
    latest: dict[str, Line] = {}
    for line in earlier:
        if line.number == difference:
            latest[line.narration] = line
    return [
        _candidate(
            "recurring-item",
            line,
            difference,
            "an earlier item of exactly the difference; is this period's missing from the books?",
        )
        for line in latest.values()
    ]


def unsettled(
    states: Sequence[TradeState], stmt: Statement, settlement_date_policy: bool
) -> list[Candidate]:
    found = []
    for state in states:
        if state.status == "settled" or state.remaining == 0:
            continue
        where = state.meta
        if state.cash_account == stmt.account and state.currency == stmt.currency:
            explains = state.remaining
            why = f"settlement of {state.remaining} {state.currency} not in the books"
        elif state.security == stmt.currency:
            booked = state.settle_date if settlement_date_policy else state.trade_date
            if booked > stmt.date:
                continue
            explains = -state.quantity if state.side == "buy" else state.quantity
            why = (
                f"{state.side} of {state.quantity} {state.security} in the books, not yet delivered"
            )
        else:
            continue
        found.append(
            Candidate(
                "unsettled-trade",
                state.trade_date,
                explains,
                f"trade {state.trade_id} ({state.counterparty}, S {state.settle_date}, "
                f"{state.status}): {why}",
                state.link,
                where.get("filename"),
                where.get("lineno"),
            )
        )
    return found


def rank(candidates: Sequence[Candidate], difference: Decimal) -> list[Candidate]:
    def key(c: Candidate) -> tuple[object, ...]:
        return (
            c.explains != difference,
            KINDS.index(c.kind),
            abs(difference - c.explains),
            c.date,
            c.file or "",
            c.line or 0,
        )

    return sorted(candidates, key=key)[:LIMIT]

"""The Close page and ``close --json``'s shared view: seals and the next period's checklist."""

from __future__ import annotations

import datetime
from typing import Any

from ledger.books import Books
from ledger.close.checklist import run_checklist
from ledger.close.seal import period_bounds, period_of, read_seals
from ledger.close.verify import seal_json, verify_seals
from ledger.config import Config


def next_period(books: Books, as_of: datetime.date) -> str:
    """The month after the last seal; with no seal, the month before ``as_of``'s."""
    seals, _ = read_seals(books.entries)
    if seals:
        return period_of(seals[-1].end + datetime.timedelta(days=1))
    return period_of(as_of.replace(day=1) - datetime.timedelta(days=1))


def close_report(
    books: Books, config: Config, as_of: datetime.date, period: str | None = None
) -> dict[str, Any]:
    """Every seal, recomputed from the files as ``backoffice verify`` does,
    and the checklist of ``period`` (default: the next to close) over ``books`` as
    loaded; ``backoffice close`` reloads them as of the period end, so a fail or
    break can differ there."""
    period = period or next_period(books, as_of)
    period_bounds(period)
    states, errors = verify_seals(books)
    seals = [state.seal for state in states]  # verify_seals read them, one state each
    checklist = run_checklist(books, config, period, as_of, seals)
    return {
        "as_of": as_of.isoformat(),
        "seals": [seal_json(state) for state in states],
        "seal_errors": [str(error.message) for error in errors],
        "period": period,
        "checks": checklist.to_json(),
        "ready": checklist.ok,
    }

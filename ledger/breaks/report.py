"""``breaks_report``: the breaks in the books with their age, for the CLI and Fava."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from ledger.books import Books
from ledger.breaks.model import Break, age, overdue, read_breaks
from ledger.close.sealed_periods import sealed_periods
from ledger.config import Config
from ledger.errors import error_to_json


def break_row(item: Break, as_of: datetime.date, config: Config) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "date": item.date.isoformat(),
        "status": "open" if item.is_open else "resolved",
        "age": age(item, as_of, config),
        "tolerance": config.matching.break_days(item.kind),
        "overdue": overdue(item, as_of, config),
        "link": item.link,
        "account": item.account,
        "description": item.description,
        "amount": None if item.amount is None else str(item.amount.number),
        "currency": None if item.amount is None else item.amount.currency,
        "source": item.source,
        "resolved": None if item.resolved is None else item.resolved.isoformat(),
        "resolution": item.resolution,
    }


def breaks_report(
    books: Books, config: Config, as_of: datetime.date, status: str | None = None
) -> dict[str, Any]:
    """Breaks found on or before ``as_of``; ``status`` keeps ``open`` or ``resolved`` ones.

    A break resolved after ``as_of`` counts as open as of that date. A break resolved
    by the end of the last sealed period is left out once ``as_of`` is after it: it
    is closed with that period, and the books loaded from the close's snapshot no
    longer hold it (:mod:`ledger.close.snapshot`).
    """
    breaks, errors = read_breaks(books.entries)
    sealed = sealed_periods(books.entries).last_end
    closed = sealed if sealed is not None and as_of > sealed else None
    rows = []
    for item in breaks:
        if item.date > as_of:
            continue
        if closed is not None and item.resolved is not None and item.resolved <= closed:
            continue
        if item.resolved is not None and item.resolved > as_of:
            item = replace(item, resolved=None, resolution=None)
        row = break_row(item, as_of, config)
        if status is None or row["status"] == status:
            rows.append(row)
    return {
        "as_of": as_of.isoformat(),
        "breaks": rows,
        "summary": {
            "open": sum(1 for row in rows if row["status"] == "open"),
            "resolved": sum(1 for row in rows if row["status"] == "resolved"),
            "overdue": sum(1 for row in rows if row["overdue"]),
        },
        "errors": [error_to_json(error) for error in errors],
    }

"""Ageing buckets of failed trades, for the Settlements page.

The buckets group the ``failed`` rows of ``settlements_report`` by their age in
business days past the settle date; per bucket and currency, the number of
trades and the amount still to settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

# (label, lowest age, highest age or None for no limit), in business days past S.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-2 days", 1, 2),
    ("3-5 days", 3, 5),
    ("6-10 days", 6, 10),
    ("11-20 days", 11, 20),
    ("over 20 days", 21, None),
)


def bucket_of(age: int) -> str:
    for label, low, high in BUCKETS:
        if age >= low and (high is None or age <= high):
            return label
    return BUCKETS[0][0]  # a fail is at least one day old; age 0 only if S is today


def ageing(trades: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per bucket and currency that holds failed trades, in bucket order."""
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    order = {label: i for i, (label, _, _) in enumerate(BUCKETS)}
    for trade in trades:
        if trade["status"] != "failed":
            continue
        label = bucket_of(int(trade["age"]))
        group = groups.setdefault(
            (order[label], trade["currency"]),
            {
                "bucket": label,
                "currency": trade["currency"],
                "trades": 0,
                "remaining": Decimal(0),
                "links": [],
            },
        )
        group["trades"] += 1
        group["remaining"] += Decimal(trade["remaining"])
        group["links"].append(trade["link"])
    return [groups[key] for key in sorted(groups)]

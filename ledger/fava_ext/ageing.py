"""Ageing buckets, for the Settlements page (failed trades) and the Breaks page.

The buckets group rows by their age in business days (a fail's past its settle
date, a break's since it was found). Per bucket and currency, the fails' gross
amounts still to settle: ``pay`` (what we owe, negative), ``receive`` (what we
are owed) and ``net``, their sum. Netting alone hides the exposure: +129,035
to receive and -61,275 to pay show as a net 67,760.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

# (label, lowest age, highest age or None for no limit), in business days.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0 days", 0, 0),
    ("1-2 days", 1, 2),
    ("3-5 days", 3, 5),
    ("6-10 days", 6, 10),
    ("11-20 days", 11, 20),
    ("over 20 days", 21, None),
)
LABELS = tuple(label for label, _, _ in BUCKETS)
_ORDER = {label: i for i, label in enumerate(LABELS)}


def bucket_of(age: int) -> str:
    for label, low, high in BUCKETS:
        if age >= low and (high is None or age <= high):
            return label
    return LABELS[0]  # no negative ages; a break found after the as-of date is not listed


def bucket_order(label: str) -> int:
    """Sort key of a bucket's label: youngest first."""
    return _ORDER.get(label, len(_ORDER))


def row_bucket(row: Mapping[str, Any]) -> str:
    """The bucket of a report row by its ``age``."""
    return bucket_of(int(row["age"]))


def gross(rows: Iterable[Mapping[str, Any]], amount_key: str = "remaining") -> dict[str, Any]:
    """Count, gross pay (negative), receive and net of ``rows``' ``amount_key``."""
    pay = receive = Decimal(0)
    count = 0
    for row in rows:
        value = Decimal(row[amount_key])
        count += 1
        if value < 0:
            pay += value
        else:
            receive += value
    return {"trades": count, "pay": pay, "receive": receive, "net": pay + receive}


def ageing(trades: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per bucket and currency that holds failed trades, in bucket order:
    ``bucket``, ``currency``, ``trades``, ``pay``, ``receive``, ``net``, ``links``."""
    groups: dict[tuple[int, str], list[Mapping[str, Any]]] = {}
    for trade in trades:
        if trade["status"] == "failed":
            label = row_bucket(trade)
            groups.setdefault((bucket_order(label), trade["currency"]), []).append(trade)
    return [
        {
            "bucket": LABELS[order],
            "currency": currency,
            **gross(rows),
            "links": [row["link"] for row in rows],
        }
        for (order, currency), rows in sorted(groups.items())
    ]

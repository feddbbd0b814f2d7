"""Pairing ours with theirs by hash joins, as DTCC CTM pairs before it compares.

1. On the shared reference: a confirmation quoting our trade id pairs with
   that trade.
2. Else on ISIN + side + trade date + quantity (and the counterparty, when
   the confirmation names one): the first unpaired trade with that key, in
   trade-date and id order.

Each side is indexed once in a dict, so the cost is linear in the number of
records; nothing is compared pairwise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledger.matching.model import TradeRecord

Key = tuple[str | None, str, datetime.date, Decimal]


@dataclass(frozen=True)
class Pair:
    """Ours and theirs; one of them is None when it found no partner."""

    ours: TradeRecord | None
    theirs: TradeRecord | None
    paired_on: str | None = None  # "reference" or "key"


def _key(record: TradeRecord) -> Key:
    # Decimals hash by value: 1000 and 1000.00 shares are the same key.
    return record.isin, record.side, record.trade_date, record.quantity


def pair(ours: Sequence[TradeRecord], theirs: Sequence[TradeRecord]) -> list[Pair]:
    """Pairs, then unpaired theirs, then unpaired ours, each in input order."""
    ordered = sorted(ours, key=lambda r: (r.trade_date, r.ref))
    by_reference = {record.ref: record for record in ordered}
    by_key: dict[Key, deque[TradeRecord]] = defaultdict(deque)
    by_key_and_party: dict[tuple[str | None, Key], deque[TradeRecord]] = defaultdict(deque)
    for record in ordered:
        by_key[_key(record)].append(record)
        by_key_and_party[record.counterparty, _key(record)].append(record)

    taken: set[str] = set()
    pairs: list[Pair] = []
    unpaired: list[Pair] = []
    waiting: list[TradeRecord] = []
    for confirmation in theirs:
        mine = by_reference.get(confirmation.reference) if confirmation.reference else None
        if mine is None:
            waiting.append(confirmation)
        elif mine.ref in taken:
            unpaired.append(Pair(None, confirmation))
        else:
            taken.add(mine.ref)
            pairs.append(Pair(mine, confirmation, "reference"))
    for confirmation in waiting:
        key = _key(confirmation)
        candidates = (
            by_key[key]
            if confirmation.counterparty is None
            else by_key_and_party[confirmation.counterparty, key]
        )
        while candidates and candidates[0].ref in taken:
            candidates.popleft()
        if candidates:
            mine = candidates.popleft()
            taken.add(mine.ref)
            pairs.append(Pair(mine, confirmation, "key"))
        else:
            unpaired.append(Pair(None, confirmation))
    unpaired.extend(Pair(record, None) for record in ordered if record.ref not in taken)
    return pairs + unpaired

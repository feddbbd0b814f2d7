"""Transfers between the firm's own cash accounts that cover a currency's shortfalls.

For each account whose ladder shows a funding need, one need: from the first
day short, the largest need from that day to the end of the ladder (a
transfer of that much on that day keeps the account at or above its floor
on every later day of the ladder). Accounts of the currency that are never
short give, the one with the most headroom first: an account's headroom is
the lowest ``closing - floor`` from the transfer's day to the end of the
ladder, less what earlier suggestions already take. What no account can give
stays uncovered.

Each transfer is printed as a Beancount transaction flagged ``!``, ready to
review and book.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledger.cash.ladder import LadderRow


@dataclass(frozen=True)
class Transfer:
    """Move ``amount`` from ``source`` to ``target`` with value date ``date``."""

    date: datetime.date
    currency: str
    amount: Decimal
    source: str
    target: str


@dataclass(frozen=True)
class Uncovered:
    """A funding need that no account of the currency has the headroom for."""

    date: datetime.date
    currency: str
    amount: Decimal
    account: str


def suggest_transfers(
    currency: str, ladders: Mapping[str, Sequence[LadderRow]]
) -> tuple[list[Transfer], list[Uncovered]]:
    """Transfers covering the funding needs in ``ladders`` (account -> rows, same days)."""
    needs = []
    headroom: dict[str, list[Decimal]] = {}
    for account, rows in sorted(ladders.items()):
        short = [i for i, row in enumerate(rows) if row.funding_need > 0]
        if short:
            first = short[0]
            needs.append((first, account, max(row.funding_need for row in rows[first:])))
        else:
            headroom[account] = [row.headroom for row in rows]
    transfers: list[Transfer] = []
    uncovered: list[Uncovered] = []
    for first, account, need in sorted(needs):
        day = ladders[account][first].date
        while need > 0:
            available = sorted(
                ((-min(room[first:]), donor) for donor, room in headroom.items()),
            )
            if not available or -available[0][0] <= 0:
                uncovered.append(Uncovered(day, currency, need, account))
                break
            most, donor = available[0]
            amount = min(-most, need)
            room = headroom[donor]
            for i in range(first, len(room)):
                room[i] -= amount
            transfers.append(Transfer(day, currency, amount, donor, account))
            need -= amount
    return transfers, uncovered


def transfer_text(transfer: Transfer, payee: str) -> str:
    """``transfer`` as a Beancount transaction flagged ``!``, ready to book."""
    amount = f"{transfer.amount:f}"
    width = max(len(transfer.source), len(transfer.target)) + 2
    narration = f"Cover the cash shortfall of {transfer.target}"
    return (
        f'{transfer.date} ! "{_quoted(payee)}" "{_quoted(narration)}"\n'
        f"  {transfer.target:<{width}} {amount:>16} {transfer.currency}\n"
        f"  {transfer.source:<{width}} {'-' + amount:>16} {transfer.currency}\n"
    )


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')

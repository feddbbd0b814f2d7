"""``settlements_report``: each trade's settlement, with totals, for the CLI and Fava.

One dict (amounts are Decimals, dates are dates; ``--json`` prints them as
strings):

- ``as_of``, ``policy``, ``status`` and ``counterparty`` (the filters, or None);
- ``trades``: one row per trade (:class:`ledger.settlement.state.TradeState`'s
  fields; instead of ``meta``, the trade entry's ``file``, relative to the books'
  directory, and ``line``), by S;
- ``totals``: ``by_status`` and ``by_counterparty``, rows of ``trades`` (a
  count), ``amount`` and ``remaining`` per currency;
  ``by_counterparty`` also counts ``failed`` trades.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.books import Books
from ledger.close.sealed_periods import sealed_periods
from ledger.config import Config
from ledger.documents import path_in_books
from ledger.settlement.state import TradeState, trade_states


class UnknownCounterparty(ValueError):
    """A ``--counterparty`` that neither the config nor any trade names."""


def _rows(states: Sequence[TradeState], books_dir: Path) -> list[dict[str, Any]]:
    """One flat row per trade; each file's path is resolved once, not once per trade."""
    files: dict[str | None, str | None] = {None: None}
    rows = []
    for state in states:
        row = vars(state).copy()  # the fields, in order: one copy, not a getattr each
        del row["meta"]
        filename = state.meta.get("filename")
        if filename is not None and filename not in files:
            try:
                files[filename] = path_in_books(Path(filename), books_dir)
            except ValueError:
                files[filename] = filename
        row["file"] = files[filename]
        row["line"] = state.meta.get("lineno")
        rows.append(row)
    return rows


def _totals(
    states: Sequence[TradeState], key: Callable[[TradeState], str], name: str
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for state in states:
        group_key = (key(state), state.currency)
        group = groups.get(group_key)
        if group is None:  # not setdefault: no new dict per trade
            group = groups[group_key] = {
                name: group_key[0],
                "currency": state.currency,
                "trades": 0,
                "amount": Decimal(0),
                "remaining": Decimal(0),
                "failed": 0,
            }
        group["trades"] += 1
        group["amount"] += state.amount
        group["remaining"] += state.remaining
        group["failed"] += state.status == "failed"
    rows = [groups[k] for k in sorted(groups)]
    if name == "status":
        for row in rows:
            del row["failed"]
    return rows


def settlements_report(
    books: Books,
    config: Config,
    as_of: datetime.date,
    *,
    status: str | None = None,
    counterparty: str | None = None,
) -> dict[str, Any]:
    """The settlement of every live trade as of ``as_of``, filtered, with totals.

    A trade settled by the end of the last sealed period is left out once ``as_of``
    is after it: it is in that close's reports, and the books loaded from the
    close's snapshot no longer hold it (:mod:`ledger.close.snapshot`)."""
    states = trade_states(books.entries, config, as_of)
    sealed = sealed_periods(books.entries).last_end
    if sealed is not None and as_of > sealed:
        before = trade_states(books.entries, config, sealed)
        closed = {state.trade_id for state in before if state.status == "settled"}
        states = [s for s in states if s.trade_id not in closed]
    if counterparty is not None:
        known = set(config.counterparties) | {s.counterparty for s in states}
        if counterparty not in known:
            raise UnknownCounterparty(
                f"unknown counterparty {counterparty!r}; known: {', '.join(sorted(known))}"
            )
        states = [s for s in states if s.counterparty == counterparty]
    if status is not None:
        states = [s for s in states if s.status == status]
    return {
        "as_of": as_of,
        "policy": config.settlement.policy,
        "status": status,
        "counterparty": counterparty,
        "trades": _rows(states, books.directory),
        "totals": {
            "by_status": _totals(states, lambda s: s.status, "status"),
            "by_counterparty": _totals(states, lambda s: s.counterparty, "counterparty"),
        },
    }

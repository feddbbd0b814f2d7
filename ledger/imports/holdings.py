"""A custodian's holdings against the books while trades fail.

A holding (MT535 ``:93B::AGGR//``, a custody CSV ``holding`` row) is the
quantity the custodian holds; the importers write it as a ``balance`` of that
quantity. Under the contractual policy the books hold a failed sale's
securities as delivered on S, although the custodian still has them, so the
custodian's quantity cannot be asserted as it is: ``bean-check`` would fail
with a difference that is not a break but a known fail.

Before the balances are checked, a holding that differs from the books and that
known trades explain
(:mod:`ledger.records.custody`: a failed sale adds its quantity back, a failed
purchase takes it off) is asserted at the books' quantity, the custodian's less
those trades, and keeps the custodian's own figure and the trades it was
adjusted for in its metadata::

    2026-11-28 balance Assets:Custody:Custodia:Securities  1600 MSFT
      custodian-quantity: 1900
      adjusted-for: "GA-20261119-001 (fail to deliver 300 MSFT to AlphaSec, due 2026-11-20: +300)"

The assertion still guards the books (a later edit that changes the position
breaks it), the statement's figure stays in the record, and ``recon`` and the
stock record compare that figure with the books adjusted the same way. A
difference the trades do not explain is still refused by the balance check,
whose message names the trades it took into account.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys
from ledger.config import Config
from ledger.imports.balances import Ledger
from ledger.records.custody import custody_differences, explained, total

ONE_DAY = datetime.timedelta(days=1)


def adjusted_holdings(
    extracted: Sequence[data.Directive],
    seen: Sequence[data.Directive],
    batch: Sequence[data.Directive],
    config: Config,
    books: Callable[[str, str, datetime.date], Decimal],
) -> list[data.Directive]:
    """``extracted`` with each holding that differs from the books and that known
    trades affect asserted at the books' quantity. ``seen``: the loaded books plus
    the batch so far; ``batch``: the entries the batch added, which the balance
    check counts from their settle date (from T under ``trade-date``), as the
    books will; ``books``: the loaded books' balance at the start of a day. A
    holding the books hold as it is stays as it is (the trade may have settled
    without a confirmation yet: the stock record shows that break)."""
    safekeeping = {m.account for m in config.statement_accounts if m.currency is None}
    days = {
        entry.date - ONE_DAY
        for entry in extracted
        if isinstance(entry, data.Balance) and entry.account in safekeeping
    }
    if not days:
        return list(extracted)
    new = [entry for entry in extracted if isinstance(entry, data.Transaction)]
    raw = {id(entry) for entry in [*batch, *new]}
    on_settlement = config.settlement.on_settlement

    def booked_on(entry: data.Transaction) -> datetime.date:
        if id(entry) in raw and on_settlement:
            return keys.get_settle_date(entry.meta) or entry.date
        return entry.date

    added = Ledger([*batch, *new], safekeeping, settlement_date=on_settlement)
    entries = [*seen, *new]
    differences = {day: custody_differences(entries, config, day, booked_on) for day in days}
    out: list[data.Directive] = []
    for entry in extracted:
        if isinstance(entry, data.Balance) and entry.account in safekeeping:
            day = entry.date - ONE_DAY
            trades = differences[day].get((entry.account, entry.amount.currency))
            number = entry.amount.number
            held = books(entry.account, entry.amount.currency, entry.date) + added.before(
                entry.account, entry.amount.currency, entry.date
            )
            if trades and number is not None and number != held:
                meta: dict[str, Any] = dict(entry.meta)
                meta[keys.CUSTODIAN_QUANTITY] = number
                meta[keys.ADJUSTED_FOR] = explained(trades)
                amount = Amount(number - total(trades), entry.amount.currency)
                entry = entry._replace(meta=meta, amount=amount)
        out.append(entry)
    return out

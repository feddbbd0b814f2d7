"""Our side: the trade entries in the books as :class:`TradeRecord` rows.

A trade entry, as the trade importers write it, carries ``trade-id``,
``trade-date``, ``settle-date``, ``isin``, ``side`` and ``counterparty``; its
securities posting has units and a cost (a sale also a price), commissions post
to the commissions account, fees below the fees account, and the cash leg to
``Assets:Unsettled:<Counterparty>``:

    2026-11-24 * "AlphaSec" "Buy 1,000 XYZ" ^trade-GA-20261124-001
      trade-id: "GA-20261124-001"
      trade-date: 2026-11-24
      settle-date: 2026-11-25
      isin: "US8522341036"
      side: "buy"
      counterparty: "AlphaSec"
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Expenses:Commissions                 25.00 USD
      Assets:Unsettled:AlphaSec         -61275.00 USD

reads as price 61.25, gross 61,250.00, commission 25.00, fees 0, net 61,275.00.
Settlement entries carry the trade's link but no ``side``, so they are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from beancount.core import data
from beancount.core.position import Cost

from ledger import meta as keys
from ledger.config import Config
from ledger.errors import BooksError
from ledger.matching.model import TradeRecord


def _under(account: str, parent: str) -> bool:
    return account == parent or account.startswith(parent + ":")


def trade_record(entry: data.Transaction, config: Config) -> TradeRecord | None:
    """``entry`` as our side of a trade, or None when it is not a trade entry.

    Raises :class:`ledger.meta.MetaError` or ValueError on a malformed trade.
    """
    trade_id = keys.get_trade_id(entry.meta)
    side = keys.get_side(entry.meta)
    if trade_id is None or side is None:
        return None
    trade_date = keys.get_trade_date(entry.meta)
    if trade_date is None:
        raise ValueError(f"trade {trade_id} has no {keys.TRADE_DATE}")
    counterparty = keys.get_counterparty(entry.meta)
    unsettled = config.unsettled_account(counterparty) if counterparty else None
    commission = fees = net = Decimal(0)
    currency: str | None = None
    security: data.Posting | None = None
    quantity = Decimal(0)
    held_in = ("", "")  # the securities posting's account and security
    for posting in entry.postings:
        units = posting.units
        if units is None or units.number is None:
            continue
        if unsettled is not None and _under(posting.account, unsettled):
            net -= units.number
            currency = units.currency
        elif _under(posting.account, config.accounts.commissions):
            commission += units.number
        elif _under(posting.account, config.accounts.fees):
            fees += units.number
        elif posting.cost is not None or posting.price is not None:
            # booking splits a sale into one posting per lot it reduces: one security
            if security is None:
                security, held_in = posting, (posting.account, units.currency)
            elif (posting.account, units.currency) != held_in:
                raise ValueError(f"trade {trade_id} has more than one securities posting")
            quantity += units.number
    held = security.units if security is not None else None
    if security is None or held is None or held.number is None:
        raise ValueError(f"trade {trade_id} has no securities posting with a cost or price")
    quantity = abs(quantity)
    cost = security.cost if isinstance(security.cost, Cost) else None
    if security.price is not None and security.price.number is not None:
        price: Decimal | None = security.price.number
    elif side == "buy" and cost is not None:
        price = cost.number
    else:
        price = None
    if currency is None and cost is not None:
        currency = cost.currency
    if side == "sell":
        net = -net
    if price is None and currency is not None:
        # A sale booked against lots without an @ price: what the buyer paid.
        price = (net + commission + fees) / quantity
    gross = None if price is None else quantity * price
    return TradeRecord(
        origin="ours",
        ref=trade_id,
        reference=trade_id,
        counterparty=counterparty,
        isin=keys.get_isin(entry.meta),
        side=side,
        trade_date=trade_date,
        settle_date=keys.get_settle_date(entry.meta),
        quantity=quantity,
        price=price,
        gross=gross,
        commission=commission,
        fees=fees,
        net=net if currency is not None else None,
        currency=currency,
        security=held.currency,
        source=str(entry.meta.get("filename", "")),
        line=entry.meta.get("lineno"),
    )


def our_trades(
    entries: Iterable[data.Directive], config: Config
) -> tuple[list[TradeRecord], list[BooksError]]:
    """Every live trade in the books (a cancellation, ``cancels: "<trade-id>"``,
    takes its trade out), and an error for each malformed trade entry."""
    trades: list[TradeRecord] = []
    errors: list[BooksError] = []
    cancelled: set[str] = set()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        if keys.CANCELS in entry.meta:
            cancelled.add(str(entry.meta[keys.CANCELS]))
            continue
        if keys.TRADE_ID not in entry.meta:
            continue
        try:
            record = trade_record(entry, config)
        except ValueError as exc:
            errors.append(BooksError(entry.meta, f"cannot match this trade: {exc}", entry))
            continue
        if record is not None:
            trades.append(record)
    return [trade for trade in trades if trade.ref not in cancelled], errors

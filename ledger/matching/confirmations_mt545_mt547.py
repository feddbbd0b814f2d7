"""Their side from the custodian's settlement confirmations MT545 / MT547.

Read with the shared ISO 15022 parser and the custody importer's field
reading (:mod:`importers.custody.settlement_confirmations`): ``:20C::RELA//`` is our trade id (the
shared reference), ``:20C::SEME//`` the confirmation's id, ``:98A::TRAD//``
the trade date, ``:98A::ESET//`` the settlement date, ``:36B::ESTT//`` the
quantity, ``:19A::ESTT//`` the settled (net) amount, ``:90B::DEAL//`` the
price when given. MT545 receives (our buy), MT547 delivers (our sell). A
``:23G:CANC`` withdraws the confirmation its ``:20C::PREV//`` names. The
confirmations name no counterparty of ours, so they pair on the reference
or the key alone and imply no expected trades. MT544/MT546 (free of payment)
carry no amount and are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from beancount.core import data

from importers.custody import iso15022
from importers.custody.settlement_confirmations import (
    AGAINST_PAYMENT,
    FREE_OF_PAYMENT,
    is_cancellation,
    settlement_row,
)
from importers.securities import SecurityResolver
from ledger.matching.model import TradeRecord

MESSAGE_TYPES = {*AGAINST_PAYMENT, *FREE_OF_PAYMENT}


def _record(message: iso15022.Message, resolver: SecurityResolver, source: str) -> TradeRecord:
    row = settlement_row(message, resolver)
    traddet = message.sequence(message.body, "TRADDET")
    trade_date = traddet.get("98A", "TRAD") or traddet.get("98C", "TRAD")
    if trade_date is None:
        raise message.error(traddet.line, "TRADDET has no :98A::TRAD//: the trade date is missing")
    deal = traddet.get("90B", "DEAL")
    return TradeRecord(
        origin="theirs",
        ref=row.source_ref,
        reference=row.trade_id,
        counterparty=None,
        isin=message.isin(message.require(traddet, "35B")),
        side="buy" if row.direction == "receive" else "sell",
        trade_date=message.date(trade_date),
        settle_date=row.settle_date,
        quantity=row.quantity,
        price=message.price(deal)[1] if deal is not None else None,
        net=abs(row.amount),
        currency=row.currency,
        security=None,
        source=source,
        line=row.line,
    )


def _cancelled(message: iso15022.Message) -> str | None:
    genl = message.sequence(message.body, "GENL")
    for link in genl.sequences("LINK"):
        found = link.get("20C", "PREV")
        if found:
            return found.value
    return None


def read_mt545_mt547(
    path: Path, entries: Iterable[data.Directive], source: str
) -> list[TradeRecord]:
    """The settlement confirmations in ``path`` that no later CANC withdrew."""
    text = path.read_bytes().decode("latin-1")
    messages = iso15022.parse(text, str(path))
    resolver = SecurityResolver(entries, str(path))
    records: dict[str, TradeRecord] = {}
    for message in messages:
        if message.message_type in FREE_OF_PAYMENT:
            raise message.error(
                message.line,
                "a free-of-payment confirmation carries no amount to match; "
                "match MT545/MT547 (against payment) or the broker's confirmations",
            )
        if message.message_type not in AGAINST_PAYMENT:
            raise message.error(message.line, "not a settlement confirmation (MT545/MT547)")
        if is_cancellation(message):
            previous = _cancelled(message)
            if previous is None:
                raise message.error(
                    message.line, "a CANC message needs :20C::PREV// naming what it cancels"
                )
            records.pop(previous, None)
        else:
            record = _record(message, resolver, source)
            records[record.ref] = record
    return list(records.values())

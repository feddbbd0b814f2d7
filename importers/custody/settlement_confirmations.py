"""MT545 / MT547 settlement confirmations (receive / deliver against payment).

Read with the shared ISO 15022 parser (:mod:`importers.custody.iso15022`); the fields
used, per the SWIFT MT545/MT547 message reference:

- GENL ``:20C::SEME//`` the custodian's reference (the entry's ``source-ref``),
  ``:23G:`` NEWM or CANC, LINK ``:20C::RELA//`` our trade id,
  LINK ``:20C::PREV//`` the SEME a cancellation cancels;
- TRADDET ``:98A::ESET//`` (or 98C) the effective settlement date,
  ``:35B:`` the security (ISIN);
- FIAC ``:36B::ESTT//`` the settled quantity;
- SETDET ``:16R:SETPRTY`` ``:95P::DEAG//`` / ``REAG//`` the broker's BIC,
  ``:16R:AMT`` ``:19A::ESTT//`` the settled amount.

Each confirmation becomes a settlement entry (:mod:`importers.custody.builder`); a
cancellation reverses the entry of the message it names. MT544/MT546 (free
of payment) move no cash: one that settles a trade of ours is refused (the
trade entry already holds the securities, its cash settles through the
bank); one that no trade explains moves the securities on the custody
account, flagged ``!`` against the suspense account for review, a receipt
at the cost ``:90B::DEAL//`` gives.
"""

from __future__ import annotations

from beancount.core import data

from importers.custody import iso15022
from importers.custody.builder import (
    CustodyMessageImporter,
    Direction,
    FreeMovement,
    SettlementBuilder,
    SettlementRow,
    broker_bic,
    free_movement_entry,
    money,
)
from importers.securities import SecurityResolver

AGAINST_PAYMENT: dict[str, Direction] = {"545": "receive", "547": "deliver"}
FREE_OF_PAYMENT = ("544", "546")
FREE_DIRECTIONS: dict[str, Direction] = {"544": "receive", "546": "deliver"}


def _link(message: iso15022.Message, qualifier: str) -> str | None:
    genl = message.sequence(message.body, "GENL")
    for link in genl.sequences("LINK"):
        found = link.get("20C", qualifier)
        if found:
            return found.value
    return None


def settlement_row(message: iso15022.Message, resolver: SecurityResolver) -> SettlementRow:
    """The settlement a NEWM MT545/MT547 confirms."""
    genl = message.sequence(message.body, "GENL")
    trade_id = _link(message, "RELA")
    if trade_id is None:
        raise message.error(
            genl.line, "no :20C::RELA// in GENL/LINK: the confirmation names no trade of ours"
        )
    traddet = message.sequence(message.body, "TRADDET")
    eset = message.require(traddet, "98", "ESET")
    security_field = message.require(traddet, "35B")
    isin = message.isin(security_field)
    symbol = resolver.symbol(
        security_field.line, isin, None, name=message.description(security_field)
    )
    fiac = message.sequence(message.body, "FIAC")
    _, quantity = message.quantity(message.require(fiac, "36B", "ESTT"))
    setdet = message.sequence(message.body, "SETDET")
    amount_field = None
    for amt in setdet.sequences("AMT"):
        amount_field = amt.get("19A", "ESTT") or amount_field
    if amount_field is None:
        raise message.error(
            setdet.line, "SETDET has no :16R:AMT with :19A::ESTT//: the settled amount is missing"
        )
    currency, amount = message.amount(amount_field)
    return SettlementRow(
        line=message.line,
        source_ref=message.reference,
        label=f"MT{message.message_type}",
        trade_id=trade_id,
        settle_date=message.date(eset),
        direction=AGAINST_PAYMENT[message.message_type],
        security=symbol,
        quantity=quantity,
        amount=money(amount),
        currency=currency,
        counterparty_bic=broker_bic(setdet),
    )


def is_cancellation(message: iso15022.Message) -> bool:
    genl = message.sequence(message.body, "GENL")
    function = genl.get("23G")
    return function is not None and function.value.startswith("CANC")


def free_movement(
    message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
) -> FreeMovement:
    """An MT544/MT546 of securities that no trade of ours explains."""
    trade_id = _link(message, "RELA")
    if trade_id is not None and trade_id in builder.trades:
        raise message.error(
            message.line,
            f"settles trade {trade_id} free of payment: the trade entry already holds the "
            "securities and its cash settles through the bank; nothing to book from here",
        )
    if is_cancellation(message):
        raise message.error(message.line, "cancel the free movement it names by hand")
    traddet = message.sequence(message.body, "TRADDET")
    security_field = message.require(traddet, "35B")
    symbol = resolver.symbol(
        security_field.line,
        message.isin(security_field),
        None,
        name=message.description(security_field),
    )
    fiac = message.sequence(message.body, "FIAC")
    _, quantity = message.quantity(message.require(fiac, "36B", "ESTT"))
    direction = FREE_DIRECTIONS[message.message_type]
    deal = traddet.get("90B", "DEAL")
    currency, price = message.price(deal) if deal is not None else (None, None)
    if direction == "receive" and (price is None or currency is None):
        raise message.error(
            traddet.line,
            "a receipt free of payment needs :90B::DEAL//ACTU/CCYprice for the cost of the lot",
        )
    return FreeMovement(
        line=message.line,
        source_ref=message.reference,
        label=f"MT{message.message_type}",
        settle_date=message.date(message.require(traddet, "98", "ESET")),
        direction=direction,
        security=symbol,
        quantity=quantity,
        price=price,
        currency=currency,
    )


def cancelled_reference(message: iso15022.Message) -> str:
    """The SEME a CANC message withdraws (``:20C::PREV//`` in GENL/LINK)."""
    cancelled = _link(message, "PREV")
    if cancelled is None:
        raise message.error(
            message.line, "a CANC message needs :20C::PREV// naming what it cancels"
        )
    return cancelled


class SettlementConfirmationImporter(CustodyMessageImporter):
    """Settlement confirmations MT544-MT547."""

    message_types = frozenset({*AGAINST_PAYMENT, *FREE_OF_PAYMENT})

    @property
    def name(self) -> str:
        return "custody.mt54x"

    def message_entries(
        self, message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
    ) -> list[data.Directive]:
        if message.message_type in FREE_OF_PAYMENT:
            movement = free_movement(message, builder, resolver)
            currency = movement.currency or resolver.lot_currency(movement.line, movement.security)
            if movement.direction == "deliver":
                resolver.check_held(
                    movement.line,
                    f"{movement.label} {movement.source_ref} (delivery free of payment)",
                    self.config.trades.securities_account,
                    movement.security,
                    movement.quantity,
                    movement.settle_date,
                    source_ref=movement.source_ref,
                )
            return [
                free_movement_entry(
                    movement, self.config, builder.filename, builder.sha256, currency
                )
            ]
        row = settlement_row(message, resolver)
        if is_cancellation(message):
            cancelled = cancelled_reference(message)
            return [
                builder.reversal(row.line, row.source_ref, row.label, cancelled, row.settle_date)
            ]
        return [builder.settlement(row)]

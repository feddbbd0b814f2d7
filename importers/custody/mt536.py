"""MT536 statement of transactions → settlement entries.

Read with the shared ISO 15022 parser; the fields used, per the SWIFT MT536
message reference:

- GENL ``:20C::SEME//``, ``:23G:`` (a CANC statement is refused),
  ``:97A::SAFE//`` the safekeeping account;
- SUBSAFE/FIN ``:35B:`` the security; FIN/TRAN one transaction:
  LINK ``:20C::RELA//`` our trade id, LINK ``:20C::ASRF//`` the custodian's
  reference; TRANSDET ``:36B::PSTA//`` posted quantity, ``:19A::PSTA//``
  posted amount, ``:22F::TRAN//SETT`` a settlement, ``:22H::REDE//RECE|DELI``,
  ``:22H::PAYM//APMT|FREE``, ``:98A::ESET//`` (or 98C) the settlement date,
  SETPRTY ``:95P::DEAG//``/``REAG//`` the broker's BIC.

Each settlement against payment becomes a settlement entry
(:mod:`importers.custody.builder`) whose ``source-ref`` is the custodian's reference
(``ASRF``, else the statement's ``SEME``/transaction number). The statement
repeats what the MT545/MT547 confirmations already said: a transaction whose
trade already holds a settlement on the same date for the same amount on the
same clearing account is not booked again. Free-of-payment transactions and
other transaction types (corporate actions, transfers) are refused with a hint.
"""

from __future__ import annotations

from beancount.core import data

from importers.custody import iso15022
from importers.custody.builder import (
    CustodyMessageImporter,
    Direction,
    SettlementBuilder,
    SettlementRow,
    broker_bic,
    money,
)
from importers.securities import SecurityResolver
from ledger import meta as keys

DIRECTIONS: dict[str, Direction] = {"RECE": "receive", "DELI": "deliver"}


def _indicator(message: iso15022.Message, seq: iso15022.Sequence, qualifier: str) -> str:
    return message.require(seq, "22", qualifier).value


def transactions(message: iso15022.Message, resolver: SecurityResolver) -> list[SettlementRow]:
    """The settlements against payment the statement reports."""
    genl = message.sequence(message.body, "GENL")
    function = genl.get("23G")
    if function is not None and function.value.startswith("CANC"):
        raise message.error(function.line, "a cancelled statement (23G:CANC) books nothing")
    rows = []
    number = 0
    for fin in message.body.walk("FIN"):
        security_field = message.require(fin, "35B")
        symbol = resolver.symbol(
            security_field.line,
            message.isin(security_field),
            None,
            name=message.description(security_field),
        )
        for tran in fin.sequences("TRAN"):
            number += 1
            rows.append(_row(message, tran, symbol, number))
    return rows


def _row(
    message: iso15022.Message, tran: iso15022.Sequence, symbol: str, number: int
) -> SettlementRow:
    refs = {
        item.qualifier: item.value
        for link in tran.sequences("LINK")
        for item in link.all("20C")
        if item.qualifier
    }
    detail = message.sequence(tran, "TRANSDET")
    kind = _indicator(message, detail, "TRAN")
    payment = _indicator(message, detail, "PAYM")
    if kind != "SETT" or payment != "APMT":
        raise message.error(
            detail.line,
            f"transaction {kind}/{payment}: only settlements against payment (TRAN//SETT, "
            "PAYM//APMT) are booked from a statement of transactions",
        )
    if "RELA" not in refs:
        raise message.error(tran.line, "no :20C::RELA// in TRAN/LINK: it names no trade of ours")
    direction_code = _indicator(message, detail, "REDE")
    if direction_code not in DIRECTIONS:
        raise message.error(detail.line, f":22H::REDE//{direction_code} is not RECE or DELI")
    _, quantity = message.quantity(message.require(detail, "36B", "PSTA"))
    currency, amount = message.amount(message.require(detail, "19A", "PSTA"))
    return SettlementRow(
        line=tran.line,
        source_ref=refs.get("ASRF") or f"{message.reference}/{number}",
        label=f"MT{message.message_type}",
        trade_id=refs["RELA"],
        settle_date=message.date(message.require(detail, "98", "ESET")),
        direction=DIRECTIONS[direction_code],
        security=symbol,
        quantity=abs(quantity),
        amount=money(abs(amount)),
        currency=currency,
        counterparty_bic=broker_bic(detail),
    )


def _already_settled(entry: data.Transaction, existing: list[data.Directive]) -> bool:
    """A settlement on the same date, clearing account, amount and trade."""
    first = entry.postings[0]
    for other in existing:
        if (
            isinstance(other, data.Transaction)
            and keys.TRADE_ID not in other.meta
            and other.date == entry.date
            and other.links == entry.links
            and other.postings
            and other.postings[0].account == first.account
            and other.postings[0].units == first.units
        ):
            return True
    return False


class Mt536Importer(CustodyMessageImporter):
    """Statements of transactions (MT536)."""

    message_types = frozenset({"536"})

    @property
    def name(self) -> str:
        return "custody.mt536"

    def message_entries(
        self, message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
    ) -> list[data.Directive]:
        entries: list[data.Directive] = []
        for row in transactions(message, resolver):
            entry = builder.settlement(row)
            if not _already_settled(entry, [*builder.existing, *entries]):
                entries.append(entry)
        return entries

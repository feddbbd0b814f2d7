"""MT535 statement of holdings → ``balance`` assertions per security.

Read with the shared ISO 15022 parser; the fields used, per the SWIFT MT535
message reference:

- GENL ``:20C::SEME//`` the statement's reference, ``:98A::STAT//`` (or 98C)
  the statement date, ``:97A::SAFE//`` the safekeeping account (mapped to a
  ledger account by ``[[statement-accounts]]``), ``:23G:`` NEWM (a CANC
  statement is refused: it withdraws assertions nobody should rely on);
- SUBSAFE ``:97A::SAFE//`` a sub-safekeeping account when the statement has
  several; FIN ``:35B:`` the security (ISIN), ``:93B::AGGR//`` the aggregate
  balance, ``:93B::AVAI//`` available, ``:93B::NAVL//`` not available;
  SUBBAL ``:93B:`` with ``:94?:``/``:70C:`` for pending (``PEND...``) and
  blocked (``BLOK``) sub-balances.

The quantity asserted is the aggregate balance AGGR of a settled-position
statement (``:22F::STBA//SETT``); pending and blocked sub-balances are kept as
``pending-quantity`` / ``blocked-quantity`` metadata, never asserted.

FIN ``:90B::MRKT//ACTU/CCYprice`` (or ``INDC``, an indicative price, when there is
no market price) becomes a ``price`` directive of the security, dated
``:98A::PRIC//`` or else the statement date, with ``source-ref``
``<SEME>/<symbol>/price`` so a re-import adds none. A ``:90A:`` price is a
percentage (``PRCT``: of the face amount, so per unit it is the rate / 100, in the
currency of ``:19A::HOLD//``) or a yield (``YIEL``: not a price, none written).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from importers.custody import iso15022
from importers.custody.builder import (
    CustodyMessageImporter,
    HoldingRow,
    SettlementBuilder,
    holding_balance,
    safekeeping_account,
)
from importers.securities import SecurityResolver
from ledger import meta as keys
from ledger.config import Config

PENDING_QUALIFIERS = ("PEND", "PENR", "PEDA")
BLOCKED_QUALIFIERS = ("BLOK",)


def _sub_balance(
    message: iso15022.Message, fin: iso15022.Sequence, names: tuple[str, ...]
) -> Decimal | None:
    total = None
    for sub in fin.sequences("SUBBAL"):
        for item in sub.all("93"):
            if item.qualifier in names:
                _, quantity = message.quantity(item)
                total = (total or Decimal(0)) + quantity
    return total


def holdings(
    message: iso15022.Message, config: Config, resolver: SecurityResolver
) -> list[HoldingRow]:
    """The holdings of one MT535, one row per security and safekeeping account."""
    genl = message.sequence(message.body, "GENL")
    basis = genl.get("22F", "STBA")
    if basis is not None and basis.value != "SETT":
        raise message.error(
            basis.line,
            f"statement basis {basis.value}: only settled-position statements (STBA//SETT) "
            "are asserted against the books",
        )
    function = genl.get("23G")
    if function is not None and function.value.startswith("CANC"):
        raise message.error(function.line, "a cancelled statement (23G:CANC) asserts nothing")
    statement_date = message.date(message.require(genl, "98", "STAT"))
    default_safe = genl.get("97", "SAFE")
    rows = []
    for subsafe in message.body.sequences("SUBSAFE"):
        safe = subsafe.get("97", "SAFE") or default_safe
        if safe is None:
            raise message.error(
                subsafe.line, "no :97A::SAFE// safekeeping account in GENL or SUBSAFE"
            )
        account = safekeeping_account(config, message.filename, safe.line, safe.value)
        for fin in subsafe.sequences("FIN"):
            security_field = message.require(fin, "35B")
            symbol = resolver.symbol(
                security_field.line,
                message.isin(security_field),
                None,
                name=message.description(security_field),
            )
            _, aggregate = message.quantity(message.require(fin, "93B", "AGGR"))
            rows.append(
                HoldingRow(
                    line=fin.line,
                    source_ref=f"{message.reference}/{safe.value}/{symbol}",
                    account=account,
                    statement_date=statement_date,
                    security=symbol,
                    settled=aggregate,
                    pending=_sub_balance(message, fin, PENDING_QUALIFIERS),
                    blocked=_sub_balance(message, fin, BLOCKED_QUALIFIERS),
                )
            )
    return rows


PRICE_QUALIFIERS = ("MRKT", "INDC")  # market first: an indicative price only without one
HUNDRED = Decimal(100)


def _fin_price(message: iso15022.Message, fin: iso15022.Sequence) -> tuple[Decimal, str] | None:
    """The price per unit of one FIN sequence, and its currency, or None."""
    for qualifier in PRICE_QUALIFIERS:
        item = fin.get("90", qualifier)
        if item is None:
            continue
        currency, number = message.price(item)
        if item.tag == "90B" and currency is not None:
            return number, currency
        if item.value.startswith("PRCT/"):
            holding = fin.get("19A", "HOLD")
            if holding is not None:
                return number / HUNDRED, message.amount(holding)[0]
    return None


def prices(
    message: iso15022.Message, resolver: SecurityResolver, filename: str, sha256: str
) -> list[data.Price]:
    """The ``price`` directives of one MT535, one per security."""
    genl = message.sequence(message.body, "GENL")
    statement_date = message.date(message.require(genl, "98", "STAT"))
    out: dict[str, data.Price] = {}
    for fin in message.body.walk("FIN"):
        found = _fin_price(message, fin)
        if found is None:
            continue
        security_field = message.require(fin, "35B")
        symbol = resolver.symbol(
            security_field.line,
            message.isin(security_field),
            None,
            name=message.description(security_field),
        )
        if symbol in out:
            continue  # the same security in another safekeeping account
        price_date = fin.get("98", "PRIC")
        day: datetime.date = message.date(price_date) if price_date else statement_date
        meta: dict[str, Any] = data.new_metadata(filename, fin.line)
        meta[keys.SOURCE] = filename
        meta[keys.SOURCE_REF] = f"{message.reference}/{symbol}/price"
        meta[keys.SOURCE_SHA256] = sha256
        number, currency = found
        out[symbol] = data.Price(meta, day, symbol, Amount(number, currency))
    return list(out.values())


class Mt535Importer(CustodyMessageImporter):
    """Statements of holdings (MT535)."""

    message_types = frozenset({"535"})

    @property
    def name(self) -> str:
        return "custody.mt535"

    def message_entries(
        self, message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
    ) -> list[data.Directive]:
        balances: list[data.Directive] = [
            holding_balance(row, builder.filename, builder.sha256)
            for row in holdings(message, self.config, resolver)
        ]
        return balances + prices(message, resolver, builder.filename, builder.sha256)

"""MT564 corporate action notifications and MT566 confirmations → entitlements and income.

Read with the shared ISO 15022 parser; the fields used, per the SWIFT MT564 and
MT566 message references (Category 5, corporate actions):

- GENL ``:20C::CORP//`` the event's reference (it ties the confirmation to the
  notification), ``:20C::SEME//`` the message's own (the ``source-ref``),
  ``:23G:`` the function (``NEWM``, ``REPL``, ``REPE``, ``RMDR``; an MT564
  ``CANC``/``WITH`` voids the entitlement, an MT566 ``REVR`` undoes the
  confirmation: both name the message in GENL/LINK ``:20C::PREV//``), ``:22F::CAEV//`` the
  event: ``DVCA`` cash dividend, ``INTR`` interest, ``SPLF`` split, ``MRGR``
  merger, ``EXOF`` exchange (``:22F::CAMV//MAND`` only); GENL/LINK
  ``:20C::PREV//`` the message a CANC, WITH or REVR undoes;
- USECU ``:35B:`` the security (ISIN), ``:97A::SAFE//`` the safekeeping account
  (mapped by ``[[statement-accounts]]``; in ACCTINFO in an MT564),
  ``:93B::CONB//`` the confirmed balance (MT566);
- anywhere below (CADETL, CAOPTN, CASHMOVE, SECMOVE): ``:98A::XDTE//`` ex date,
  ``:98A::RDTE//`` record date, ``:98A::PAYD//`` pay date, ``:98A::EFFD//``
  effective date; ``:92F::GRSS//`` (or ``:92A::GRSS//`` with ``:11A::OPTN//``)
  the gross rate per unit, ``:92F::NETT//`` the net rate, ``:92A::TAXR//`` or
  ``:92A::WITF//`` the withholding rate in percent, ``:92D::NEWO//new/old`` a
  split's or merger's ratio, ``:90B::OFFR//`` a merger's cash per old unit,
  ``:90B::CINL//`` the price of fractions paid in cash;
- MT566 CACONF/CASHMOVE ``:19B::PSTA//`` the amount posted (else ``NETT``),
  ``:19B::GRSS//``, ``:19B::TAXR//``/``WITF//``/``WITL//`` tax withheld,
  ``:98A::POST//`` the posting date, ``:98A::VALU//`` the value date;
  CACONF/SECMOVE ``:22H::CRDB//CRED|DEBT`` with ``:36B::PSTA//`` the quantity
  posted and ``:98A::POST//``.

An MT564 of a cash event, a split or a merger writes a ``custom "entitlement"``
(:mod:`ledger.corporate_actions`) on the quantity the books hold at the record
date; a CANC or WITH writes the ``custom "entitlement-cancelled"`` that voids it.
An MT566 books what the entitlement of its ``CORP`` announced: the income
(``[accounts] dividends`` or ``interest``), the tax withheld
(``[corporate-actions] withholding-account``) and the cash; or the exchange of a
split or merger, every lot taken out at its cost and the new units added at that
cost less the event's cash, with its date, so the total cost is kept and FIFO
still sells the oldest lot first; a fraction paid in cash is sold at its share
of the cost. A REVR books the confirmation it names the other way. Where the
confirmation's quantity or amount differs from the entitlement, what the
custodian paid is booked and a ``custom "break"`` (kind
``entitlement-mismatch``) is written beside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost, CostSpec
from beancount.parser.grammar import ValueType

from importers.common import ImportFailure
from importers.custody import iso15022
from importers.custody.builder import (
    CENT,
    CustodyMessageImporter,
    SettlementBuilder,
    money,
    safekeeping_account,
)
from importers.securities import SecurityResolver
from ledger import corporate_actions as ca
from ledger import meta as keys
from ledger.breaks.model import BREAK, RESOLVED, new_break
from ledger.config import Config
from ledger.posting import posting

ZERO = Decimal(0)
HUNDRED = Decimal(100)
NOTICE_FUNCTIONS = frozenset({"NEWM", "REPL", "REPE", "RMDR"})
CANCEL_FUNCTIONS = frozenset({"CANC", "WITH"})
TAX_QUALIFIERS = ("TAXR", "WITF", "WITL")
MISMATCH = "entitlement-mismatch"


def _walk(seq: iso15022.Sequence) -> Iterator[iso15022.Sequence]:
    yield seq
    for child in seq.children:
        yield from _walk(child)


def _find(seq: iso15022.Sequence, tag: str, qualifier: str) -> iso15022.Field | None:
    """The first field ``tag`` with ``qualifier`` in ``seq`` or below, in document order."""
    for each in _walk(seq):
        found = each.get(tag, qualifier)
        if found is not None:
            return found
    return None


def _date(
    message: iso15022.Message, seq: iso15022.Sequence, qualifier: str
) -> datetime.date | None:
    """A 98A/98C date; None when absent or given as 98B (``UKWN``, ``ONGO``)."""
    found = _find(seq, "98", qualifier)
    if found is None or found.tag == "98B":
        return None
    return message.date(found)


def _first_date(message: iso15022.Message) -> datetime.date | None:
    """The event's first date the message gives, for a new security's directive."""
    for qualifier in ("RDTE", "XDTE", "EFFD", "PAYD", "POST", "PREP"):
        found = _date(message, message.body, qualifier)
        if found is not None:
            return found
    return None


def _rate(message: iso15022.Message, item: iso15022.Field) -> Decimal:
    """92A ``[N]rate``."""
    text = item.value
    sign = Decimal(1)
    if text.startswith("N"):
        sign, text = Decimal(-1), text[1:]
    return sign * message.decimal(item, text)


@dataclass(frozen=True)
class Header:
    """What every corporate action message says first: the event and the holding."""

    corp_ref: str
    seme: str
    function: iso15022.Field
    event: iso15022.Field
    security: str
    account: str
    usecu: iso15022.Sequence
    # the security an exchange credits in place of the old (a merger's), if another
    new_security: str | None = None

    @property
    def name(self) -> str:
        return ca.EVENT_NAMES.get(self.event.value, self.event.value)


def header(message: iso15022.Message, config: Config, resolver: SecurityResolver) -> Header:
    genl = message.sequence(message.body, "GENL")
    corp = message.require(genl, "20C", "CORP")
    seme = message.require(genl, "20C", "SEME")
    function = message.require(genl, "23G")
    event = message.require(genl, "22F", "CAEV")
    usecu = message.sequence(message.body, "USECU")
    security = message.require(usecu, "35B")
    symbol = resolver.symbol(
        security.line, message.isin(security), None, name=message.description(security)
    )
    safe = _find(usecu, "97", "SAFE")
    account = (
        safekeeping_account(config, message.filename, safe.line, safe.value)
        if safe is not None
        else config.trades.securities_account
    )
    new_security = None
    # only an event booked as an exchange needs it: another is refused for what it is
    moves = message.body.walk("SECMOVE") if event.value in ca.EXCHANGE_EVENTS else iter(())
    for move in moves:
        direction = move.get("22H", "CRDB")
        credited = move.get("35B")
        if direction is None or direction.value != "CRED" or credited is None:
            continue
        isin = message.isin(credited)
        if isin is not None and isin != message.isin(security):
            new_security = resolver.symbol(
                credited.line, isin, None, name=message.description(credited)
            )
            break
    return Header(corp.value, seme.value, function, event, symbol, account, usecu, new_security)


def _supported(message: iso15022.Message, head: Header) -> None:
    event = head.event.value
    if event not in ca.EVENT_NAMES:
        raise message.error(
            head.event.line,
            f"CORP {head.corp_ref}: event :22F::CAEV//{event} is not booked by Backoffice "
            "(it books DVCA cash dividends, INTR interest, SPLF splits, MRGR mergers and "
            "mandatory EXOF exchanges); book it by hand",
        )
    # the notification says whether it is mandatory; a confirmation follows its entitlement
    movement = message.sequence(message.body, "GENL").get("22F", "CAMV")
    voluntary = movement is None or movement.value != "MAND"
    if event == "EXOF" and message.message_type == "564" and voluntary:
        raise message.error(
            head.event.line,
            f"CORP {head.corp_ref}: a voluntary exchange offer (:22F::CAEV//EXOF without "
            f":22F::CAMV//MAND) of {head.security} is booked as the firm elected; book it by hand",
        )
    if event in ca.EXCHANGE_EVENTS and head.new_security is None:
        raise message.error(
            head.event.line,
            f"CORP {head.corp_ref}: a {head.name} of {head.security} that credits no other "
            "security (a SECMOVE :22H::CRDB//CRED with the new :35B:ISIN); book it by hand",
        )


def _ratio(message: iso15022.Message, seq: iso15022.Sequence, corp: str) -> tuple[Decimal, Decimal]:
    item = _find(seq, "92D", "NEWO")
    if item is None:
        raise message.error(
            seq.line,
            f"CORP {corp}: a split without :92D::NEWO// (new for old); the ratio is unknown",
        )
    new, sep, old = item.value.partition("/")
    if not sep:
        raise message.error(item.line, f":92D::NEWO//{item.value} is not new/old, e.g. 2,/1,")
    ratio = message.decimal(item, new), message.decimal(item, old)
    if not ratio[0] or not ratio[1]:
        raise message.error(item.line, f":92D::NEWO//{item.value}: a ratio of zero")
    return ratio


def _gross_rate(message: iso15022.Message, body: iso15022.Sequence, corp: str) -> Amount:
    found = _find(body, "92F", "GRSS")
    if found is not None:
        currency, number = message.amount(found)
        return Amount(number, currency)
    percent = _find(body, "92A", "GRSS")
    option_currency = _find(body, "11A", "OPTN")
    if percent is not None and option_currency is not None:
        return Amount(_rate(message, percent), option_currency.value[:3])
    raise message.error(
        body.line,
        f"CORP {corp}: no gross rate per unit (:92F::GRSS//CCYrate, or :92A::GRSS// with "
        ":11A::OPTN//CCY); the entitlement cannot be computed",
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Context:
    """One file's reading: the config, the books so far, provenance."""

    def __init__(self, config: Config, builder: SettlementBuilder) -> None:
        self.config = config
        self.builder = builder

    def meta(self, line: int, ref: str, **extra: Any) -> dict[str, Any]:
        meta = self.builder.meta(line, ref)
        meta.update(extra)
        return meta


def entitlement(message: iso15022.Message, head: Header, context: _Context) -> data.Custom:
    """The entitlement an MT564 announces, on the holding at its record date (or, for
    a cancellation or withdrawal, the entry that voids it)."""
    function = head.function.value[:4]
    if function in CANCEL_FUNCTIONS:
        return cancellation(message, head, context)
    if function not in NOTICE_FUNCTIONS:
        raise message.error(
            head.function.line,
            f"CORP {head.corp_ref}: :23G:{function} is no MT564 function "
            "(NEWM, REPL, REPE, RMDR, CANC, WITH)",
        )
    _supported(message, head)
    body = message.body
    record_date = _date(message, body, "RDTE")
    exchange = head.event.value == "SPLF" or head.event.value in ca.EXCHANGE_EVENTS
    if record_date is None and exchange:
        # an exchange without a record date applies to the holding of its effective or ex date
        record_date = _date(message, body, "EFFD") or _date(message, body, "XDTE")
    if record_date is None:
        raise message.error(
            body.line,
            f"CORP {head.corp_ref}: no record date (:98A::RDTE//, or :98A::EFFD// or "
            ":98A::XDTE// for a split or merger); the entitled holding is unknown",
        )
    existing = context.builder.existing
    quantity = ca.held(existing, head.account, head.security, record_date)
    if quantity <= 0:
        raise ImportFailure(
            message.filename,
            head.usecu.line,
            f"MT564 {head.seme}: CORP {head.corp_ref} ({head.name}) on {head.security}, but "
            f"{head.account} holds {quantity:f} {head.security} at the record date {record_date}",
            hint="import the trades or the opening position first; a notification of a "
            "security not held entitles to nothing",
        )
    pay_date = _date(message, body, "PAYD")
    common: dict[str, Any] = {
        "corp_ref": head.corp_ref,
        "event": head.event.value,
        "security": head.security,
        "account": head.account,
        "record_date": record_date,
        "quantity": quantity,
        "ex_date": _date(message, body, "XDTE"),
        "pay_date": pay_date,
    }
    meta = context.meta(head.event.line, head.seme, **{keys.CORP_REF: head.corp_ref})
    if head.event.value == "SPLF":
        new, old = _ratio(message, body, head.corp_ref)
        return ca.entitlement_entry(ca.Entitlement(ratio_new=new, ratio_old=old, **common), meta)
    if head.event.value in ca.EXCHANGE_EVENTS:
        return ca.entitlement_entry(_exchange(message, head, context, common), meta)
    if pay_date is None:
        raise message.error(
            body.line, f"CORP {head.corp_ref}: no pay date :98A::PAYD//; the cash is not expected"
        )
    rate = _gross_rate(message, body, head.corp_ref)
    gross = _cents(quantity * ca.number(rate))
    net_rate = _find(body, "92F", "NETT")
    tax_rate = next(
        (found for q in ("TAXR", "WITF") if (found := _find(body, "92A", q)) is not None), None
    )
    if net_rate is not None:
        net = _cents(quantity * message.amount(net_rate)[1])
    elif tax_rate is not None:
        net = gross - _cents(gross * _rate(message, tax_rate) / HUNDRED)
    else:
        net = gross
    currency = rate.currency
    item = ca.Entitlement(
        rate=rate,
        gross=Amount(gross, currency),
        withholding=Amount(gross - net, currency),
        net=Amount(net, currency),
        cash_account=context.config.corporate_actions.cash_account(
            currency, context.config.trades.securities_account
        ),
        **common,
    )
    return ca.entitlement_entry(item, meta)


def _exchange(
    message: iso15022.Message, head: Header, context: _Context, common: dict[str, Any]
) -> ca.Entitlement:
    """A merger's entitlement: new for old (``:92D::NEWO//`` in the SECMOVE crediting
    the new security) and the cash per old unit, if any (a CASHMOVE crediting
    ``:90B::OFFR//ACTU/CCYprice``, or ``:92F::GRSS//CCYrate``), paid on ``:98A::PAYD//``."""
    new, old = _ratio(message, message.body, head.corp_ref)
    rate: Amount | None = None
    for move in message.body.walk("CASHMOVE"):
        direction = move.get("22H", "CRDB")
        if direction is None or direction.value != "CRED":
            continue
        offer = move.get("90B", "OFFR")
        if offer is not None:
            currency, price = message.price(offer)
            rate = Amount(price, currency or "")
        else:
            rate = _gross_rate(message, move, head.corp_ref)
        break
    if rate is None:
        return ca.Entitlement(
            ratio_new=new, ratio_old=old, new_security=head.new_security, **common
        )
    if common["pay_date"] is None:
        raise message.error(
            message.body.line,
            f"CORP {head.corp_ref}: no pay date :98A::PAYD//; the merger's cash is not expected",
        )
    gross = Amount(_cents(common["quantity"] * ca.number(rate)), rate.currency)
    return ca.Entitlement(
        ratio_new=new,
        ratio_old=old,
        new_security=head.new_security,
        rate=rate,
        gross=gross,
        net=gross,
        cash_account=context.config.corporate_actions.cash_account(
            rate.currency, context.config.trades.securities_account
        ),
        **common,
    )


def _previous(message: iso15022.Message, head: Header) -> iso15022.Field:
    """The linkage ``:20C::PREV//`` (sequence A1 LINK) that a cancellation, withdrawal or
    reversal must give: the ``:20C::SEME//`` of the message it undoes."""
    genl = message.sequence(message.body, "GENL")
    for link in genl.sequences("LINK"):
        found = link.get("20C", "PREV")
        if found is not None:
            return found
    function = head.function.value[:4]
    raise message.error(
        head.function.line,
        f"CORP {head.corp_ref}: a {function} message names the message it undoes in "
        "GENL/LINK :20C::PREV//; this one has none",
    )


def _prepared(message: iso15022.Message) -> datetime.date | None:
    """The message's preparation date, ``:98A::PREP//`` or ``:98C::PREP//`` in GENL."""
    found = message.sequence(message.body, "GENL").get("98", "PREP")
    return message.date(found) if found is not None and found.tag != "98E" else None


def cancellation(message: iso15022.Message, head: Header, context: _Context) -> data.Custom:
    """What an MT564 CANC or WITH writes: the entitlement of its event no longer counts.

    It voids the notification its linkage names (``:20C::PREV//``) and the earlier ones
    of the event (all of them when the books lack the one named), dated when the
    custodian prepared it (else the record date). A confirmed event is refused: the
    custodian undoes a confirmation with an MT566 reversal."""
    previous = _previous(message, head)
    existing = context.builder.existing
    items = ca.notifications(existing).get(head.corp_ref, [])
    function = head.function.value[:4]
    what = "withdraws" if function == "WITH" else "cancels"
    if not items:
        raise ImportFailure(
            message.filename,
            previous.line,
            f"MT564 {head.seme}: {what} CORP {head.corp_ref} ({head.name} on "
            f"{head.security}, notification {previous.value}), of which the books hold no "
            "notification",
            hint="import the notification it cancels first; a cancellation of an event "
            "never booked has nothing to cancel",
        )
    named = [item for item in items if item.source_ref == previous.value]
    cancels = (named or items)[-1].source_ref
    assert cancels is not None
    written = any(
        isinstance(entry, data.Custom)
        and entry.type == ca.CANCELLED
        and keys.get_source_ref(entry.meta) == head.seme
        for entry in existing
    )
    if not written and head.corp_ref in ca.confirmed(existing):
        raise ImportFailure(
            message.filename,
            head.function.line,
            f"MT564 {head.seme}: {what} CORP {head.corp_ref} ({head.name} on "
            f"{head.security}), which an MT566 confirmation in the books already booked",
            hint="the custodian undoes a booked event with an MT566 reversal (:23G:REVR); "
            "import that, or ask the custodian which message stands",
        )
    day = _prepared(message) or (named or items)[-1].record_date
    meta = context.meta(
        head.function.line,
        head.seme,
        **{keys.CA_SECURITY: head.security, keys.CA_ACCOUNT: head.account},
    )
    return ca.cancellation_entry(head.corp_ref, function, cancels, day, meta)


def _entitled(message: iso15022.Message, head: Header, context: _Context) -> ca.Entitlement:
    found = ca.entitlements(context.builder.existing).get(head.corp_ref)
    if found is None:
        raise ImportFailure(
            message.filename,
            head.event.line,
            f"MT566 {head.seme}: confirms CORP {head.corp_ref} ({head.name} on "
            f"{head.security}), of which the books hold no entitlement",
            hint="import the custodian's MT564 notification of the event first (or in the "
            "same batch)",
        )
    if found.event != head.event.value:
        raise message.error(
            head.event.line,
            f"CORP {head.corp_ref}: confirms a {head.event.value}, the entitlement is a "
            f"{found.event}",
        )
    return found


def _mismatch(
    head: Header,
    context: _Context,
    day: datetime.date,
    line: int,
    differences: list[str],
    amount: Amount | None,
) -> data.Custom:
    """The break of a confirmation that differs from its entitlement."""
    description = f"MT566 {head.seme} for CORP {head.corp_ref} ({head.name} {head.security}): " + (
        "; ".join(differences)
    )
    item = new_break(
        MISMATCH,
        (head.corp_ref, head.seme),
        day,
        description,
        link=keys.corp_link(head.corp_ref),
        amount=amount,
    )
    meta = context.meta(line, f"{head.seme}/break")
    meta[keys.BREAK_LINK] = item.link
    meta[keys.BREAK_DESCRIPTION] = item.description
    if item.amount is not None:
        meta[keys.BREAK_AMOUNT] = item.amount
    values = [ValueType(item.id, str), ValueType(item.kind, str)]
    return data.Custom(meta, day, BREAK, values)


def _movement(caconf: iso15022.Sequence, name: str, direction: str) -> iso15022.Sequence | None:
    """The first ``name`` movement (CASHMOVE, SECMOVE) of ``direction`` (CRED, DEBT)."""
    for seq in caconf.sequences(name):
        found = seq.get("22H", "CRDB")
        if found is not None and found.value == direction:
            return seq
    return None


def _credit(
    message: iso15022.Message, head: Header, name: str, what: str
) -> tuple[iso15022.Sequence, iso15022.Sequence]:
    """CACONF and its ``name`` movement crediting ``what``, which a confirmation needs."""
    caconf = message.sequence(message.body, "CACONF")
    credit = _movement(caconf, name, "CRED")
    if credit is None:
        raise message.error(
            caconf.line,
            f"CORP {head.corp_ref}: no {name} crediting {what} (:22H::CRDB//CRED); nothing to book",
        )
    return caconf, credit


def _booked(
    head: Header,
    context: _Context,
    movement: iso15022.Sequence,
    day: datetime.date,
    narration: str,
    postings: list[data.Posting],
    differences: list[str],
    amount: Amount | None = None,
    **extra: Any,
) -> list[data.Directive]:
    """The confirmation's entry, linked to its event, and its break if it has differences."""
    entry = data.Transaction(
        context.meta(movement.line, head.seme, **{keys.CORP_REF: head.corp_ref}, **extra),
        day,
        "*",
        context.config.trades.custodian,
        narration,
        data.EMPTY_SET,
        frozenset({keys.corp_link(head.corp_ref)}),
        postings,
    )
    if not differences:
        return [entry]
    return [entry, _mismatch(head, context, day, movement.line, differences, amount)]


def _posted(message: iso15022.Message, seq: iso15022.Sequence) -> datetime.date:
    found = seq.get("98", "POST")
    if found is None:
        raise message.error(seq.line, f"sequence {seq.name} has no :98A::POST// posting date")
    return message.date(found)


def _cash_confirmation(
    message: iso15022.Message, head: Header, item: ca.Entitlement, context: _Context
) -> list[data.Directive]:
    _, cash = _credit(message, head, "CASHMOVE", "cash")
    amounts = {
        found.qualifier: message.amount(found) for found in cash.all("19B") if found.qualifier
    }
    currencies = {currency for currency, _ in amounts.values()}
    if len(currencies) != 1:
        raise message.error(
            cash.line,
            ":19B::PSTA// (or NETT// and GRSS//) amounts in one currency are needed; "
            f"found {sorted(currencies) or 'none'}",
        )
    currency = currencies.pop()
    tax = sum((amounts[q][1] for q in TAX_QUALIFIERS if q in amounts), ZERO)
    net = amounts.get("PSTA", amounts.get("NETT", (currency, None)))[1]
    gross = amounts.get("GRSS", (currency, None))[1]
    if net is None and gross is None:
        raise message.error(cash.line, "sequence CASHMOVE has no :19B::PSTA// amount posted")
    net = gross - tax if net is None and gross is not None else net
    gross = net + tax if gross is None and net is not None else gross
    assert net is not None and gross is not None
    gross, tax, net = money(gross), money(tax), money(net)
    if gross - tax != net:
        raise message.error(
            cash.line,
            f"gross {gross:f} less tax {tax:f} is not the net {net:f} {currency}; "
            "the confirmation does not add up",
        )
    day = _posted(message, cash)
    value = cash.get("98", "VALU")
    value_date = message.date(value) if value is not None else None
    extra: dict[str, Any] = {}
    if value_date is not None and value_date != day:
        extra[keys.VALUE_DATE] = value_date
    income = (
        context.config.accounts.interest
        if item.event == "INTR"
        else context.config.accounts.dividends
    )
    cash_account = item.cash_account or context.config.corporate_actions.cash_account(
        currency, context.config.trades.securities_account
    )
    postings = [posting(cash_account, net, currency)]
    if tax:
        postings.append(
            posting(context.config.corporate_actions.withholding_account, tax, currency)
        )
    postings.append(posting(income, -gross, currency))
    confirmed = head.usecu.get("93B", "CONB")
    quantity = message.quantity(confirmed)[1] if confirmed is not None else item.quantity
    narration = f"MT566 {item.name} {item.security}: {quantity:f} {item.security}"
    if item.rate is not None:
        narration += f" at {item.rate.number:f} {item.rate.currency}"
    differences = []
    if quantity != item.quantity:
        differences.append(f"quantity {quantity:f}, entitled {item.quantity:f}")
    difference: Amount | None = None
    if item.gross is not None and (item.gross.currency, item.gross.number) != (currency, gross):
        differences.append(f"gross {gross:f} {currency}, entitled {item.gross}")
        if item.gross.currency == currency:
            difference = Amount(money(gross - ca.number(item.gross)), currency)
    if item.net is not None and (item.net.currency, item.net.number) != (currency, net):
        differences.append(f"net {net:f} {currency}, entitled {item.net}")
        if difference is None and item.net.currency == currency:
            difference = Amount(money(net - ca.number(item.net)), currency)
    return _booked(head, context, cash, day, narration, postings, differences, difference, **extra)


def _lot_cost(total: Decimal, units: Decimal, cost: Cost) -> CostSpec:
    """The cost of ``units`` new units bought for ``total``, with the old lot's date and
    label: per unit where it divides exactly (with the old cost's decimals where they
    suffice: 60.00 -> 30.00), else the total (``{# total CCY, date}``), so no cent of
    the cost is lost to rounding."""
    per_unit = total / units if units else ZERO
    if per_unit * units != total:
        return CostSpec(None, total, cost.currency, cost.date, cost.label, False)
    exact = per_unit.quantize(cost.number)
    per_unit = exact if exact == per_unit else per_unit.normalize()
    return CostSpec(per_unit, None, cost.currency, cost.date, cost.label, False)


def _shares(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` (cents) shared by ``weights``, in cents, the last taking the remainder."""
    whole = sum(weights, ZERO)
    out = [_cents(total * weight / whole) if whole else ZERO for weight in weights]
    if out:
        out[-1] = total - sum(out[:-1], ZERO)
    return out


@dataclass(frozen=True)
class _Cash:
    """A cash movement of an exchange's confirmation: what was posted, and the price
    per unit it gives for fractions (``:90B::CINL//``), if any."""

    amount: Decimal
    currency: str
    line: int
    price: Decimal | None = None


def _cash_moves(
    message: iso15022.Message, caconf: iso15022.Sequence, event_cash: bool
) -> tuple[_Cash | None, _Cash | None]:
    """(the event's cash, the cash in lieu of fractions) an exchange's MT566 credits.

    A CASHMOVE with a cash-in-lieu price (``:90B::CINL//``) is for fractions; of the
    others, the first is the event's cash when the entitlement has one, else the
    cash in lieu."""
    event = in_lieu = None
    for seq in caconf.sequences("CASHMOVE"):
        direction = seq.get("22H", "CRDB")
        if direction is None or direction.value != "CRED":
            continue
        posted = seq.get("19B", "PSTA") or seq.get("19B", "NETT")
        if posted is None:
            raise message.error(seq.line, "sequence CASHMOVE has no :19B::PSTA// amount posted")
        currency, amount = message.amount(posted)
        price = seq.get("90", "CINL")
        found = _Cash(money(amount), currency, seq.line, message.price(price)[1] if price else None)
        if price is None and event_cash and event is None:
            event = found
        elif in_lieu is None:
            in_lieu = found
        else:
            raise message.error(seq.line, "a third cash credit (CASHMOVE); book this by hand")
    return event, in_lieu


def _exchange_confirmation(
    message: iso15022.Message, head: Header, item: ca.Entitlement, context: _Context
) -> list[data.Directive]:
    """A split or a merger: every lot of the old security out at its cost, the new
    units in at that cost, less the event's cash (a recovery of cost; beyond the
    lot's cost, a gain), with the lot's date; the fraction of a unit sold for cash
    in lieu goes out at its share of the cost, against the cash and a gain or loss."""
    caconf, credit = _credit(message, head, "SECMOVE", "securities")
    debit = _movement(caconf, "SECMOVE", "DEBT")
    credited = message.quantity(message.require(credit, "36B", "PSTA"))[1]
    day = _posted(message, credit)
    if not item.ratio_new or not item.ratio_old:
        raise ImportFailure(
            message.filename,
            credit.line,
            f"MT566 {head.seme}: the entitlement of CORP {head.corp_ref} in the books has no "
            "ratio-new/ratio-old",
            hint="import the MT564 notification again, or write the ratio on the entitlement",
        )
    new, old = item.ratio_new, item.ratio_old
    target = item.new_security or head.security
    undone = ca.reversed_refs(context.builder.existing)
    for entry in context.builder.existing:
        ref = keys.get_source_ref(entry.meta)
        if (
            isinstance(entry, data.Transaction)
            and entry.meta.get(keys.CORP_REF) == head.corp_ref
            and keys.CA_REVERSES not in entry.meta
            and ref not in undone
            and ref != head.seme
        ):
            raise message.error(
                credit.line,
                f"CORP {head.corp_ref}: the {item.name} of {head.security} is booked already "
                f"(confirmation {ref}); the custodian corrects it with a reversal (:23G:REVR) "
                "of that one first",
            )
    if head.new_security is not None and head.new_security != target:
        raise message.error(
            credit.line,
            f"CORP {head.corp_ref}: credits {head.new_security}, the entitlement names {target}",
        )
    try:
        lots = ca.lots(
            context.builder.existing, head.account, head.security, day, excluding=head.corp_ref
        )
    except ca.LotsNotBooked as exc:
        raise ImportFailure(
            message.filename,
            credit.line,
            f"MT566 {head.seme}: the {item.name} of {head.security} on {day} needs the booked "
            f"lots, and an entry of this batch moves {head.security} before it ({exc})",
            hint="import that file first, then this confirmation in a batch of its own",
        ) from None
    if not lots:
        raise ImportFailure(
            message.filename,
            credit.line,
            f"MT566 {head.seme}: a {item.name} of {head.security}, of which {head.account} "
            f"holds no lots on {day}",
            hint="import the trades or the opening position first",
        )
    units = [ca.number(lot.units) for lot in lots]
    if min(units) < 0:
        raise message.error(
            credit.line,
            f"a {item.name} of {head.security}, of which {head.account} is short on {day}; "
            "book it by hand",
        )
    event_cash, in_lieu = _cash_moves(message, caconf, item.rate is not None)
    currencies = {lot.cost.currency for lot in lots if lot.cost is not None}
    for found in (event_cash, in_lieu):
        if found is not None and currencies != {found.currency}:
            raise message.error(
                found.line,
                f"cash in {found.currency} for lots of {head.security} held at cost in "
                f"{', '.join(sorted(currencies))}: the cost it reduces is in another "
                "currency; book this exchange by hand",
            )
    held = sum(units, ZERO)
    exact = [count * new / old for count in units]
    whole = [value.to_integral_value(rounding=ROUND_FLOOR) for value in exact]
    fractions = [value - count for value, count in zip(exact, whole, strict=True)]
    if sum(fractions, ZERO) >= 1:
        raise message.error(
            credit.line,
            f"the {new:f} for {old:f} {item.name} leaves fractions of {head.security} in "
            "several lots that add up to a whole unit; book it by hand",
        )
    received = _shares(event_cash.amount, units) if event_cash else [ZERO] * len(lots)
    sold = _shares(in_lieu.amount, fractions) if in_lieu else [ZERO] * len(lots)
    postings: list[data.Posting] = []
    gain = ZERO
    for lot, count, value, after, part, cash, proceeds in zip(
        lots, units, exact, whole, fractions, received, sold, strict=True
    ):
        cost = lot.cost
        assert cost is not None
        remaining = cost.number * count - cash
        if remaining < 0:
            gain -= remaining
            remaining = ZERO
        # without cash in lieu (rounded down) the fraction's cost stays with the units
        fraction_cost = _cents(remaining * part / value) if in_lieu and part else ZERO
        gain += proceeds - fraction_cost
        spec_old = CostSpec(cost.number, None, cost.currency, cost.date, cost.label, False)
        postings.append(posting(head.account, -count, head.security, spec_old))
        if after:
            spec = _lot_cost(remaining - fraction_cost, after, cost)
            postings.append(posting(head.account, after, target, spec))
    total_after = sum(whole, ZERO)
    cash_account = context.config.corporate_actions.cash_account
    securities = context.config.trades.securities_account
    for found in (event_cash, in_lieu):
        if found is not None:
            account = item.cash_account or cash_account(found.currency, securities)
            postings.append(posting(account, found.amount, found.currency))
    if gain:
        currency = lots[0].cost.currency if lots[0].cost else ""
        postings.append(posting(context.config.accounts.realized, -gain, currency))
    what = f"{total_after:f} {target}" if target != head.security else f"{total_after:f}"
    narration = (
        f"MT566 {item.name} {head.security}"
        + (f" into {target}" if target != head.security else "")
        + f" {new:f} for {old:f}: {held:f} {head.security} become {what}"
    )
    if event_cash is not None:
        narration += f" and {event_cash.amount:f} {event_cash.currency}"
    fraction = sum(fractions, ZERO)
    # a fraction like 3/7 to six places in what people read; the postings stay exact
    shown = fraction if fraction == round(fraction, 6) else round(fraction, 6)
    if in_lieu is not None:
        narration += f", {shown:f} sold for {in_lieu.amount:f} {in_lieu.currency} cash in lieu"
    # A custodian either takes the old shares out and credits the new (DEBT and CRED),
    # or, for a split, credits only the additional shares.
    expected = total_after if debit is not None or target != head.security else total_after - held
    differences = []
    difference: Amount | None = None
    if credited != expected:
        differences.append(f"credited {credited:f} {target}, the books expect {expected:f}")
    if item.quantity != held:
        differences.append(f"the books hold {held:f}, entitled {item.quantity:f}")
    if item.gross is not None and (
        event_cash is None
        or (event_cash.currency, event_cash.amount) != (item.gross.currency, item.gross.number)
    ):
        paid = f"{event_cash.amount:f} {event_cash.currency}" if event_cash else "no cash"
        differences.append(f"paid {paid}, entitled {item.gross}")
        if event_cash is None or event_cash.currency == item.gross.currency:
            paid_amount = event_cash.amount if event_cash else ZERO
            difference = Amount(money(paid_amount - ca.number(item.gross)), item.gross.currency)
    if in_lieu is not None and not fraction:
        differences.append(
            f"cash in lieu {in_lieu.amount:f} {in_lieu.currency}, the books expect no fraction"
        )
    elif in_lieu is not None and in_lieu.price is not None:
        priced = _cents(fraction * in_lieu.price)
        if priced != in_lieu.amount:
            differences.append(
                f"cash in lieu {in_lieu.amount:f} {in_lieu.currency}, the books expect "
                f"{shown:f} at {in_lieu.price:f}: {priced:f}"
            )
    return _booked(head, context, credit, day, narration, postings, differences, difference)


def _undone(posting_: data.Posting) -> data.Posting:
    """``posting_`` of a booked entry, the other way (a lot reduced at its own cost)."""
    units = posting_.units
    assert units is not None
    cost = posting_.cost
    spec = (
        CostSpec(cost.number, None, cost.currency, cost.date, cost.label, False)
        if isinstance(cost, Cost)
        else None
    )
    return posting(posting_.account, -ca.number(units), units.currency, spec)


def reversal(message: iso15022.Message, head: Header, context: _Context) -> list[data.Directive]:
    """What an MT566 REVR books: the confirmation its linkage names
    (``:20C::PREV//``) undone, every posting the other way, dated when the custodian
    prepared it (never before the confirmation); the break that confirmation raised
    is resolved. The entitlement counts again until a new confirmation."""
    previous = _previous(message, head)
    existing = context.builder.existing
    original = next(
        (
            entry
            for entry in existing
            if isinstance(entry, data.Transaction)
            and keys.get_source_ref(entry.meta) == previous.value
            and entry.meta.get(keys.CORP_REF) == head.corp_ref
            and keys.CA_REVERSES not in entry.meta
        ),
        None,
    )
    if original is None:
        raise ImportFailure(
            message.filename,
            previous.line,
            f"MT566 {head.seme}: reverses confirmation {previous.value} of CORP "
            f"{head.corp_ref} ({head.name} on {head.security}), which is not in the books",
            hint="import the confirmation it reverses first; a reversal of a confirmation "
            "never booked has nothing to undo",
        )
    done = ca.reversed_refs(existing).get(previous.value)
    if done is not None and done != head.seme:
        raise message.error(
            previous.line,
            f"CORP {head.corp_ref}: reverses confirmation {previous.value}, which reversal "
            f"{done} in the books has undone already",
        )
    day = max(_prepared(message) or original.date, original.date)
    entry = data.Transaction(
        context.meta(
            head.function.line,
            head.seme,
            **{keys.CORP_REF: head.corp_ref, keys.CA_REVERSES: previous.value},
        ),
        day,
        "*",
        original.payee,
        f"MT566 reversal of {previous.value}: {original.narration}",
        data.EMPTY_SET,
        original.links,
        [_undone(leg) for leg in original.postings],
    )
    out: list[data.Directive] = [entry]
    for found in existing:
        if (
            isinstance(found, data.Custom)
            and found.type == BREAK
            and keys.get_source_ref(found.meta) == f"{previous.value}/break"
        ):
            meta = context.meta(head.function.line, f"{head.seme}/resolved")
            text = f"confirmation {previous.value} reversed by MT566 {head.seme}"
            values = [ValueType(found.values[0].value, str), ValueType(text, str)]
            out.append(data.Custom(meta, max(day, found.date), RESOLVED, values))
    return out


def confirmation(
    message: iso15022.Message, head: Header, context: _Context
) -> list[data.Directive]:
    """What an MT566 books: the income and tax, or the split; and a break where it
    differs from the entitlement."""
    function = head.function.value[:4]
    if function == "REVR":
        return reversal(message, head, context)
    if function != "NEWM":
        raise message.error(
            head.function.line,
            f"CORP {head.corp_ref}: :23G:{function} is no MT566 function (NEWM, REVR)",
        )
    _supported(message, head)
    item = _entitled(message, head, context)
    if item.event == "SPLF" or item.event in ca.EXCHANGE_EVENTS:
        return _exchange_confirmation(message, head, item, context)
    return _cash_confirmation(message, head, item, context)


class CorporateActionImporter(CustodyMessageImporter):
    """Corporate action notifications (MT564) and confirmations (MT566)."""

    message_types = frozenset({"564", "566"})

    @property
    def name(self) -> str:
        return "custody.corporate-actions"

    def message_entries(
        self, message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
    ) -> list[data.Directive]:
        context = _Context(self.config, builder)
        head = header(message, self.config, resolver)
        # An unknown security refuses the file now, with the directive to add: the
        # holding of a security the books do not know would read as nothing held.
        resolver.check(_first_date(message) or datetime.date(1970, 1, 1))
        if message.message_type == "564":
            return [entitlement(message, head, context)]
        return confirmation(message, head, context)

"""Corporate actions in the books: entitlements, their confirmations, holdings.

An MT564 notification becomes an *entitlement* on the holding as of the record
date: a ``custom "entitlement"`` entry dated the record date, which moves no
money and states what the holding is owed::

    2026-11-27 custom "entitlement" "XYZ-DVCA-2026-4" "DVCA"
      security: "XYZ"
      account: "Assets:Custody:Custodia:Securities"
      ex-date: 2026-11-26
      record-date: 2026-11-27
      pay-date: 2026-12-03
      quantity: 1000 XYZ
      rate: 0.50 USD
      gross: 500.00 USD
      withholding: 0.00 USD
      net: 500.00 USD
      cash-account: "Assets:Custody:Custodia:Cash:USD"

A later notification of the same event (``:23G:REPL``) replaces it: the last
entitlement of a ``corp-ref`` wins. A cancellation or withdrawal (MT564
``:23G:CANC``/``WITH``) voids the notification it names and the earlier ones of
its event, so the event no longer counts (a later notification brings it back)::

    2026-11-09 custom "entitlement-cancelled" "XYZ-DVCA-2026-4" "WITH"
      corp-ref: "XYZ-DVCA-2026-4"
      cancels: "CUS564-0001"

An entitlement is *confirmed* once a transaction carries its ``corp-ref`` (the
MT566 that books the income or the split) and no reversal (MT566 ``REVR``, a
transaction with ``reverses:`` its ``source-ref``) undoes it; until then
``backoffice cash`` shows its net amount as an expected receipt on the pay date.

A trade across the ex and record dates (dated before the ex date, settling after
the record date, or the reverse) moves the income between us and its
counterparty: :func:`market_claims` computes each from the books, open until a
transaction linking the event and the trade pays it.

The quantity held on a date is the settled position: a trade counts from its
``settle-date`` (whatever the settlement policy dated its entry), every other
movement from its date, which is what the issuer's register shows at the
record date.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.inventory import Inventory
from beancount.core.position import Cost, Position
from beancount.parser.grammar import ValueType

from ledger import meta as keys

ENTITLEMENT = "entitlement"
CANCELLED = "entitlement-cancelled"
ZERO = Decimal(0)
CENT = Decimal("0.01")

# ISO 15022 corporate action event codes (:22F::CAEV//) and what they are called here.
EVENT_NAMES = {
    "DVCA": "cash dividend",
    "INTR": "interest payment",
    "SPLF": "stock split",
    "MRGR": "merger",
    "EXOF": "exchange",
}
CASH_EVENTS = frozenset({"DVCA", "INTR"})
# One security exchanged for another at a ratio, with cash or not (an exchange offer
# only when mandatory: a voluntary one is booked as the firm elected, by hand).
EXCHANGE_EVENTS = frozenset({"MRGR", "EXOF"})


@dataclass(frozen=True)
class Entitlement:
    """What one event owes one holding, as its notification said (every amount's
    number is a Decimal: :func:`read_entitlement` reads no other)."""

    corp_ref: str
    event: str
    security: str
    account: str
    record_date: datetime.date
    quantity: Decimal
    ex_date: datetime.date | None = None
    pay_date: datetime.date | None = None
    rate: Amount | None = None
    gross: Amount | None = None
    withholding: Amount | None = None
    net: Amount | None = None
    cash_account: str | None = None
    ratio_new: Decimal | None = None
    ratio_old: Decimal | None = None
    new_security: str | None = None
    # the notification's own reference (a cancellation names it); not part of what it says
    source_ref: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return EVENT_NAMES.get(self.event, self.event)


def entitlement_entry(item: Entitlement, meta: Mapping[str, Any]) -> data.Custom:
    """The ``custom "entitlement"`` entry of ``item`` (``meta`` first: provenance)."""
    out: dict[str, Any] = dict(meta)
    out[keys.CA_SECURITY] = item.security
    out[keys.CA_ACCOUNT] = item.account
    if item.ex_date is not None:
        out[keys.EX_DATE] = item.ex_date
    out[keys.RECORD_DATE] = item.record_date
    if item.pay_date is not None:
        out[keys.PAY_DATE] = item.pay_date
    out[keys.CA_QUANTITY] = Amount(item.quantity, item.security)
    optional: list[tuple[str, object]] = [
        (keys.CA_RATE, item.rate),
        (keys.CA_GROSS, item.gross),
        (keys.CA_WITHHOLDING, item.withholding),
        (keys.CA_NET, item.net),
        (keys.CA_CASH_ACCOUNT, item.cash_account),
        (keys.CA_RATIO_NEW, item.ratio_new),
        (keys.CA_RATIO_OLD, item.ratio_old),
        (keys.CA_NEW_SECURITY, item.new_security),
    ]
    for key, value in optional:
        if value is not None:
            out[key] = value
    values = [ValueType(item.corp_ref, str), ValueType(item.event, str)]
    return data.Custom(out, item.record_date, ENTITLEMENT, values)


def number(value: Amount) -> Decimal:
    """The number of an amount the books hold complete (an entitlement's, a booked lot's)."""
    assert isinstance(value.number, Decimal), value
    return value.number


def _amount(meta: Mapping[str, Any], key: str) -> Amount | None:
    value = meta.get(key)
    return value if isinstance(value, Amount) and isinstance(value.number, Decimal) else None


def _decimal(meta: Mapping[str, Any], key: str) -> Decimal | None:
    value = meta.get(key)
    return value if isinstance(value, Decimal) else None


def _date(meta: Mapping[str, Any], key: str) -> datetime.date | None:
    value = meta.get(key)
    return value if isinstance(value, datetime.date) else None


def _str(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) else None


def read_entitlement(entry: data.Custom) -> Entitlement | None:
    """The entitlement an entry states, or None when it is not one (or is malformed:
    ``backoffice check`` shows nothing for it, and no report counts it)."""
    if entry.type != ENTITLEMENT or len(entry.values) != 2:
        return None
    corp_ref, event = (value.value for value in entry.values)
    meta = entry.meta
    security = _str(meta, keys.CA_SECURITY)
    account = _str(meta, keys.CA_ACCOUNT)
    quantity = _amount(meta, keys.CA_QUANTITY)
    if not (isinstance(corp_ref, str) and isinstance(event, str) and security and account):
        return None
    if quantity is None or quantity.number is None:
        return None
    return Entitlement(
        corp_ref=corp_ref,
        event=event,
        security=security,
        account=account,
        record_date=_date(meta, keys.RECORD_DATE) or entry.date,
        quantity=quantity.number,
        ex_date=_date(meta, keys.EX_DATE),
        pay_date=_date(meta, keys.PAY_DATE),
        rate=_amount(meta, keys.CA_RATE),
        gross=_amount(meta, keys.CA_GROSS),
        withholding=_amount(meta, keys.CA_WITHHOLDING),
        net=_amount(meta, keys.CA_NET),
        cash_account=_str(meta, keys.CA_CASH_ACCOUNT),
        ratio_new=_decimal(meta, keys.CA_RATIO_NEW),
        ratio_old=_decimal(meta, keys.CA_RATIO_OLD),
        new_security=_str(meta, keys.CA_NEW_SECURITY),
        source_ref=keys.get_source_ref(meta),
    )


def cancellation_entry(
    corp_ref: str, function: str, cancels: str, day: datetime.date, meta: Mapping[str, Any]
) -> data.Custom:
    """The ``custom "entitlement-cancelled"`` entry voiding the notification ``cancels``
    (a ``source-ref``) of event ``corp_ref`` and the earlier ones of that event."""
    out: dict[str, Any] = dict(meta)
    out[keys.CORP_REF] = corp_ref
    out[keys.CA_CANCELS] = cancels
    values = [ValueType(corp_ref, str), ValueType(function, str)]
    return data.Custom(out, day, CANCELLED, values)


def notifications(entries: Iterable[data.Directive]) -> dict[str, list[Entitlement]]:
    """Every event's notifications by ``corp-ref``, in the books' order, cancelled or not."""
    found: dict[str, list[Entitlement]] = {}
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == ENTITLEMENT:
            item = read_entitlement(entry)
            if item is not None:
                found.setdefault(item.corp_ref, []).append(item)
    return found


def _cancelled(entries: Iterable[data.Directive]) -> set[tuple[str, str]]:
    """(corp-ref, source-ref) of every notification a cancellation names."""
    out = set()
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == CANCELLED:
            corp_ref = _str(entry.meta, keys.CORP_REF)
            cancels = _str(entry.meta, keys.CA_CANCELS)
            if corp_ref and cancels:
                out.add((corp_ref, cancels))
    return out


def entitlements(entries: Iterable[data.Directive]) -> dict[str, Entitlement]:
    """Every event's entitlement by ``corp-ref``: its last notification after the last
    one a cancellation voids (an event whose every notification is voided has none)."""
    entries = list(entries)
    cancelled = _cancelled(entries)
    found: dict[str, Entitlement] = {}
    for corp_ref, items in notifications(entries).items():
        voided = [i for i, item in enumerate(items) if (corp_ref, item.source_ref) in cancelled]
        alive = items[voided[-1] + 1 :] if voided else items
        if alive:
            found[corp_ref] = alive[-1]
    return found


def reversed_refs(entries: Iterable[data.Directive]) -> dict[str, str]:
    """The ``source-ref`` of every confirmation a reversal undoes -> the reversal's."""
    out = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            undone = _str(entry.meta, keys.CA_REVERSES)
            ref = keys.get_source_ref(entry.meta)
            if undone is not None and ref is not None:
                out[undone] = ref
    return out


def confirmed(entries: Iterable[data.Directive]) -> set[str]:
    """The ``corp-ref`` of every event a transaction books (its MT566) and no reversal
    undoes."""
    entries = list(entries)
    undone = reversed_refs(entries)
    return {
        ref
        for entry in entries
        if isinstance(entry, data.Transaction)
        and isinstance(ref := entry.meta.get(keys.CORP_REF), str)
        and keys.CA_REVERSES not in entry.meta
        and keys.get_source_ref(entry.meta) not in undone
    }


def expected_receipts(entries: Iterable[data.Directive]) -> list[Entitlement]:
    """The entitlements to cash (an income, a merger's cash) no confirmation books yet,
    by pay date and reference."""
    entries = list(entries)
    done = confirmed(entries)
    return sorted(
        (
            item
            for item in entitlements(entries).values()
            if item.corp_ref not in done
            and item.net is not None
            and item.pay_date is not None
            and item.cash_account is not None
        ),
        key=lambda item: (item.pay_date or item.record_date, item.corp_ref),
    )


@dataclass(frozen=True)
class MarketClaim:
    """Income one of our trades moves between us and its counterparty: the trade's
    quantity x the gross rate, positive when the counterparty owes it to us."""

    corp_ref: str
    event: str
    trade_id: str
    counterparty: str | None
    security: str
    quantity: Decimal
    amount: Amount
    pay_date: datetime.date
    cash_account: str


def _claimed_units(
    item: Entitlement, trade_date: datetime.date, settle_date: datetime.date, units: Decimal
) -> Decimal:
    """The units of a trade of ``units`` (+ bought, - sold) whose income belongs to the
    other side of what the register pays at the record date: + owed to us, - by us."""
    assert item.ex_date is not None
    cum = trade_date < item.ex_date
    settles_after = settle_date > item.record_date
    if cum and settles_after:
        return units  # bought cum, not yet ours at the record date: the seller owes it
    if not cum and not settles_after:
        return -units  # bought ex, ours by the record date: we owe it (a reverse claim)
    return ZERO


def market_claims(entries: Iterable[data.Directive]) -> list[MarketClaim]:
    """The open market claims of every cash entitlement with an ex date and a rate: a
    trade dated before the ex date that settles after the record date (or after the
    ex date, settling by the record date) in the entitled account and security. A
    claim is open until a transaction carries both the event's and the trade's links
    (its payment), by pay date, reference and trade."""
    entries = list(entries)
    items = [
        item
        for item in entitlements(entries).values()
        if item.event in CASH_EVENTS
        and item.ex_date is not None
        and item.rate is not None
        and item.pay_date is not None
        and item.cash_account is not None
    ]
    if not items:
        return []
    linked = [
        entry.links
        for entry in entries
        if isinstance(entry, data.Transaction)
        and any(link.startswith(keys.CORP_LINK_PREFIX) for link in entry.links)
    ]
    claims = []
    for entry in entries:
        if not isinstance(entry, data.Transaction) or keys.TRADE_ID not in entry.meta:
            continue
        trade_id = keys.get_trade_id(entry.meta)
        trade_date = _date(entry.meta, keys.TRADE_DATE)
        settle_date = _date(entry.meta, keys.SETTLE_DATE)
        if trade_id is None or trade_date is None or settle_date is None:
            continue
        for item in items:
            units = sum(
                (
                    leg.units.number
                    for leg in entry.postings
                    if leg.account == item.account
                    and leg.units is not None
                    and leg.units.currency == item.security
                    and isinstance(leg.units.number, Decimal)
                ),
                ZERO,
            )
            claimed = _claimed_units(item, trade_date, settle_date, units) if units else ZERO
            links = {keys.corp_link(item.corp_ref), keys.trade_link(trade_id)}
            if not claimed or any(links <= found for found in linked):
                continue
            rate = item.rate
            assert rate is not None and item.pay_date is not None and item.cash_account
            claims.append(
                MarketClaim(
                    item.corp_ref,
                    item.event,
                    trade_id,
                    keys.get_counterparty(entry.meta),
                    item.security,
                    claimed,
                    Amount((claimed * number(rate)).quantize(CENT, ROUND_HALF_UP), rate.currency),
                    item.pay_date,
                    item.cash_account,
                )
            )
    return sorted(claims, key=lambda c: (c.pay_date, c.corp_ref, c.trade_id))


def _movement_date(entry: data.Transaction) -> datetime.date:
    """When an entry's securities move: a trade on its settle date, the rest on their date."""
    if keys.TRADE_ID in entry.meta:
        settle = entry.meta.get(keys.SETTLE_DATE)
        if isinstance(settle, datetime.date):
            return settle
    return entry.date


def held(
    entries: Iterable[data.Directive], account: str, security: str, day: datetime.date
) -> Decimal:
    """The settled quantity of ``security`` in ``account`` at the end of ``day``."""
    total = ZERO
    for entry in entries:
        if not isinstance(entry, data.Transaction) or _movement_date(entry) > day:
            continue
        for posting in entry.postings:
            units = posting.units
            if (
                posting.account == account
                and units is not None
                and units.currency == security
                and isinstance(units.number, Decimal)
            ):
                total += units.number
    return total


class LotsNotBooked(Exception):
    """An entry of the batch moves the security before the date: its lots are not known
    until Beancount books it (the message names the entry's line)."""

    def __init__(self, entry: data.Transaction) -> None:
        self.entry = entry
        super().__init__(f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}")


def lots(
    entries: Iterable[data.Directive],
    account: str,
    security: str,
    day: datetime.date,
    *,
    excluding: str | None = None,
) -> list[Position]:
    """The lots of ``security`` in ``account`` at the end of ``day``, oldest first, from
    booked entries; the entries of the event ``excluding`` (a ``corp-ref``) are left
    out, so a split read again after it is booked gives the same lots."""
    inventory = Inventory()
    for entry in entries:
        if not isinstance(entry, data.Transaction) or _movement_date(entry) > day:
            continue
        if excluding is not None and entry.meta.get(keys.CORP_REF) == excluding:
            continue
        for posting in entry.postings:
            units = posting.units
            if posting.account != account or units is None or units.currency != security:
                continue
            if not isinstance(posting.cost, Cost):
                raise LotsNotBooked(entry)
            inventory.add_position(Position(units, posting.cost))
    return sorted(
        (position for position in inventory if position.units.number),
        key=lambda p: (p.cost.date if p.cost else datetime.date.min, str(p.cost)),
    )

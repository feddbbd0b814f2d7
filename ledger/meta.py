"""The metadata keys of the books, in one place, with typed getters.

Importers write these keys; plugins and reports read them. A getter returns
``None`` when the key is absent and raises :class:`MetaError` when the value
has the wrong type, so callers turn that into an error tuple with the entry's
meta (plugins never raise).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

TRADE_ID = "trade-id"
TRADE_DATE = "trade-date"
SETTLE_DATE = "settle-date"
ISIN = "isin"
SIDE = "side"
COUNTERPARTY = "counterparty"
SOURCE = "source"
SOURCE_REF = "source-ref"
SOURCE_SHA256 = "source-sha256"
VALUE_DATE = "value-date"
BOOKING_DATE = "booking-date"
SETTLE_OVERRIDE = "settle-override"
ORIGINAL_DATE = "original-date"
# The execution time of a trade (``HH:MM:SS``), where the source gives one: the blotter shows it.
TRADE_TIME = "trade-time"
# A trade's price per unit where its securities leg carries none (a sale booked
# `-900 XYZ {}` without `@`): the blotter shows it.
TRADE_PRICE = "price"
# A settle date the source does not give, derived by the importer from the security's
# standard cycle and calendars: what it was derived from (the entry says so).
SETTLE_DATE_FROM = "settle-date-from"
# Settlement (plugins.settlement): a trade's reversal names the trade it cancels;
# a settlement for less than the outstanding amount says it is partial; entries
# the plugin generates for auto-settle counterparties say so; a trade failing
# for fewer business days than fail-warning-days carries its age and the cash
# still unsettled (firm's view: negative = we still pay).
CANCELS = "cancels"
PARTIAL = "partial"
AUTO_SETTLED = "auto-settled"
FAIL_AGE = "fail-age"
FAIL_OUTSTANDING = "fail-outstanding"
# Custody holdings (a `balance` from MT535 or a custody CSV): sub-balances the
# custodian reports but the assertion leaves out.
PENDING_QUANTITY = "pending-quantity"
BLOCKED_QUANTITY = "blocked-quantity"
# A holding the books see differently because of known trades (a fail under the
# contractual policy): the custodian's own quantity, and the trades adjusting it.
CUSTODIAN_QUANTITY = "custodian-quantity"
ADJUSTED_FOR = "adjusted-for"
# Breaks (custom "break", ledger/breaks): the trade link or the account it is
# about, what went wrong, and the money at stake.
BREAK_LINK = "link"
BREAK_ACCOUNT = "account"
BREAK_DESCRIPTION = "description"
BREAK_AMOUNT = "amount"
# Corporate actions (custom "entitlement", from an MT564; the MT566 entry booking it):
# the event's reference (:20C::CORP//), its kind (:22F::CAEV//), its dates, the
# holding at the record date and what it is entitled to.
CORP_REF = "corp-ref"
CA_EVENT = "event"
CA_SECURITY = "security"
CA_ACCOUNT = "account"
EX_DATE = "ex-date"
RECORD_DATE = "record-date"
PAY_DATE = "pay-date"
CA_QUANTITY = "quantity"
CA_RATE = "rate"
CA_GROSS = "gross"
CA_WITHHOLDING = "withholding"
CA_NET = "net"
CA_CASH_ACCOUNT = "cash-account"
CA_RATIO_NEW = "ratio-new"
CA_RATIO_OLD = "ratio-old"
# a merger's new security; the notification a cancellation (MT564 CANC/WITH) voids,
# the confirmation a reversal (MT566 REVR) undoes, by their ``source-ref``
CA_NEW_SECURITY = "new-security"
CA_CANCELS = "cancels"
CA_REVERSES = "reverses"
CORP_LINK_PREFIX = "corp-"

# Open-directive metadata.
CASH_FLOOR = "cash-floor"
# ``cash-floor: "none"``: a cash account whose balance the books do not know (a new
# broker's cash, whose statement lines are not booked), left out of the cash checks
# until the firm sets its floor.
NO_CASH_FLOOR = "none"

# Commodity-directive metadata.
COMMODITY_ISIN = "isin"
COMMODITY_NAME = "name"
ASSET_CLASS = "asset-class"
MARKET = "market"

ASSET_CLASSES = (
    "equity",
    "etf",
    "fund",
    "corporate-bond",
    "municipal-bond",
    "government-bond",
    "fx",
)

Side = Literal["buy", "sell"]

TRADE_LINK_PREFIX = "trade-"


class MetaError(ValueError):
    """A metadata value has the wrong type or an invalid value."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(f"metadata {key!r} is {value!r}; expected {expected}")
        self.key = key
        self.value = value
        self.expected = expected


def get_str(meta: Mapping[str, Any] | None, key: str) -> str | None:
    """The string value of ``key``, or None when absent."""
    value = meta.get(key) if meta else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal | int):
        # Beancount parses a bare number; ids like 12345 are still ids.
        return str(value)
    raise MetaError(key, value, "a string")


def get_date(meta: Mapping[str, Any] | None, key: str) -> datetime.date | None:
    """The date value of ``key`` (a Beancount date or an ISO string), or None."""
    value = meta.get(key) if meta else None
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise MetaError(key, value, "a date (YYYY-MM-DD)")


def get_decimal(meta: Mapping[str, Any] | None, key: str) -> Decimal | None:
    """The number value of ``key``, or None."""
    value = meta.get(key) if meta else None
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise MetaError(key, value, "a number")


def get_bool(meta: Mapping[str, Any] | None, key: str) -> bool:
    """True when ``key`` is set to TRUE (absent is False)."""
    value = meta.get(key) if meta else None
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise MetaError(key, value, "TRUE or FALSE")


def get_side(meta: Mapping[str, Any] | None) -> Side | None:
    """The trade side, ``buy`` or ``sell``."""
    value = get_str(meta, SIDE)
    if value is None:
        return None
    if value == "buy":
        return "buy"
    if value == "sell":
        return "sell"
    raise MetaError(SIDE, value, "'buy' or 'sell'")


def get_trade_id(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, TRADE_ID)


def get_trade_date(meta: Mapping[str, Any] | None) -> datetime.date | None:
    return get_date(meta, TRADE_DATE)


def get_settle_date(meta: Mapping[str, Any] | None) -> datetime.date | None:
    return get_date(meta, SETTLE_DATE)


def get_isin(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, ISIN)


def get_counterparty(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, COUNTERPARTY)


def get_source(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, SOURCE)


def get_source_ref(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, SOURCE_REF)


def get_source_sha256(meta: Mapping[str, Any] | None) -> str | None:
    return get_str(meta, SOURCE_SHA256)


def get_value_date(meta: Mapping[str, Any] | None) -> datetime.date | None:
    return get_date(meta, VALUE_DATE)


def get_booking_date(meta: Mapping[str, Any] | None) -> datetime.date | None:
    return get_date(meta, BOOKING_DATE)


def get_cash_floor(meta: Mapping[str, Any] | None) -> tuple[Decimal, str | None]:
    """The ``cash-floor`` of an ``open`` directive: (number, currency or None).

    Written as ``cash-floor: "-500000 USD"`` (a string) or a bare number.
    Absent means a floor of zero.
    """
    if not meta or meta.get(CASH_FLOOR) is None:
        return Decimal(0), None
    value = meta[CASH_FLOOR]
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value), None
    number = getattr(value, "number", None)
    currency = getattr(value, "currency", None)
    if isinstance(number, Decimal) and isinstance(currency, str):
        return number, currency
    if isinstance(value, str):
        parts = value.split()
        try:
            if len(parts) == 2:
                return Decimal(parts[0]), parts[1]
            if len(parts) == 1:
                return Decimal(parts[0]), None
        except ArithmeticError:
            pass
    raise MetaError(CASH_FLOOR, value, 'an amount such as "-500000 USD" or a number')


# Beancount's link characters; a trade id that goes into a link keeps to them
LINK_MAX = 128
LINK_SAFE = re.compile(rf"[A-Za-z0-9\-_/.]{{1,{LINK_MAX}}}")


def trade_link(trade_id: str) -> str:
    """The link that ties a trade to its settlement, confirmation and breaks."""
    return TRADE_LINK_PREFIX + trade_id


def stable_id(*parts: str, length: int = 16) -> str:
    """A deterministic id derived from a hash of its source parts (never random)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def corp_link(corp_ref: str) -> str:
    """The link ``^corp-<ref>`` tying an entitlement's confirmation and breaks together
    (characters a link may not hold become ``-``)."""
    return CORP_LINK_PREFIX + re.sub(r"[^A-Za-z0-9._/-]", "-", corp_ref)

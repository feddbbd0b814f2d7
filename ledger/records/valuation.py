"""``valuation_report``: every position at market and at cost, in its currency and
in the base currency (``[firm] base-currency``), with the FX revaluation of cash.

Prices are the books' ``price`` directives, read through Beancount's price map:
a security's price is the latest on or before the as-of date in its cost
currency; a rate converts that currency into the base currency (the inverse
rate serves when only that is written). A price older than ``[valuation]
stale-after-days`` calendar days is used but listed as stale; a security or
currency without any price is listed as missing and left out of the market
totals: never valued at cost.

One dict (amounts are Decimals, dates are dates):

- ``as_of``, ``base_currency``, ``stale_after_days``;
- ``securities``: one row per account, security and cost currency, by account
  and security: ``account``, ``security``, ``quantity``, ``currency`` (the cost
  currency), ``cost``, ``price``, ``price_date``, ``market``, ``unrealized``
  (market less cost), ``rate`` (currency to base), ``cost_base``,
  ``market_base`` and ``unrealized_base`` (at the as-of rate; None where a price
  or rate is missing);
- ``cash``: one row per cash account and currency (no cost), with ``balance``,
  ``rate``, ``value_base``, ``historical_base`` (each posting at the rate of its
  date) and ``revaluation`` (value less historical: the FX gain or loss; None
  where a rate is missing). A cash account is one :func:`is_cash` says is;
- ``other``: the same rows for every other balance of an asset or liability
  account held without cost: the clearing accounts (what a counterparty owes
  on a trade not yet settled), the suspense account. They are the firm's, but
  not cash: the cash section and the cash ladder must agree;
- ``totals``: ``market_base``, ``cost_base`` and ``unrealized_base`` over the
  securities valued at market (an unpriced one is in none of them),
  ``cash_base`` and ``revaluation`` over the cash rows with a rate,
  ``other_base`` over the other rows with a rate, and ``total_base``
  (securities at market plus cash plus other);
- ``missing`` and ``stale``: rows of ``commodity``, ``currency`` (what it is
  priced in), ``date`` (of the latest price, None when there is none) and
  ``age`` (days), by commodity.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data, prices

from ledger import meta as keys
from ledger.books import Books
from ledger.close.sealed_history import SealedHistory, sealed_history
from ledger.config import Config

ZERO = Decimal(0)
ONE = Decimal(1)
ONE_DAY = datetime.timedelta(days=1)
ROUND = Decimal("0.01")


PricePair = tuple[datetime.date | None, Decimal | None]


def _get_price(
    price_map: Any, base: str, quote: str, day: datetime.date | None = None
) -> PricePair:
    """Beancount's lookup (untyped there): the latest price on or before ``day``
    (any day when None), the inverse of the pair's when only that is known."""
    if day is None:
        found = prices.get_latest_price(price_map, (base, quote))  # type: ignore[no-untyped-call]
    else:
        found = prices.get_price(price_map, (base, quote), day)  # type: ignore[no-untyped-call]
    when, number = found
    return when, number


class _Prices:
    """The price map, and what it could not price (or priced from an old price)."""

    def __init__(self, entries: Sequence[data.Directive], config: Config, as_of: datetime.date):
        self.map = prices.build_price_map(entries)  # type: ignore[no-untyped-call]
        self.as_of = as_of
        self.base = config.firm.base_currency
        self.stale_after = config.valuation.stale_after_days
        self.missing: dict[tuple[str, str], dict[str, Any]] = {}
        self.stale: dict[tuple[str, str], dict[str, Any]] = {}
        self.crossed: dict[tuple[str, str, datetime.date], PricePair] = {}
        self.revaluation_account: str | None = config.close.revaluation_account
        self.rates: dict[tuple[str, datetime.date], Decimal | None] = {}

    def price(
        self, commodity: str, currency: str, *, cross: bool = False
    ) -> tuple[Decimal | None, datetime.date | None]:
        """The price of ``commodity`` in ``currency`` as of the as-of date; a rate
        (``cross``) may go through one other currency (the ECB's rates are per euro)."""
        if commodity == currency:
            return ONE, self.as_of
        day, number = self._lookup(commodity, currency, self.as_of, cross)
        if number is None or day is None:
            latest, _ = _get_price(self.map, commodity, currency)
            self.missing[(commodity, currency)] = self._row(commodity, currency, latest)
            return None, None
        if (self.as_of - day).days > self.stale_after:
            self.stale[(commodity, currency)] = self._row(commodity, currency, day)
        return number, day

    def rate_on(self, currency: str, day: datetime.date) -> Decimal | None:
        """The rate from ``currency`` to the base currency on ``day`` (no listing)."""
        if currency == self.base:
            return ONE
        key = (currency, day)
        if key not in self.rates:  # asked for each posting: most share a day
            self.rates[key] = self._lookup(currency, self.base, day, True)[1]
        return self.rates[key]

    def _lookup(self, base: str, quote: str, day: datetime.date, cross: bool) -> PricePair:
        """The direct price, else (``cross``) the product through the first other
        currency, by name, that prices both; dated by the older of the two."""
        when, number = _get_price(self.map, base, quote, day)
        if number is not None or not cross:
            return when, number
        key = (base, quote, day)
        if key not in self.crossed:  # each cash posting asks: search the map once a day
            self.crossed[key] = None, None
            for via in sorted(q for b, q in self.map if b == base and q != quote):
                first_day, first = _get_price(self.map, base, via, day)
                second_day, second = _get_price(self.map, via, quote, day)
                if first is not None and second is not None and first_day and second_day:
                    self.crossed[key] = min(first_day, second_day), first * second
                    break
        return self.crossed[key]

    def _row(self, commodity: str, currency: str, day: datetime.date | None) -> dict[str, Any]:
        if day is not None and day > self.as_of:
            day = None  # only a price after the as-of date: none as of then
        return {
            "commodity": commodity,
            "currency": currency,
            "date": day,
            "age": None if day is None else (self.as_of - day).days,
        }


def _times(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a * b


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(ROUND)


Held = dict[tuple[str, str, str], list[Decimal]]  # (account, security, cost ccy) -> qty, cost
Balances = dict[tuple[str, str], Decimal]  # (account, currency) -> balance


class Walk:
    """The one pass over the entries: the positions held at cost, and each balance held
    without cost with its value at the rates of the days it moved (the FX revaluation
    is the difference with today's value). One pass, not Beancount's
    balance_by_account and a second walk: the books are far larger than the
    processor's caches. It goes on from where it stopped (:meth:`advance`), so a
    ``close --through`` adds each month to the last (:func:`historical_walk`).

    Books loaded from a snapshot (``sealed``): the historical values start from the
    snapshot's, which hold every posting up to its day at the rates of those days
    (the summary's postings carry no such day)."""

    def __init__(self, book: _Prices, sealed: SealedHistory | None = None) -> None:
        self.book = book
        self.held: Held = defaultdict(lambda: [ZERO, ZERO])
        self.balance: Balances = defaultdict(Decimal)
        self.historical: dict[tuple[str, str], Decimal | None] = defaultdict(Decimal)
        self.frozen = datetime.date.min
        if sealed is not None:
            self.historical.update(sealed.historical)
            self.frozen = sealed.end
        self.index = 0  # the first entry not walked yet

    def advance(self, entries: Sequence[data.Directive], until: datetime.date) -> None:
        """Walk ``entries`` (the same list each time, in date order) up to ``until``."""
        book, held, balance, historical = self.book, self.held, self.balance, self.historical
        skipped, frozen = book.revaluation_account, self.frozen
        index = self.index
        while index < len(entries) and entries[index].date <= until:
            entry = entries[index]
            index += 1
            if not isinstance(entry, data.Transaction):
                continue
            for posting in entry.postings:
                units = posting.units
                if units is None or not isinstance(units.number, Decimal):
                    continue
                account = posting.account
                if not account.startswith(("Assets:", "Liabilities:")) or account == skipped:
                    continue
                cost = posting.cost
                if cost is not None:
                    # booked: a Cost, never a CostSpec (typed as either)
                    number = getattr(cost, "number", None)
                    if isinstance(number, Decimal) and isinstance(cost.currency, str):
                        totals = held[(account, units.currency, cost.currency)]
                        totals[0] += units.number
                        totals[1] += units.number * number
                    continue
                key = (account, units.currency)
                balance[key] += units.number
                if entry.date <= frozen:
                    continue  # in the snapshot's historical value
                rate = book.rate_on(units.currency, entry.date)
                before = historical[key]
                historical[key] = (
                    None if rate is None or before is None else before + units.number * rate
                )
        self.index = index


def historical_walk(entries: Sequence[data.Directive], config: Config) -> Walk:
    """A :class:`Walk` of every asset and liability account (the revaluation account
    too) at the rates of ``entries``' prices: advanced to a period end, its
    ``historical`` is what a snapshot carries for :func:`valuation_report`
    (:mod:`ledger.close.snapshot_history`)."""
    book = _Prices(entries, config, datetime.date.max)
    book.revaluation_account = None  # the report leaves it out; the snapshot keeps all
    return Walk(book)


def _securities(held: Held, book: _Prices) -> list[dict[str, Any]]:
    rows = []
    for (account, security, currency), (quantity, cost) in sorted(held.items()):
        if not quantity:
            continue
        price, day = book.price(security, currency)
        rate, _ = book.price(currency, book.base, cross=True)
        market = _money(_times(quantity, price))
        cost = _money(cost) or ZERO
        rows.append(
            {
                "account": account,
                "security": security,
                "quantity": quantity,
                "currency": currency,
                "cost": cost,
                "price": price,
                "price_date": day,
                "market": market,
                "unrealized": _minus(market, cost),
                "rate": rate,
                "cost_base": _money(_times(cost, rate)),
                "market_base": _money(_times(market, rate)),
                "unrealized_base": _money(_times(_minus(market, cost), rate)),
            }
        )
    return rows


def cash_accounts(entries: list[data.Directive], config: Config) -> frozenset[str]:
    """The accounts whose balances are cash: opened with ``cash-floor`` (any value,
    ``"none"`` too: a broker's cash account opened without a floor is still cash),
    given a floor in ``[cash.floors]``, a counterparty's ``cash-account``, or under
    one of ``[valuation] cash-accounts``."""
    roots = config.valuation.cash_accounts
    named = set(config.cash.floors)
    named |= {cp.cash_account for cp in config.counterparties.values() if cp.cash_account}
    found = set()
    for entry in entries:
        if not isinstance(entry, data.Open):
            continue
        account = entry.account
        if (
            account in named
            or keys.CASH_FLOOR in (entry.meta or {})
            or any(account == root or account.startswith(root + ":") for root in roots)
        ):
            found.add(account)
    return frozenset(found)


def _balances(balance: Balances, historical: dict[Any, Any], book: _Prices) -> list[dict[str, Any]]:
    rows = []
    for (account, currency), amount in sorted(balance.items()):
        if not amount:
            continue
        rate, _ = book.price(currency, book.base, cross=True)
        value = _money(_times(amount, rate))
        past = _money(historical[(account, currency)])
        rows.append(
            {
                "account": account,
                "currency": currency,
                "balance": amount,
                "rate": rate,
                "value_base": value,
                "historical_base": past,
                "revaluation": _minus(value, past),
            }
        )
    return rows


def _total(rows: list[dict[str, Any]], key: str) -> Decimal:
    return sum((row[key] for row in rows if row[key] is not None), ZERO)


def valuation_report(books: Books, config: Config, as_of: datetime.date) -> dict[str, Any]:
    """Every position at market and at cost as of ``as_of``; cash and its FX revaluation."""
    book = _Prices(books.entries, config, as_of)
    walk = Walk(book, sealed_history(books.options))
    walk.advance(books.entries, as_of)
    held, balance, historical = walk.held, walk.balance, walk.historical
    securities = _securities(held, book)
    cash_names = cash_accounts(books.entries, config)
    balances_rows = _balances(balance, historical, book)
    cash = [row for row in balances_rows if row["account"] in cash_names]
    other = [row for row in balances_rows if row["account"] not in cash_names]
    valued = [row for row in securities if row["market_base"] is not None]
    totals = {
        "market_base": _total(valued, "market_base"),
        "cost_base": _total(valued, "cost_base"),
        "unrealized_base": _total(valued, "unrealized_base"),
        "cash_base": _total(cash, "value_base"),
        "revaluation": _total(cash, "revaluation"),
        "other_base": _total(other, "value_base"),
    }
    totals["total_base"] = totals["market_base"] + totals["cash_base"] + totals["other_base"]
    return {
        "as_of": as_of,
        "base_currency": book.base,
        "stale_after_days": book.stale_after,
        "securities": securities,
        "cash": cash,
        "other": other,
        "totals": totals,
        "missing": [book.missing[k] for k in sorted(book.missing)],
        "stale": [book.stale[k] for k in sorted(book.stale)],
    }

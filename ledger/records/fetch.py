"""``backoffice prices``: fetch prices through bean-price sources into the prices file.

A security (or currency) is fetched when its ``commodity`` directive names its
sources the way bean-price reads them::

    2026-01-01 commodity AAPL
      price: "USD:yahoo/AAPL"

``<quote currency>:<source>/<ticker>``; several, separated by spaces or commas,
are tried in order (the first that answers wins); a ticker written ``^TICKER``
is inverted. A ``<source>`` without a dot is one of beanprice's
(``beanprice.sources.<source>``), else a module path. The module's ``Source``
class follows beanprice's interface (``beanprice.source.Source``):
``get_latest_price(ticker)`` and ``get_historical_price(ticker, time)``, each
returning an object with ``price`` (a Decimal), ``time`` (a timezone-aware
datetime, or None) and ``quote_currency`` (or None), or None when it has no
price. No beanprice is needed for a source of the firm's own.

A price is dated by its ``time`` as the source gives it (else by the date asked),
and carries ``source`` (``<module>/<ticker>``) and ``source-ref``
(``<module>/<ticker>/<date>``): fetching again adds nothing, and a day the books
already price (an MT535, a broker's OFX, a rate file) is not priced twice.
"""

from __future__ import annotations

import datetime
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys

PRICE_META = "price"
BEANPRICE_SOURCES = "beanprice.sources"
_SOURCE = re.compile(r"^(?P<quote>[A-Z][A-Z0-9'._-]*):(?P<module>[\w.]+)/(?P<ticker>\^?[^\s,]+)$")


class SourceError(Exception):
    """A ``price`` metadata value that names no usable source (a usage error)."""


@dataclass(frozen=True)
class PriceSource:
    """One of a commodity's sources: the module, the ticker, the quote currency."""

    commodity: str
    quote: str
    module: str
    ticker: str
    invert: bool
    meta: dict[str, Any]


@dataclass(frozen=True)
class Fetched:
    """What ``fetch_prices`` found: new prices, and the commodities no source priced."""

    prices: list[data.Price]
    already: int  # prices the books hold for that day
    failed: list[tuple[PriceSource, str]]


def _at(meta: dict[str, Any]) -> str:
    return f"{meta.get('filename')}:{meta.get('lineno')}"


def price_sources(entries: Iterable[data.Directive]) -> list[list[PriceSource]]:
    """Each commodity's sources, in the order of its ``price`` metadata."""
    found = []
    for entry in entries:
        if not isinstance(entry, data.Commodity) or not entry.meta:
            continue
        value = entry.meta.get(PRICE_META)
        if value is None:
            continue
        sources = []
        for part in re.split(r"[\s,]+", str(value).strip()):
            match = _SOURCE.match(part)
            if match is None:
                raise SourceError(
                    f"{_at(entry.meta)}: commodity {entry.currency}: price source {part!r} "
                    "is not <CURRENCY>:<source>/<ticker>; write it as bean-price does: "
                    '"USD:yahoo/AAPL"'
                )
            module = match["module"]
            if "." not in module:
                module = f"{BEANPRICE_SOURCES}.{module}"
            ticker = match["ticker"]
            sources.append(
                PriceSource(
                    entry.currency,
                    match["quote"],
                    module,
                    ticker.lstrip("^"),
                    ticker.startswith("^"),
                    entry.meta,
                )
            )
        found.append(sources)
    return found


def _source(source: PriceSource, cache: dict[str, Any]) -> Any:
    if source.module not in cache:
        try:
            module = importlib.import_module(source.module)
        except ImportError as exc:
            hint = (
                "install beanprice (pip install beanprice)"
                if source.module.startswith(BEANPRICE_SOURCES)
                else "check the module path"
            )
            raise SourceError(
                f"{_at(source.meta)}: commodity {source.commodity}: no price source "
                f"{source.module} ({exc}); {hint}"
            ) from None
        factory = getattr(module, "Source", None)
        if factory is None:
            raise SourceError(
                f"{_at(source.meta)}: {source.module} has no Source class (beanprice's interface)"
            )
        cache[source.module] = factory()
    return cache[source.module]


def _ask(source: PriceSource, cache: dict[str, Any], day: datetime.date | None) -> Any:
    fetcher = _source(source, cache)
    if day is None:
        return fetcher.get_latest_price(source.ticker)
    # the day's last price wherever it closes: the end of the day in UTC, not the
    # machine's zone (bean-price's 16:00 local), so every machine asks the same
    when = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)
    return fetcher.get_historical_price(source.ticker, when)


def _priced(entries: Iterable[data.Directive]) -> tuple[set[str], set[tuple[Any, ...]]]:
    refs = set()
    days = set()
    for entry in entries:
        if isinstance(entry, data.Price):
            ref = keys.get_source_ref(entry.meta)
            if ref is not None:
                refs.add(ref)
            days.add((entry.date, entry.currency, entry.amount.currency))
    return refs, days


def fetch_prices(
    entries: list[data.Directive], day: datetime.date | None, filename: str
) -> Fetched:
    """Ask each commodity's sources for its price on ``day`` (None: the latest)."""
    cache: dict[str, Any] = {}
    refs, days = _priced(entries)
    new: dict[tuple[Any, ...], data.Price] = {}
    already = 0
    failed: list[tuple[PriceSource, str]] = []
    for sources in price_sources(entries):
        problems = []
        for source in sources:
            try:
                answer = _ask(source, cache, day)
            except SourceError:
                raise
            except Exception as exc:  # a source's own failure (network, format): try the next
                problems.append(f"{source.module}/{source.ticker}: {type(exc).__name__}: {exc}")
                continue
            if answer is None or answer.price is None:
                problems.append(f"{source.module}/{source.ticker}: no price")
                continue
            number = Decimal(answer.price)
            if not number.is_finite() or number <= 0:
                problems.append(f"{source.module}/{source.ticker}: price {number} is not positive")
                continue
            if source.invert:
                number = 1 / number
            quote = answer.quote_currency or source.quote
            when = answer.time.date() if answer.time is not None else day
            if when is None:
                problems.append(f"{source.module}/{source.ticker}: the latest price has no time")
                continue
            ref = f"{source.module}/{source.ticker}/{when.isoformat()}"
            key = (when, source.commodity, quote)
            if ref in refs or key in days:
                already += 1
            elif key not in new:
                meta = data.new_metadata(filename, 0)
                meta[keys.SOURCE] = f"{source.module}/{source.ticker}"
                meta[keys.SOURCE_REF] = ref
                new[key] = data.Price(meta, when, source.commodity, Amount(number, quote))
            problems = []
            break
        if problems:
            failed.append((sources[0], "; ".join(problems)))
    prices = sorted(new.values(), key=lambda p: (p.date, p.currency, p.amount.currency))
    return Fetched(prices, already, failed)


def price_text(price: data.Price) -> str:
    """A fetched price as the prices file holds it."""
    meta = price.meta
    return (
        f"{price.date} price {price.currency} {price.amount.number} {price.amount.currency}\n"
        f'  source: "{meta[keys.SOURCE]}"\n'
        f'  source-ref: "{meta[keys.SOURCE_REF]}"\n'
    )

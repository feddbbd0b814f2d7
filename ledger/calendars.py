"""Settlement calendars: business days from the ``holidays`` library's financial calendars.

A calendar is named by its code in ``holidays.financial_holidays`` (``XNYS``,
``XNAS``, ``FED``, ``ECB``/``TAR`` for TARGET, ``XLON``, ``XETR``, ``XSWX``,
``XSIF`` for SIFMA, ...). A day is a business day of a *set* of calendars when it
is a weekday and a holiday in none of them: a US trade settles on the days both
the exchange (XNYS) and the Federal Reserve (FED, and so DTC) are open, so a
trade on Friday 2026-10-09 settles on Tuesday 2026-10-13, Columbus Day on the
Monday being a Fed holiday though the NYSE trades.

No holiday is written here: the dates come from the library, weekends
included (each calendar's ``weekend``). Results are cached, since the
settlement plugin asks the same questions for many trades; the library's
answers are also kept on disk (``calendars-v1/<holidays version>.json`` in the
cache directory of :mod:`ledger.cache`), since its first answer in a process
costs more than the questions of a whole run.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from functools import lru_cache

import holidays
from holidays.registry import EntityLoader

from ledger.cache import default_cache_dir, write_atomic

# The calendar of each currency's cash settlement system (Fedwire, TARGET2,
# CHAPS, SIX Interbank Clearing, BOJ-NET, ...), as the library names it.
CURRENCY_CALENDARS: dict[str, str] = {
    "USD": "FED",
    "EUR": "ECB",
    "GBP": "XLON",
    "CHF": "XSWX",
    "JPY": "XJPX",
    "HKD": "XHKG",
    "CAD": "XTSE",
    "AUD": "XASX",
    "SGD": "XSES",
}

Calendars = tuple[str, ...]
CACHE_DIR = "calendars-v1"  # under ledger.cache.default_cache_dir(); bump if the layout changes


class CalendarError(ValueError):
    """A calendar name the ``holidays`` library does not know."""


@lru_cache(maxsize=1)
def known_calendars() -> frozenset[str]:
    """Every financial calendar code the installed ``holidays`` offers, aliases included.

    Read from the library's registry (every release the project allows has it):
    ``holidays.list_supported_financial()`` gives the same codes but imports every
    market's module, and every country's, to list their subdivisions, a cost every
    command that reads a config would pay."""
    return frozenset(EntityLoader.get_financial_codes(include_aliases=True))


def calendar_set(names: Iterable[str]) -> Calendars:
    """``names`` as a canonical (sorted, de-duplicated) tuple, each checked."""
    result = tuple(sorted(set(names)))
    unknown = [name for name in result if name not in known_calendars()]
    if unknown:
        raise CalendarError(
            f"unknown calendar {', '.join(unknown)}; use a code of "
            "holidays.financial_holidays, e.g. XNYS, FED, ECB, XLON, XETR, XSWX"
        )
    if not result:
        raise CalendarError("no calendar given")
    return result


class _Stored:
    """The closed days and weekends already asked of ``holidays``, kept in the cache
    directory (:mod:`ledger.cache`) per version of the library: the library's first
    answer in a process imports every financial market's module, and every
    country's, though a run asks about a few calendars and years. Read once
    per process; written again, atomically, whenever something is added."""

    def __init__(self) -> None:
        directory = default_cache_dir()
        version = getattr(holidays, "__version__", "unknown")
        self.path = None if directory is None else directory / CACHE_DIR / f"{version}.json"
        self.values: dict[str, object] = {}
        if self.path is not None:
            try:
                stored = json.loads(self.path.read_bytes())
            except (OSError, ValueError):
                stored = None
            if isinstance(stored, dict):
                self.values = stored

    def closed_days(self, name: str, year: int) -> frozenset[datetime.date] | None:
        days = self.values.get(f"{name} {year}")
        if not isinstance(days, list) or not all(isinstance(day, str) for day in days):
            return None
        try:
            return frozenset(map(datetime.date.fromisoformat, days))
        except ValueError:
            return None

    def weekend(self, name: str) -> frozenset[int] | None:
        days = self.values.get(f"{name} weekend")
        if not isinstance(days, list) or not all(
            type(day) is int and 0 <= day <= 6 for day in days
        ):
            return None
        return frozenset(days)

    def keep(self, key: str, value: list[str] | list[int]) -> None:
        self.values[key] = value
        if self.path is not None:
            write_atomic(self.path, json.dumps(self.values, sort_keys=True))


@lru_cache(maxsize=1)
def _stored() -> _Stored:
    return _Stored()


@lru_cache(maxsize=512)
def _closed_days(name: str, year: int) -> frozenset[datetime.date]:
    days = _stored().closed_days(name, year)
    if days is None:
        days = frozenset(holidays.financial_holidays(name, years=year).keys())
        _stored().keep(f"{name} {year}", sorted(day.isoformat() for day in days))
    return days


@lru_cache(maxsize=64)
def _weekend(name: str) -> frozenset[int]:
    days = _stored().weekend(name)
    if days is None:
        days = frozenset(holidays.financial_holidays(name).weekend)
        _stored().keep(f"{name} weekend", sorted(days))
    return days


def calendar_for_currency(currency: str) -> str | None:
    """The calendar of ``currency``'s cash settlement system, or None when unknown."""
    return CURRENCY_CALENDARS.get(currency)


@lru_cache(maxsize=1024)
def _closed_in_year(calendar_names: Calendars, year: int) -> frozenset[datetime.date]:
    """Every day of ``year`` on which one of the calendars is closed, weekends included."""
    weekend = frozenset().union(*(_weekend(name) for name in calendar_names))
    closed: set[datetime.date] = set()
    for name in calendar_names:
        closed.update(day for day in _closed_days(name, year) if day.year == year)
    day = datetime.date(year, 1, 1)
    one = datetime.timedelta(days=1)
    while day.year == year:
        if day.weekday() in weekend:
            closed.add(day)
        day += one
    return frozenset(closed)


def is_business_day(calendar_names: Calendars, day: datetime.date) -> bool:
    """True when ``day`` is a business day of every calendar in ``calendar_names``
    (a set lookup in the year's closed days of all of them, built once per year)."""
    return day not in _closed_in_year(calendar_names, day.year)


@lru_cache(maxsize=65536)
def add_business_days(calendar_names: Calendars, day: datetime.date, n: int) -> datetime.date:
    """The ``n``-th business day after ``day`` (``n`` >= 0; 0 rolls a holiday forward)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    current = day
    if n == 0:
        while not is_business_day(calendar_names, current):
            current += datetime.timedelta(days=1)
        return current
    remaining = n
    while remaining:
        current += datetime.timedelta(days=1)
        if is_business_day(calendar_names, current):
            remaining -= 1
    return current


def business_days(calendar_names: Calendars, start: datetime.date, n: int) -> list[datetime.date]:
    """The next ``n`` business days after ``start``."""
    days = []
    current = start
    for _ in range(n):
        current = add_business_days(calendar_names, current, 1)
        days.append(current)
    return days


@lru_cache(maxsize=65536)
def business_days_between(
    calendar_names: Calendars, start: datetime.date, end: datetime.date
) -> int:
    """How many business days fall after ``start`` up to and including ``end`` (0 if none)."""
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_business_day(calendar_names, current):
            count += 1
    return count

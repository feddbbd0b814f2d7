"""The business days of a currency's cash: its settlement system's calendar.

The calendar is the one plugins.settlement settles the currency's cash on:
``[settlement] currency-calendars`` in ``backoffice.toml``, else
:func:`ledger.calendars.calendar_for_currency` (FED for USD, ECB's TARGET for
EUR, ...); Monday to Friday for a currency with neither.
"""

from __future__ import annotations

import datetime

from ledger.calendars import Calendars, add_business_days
from ledger.config import Config
from ledger.settlement.cycles import CycleBook, CycleError

ONE_DAY = datetime.timedelta(days=1)


def currency_calendar(config: Config, currency: str) -> Calendars | None:
    """The calendars of ``currency``'s cash settlement days, as plugins.settlement has them."""
    try:
        return CycleBook(config.settlement).currency_calendar(currency)
    except CycleError:
        return None


def first_business_day(calendar: Calendars | None, day: datetime.date) -> datetime.date:
    """``day`` when it is a business day, else the next one."""
    if calendar is not None:
        return add_business_days(calendar, day, 0)
    while day.weekday() >= 5:
        day += ONE_DAY
    return day


def ladder_dates(
    calendar: Calendars | None, as_of: datetime.date, days: int
) -> list[datetime.date]:
    """The first ``days`` business days on or after ``as_of``."""
    dates = []
    day = as_of
    for _ in range(days):
        day = first_business_day(calendar, day)
        dates.append(day)
        day += ONE_DAY
    return dates

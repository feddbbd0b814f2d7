"""Settlement calendars come from the holidays library, intersected across systems."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.calendars import (
    CalendarError,
    add_business_days,
    business_days,
    business_days_between,
    calendar_for_currency,
    calendar_set,
    is_business_day,
    known_calendars,
)

US = calendar_set(["XNYS", "FED"])


def test_columbus_day_trade_settles_tuesday() -> None:
    """Friday 2026-10-09, T+1: the NYSE trades on Columbus Day but the Fed is shut."""
    assert is_business_day(("XNYS",), date(2026, 10, 12))
    assert not is_business_day(("FED",), date(2026, 10, 12))
    assert add_business_days(US, date(2026, 10, 9), 1) == date(2026, 10, 13)


def test_thanksgiving_and_weekends_are_skipped() -> None:
    assert business_days(US, date(2026, 11, 20), 4) == [
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
    ]
    assert business_days_between(US, date(2026, 11, 20), date(2026, 11, 27)) == 4
    assert business_days_between(US, date(2026, 11, 27), date(2026, 11, 20)) == 0


def test_target_holidays_for_eur_cash() -> None:
    target = calendar_set([calendar_for_currency("EUR") or ""])
    assert target == ("ECB",)
    # Easter Monday 2026-04-06 and 1 May are TARGET closing days.
    assert add_business_days(target, date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_business_days(target, date(2026, 4, 30), 1) == date(2026, 5, 4)


def test_zero_days_rolls_a_holiday_forward() -> None:
    assert add_business_days(US, date(2026, 11, 26), 0) == date(2026, 11, 27)
    assert add_business_days(US, date(2026, 11, 25), 0) == date(2026, 11, 25)


def test_unknown_calendar_is_named() -> None:
    with pytest.raises(CalendarError, match="unknown calendar NOPE"):
        calendar_set(["XNYS", "NOPE"])
    assert calendar_for_currency("XAU") is None


def test_known_calendars_are_the_librarys_codes_and_aliases() -> None:
    """Read from the registry, they are the codes list_supported_financial() lists
    (which imports every market's module to do so)."""
    import holidays

    known = known_calendars()
    assert known == frozenset(holidays.list_supported_financial())
    assert {"XNYS", "NYSE", "FED", "ECB", "TAR", "XLON", "XETR", "XSWX"} <= known

"""Settlement calendars come from the holidays library, intersected across systems."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import holidays
import pytest

from ledger import calendars
from ledger.cache import CACHE_ENV
from ledger.calendars import (
    CURRENCY_CALENDARS,
    CalendarError,
    add_business_days,
    business_days,
    business_days_between,
    calendar_for_currency,
    calendar_set,
    is_business_day,
    known_calendars,
)
from ledger.settlement.cycles import ANY, BUILT_IN_RULES, MARKET_CALENDARS

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


def test_the_built_in_cycles_calendars_are_the_librarys() -> None:
    """pyproject.toml's lower bound on holidays is the first release with all of
    them (FED came in 0.109). Four EU markets have no exchange calendar in 0.109:
    their trades need [settlement] market-calendars (docs/settlement.md); a later
    release may add them."""
    named = {
        MARKET_CALENDARS.get(market, market)
        for rule in BUILT_IN_RULES
        for market in rule.markets
        if market != ANY
    }
    named |= {name for rule in BUILT_IN_RULES for name in rule.calendars}
    named |= set(CURRENCY_CALENDARS.values())
    assert named - {"XCSE", "XHEL", "XSTO", "XWBO"} <= known_calendars()


@pytest.fixture
def fresh_calendars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], Path]]:
    """The calendar caches emptied, the disk cache in ``tmp_path``; the returned
    function empties the in-process caches again (as a new process would start)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))

    def new_process() -> Path:
        for cached in (calendars._stored, calendars._closed_days, calendars._weekend):
            cached.cache_clear()
        calendars._closed_in_year.cache_clear()
        add_business_days.cache_clear()
        return tmp_path / calendars.CACHE_DIR / f"{holidays.__version__}.json"

    new_process()
    yield new_process
    new_process()


def test_the_librarys_answers_are_kept_for_the_next_process(
    fresh_calendars: Callable[[], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = fresh_calendars()
    assert add_business_days(US, date(2026, 10, 9), 1) == date(2026, 10, 13)
    kept = json.loads(stored.read_text())
    assert "2026-10-12" in kept["FED 2026"]  # Columbus Day
    assert kept["XNYS weekend"] == [5, 6]

    def no_library(*args: object, **kwargs: object) -> None:
        raise AssertionError("the library was asked again")

    fresh_calendars()
    monkeypatch.setattr(holidays, "financial_holidays", no_library)
    assert add_business_days(US, date(2026, 10, 9), 1) == date(2026, 10, 13)
    assert business_days(US, date(2026, 11, 20), 4)[-1] == date(2026, 11, 27)


@pytest.mark.parametrize(
    "damage",
    [
        "not json",
        "[1, 2]",
        '{"FED 2026": "2026-10-12", "FED weekend": {"5": 6}}',
        '{"FED 2026": ["2026-13-12"], "FED weekend": [5, 6, 7]}',
        '{"FED 2026": [20261012], "FED weekend": [true, 6]}',
    ],
)
def test_a_damaged_cache_is_asked_of_the_library_again(
    fresh_calendars: Callable[[], Path], damage: str
) -> None:
    """Whatever a damaged file holds in place of a value (the wrong type, not a date,
    not a weekday), the answer is the library's (a Columbus Day trade settles on
    Tuesday), and the file is written whole again. (A value of the right shape is
    trusted: the file is keyed by the library's version, which fixes its answers.)"""
    stored = fresh_calendars()
    stored.parent.mkdir(parents=True)
    stored.write_text(damage)
    fresh_calendars()
    assert add_business_days(("FED",), date(2026, 10, 9), 1) == date(2026, 10, 13)
    kept = json.loads(stored.read_text())
    assert "2026-10-12" in kept["FED 2026"]
    assert kept["FED weekend"] == [5, 6]


def test_no_cache_directory_no_file(
    fresh_calendars: Callable[[], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    fresh_calendars()
    assert add_business_days(US, date(2026, 10, 9), 1) == date(2026, 10, 13)
    assert list(tmp_path.iterdir()) == []


def test_a_cache_that_cannot_be_written_is_no_error(
    fresh_calendars: Callable[[], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "below"))  # a directory under a file
    fresh_calendars()
    assert add_business_days(US, date(2026, 10, 9), 1) == date(2026, 10, 13)

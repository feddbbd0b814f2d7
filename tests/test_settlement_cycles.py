"""Settlement cycles by market and asset class, with effective dates and config overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.calendars import add_business_days
from ledger.config import ConfigError, SettlementConfig, parse_config
from ledger.settlement.cycles import CycleBook, CycleError

BOOK = CycleBook(SettlementConfig())


def settle(market: str, asset_class: str, currencies: list[str], trade: date) -> date:
    cycle = BOOK.cycle(market, asset_class, currencies, trade)
    return add_business_days(cycle.calendars, trade, cycle.days)


@pytest.mark.parametrize(
    ("market", "asset_class", "trade", "expected"),
    [
        ("XNYS", "equity", date(2024, 5, 24), date(2024, 5, 29)),  # T+2, Memorial Day
        ("XNYS", "equity", date(2024, 5, 28), date(2024, 5, 29)),  # T+1 from 2024-05-28
        ("XNAS", "equity", date(2026, 10, 9), date(2026, 10, 13)),  # Columbus Day (FED)
        ("ARCX", "etf", date(2026, 11, 25), date(2026, 11, 27)),  # Thanksgiving
        ("XNYS", "corporate-bond", date(2017, 9, 1), date(2017, 9, 7)),  # T+3, Labor Day
        ("XNYS", "government-bond", date(2026, 11, 10), date(2026, 11, 12)),  # Veterans Day
    ],
)
def test_us_cycles(market: str, asset_class: str, trade: date, expected: date) -> None:
    assert settle(market, asset_class, ["USD"], trade) == expected


def test_eu_uk_ch_move_to_t_plus_1_for_trades_from_2027_10_11() -> None:
    assert settle("XETR", "equity", ["EUR"], date(2027, 10, 8)) == date(2027, 10, 12)
    assert settle("XETR", "equity", ["EUR"], date(2027, 10, 11)) == date(2027, 10, 12)
    assert settle("XLON", "equity", ["GBP"], date(2027, 10, 8)) == date(2027, 10, 12)
    assert settle("XLON", "equity", ["GBP"], date(2027, 10, 11)) == date(2027, 10, 12)
    assert settle("XSWX", "corporate-bond", ["CHF"], date(2026, 12, 23)) == date(2026, 12, 29)
    # TARGET is shut on Easter Monday: a Paris trade on Maundy Thursday settles Wednesday.
    assert settle("XPAR", "equity", ["EUR"], date(2026, 4, 2)) == date(2026, 4, 8)


def test_fx_spot_is_t_plus_2_on_both_currencies() -> None:
    # 2026-10-12 is a Fed holiday, 2026-10-13 is not a TARGET one.
    assert settle("", "fx", ["USD", "EUR"], date(2026, 10, 8)) == date(2026, 10, 13)


def test_config_cycles_win_over_built_ins(tmp_path: Path) -> None:
    config = parse_config(
        """
        [settlement]
        currency-calendars = { SEK = ["XNYS"] }

        [[settlement.cycles]]
        markets = ["XNYS"]
        asset-classes = ["equity"]
        days = 0
        from = 2026-01-01
        calendars = ["XNYS"]
        """.replace("\n        ", "\n"),
        tmp_path / "backoffice.toml",
    )
    book = CycleBook(config.settlement)
    cycle = book.cycle("XNYS", "equity", ["USD"], date(2026, 10, 9))
    assert (cycle.days, cycle.calendars) == (0, ("FED", "XNYS"))
    assert (
        cycle.rule.describe()
        == "[[settlement.cycles]] #1 rule T+0 for equity on XNYS from 2026-01-01"
    )
    assert book.cycle("XNYS", "equity", ["USD"], date(2025, 10, 9)).days == 1
    assert book.currency_calendar("SEK") == ("XNYS",)


def test_missing_rule_and_calendar_say_what_to_add() -> None:
    with pytest.raises(CycleError, match=r'markets = \["XTKS"\] and asset-classes = \["equity"\]'):
        BOOK.cycle("XTKS", "equity", ["JPY"], date(2026, 10, 9))
    with pytest.raises(CycleError, match=r"no settlement calendar for currency SEK"):
        BOOK.cycle("XETR", "equity", ["SEK"], date(2026, 10, 9))
    with pytest.raises(CycleError, match=r"no exchange calendar for market XSTO"):
        BOOK.cycle("XSTO", "equity", ["EUR"], date(2026, 10, 9))


def test_unknown_calendar_in_config_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"settlement.market-calendars.*unknown calendar NOPE"):
        parse_config('[settlement]\nmarket-calendars = { XSTO = ["NOPE"] }\n', tmp_path / "b.toml")

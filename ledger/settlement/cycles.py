"""Settlement cycles: how many business days after T a trade settles, and on which calendars.

A rule is keyed on the security's market (ISO 10383 MIC) and asset class and
holds for trade dates in a range. Rules in ``[[settlement.cycles]]`` come
first, in file order; the built-in ones below follow. The business days are
those of the market's exchange calendar and the cash currency's settlement
system (XNYS and FED for a US equity paid in USD), unless the rule names its
own calendars (SIFMA's for US treasuries), and always the currencies' own.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.calendars import Calendars, calendar_for_currency, calendar_set
from ledger.config import SettlementConfig

ANY = "*"

US_MARKETS = ("XNYS", "XNAS", "ARCX", "XASE", "BATS", "IEXG")
EU_MARKETS = (
    "XETR",
    "XFRA",
    "XPAR",
    "XAMS",
    "XBRU",
    "XLIS",
    "XDUB",
    "XMIL",
    "XMAD",
    "XATH",
    "XWBO",
    "XHEL",
    "XSTO",
    "XCSE",
    "XWAR",
)
UK_MARKETS = ("XLON",)
CH_MARKETS = ("XSWX",)
EUROPE = EU_MARKETS + UK_MARKETS + CH_MARKETS

# The exchange calendar of each MIC, where the holidays library has one under
# another code (NYSE Arca, NYSE American and Cboe BZX keep the NYSE's holidays).
MARKET_CALENDARS: dict[str, str] = {
    "ARCX": "XNYS",
    "XASE": "XNYS",
    "BATS": "XNYS",
    "IEXG": "XNYS",
}


@dataclass(frozen=True)
class CycleRule:
    """Trades on ``markets`` in ``asset_classes`` dated ``start``..``end`` settle T+``days``."""

    markets: tuple[str, ...]
    asset_classes: tuple[str, ...]
    days: int
    start: datetime.date | None = None
    end: datetime.date | None = None
    calendars: tuple[str, ...] = ()
    origin: str = "built-in"

    def covers(self, market: str, asset_class: str) -> bool:
        return (ANY in self.markets or market in self.markets) and (
            ANY in self.asset_classes or asset_class in self.asset_classes
        )

    def holds_on(self, trade_date: datetime.date) -> bool:
        return (self.start is None or trade_date >= self.start) and (
            self.end is None or trade_date <= self.end
        )

    def describe(self) -> str:
        dates = ""
        if self.start:
            dates += f" from {self.start}"
        if self.end:
            dates += f" until {self.end}"
        return (
            f"{self.origin} rule T+{self.days} for {'/'.join(self.asset_classes)} on "
            f"{'/'.join(self.markets)}{dates}"
        )


_US_SECURITIES = ("equity", "etf", "corporate-bond", "municipal-bond")
_EU_SECURITIES = ("equity", "etf", "corporate-bond", "government-bond")
# SEC rule 15c6-1: T+3, T+2 from 2017-09-05, T+1 from 2024-05-28.
# EU (CSDR), UK and Switzerland: T+1 for trades from 2027-10-11 (the last T+2
# trade date is Friday 2027-10-08; the weekend between belongs to T+2).
BUILT_IN_RULES: tuple[CycleRule, ...] = (
    CycleRule(US_MARKETS, _US_SECURITIES, 3, end=datetime.date(2017, 9, 4)),
    CycleRule(
        US_MARKETS,
        _US_SECURITIES,
        2,
        start=datetime.date(2017, 9, 5),
        end=datetime.date(2024, 5, 27),
    ),
    CycleRule(US_MARKETS, _US_SECURITIES, 1, start=datetime.date(2024, 5, 28)),
    CycleRule(US_MARKETS, ("government-bond",), 1, calendars=("XSIF",)),
    CycleRule(UK_MARKETS, ("government-bond",), 1),
    CycleRule(EUROPE, _EU_SECURITIES, 2, end=datetime.date(2027, 10, 10)),
    CycleRule(EUROPE, _EU_SECURITIES, 1, start=datetime.date(2027, 10, 11)),
    CycleRule((ANY,), ("fx",), 2),
)


@dataclass(frozen=True)
class Cycle:
    """The cycle of one trade: T+``days`` on ``calendars``, and the rule it came from."""

    days: int
    calendars: Calendars
    rule: CycleRule


class CycleError(ValueError):
    """No rule or no calendar for a trade."""


def _config_rules(config: SettlementConfig) -> tuple[CycleRule, ...]:
    return tuple(
        CycleRule(
            markets=tuple(cycle.markets),
            asset_classes=tuple(cycle.asset_classes),
            days=cycle.days,
            start=cycle.from_,
            end=cycle.until,
            calendars=tuple(cycle.calendars),
            origin=f"[[settlement.cycles]] #{i + 1}",
        )
        for i, cycle in enumerate(config.cycles)
    )


class CycleBook:
    """The rules and calendars of one config; answers are cached per key."""

    def __init__(self, config: SettlementConfig) -> None:
        self.rules = _config_rules(config) + BUILT_IN_RULES
        self.market_calendars: dict[str, tuple[str, ...]] = {
            market: (calendar,) for market, calendar in MARKET_CALENDARS.items()
        }
        self.market_calendars.update(
            {market: tuple(names) for market, names in config.market_calendars.items()}
        )
        self.currency_calendars = {
            currency: tuple(names) for currency, names in config.currency_calendars.items()
        }
        # Per market, asset class and currencies: the rules that cover them, in order,
        # and the cycle of each by its index there (a trade date only picks one).
        self._rules: dict[tuple[str, str, tuple[str, ...]], tuple[CycleRule, ...]] = {}
        self._cycles: dict[tuple[tuple[str, str, tuple[str, ...]], int], Cycle] = {}

    def currency_calendar(self, currency: str) -> tuple[str, ...]:
        if currency in self.currency_calendars:
            return self.currency_calendars[currency]
        calendar = calendar_for_currency(currency)
        if calendar is None:
            raise CycleError(
                f"no settlement calendar for currency {currency}; add it under "
                f'[settlement.currency-calendars], e.g. {currency} = ["XNYS"]'
            )
        return (calendar,)

    def exchange_calendar(self, market: str) -> tuple[str, ...]:
        if market in self.market_calendars:
            return self.market_calendars[market]
        try:
            return calendar_set([market])
        except ValueError:
            raise CycleError(
                f"no exchange calendar for market {market}; add it under "
                f'[settlement.market-calendars], e.g. {market} = ["XNYS"]'
            ) from None

    def cycle(
        self, market: str, asset_class: str, currencies: Sequence[str], trade_date: datetime.date
    ) -> Cycle:
        """The cycle of a trade; raises :class:`CycleError` naming what is missing."""
        currencies = tuple(currencies)
        key = (market, asset_class, currencies)
        covering = self._rules.get(key)
        if covering is None:
            covering = tuple(r for r in self.rules if r.covers(market, asset_class))
            self._rules[key] = covering
        found = -1
        for index, rule in enumerate(covering):
            # As rule.holds_on(trade_date), inline: asked for every new trade date.
            start, end = rule.start, rule.end
            if (start is None or trade_date >= start) and (end is None or trade_date <= end):
                found = index
                break
        if found < 0:
            raise CycleError(
                f"no settlement cycle for {asset_class or '(no asset-class)'} on "
                f"{market or '(no market)'} traded {trade_date}; add a [[settlement.cycles]] "
                f'with markets = ["{market or "*"}"] and asset-classes = ["{asset_class}"]'
            )
        rule = covering[found]
        cycle = self._cycles.get((key, found))
        if cycle is None:
            names: list[str] = list(rule.calendars)
            if not names and market and market != ANY and asset_class != "fx":
                names.extend(self.exchange_calendar(market))
            for currency in currencies:
                names.extend(self.currency_calendar(currency))
            cycle = Cycle(days=rule.days, calendars=calendar_set(names), rule=rule)
            self._cycles[(key, found)] = cycle
        return cycle

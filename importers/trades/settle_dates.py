"""A settle date the source does not give: T plus the security's standard cycle.

OFX 2.1.1 makes ``<DTSETTLE>`` optional (13.9.2.4.3). Without it the trade settles
on the cycle ``plugins.settlement`` would check it against: the rule for the
security's market and asset class on the trade date (``[[settlement.cycles]]``,
then the built-in rules), counted in business days of the market's exchange
calendar and the currency's settlement calendar. The entry says it was derived::

    settle-date: 2012-07-25
    settle-date-from: "derived: T+3 on XNYS+FED (built-in rule T+3 for equity/... on XNYS/...)"
"""

from __future__ import annotations

import datetime

from importers.common import ImportFailure
from ledger.calendars import add_business_days, business_days_between, calendar_set
from ledger.securities import Security
from ledger.settlement.cycles import CycleBook, CycleError


def derived_settle_date(
    book: CycleBook,
    security: Security,
    currency: str,
    trade_date: datetime.date,
    *,
    path: str,
    where: str,
) -> tuple[datetime.date, str]:
    """S for a trade of ``security`` paid in ``currency`` on ``trade_date``, and the
    note saying how it was derived; an error naming the rule to add when none covers it."""
    market, asset_class = security.market or "", security.asset_class or ""
    try:
        cycle = book.cycle(market, asset_class, (currency,), trade_date)
    except CycleError as exc:
        raise ImportFailure(
            path,
            where,
            f"the source gives no settle date for {security.symbol}, and it cannot be "
            f"derived: {exc}",
            hint="or ask the source for the settle date",
        ) from None
    settle = add_business_days(cycle.calendars, trade_date, cycle.days)
    note = f"derived: T+{cycle.days} on {'+'.join(cycle.calendars)} ({cycle.rule.describe()})"
    return settle, note


def check_cycle(
    book: CycleBook,
    security: Security,
    currency: str,
    trade_date: datetime.date,
    settle_date: datetime.date,
    *,
    path: str,
    where: str,
) -> None:
    """Refuse a trade that no settlement cycle covers (``plugins.settlement`` would fail
    the books' check on it), printing the rule that the source's own dates imply."""
    market, asset_class = security.market or "", security.asset_class or ""
    try:
        book.cycle(market, asset_class, (currency,), trade_date)
    except CycleError as exc:
        try:
            calendars = calendar_set(
                [*book.exchange_calendar(market), *book.currency_calendar(currency)]
            )
            days = business_days_between(calendars, trade_date, settle_date)
        except (CycleError, ValueError):
            days = 0
        raise UnknownCycle(
            path, where, security, asset_class, market, exc, days, trade_date, settle_date
        ) from None


class UnknownCycle(ImportFailure):
    """No settlement cycle covers a trade whose source gives its settle date: carries
    the rule those dates imply, so the message prints it and ``backoffice import
    --create-accounts`` adds it to ``backoffice.toml``."""

    def __init__(
        self,
        path: str,
        where: str,
        security: Security,
        asset_class: str,
        market: str,
        problem: CycleError,
        days: int,
        trade_date: datetime.date,
        settle_date: datetime.date,
    ) -> None:
        self.market = market or "*"
        self.asset_class = asset_class or "*"
        self.days = days
        super().__init__(
            path,
            where,
            f"no settlement cycle covers {security.symbol} ({asset_class or 'no asset-class'} "
            f"on {market or 'no market'}), so the books would not check: {problem}",
            hint=f"this trade settles T+{days} ({trade_date} to {settle_date}); if that is the "
            "rule for such trades, add to backoffice.toml:\n"
            + self.config_lines()
            + "or run 'backoffice import --create-accounts', which adds it",
        )

    def config_lines(self) -> str:
        return (
            "[[settlement.cycles]]\n"
            f'markets = ["{self.market}"]\n'
            f'asset-classes = ["{self.asset_class}"]\n'
            f"days = {self.days}\n"
        )

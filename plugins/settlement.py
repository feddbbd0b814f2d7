"""Settlement-date accounting: policy, cycle and calendar checks, fails, auto-settlement.

Trades come in policy-neutral, dated T with ``trade-date`` and ``settle-date``,
the cash leg against the counterparty's clearing account; settlements (from the
custodian's or bank's statement) clear that account against cash on S, linked
``^trade-<trade-id>`` (vocabulary: :mod:`ledger.settlement.model`). With
``[settlement] policy = "settlement-date"`` (the default) this plugin re-dates
each trade to S, ``trade-date`` kept; for an ``auto-settle`` counterparty it
generates the settlement on S. Before, as-of 2026-11-27::

    2026-11-25 * "BetaMarkets" "Buy 200 SAP" ^trade-B7
      trade-id: "B7"
      trade-date: 2026-11-25
      settle-date: 2026-11-27
      side: "buy"
      Assets:Custody:Custodia:Securities   200 SAP {236.80 EUR}
      Assets:Unsettled:BetaMarkets     -47360.00 EUR

After::

    2026-11-27 * "BetaMarkets" "Buy 200 SAP" ^trade-B7
      trade-id: "B7"
      trade-date: 2026-11-25
      settle-date: 2026-11-27
      side: "buy"
      Assets:Custody:Custodia:Securities   200 SAP {236.80 EUR, 2026-11-25}
      Assets:Unsettled:BetaMarkets     -47360.00 EUR

    2026-11-27 * "Beta Markets GmbH" "Settlement of trade B7 (auto-settle)" ^trade-B7
      auto-settled: TRUE
      source-ref: "auto-settle-…"
      Assets:Unsettled:BetaMarkets      47360.00 EUR
      Assets:Custody:Custodia:Cash:EUR -47360.00 EUR

The generated settlement is flagged ``!`` while S is after the as-of date
(``policy = "contractual"`` is the same policy). With ``policy = "trade-date"``
the trade stays on T and the clearing balance waits for the settlement. A
cancellation (``cancels: "<trade-id>"``) takes effect on its own date, or on S
when it comes before S and the policy is settlement-date.

With ``policy = "actual"`` (actual settlement date accounting) a trade takes
effect when its settlement arrives: it is re-dated to the date of the settlement
that completes it. Until then it is pending: on S while S is after the as-of
date, else (a fail) on the day after the as-of date, so the books as of that
date do not hold it, as the custodian does not (a failed sale's securities are
still ours). A trade paid straight from a cash account settles on S; an
``auto-settle`` one on S, as its generated settlement; a cancelled trade that
never settled nets out with its cancellation on the later of S and the
cancellation's date. The failed MSFT sale of the demo, as of 2026-11-27::

    2026-11-28 ! "AlphaSec" "Sell 200 MSFT" ^trade-GA-20261119-001
      trade-date: 2026-11-19
      settle-date: 2026-11-20
      fail-age: 4
      ...

Errors, each on the entry with its numbers and a hint: S before T or not a
business day of the trade's settlement calendars; S off the standard cycle
(:mod:`ledger.settlement.cycles`) without ``settle-override: TRUE``; a cash
account moved by a trade on a day other than S; a fail (S before the as-of
date, not fully settled) older than ``fail-warning-days`` business days --
younger fails are flagged ``!`` with ``fail-age`` and ``fail-outstanding`` in
their metadata (``backoffice check`` prints them as warnings); a
settlement that matches no trade; settlements that differ from the trade's
amount (a settlement for less must say ``partial: TRUE``; the rest stays
pending). The as-of date is ``BACKOFFICE_AS_OF``, else the config's ``as-of``,
else today. The plugin never raises and never changes its input entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys
from ledger.calendars import add_business_days, business_days_between, is_business_day
from ledger.config import Config
from ledger.errors import BooksError, sort_errors
from ledger.plugin_env import plugin_settings
from ledger.posting import posting
from ledger.settlement.cycles import Cycle, CycleBook, CycleError
from ledger.settlement.model import Settlement, Trade, progress, trade_cycle
from ledger.settlement.scan import Scan, scan

__plugins__ = ("settlement",)


def _money(number: Decimal, currency: str) -> str:
    return f"{number:,} {currency}"


class _Run:
    """One run of the plugin over one books' entries."""

    def __init__(self, config: Config, as_of: datetime.date, entries: list[data.Directive]) -> None:
        self.config = config
        self.entries = entries
        self.as_of = as_of
        self.book = CycleBook(config.settlement)
        self.settlement_date = config.settlement.on_settlement
        self.actual = config.settlement.actual
        self.pending_day = as_of + datetime.timedelta(days=1)
        self.errors: list[BooksError] = []
        # The output: a copy of the entries, each replaced in place by its index (the
        # scan's positions), so no entry needs looking up.
        self.result: list[data.Directive] = list(entries)
        self.changed = False
        self.generated: list[data.Directive] = []
        # The date checks' results, per trade fields they depend on: trades of one
        # market, currency and T and S share them.
        self.checked: dict[tuple[object, ...], tuple[Cycle | None, str | None]] = {}

    def error(self, entry: data.Directive, message: str) -> None:
        self.errors.append(BooksError(entry.meta, message, entry))

    def run(self, found: Scan) -> None:
        """After the scan (which called :meth:`read_trade` for each trade): the
        settlements, cancellations and fails of the trades not settled in full."""
        self.errors.extend(found.errors)
        for trade_id, trade in found.trades.items():
            cancel = found.cancels.get(trade_id)
            if cancel is not None:
                # A cancellation takes effect on its own date, or on S if that is later.
                if self.settlement_date:
                    position = found.cancel_positions[trade_id]
                    day = max(cancel.date, trade.settle_date)
                    self.redate(position, day)
                    if self.actual and trade.clearing_account is not None:
                        self.redate(trade.position, day)  # never settled: the two net out
            elif trade_id in found.settled:  # settled in full by the as-of date
                if self.actual and trade.clearing_account is not None:
                    self.redate(trade.position, found.settled[trade_id].date)
            else:
                settlements = self.trade(trade, found.settlements.get(trade_id, []))
                if self.actual and trade.clearing_account is not None:
                    self.redate(trade.position, self.effective(trade, settlements))
        for trade_id, cancel in found.cancels.items():
            if trade_id not in found.trades:
                self.error(
                    cancel,
                    f"cancels trade {trade_id}, which the books do not hold; check the trade-id",
                )
        for settlement in found.unmatched:
            self.unmatched(settlement)

    def read_trade(self, trade: Trade) -> None:
        """Each trade, as the scan reads it: the date checks, the re-dating to S and
        the cash accounts it moves itself."""
        problem = self.dates(trade)[1]
        if problem is not None:
            self.error(trade.entry, f"trade {trade.trade_id}{problem}")
        if self.settlement_date:
            self.redate(trade.position, trade.settle_date)
            effective = trade.settle_date
        else:
            effective = trade.entry.date
        if trade.direct_cash and effective != trade.settle_date:
            clearing = self.config.unsettled_account(trade.counterparty or "<Counterparty>")
            self.error(
                trade.entry,
                f"trade {trade.trade_id} moves cash account {', '.join(trade.direct_cash)} on "
                f"{effective}, not on its settle date {trade.settle_date}; book the cash "
                f"leg against {clearing}",
            )

    def dates(self, trade: Trade) -> tuple[Cycle | None, str | None]:
        """The trade's cycle and what is wrong with its dates (:meth:`check_dates`),
        shared by the trades of one market, asset class, currency, T and S."""
        key = (
            trade.market,
            trade.asset_class,
            trade.currency,
            trade.security if trade.asset_class == "fx" else None,
            trade.trade_date,
            trade.settle_date,
            trade.override,
        )
        checked = self.checked.get(key)
        if checked is None:
            checked = self.checked[key] = self.check_dates(trade)
        return checked

    def trade(self, trade: Trade, settlements: list[Settlement]) -> list[Settlement]:
        """A trade not cancelled and not settled in full: its settlements (the generated
        one included) after checking them, and its fail."""
        if trade.clearing_account is None:
            return settlements
        settlements = self.amounts(trade, settlements)
        cycle = self.dates(trade)[0]
        if cycle is not None:
            self.fails(trade, settlements, cycle)
        return settlements

    def effective(self, trade: Trade, settlements: list[Settlement]) -> datetime.date:
        """Under the actual policy, the day a trade not settled by the as-of date takes
        effect: its last settlement's, once they cover it; else pending, after the
        as-of date (on S while that is later)."""
        settled = sum((s.amount for s in settlements), Decimal(0))
        if settlements and settled == trade.amount:
            return max(s.date for s in settlements)
        return max(trade.settle_date, self.pending_day)

    def redate(self, position: int, day: datetime.date) -> None:
        """Re-date the entry at ``position`` of the output (as it stands) to ``day``."""
        current = self.result[position]
        if current.date != day:
            self.result[position] = current._replace(date=day)
            self.changed = True

    def check_dates(self, trade: Trade) -> tuple[Cycle | None, str | None]:
        """The cycle and what is wrong with S, for :meth:`trade`: the problem follows
        ``trade <id>`` in the message, and trades alike but for their id share it."""
        t, s = trade.trade_date, trade.settle_date
        if s < t:
            return None, f" settles {s}, before its trade date {t}; fix settle-date"
        try:
            cycle = trade_cycle(self.book, trade)
        except CycleError as exc:
            return None, f": {exc}"
        if not is_business_day(cycle.calendars, s):
            return cycle, (
                f" settles {s}, not a business day of {'+'.join(cycle.calendars)}; "
                f"the next one is {add_business_days(cycle.calendars, s, 0)}"
            )
        standard = add_business_days(cycle.calendars, t, cycle.days)
        if s != standard and not trade.override:
            return cycle, (
                f" settles {s}, off the standard cycle: T+{cycle.days} from {t} on "
                f"{'+'.join(cycle.calendars)} is {standard} ({cycle.rule.describe()}); "
                "fix settle-date or, for a negotiated date, add settle-override: TRUE"
            )
        return cycle, None

    def amounts(self, trade: Trade, settlements: list[Settlement]) -> list[Settlement]:
        """Check the settlements' amounts; generate the auto-settlement when due."""
        for settlement in settlements:
            if (
                settlement.clearing_account != trade.clearing_account
                or settlement.currency != trade.currency
            ):
                self.error(
                    settlement.entry,
                    f"settles trade {trade.trade_id} on {settlement.clearing_account} in "
                    f"{settlement.currency}; the trade is on {trade.clearing_account} in "
                    f"{trade.currency}; fix the account or the link",
                )
                return settlements
        if not settlements:
            counterparty = self.config.counterparties.get(trade.counterparty)
            if counterparty is not None and counterparty.auto_settle:
                generated = self.auto_settle(trade)
                return [] if generated is None else [generated]
            return settlements
        if len(settlements) == 1:
            settled = settlements[0].amount
        else:
            settled = sum((s.amount for s in settlements), Decimal(0))
        if settled == trade.amount:
            return settlements
        last = max(settlements, key=lambda s: (s.entry.date, s.entry.meta.get("lineno", 0)))
        short = abs(settled) < abs(trade.amount) and settled * trade.amount > 0
        if short and last.partial:
            return settlements
        hint = (
            "; if the custodian settled part of the trade, mark the settlement partial: TRUE"
            if short
            else "; check the settlement against the trade and its confirmation"
        )
        self.error(
            last.entry,
            f"settlements of trade {trade.trade_id} total {_money(settled, trade.currency)}; "
            f"the trade's amount is {_money(trade.amount, trade.currency)}: they differ by "
            f"{_money(settled - trade.amount, trade.currency)}{hint}",
        )
        return settlements

    def auto_settle(self, trade: Trade) -> Settlement | None:
        counterparty = self.config.counterparties[trade.counterparty]
        cash_account = counterparty.cash_account
        if cash_account is None or trade.clearing_account is None:
            self.error(
                trade.entry,
                f"counterparty {trade.counterparty} is auto-settle but has no cash-account; "
                f"add cash-account under [counterparties.{trade.counterparty}]",
            )
            return None
        meta: dict[str, Any] = data.new_metadata(
            trade.entry.meta.get("filename", "<settlement>"), trade.entry.meta.get("lineno", 0)
        )
        meta[keys.AUTO_SETTLED] = True
        meta[keys.SOURCE_REF] = "auto-settle-" + keys.stable_id(
            trade.trade_id, trade.settle_date.isoformat(), str(trade.amount)
        )
        entry = data.Transaction(
            meta,
            trade.settle_date,
            "!" if trade.settle_date > self.as_of else "*",
            counterparty.name or trade.counterparty,
            f"Settlement of trade {trade.trade_id} (auto-settle)",
            data.EMPTY_SET,
            frozenset({trade.link}),
            [
                posting(trade.clearing_account, -trade.amount, trade.currency),
                posting(cash_account, trade.amount, trade.currency),
            ],
        )
        self.generated.append(entry)
        return Settlement(
            entry=entry,
            trade_id=trade.trade_id,
            clearing_account=trade.clearing_account,
            amount=trade.amount,
            currency=trade.currency,
            cash_account=cash_account,
            partial=False,
            generated=True,
            date=entry.date,
        )

    def fails(self, trade: Trade, settlements: list[Settlement], cycle: Cycle) -> None:
        state = progress(trade, settlements, self.as_of)
        if not state.overdue:
            return
        age = business_days_between(cycle.calendars, trade.settle_date, self.as_of)
        outstanding = trade.amount - state.settled_by_as_of
        limit = self.config.settlement.fail_warning_days
        if age <= limit:
            current = cast(data.Transaction, self.result[trade.position])  # maybe re-dated
            self.result[trade.position] = current._replace(
                flag="!",
                meta={
                    **current.meta,
                    keys.FAIL_AGE: Decimal(age),
                    keys.FAIL_OUTSTANDING: Amount(outstanding, trade.currency),
                },
            )
            self.changed = True
            return
        self.error(
            trade.entry,
            f"trade {trade.trade_id} failed: due {trade.settle_date}, "
            f"{_money(outstanding, trade.currency)} of {_money(trade.amount, trade.currency)} "
            f"unsettled as of {self.as_of}, {age} business days late (warning up to "
            f"{limit}); chase {trade.counterparty} and book the settlement or the cancellation",
        )

    def unmatched(self, settlement: Settlement) -> None:
        where = (
            f"links trade-{settlement.trade_id}, which the books do not hold"
            if settlement.trade_id
            else "carries no ^trade- link"
        )
        self.error(
            settlement.entry,
            "settlement matches no trade: it moves "
            f"{_money(-settlement.amount, settlement.currency)} on "
            f"{settlement.clearing_account} and {where}; link it to its trade "
            "(^trade-<trade-id>) or book the trade",
        )

    def output(self) -> list[data.Directive]:
        """A new list: each entry or what replaced it, in the input's order, then the
        generated settlements. It is not sorted here: Beancount's loader sorts the
        entries after every plugin (``beancount.loader.run_transformations``)."""
        if not self.changed and not self.generated:
            return self.entries
        self.result.extend(self.generated)
        return self.result


def settlement(
    entries: list[data.Directive], options_map: dict[str, Any], *_: Any
) -> tuple[list[data.Directive], list[BooksError]]:
    """The plugin: ``(entries, errors)``; the input list and its entries are left as they were."""
    settings = plugin_settings(options_map, "plugins.settlement")
    if isinstance(settings, BooksError):
        return entries, [settings]
    config, as_of = settings
    run = _Run(config, as_of, entries)
    run.run(scan(entries, config, on_trade=run.read_trade, settled_by=as_of))
    return run.output(), sort_errors(run.errors)

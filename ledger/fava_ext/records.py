"""The records pages in Fava: Valuation, Stock record, Blotter (issue 21).

Each renders the report of its CLI command (``backoffice valuation``,
``stock-record``, ``blotter``; the ``report`` endpoint serves the same JSON),
with the filter bar every review page has: the as-of date (Fava's time filter),
select boxes, and Fava's account and filter over the rows. The rows a page
filters get what the selects test (a price's state, a trade's link) once per
report, in :meth:`derive`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from ledger.books import Books
from ledger.config import Config
from ledger.fava_ext import page
from ledger.fava_ext.rows import RowTest, Select
from ledger.meta import trade_link
from ledger.records.blotter import blotter_report
from ledger.records.stock_record import stock_record_report
from ledger.records.valuation import valuation_report

Rows = list[Mapping[str, Any]]


def _by_security(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row["security"], row["side"], row["kind"])


class Valuation(page.ReviewPage):
    """Every position at market and at cost, in the base currency; missing and stale
    prices; the FX revaluation of cash."""

    report_title = "Valuation"
    report_function = staticmethod(valuation_report)
    selects = (
        Select("currency", "currency", key="currency"),
        Select("price", "price", key="price_state"),
    )

    def select_rows(self, report: page.Report) -> Rows:
        return [*self._securities(report), *report["cash"]]

    @staticmethod
    def _securities(report: page.Report) -> Rows:
        """The securities rows with their price's state: ``missing``, ``stale`` or ``ok``."""
        stale = {(row["commodity"], row["currency"]) for row in report["stale"]}
        return [
            {
                **row,
                "price_state": "missing"
                if row["price"] is None
                else "stale"
                if (row["security"], row["currency"]) in stale
                else "ok",
            }
            for row in report["securities"]
        ]

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        securities = [row for row in self._securities(report) if keep(row)]
        cash = [row for row in report["cash"] if keep(row)]
        return {"securities": securities, "cash": cash}


class StockRecord(page.ReviewPage):
    """Each security's long and short positions by location (SEC 17a-3(a)(5)), and the
    breaks with the custodian's holdings."""

    report_title = "Stock record"
    report_function = staticmethod(stock_record_report)
    selects = (
        Select("security", "security", key="security"),
        Select("side", "side", key="side"),
        Select("kind", "kind", key="kind"),
    )
    account_keys = ("location",)

    def select_rows(self, report: page.Report) -> Rows:
        return self._locations(report)

    @staticmethod
    def _locations(report: page.Report) -> Rows:
        """Every location row of every security, with its security and trade's link."""
        return [
            {
                **row,
                "security": security["security"],
                "link": trade_link(row["trade_id"]) if row["trade_id"] else None,
            }
            for security in report["securities"]
            for row in security["locations"]
        ]

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        locations = sorted((row for row in self._locations(report) if keep(row)), key=_by_security)
        shown = {row["security"] for row in locations}
        return {
            "locations": locations,
            "securities": [s for s in report["securities"] if s["security"] in shown],
        }


def _blotter_start(as_of: datetime.date, dates: Mapping[str, object]) -> datetime.date:
    start = dates.get("from")
    return start if isinstance(start, datetime.date) else as_of.replace(day=1)


def blotter_page_report(
    books: Books, config: Config, as_of: datetime.date, **dates: datetime.date
) -> dict[str, Any]:
    """``blotter_report`` from ``?from=`` to ``?to=``; by default the as-of date's month
    up to the as-of date (so Fava's ``?time=2026-10`` shows October's trades)."""
    start = _blotter_start(as_of, dates)
    end = dates.get("to", as_of)
    if end < start:
        raise ValueError(f"to={end} is before from={start}")
    return blotter_report(books, config, start, end, as_of)


class Blotter(page.ReviewPage):
    """Every trade by trade date (SEC 17a-3(a)(1)): side, quantity, price,
    counterparty, settle date, status, source document; cancels and corrections."""

    report_title = "Blotter"
    report_function = staticmethod(blotter_page_report)
    filters = page.query_args(
        **{"from": datetime.date.fromisoformat, "to": datetime.date.fromisoformat}
    )
    selects = (
        Select("counterparty", "counterparty", key="counterparty"),
        Select("security", "security", key="security"),
        Select("side", "side", key="side"),
        Select("status", "status", key="status"),
        Select("kind", "kind", key="kind"),
    )
    account_keys = ()

    def reads_from(self, as_of: datetime.date, arguments: Mapping[str, object]) -> datetime.date:
        """From the first trade date shown, as ``blotter --from``."""
        return min(as_of, _blotter_start(as_of, arguments))

    def select_rows(self, report: page.Report) -> Rows:
        return self._trades(report)

    @staticmethod
    def _trades(report: page.Report) -> Rows:
        return [{**row, "link": trade_link(row["trade_id"])} for row in report["trades"]]

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        return {"trades": [row for row in self._trades(report) if keep(row)]}

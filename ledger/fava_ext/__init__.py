"""Backoffice review pages in Fava: Settlements, Cash, Breaks, Reconciliation, Close, Imports.

Enabled from the books' main file with::

    2026-01-01 custom "fava-extension" "ledger.fava_ext"

Fava makes one extension (one sidebar entry, one page at
``/<books>/extension/<Name>/``) of every ``FavaExtensionBase`` subclass in this
module; each renders the dict of one area's report function (its
``report_function``), which its ``report`` endpoint
(``/<books>/extension/<Name>/report``) serves as the CLI's ``--json`` prints it.
The shared machinery is in :mod:`ledger.fava_ext.page`,
imported as a module so that Fava does not take its base class for a page.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fava.ext import FavaExtensionBase
from flask import request
from markupsafe import Markup

from ledger.breaks.report import breaks_report
from ledger.cash.report import cash_report
from ledger.close.report import close_report
from ledger.config import Config
from ledger.fava_ext import ageing, charts, open_period, page
from ledger.imports.report import imports_report
from ledger.recon.report import recon_report
from ledger.settlement.report import settlements_report


class Settlements(page.ReviewPage):
    """Pending, failed and settled trades, failures aged in buckets, by counterparty."""

    report_title = "Settlements"
    report_function = staticmethod(settlements_report)
    filters = page.query_args(counterparty=str, status=str)
    #: Settled trades listed on the page, latest first; the JSON report has them all.
    settled_rows = 100

    def derive(self, report: page.Report) -> dict[str, Any]:
        """The trades by section, once per report: a page of 50,000 trades must not
        filter and sort them on every visit."""
        trades = report["trades"]
        failed = [t for t in trades if t["status"] == "failed"]
        settled = [t for t in trades if t["status"] == "settled"]
        return {
            "failed": failed,
            "ageing": ageing.ageing(failed),
            "pending": [t for t in trades if t["status"] in ("pending", "partial")],
            # As sorted(..., reverse=True)[:n], without sorting them all.
            "settled": heapq.nlargest(self.settled_rows, settled, key=lambda t: t["settle_date"]),
            "settled_count": len(settled),
        }

    def counterparties(self) -> list[str]:
        return sorted(self.books_config().counterparties)

    def clearing_account(self, counterparty: str) -> str:
        return self.books_config().unsettled_account(counterparty)


class Cash(page.ReviewPage):
    """Cash positions and, per currency, the projected ladder against the floor."""

    report_title = "Cash"
    report_function = staticmethod(cash_report)
    filters = page.query_args(days=int, currency=str)

    def filter_defaults(self, config: Config) -> dict[str, object]:
        return {"days": config.cash.days}

    def derive(self, report: page.Report) -> dict[str, Any]:
        return {
            "charts": {
                ladder["currency"]: self.ladder_chart(ladder) for ladder in report["ladders"]
            }
        }

    def ladder_chart(self, ladder: Mapping[str, Any]) -> Markup:
        """The currency's total ladder: closing per day against the sum of the floors."""
        total = ladder["total"]
        bars = [charts.Bar(row["date"], row["closing"]) for row in total]
        floor = total[0]["floor"] if total else Decimal(0)
        return charts.ladder_svg(ladder["currency"], bars, floor)


class Breaks(page.ReviewPage):
    """Open breaks with their age, resolved breaks with their resolution."""

    report_title = "Breaks"
    report_function = staticmethod(breaks_report)
    filters = page.query_args(status=str)


class Reconciliation(page.ReviewPage):
    """Per account: the last statement, the difference, the candidate entries."""

    report_title = "Reconciliation"
    report_function = staticmethod(recon_report)


class Close(page.ReviewPage):
    """Periods and their seals; the checklist of the open period."""

    report_title = "Close"
    report_function = staticmethod(close_report)
    filters = page.query_args(period=str)


class Imports(page.ReviewPage):
    """Documents imported: their hash, the entries written from them, when; and the
    lines waiting in suspense."""

    report_title = "Imports"
    report_function = staticmethod(imports_report)

    def meta_filter(self, key: str, value: str) -> str:
        """Fava's journal filter for entries whose metadata ``key`` is exactly ``value``."""
        pattern = re.escape(value).replace('"', r"\x22")
        return f'{key}:"^{pattern}$"'


class OpenPeriod(FavaExtensionBase):
    """No page: a time filter earlier than the snapshot the books were loaded from
    gets a message that it needs the whole history (:mod:`ledger.fava_ext.open_period`)."""

    def before_request(self) -> None:
        open_period.check_time_filter(self.ledger, request.args.get("time"))

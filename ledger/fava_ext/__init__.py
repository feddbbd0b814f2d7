"""Backoffice review pages in Fava: Settlements, Cash, Breaks, Reconciliation, Close, Imports.

Enabled from the books' main file with::

    2026-01-01 custom "fava-extension" "ledger.fava_ext"

Fava makes one extension (one sidebar entry, one page at
``/<books>/extension/<Name>/``) of every ``FavaExtensionBase`` subclass in this
module; each renders the dict of one area's report function (its
``report_function``), which its ``report`` endpoint
(``/<books>/extension/<Name>/report``) serves as the CLI's ``--json`` prints it.
The shared machinery is in :mod:`ledger.fava_ext.page` (the as-of date from
Fava's time filter, the filter bar, the caches) and :mod:`ledger.fava_ext.rows`
(the selects and Fava's account and filter), imported as modules so that Fava
does not take their classes for pages. :class:`Backoffice` is no page: it serves
``Backoffice.js`` (sortable tables, the filter bar), which Fava loads on every page.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fava.ext import FavaExtensionBase, extension_endpoint
from flask import Response, request, send_file
from markupsafe import Markup

from ledger.books import Books
from ledger.breaks.report import breaks_report
from ledger.cash.report import cash_report
from ledger.close.report import close_report
from ledger.close.sign_off import SignOffError, write_sign_off
from ledger.config import Config
from ledger.fava_ext import actions, ageing, charts, files, page
from ledger.fava_ext.records import Blotter as Blotter  # pages: Fava looks for them here
from ledger.fava_ext.records import StockRecord as StockRecord
from ledger.fava_ext.records import Valuation as Valuation
from ledger.fava_ext.rows import RowTest, Select
from ledger.imports.reclassify import ReclassifyError, write_reclassification
from ledger.imports.report import imports_report
from ledger.recon.report import recon_report
from ledger.settlement.report import settlements_report
from ledger.writer import BooksWriter


class Backoffice(FavaExtensionBase):
    """No page (no ``report_title``): the script module ``Backoffice.js`` of every page."""

    has_js_module = True


class Settlements(page.ReviewPage):
    """Pending, failed and settled trades, failures aged in buckets, by counterparty."""

    report_title = "Settlements"
    report_function = staticmethod(settlements_report)
    filters = page.query_args(counterparty=str, status=str)
    #: Settled trades listed on the page, latest first; the JSON report has them all.
    settled_rows = 100

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        """The trades by section, once per report: a page of 50,000 trades must not
        filter and sort them on every visit."""
        trades = [t for t in report["trades"] if keep(t)]
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

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
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
    """Per account: every statement against the books, the latest one's difference and
    its candidate entries, stale statements flagged."""

    report_title = "Reconciliation"
    report_function = staticmethod(recon_report)
    selects = (
        Select("status", "status", key="status"),
        Select("kind", "balance", key="kind"),
        Select("currency", "commodity", key="currency"),
        Select("age", "statement", key=lambda row: "stale" if row["stale"] else "current"),
    )

    def select_rows(self, report: page.Report) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = report["accounts"]
        return rows

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        return {"accounts": [row for row in report["accounts"] if keep(row)]}


class Close(page.ReviewPage):
    """Sealed periods with their reports and seals; the checklist of the period to
    close, and its sign-off."""

    report_title = "Close"
    report_function = staticmethod(close_report)
    filters = page.query_args(period=str)
    editing = staticmethod(actions.editing)

    @actions.action_endpoint
    def sign_off(self) -> Response:
        """Sign a period off: ``backoffice sign-off``'s entry, dated the page's as-of."""
        form = request.form
        day = self.as_of(self.books_config())

        def write(writer: BooksWriter, books: Books) -> str:
            return write_sign_off(
                writer,
                self.books_path,
                books.entries,
                form.get("period", ""),
                form.get("by", ""),
                day,
            )

        return actions.perform(self.ledger, self.name, write, (SignOffError,))


class Imports(page.ReviewPage):
    """Documents imported: their hash, the entries written from them, when; and the
    lines waiting in suspense."""

    report_title = "Imports"
    report_function = staticmethod(imports_report)

    @extension_endpoint
    def file(self) -> Response:
        """An archived document or close report (``?path=`` relative to the books),
        read-only; 404 with the reason for any other path."""
        try:
            path = files.archived_file(
                self.books_path.parent, self.books_config(), request.args.get("path", "")
            )
        except (files.NotServed, page.Unavailable) as exc:
            return Response(f"not served: {exc}\n", status=404, mimetype="text/plain")
        media = files.media_type(path)
        response = send_file(
            path,
            mimetype=media,
            as_attachment=media == "application/octet-stream",
            download_name=path.name,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    editing = staticmethod(actions.editing)

    @actions.action_endpoint
    def reclassify(self) -> Response:
        """Move a suspense line to an account: ``backoffice reclassify``'s correcting entry."""
        form = request.form
        suspense = self.books_config().accounts.suspense

        def write(writer: BooksWriter, books: Books) -> str:
            return write_reclassification(
                writer,
                self.books_path,
                books.entries,
                suspense,
                form.get("source_ref", ""),
                form.get("account", "").strip(),
                form.get("source") or None,
            )

        return actions.perform(self.ledger, self.name, write, (ReclassifyError,))

    def accounts(self) -> list[str]:
        """The open accounts but suspense, for the reclassify form's choices."""
        by_type = self.ledger.all_entries_by_type
        closed = {entry.account for entry in by_type.Close}
        suspense = self.books_config().accounts.suspense
        return sorted(
            {entry.account for entry in by_type.Open} - closed - {suspense},
        )

    def meta_filter(self, key: str, value: str) -> str:
        """Fava's journal filter for entries whose metadata ``key`` is exactly ``value``."""
        pattern = re.escape(value).replace('"', r"\x22")
        return f'{key}:"^{pattern}$"'

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
(the selects and Fava's account and filter), the break buttons in
:mod:`ledger.fava_ext.actions`, imported as modules so that Fava does not take
their base classes for pages. :class:`Backoffice` is no page: it serves
``Backoffice.js`` (sortable tables, the filter bar), which Fava loads on every page.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from beancount.core import data
from fava.ext import FavaExtensionBase, extension_endpoint
from flask import Response, request, send_file
from markupsafe import Markup

from ledger.breaks.model import read_breaks
from ledger.breaks.report import breaks_report
from ledger.cash.report import cash_report
from ledger.close.report import close_report
from ledger.close.sign_off import SignOffError, write_sign_off
from ledger.config import Config
from ledger.fava_ext import actions, ageing, charts, files, open_period, page
from ledger.fava_ext.records import Blotter as Blotter  # pages: Fava looks for them here
from ledger.fava_ext.records import StockRecord as StockRecord
from ledger.fava_ext.records import Valuation as Valuation
from ledger.fava_ext.rows import RowTest, Select
from ledger.imports.reclassify import ReclassifyError, write_reclassification
from ledger.imports.report import imports_report
from ledger.matching.config import BREAK_KINDS
from ledger.recon.report import recon_report
from ledger.settlement.report import settlements_report

STATUSES = ("failed", "partial", "pending", "settled")


class Backoffice(FavaExtensionBase):
    """No page (no ``report_title``): the script module ``Backoffice.js`` of every page."""

    has_js_module = True


class Settlements(actions.BreakActions):
    """Pending, failed and settled trades; the fails aged in buckets, gross and net, each
    with its break (or, in ``--edit`` mode, a button to open one); by counterparty."""

    report_title = "Settlements"
    report_function = staticmethod(settlements_report)
    filters = page.query_args(counterparty=str, status=str)
    selects = (
        Select("counterparty", "counterparty"),
        Select("status", "status", fixed=STATUSES),
        Select("currency", "currency", key="currency"),
        Select("age", "age past S", key=ageing.row_bucket, order=ageing.bucket_order),
    )
    #: Settled trades listed on the page, latest first; the JSON report has them all.
    settled_rows = 100
    bucket_order = staticmethod(ageing.bucket_order)

    def select_rows(self, report: page.Report) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = report["trades"]
        return rows

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        """The trades by section, once per report and filter: a page of 50,000 trades
        must not filter and sort them on every visit."""
        trades = [t for t in report["trades"] if keep(t)]
        failed = [t for t in trades if t["status"] == "failed"]
        settled = [t for t in trades if t["status"] == "settled"]
        buckets = ageing.ageing(failed)
        return {
            "cards": self.grouped(trades, "status"),
            "failed": failed,
            "ageing": buckets,
            "charts": self.ageing_charts(buckets),
            "breaks": self.breaks_by_link(report["as_of"]),
            "pending": [t for t in trades if t["status"] in ("pending", "partial")],
            # As sorted(..., reverse=True)[:n], without sorting them all.
            "settled": heapq.nlargest(self.settled_rows, settled, key=lambda t: t["settle_date"]),
            "settled_count": len(settled),
            "by_counterparty": self.grouped(trades, "counterparty"),
        }

    @staticmethod
    def grouped(trades: list[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
        """Per ``key`` and currency: trades, failed, gross pay and receive, net."""
        groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for trade in trades:
            groups.setdefault((trade[key], trade["currency"]), []).append(trade)
        return [
            {
                key: name,
                "currency": currency,
                "failed": sum(1 for t in rows if t["status"] == "failed"),
                **ageing.gross(rows),
            }
            for (name, currency), rows in sorted(groups.items())
        ]

    @staticmethod
    def ageing_charts(buckets: list[dict[str, Any]]) -> dict[str, Markup]:
        """Per currency, the fails' pay, receive and net per ageing bucket."""
        charts_by_currency = {}
        for currency in sorted({row["currency"] for row in buckets}):
            mine = {row["bucket"]: row for row in buckets if row["currency"] == currency}
            labels = [label for label in ageing.LABELS[1:] if label in mine] or ["none"]
            charts_by_currency[currency] = charts.bars_svg(
                f"{currency} fails by age past S",
                labels,
                [
                    charts.Series(name, name, [Decimal(mine[b][name]) for b in labels])
                    for name in ("receive", "pay", "net")
                ],
            )
        return charts_by_currency

    def breaks_by_link(self, as_of: datetime.date) -> dict[str, list[dict[str, Any]]]:
        """The breaks found by ``as_of`` per trade link, each open or resolved then."""
        found: dict[str, list[dict[str, Any]]] = {}
        customs = cast("list[data.Directive]", self.ledger.all_entries_by_type.Custom)
        for item in read_breaks(customs)[0]:
            if item.link and item.date <= as_of:
                resolved = item.resolved is not None and item.resolved <= as_of
                found.setdefault(item.link, []).append(
                    {"id": item.id, "status": "resolved" if resolved else "open"}
                )
        return found

    def clearing_account(self, counterparty: str) -> str:
        return self.books_config().unsettled_account(counterparty)


class Cash(page.ReviewPage):
    """Cash positions and their total in the base currency; per currency and per account
    the projected ladder against the floor, the fails' settlements in it or not."""

    report_title = "Cash"
    report_function = staticmethod(cash_report)
    filters = page.query_args(days=int, currency=str, without_failed=page.flag)
    selects = (Select("currency", "currency"),)
    own_inputs = ("without_failed",)

    def filter_defaults(self, config: Config) -> dict[str, object]:
        return {"days": config.cash.days}

    def select_rows(self, report: page.Report) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = report["positions"]
        return rows

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        """The positions and ladder accounts Fava's account filter keeps; a chart of each
        currency's total and of each account's ladder."""
        ladders = []
        for ladder in report["ladders"]:
            accounts = [a for a in ladder["accounts"] if keep(a)]
            ladders.append(
                {
                    "ladder": ladder,
                    "chart": self.ladder_chart(f"{ladder['currency']} total", ladder),
                    "accounts": [
                        (account, self.ladder_chart(account["account"], ladder, account["rows"]))
                        for account in accounts
                    ],
                }
            )
        return {
            "positions": [row for row in report["positions"] if keep(row)],
            "ladders": ladders,
        }

    @staticmethod
    def ladder_chart(
        title: str, ladder: Mapping[str, Any], rows: list[Mapping[str, Any]] | None = None
    ) -> Markup:
        """A ladder's closing balance per day against its floor: the currency's total
        (the sum of the floors), or one account's ``rows``."""
        rows = ladder["total"] if rows is None else rows
        bars = [charts.Bar(row["date"], row["closing"]) for row in rows]
        floor = rows[0]["floor"] if rows else Decimal(0)
        return charts.ladder_svg(title, ladder["currency"], bars, floor)


class Breaks(actions.BreakActions):
    """Open breaks with their age, resolved breaks with their resolution; in ``--edit``
    mode, a form to open one and one to resolve each."""

    report_title = "Breaks"
    report_function = staticmethod(breaks_report)
    filters = page.query_args(status=str)
    selects = (
        Select("status", "status", fixed=("open", "resolved")),
        Select("kind", "kind", key="kind"),
        Select("age", "age", key=ageing.row_bucket, order=ageing.bucket_order),
        Select("currency", "currency", key="currency"),
    )
    #: The kinds the open form offers.
    kinds = BREAK_KINDS

    def select_rows(self, report: page.Report) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = report["breaks"]
        return rows

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        rows = [row for row in report["breaks"] if keep(row)]
        still_open = [row for row in rows if row["status"] == "open"]
        counts = {label: [0, 0] for label in ageing.LABELS}
        for row in still_open:
            counts[ageing.row_bucket(row)][1 if row["overdue"] else 0] += 1
        return {
            "open": still_open,
            "resolved": [row for row in rows if row["status"] == "resolved"],
            "chart": charts.bars_svg(
                "Open breaks by age in business days",
                ageing.LABELS,
                [
                    charts.Series(name, css, [Decimal(c[i]) for c in counts.values()])
                    for i, (name, css) in enumerate(
                        (("within tolerance", "within"), ("overdue", "overdue"))
                    )
                ],
                whole=True,
            ),
        }


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


class Close(actions.Actions):
    """Sealed periods with their reports and seals; the checklist of the period to
    close, and its sign-off."""

    report_title = "Close"
    report_function = staticmethod(close_report)
    # verify: recompute every seal from the files, though the load proved them
    filters = page.query_args(period=str, verify=page.flag)

    @actions.post_endpoint
    def sign_off(self) -> Response:
        """``backoffice sign-off PERIOD --by NAME --as-of DATE`` (the page's as-of)."""
        form = request.form

        def write(books_file: Path, date: datetime.date) -> str:
            return self.with_books(
                books_file,
                lambda writer, books: write_sign_off(
                    writer,
                    books_file,
                    books.entries,
                    form.get("period", ""),
                    form.get("by", ""),
                    date,
                ),
            )

        return self.act(write, (SignOffError,))


class Imports(actions.Actions):
    """Documents imported: their hash, the entries written from them, when; and the
    lines waiting in suspense."""

    report_title = "Imports"
    report_function = staticmethod(imports_report)

    def derive(self, report: page.Report, keep: RowTest) -> dict[str, Any]:
        """The documents with an account Fava's account filter keeps, the suspense lines
        of such accounts."""
        documents = [
            row
            for row in report["documents"]
            if any(keep({**row, "account": account}) for account in row["accounts"])
        ]
        return {"documents": documents, "suspense": [r for r in report["suspense"] if keep(r)]}

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

    @actions.post_endpoint
    def reclassify(self) -> Response:
        """``backoffice reclassify SOURCE_REF ACCOUNT --source SOURCE``."""
        form = request.form
        suspense = self.books_config().accounts.suspense

        def write(books_file: Path, date: datetime.date) -> str:
            return self.with_books(
                books_file,
                lambda writer, books: write_reclassification(
                    writer,
                    books_file,
                    books.entries,
                    suspense,
                    form.get("source_ref", ""),
                    form.get("account", "").strip(),
                    form.get("source") or None,
                ),
            )

        return self.act(write, (ReclassifyError,))

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


class OpenPeriod(FavaExtensionBase):
    """No page: a time filter earlier than the snapshot the books were loaded from
    gets a message that it needs the whole history (:mod:`ledger.fava_ext.open_period`)."""

    def before_request(self) -> None:
        open_period.check_time_filter(self.ledger, request.args.get("time"))

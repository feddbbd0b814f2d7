"""Backoffice review pages in Fava: Settlements, Cash, Breaks, Reconciliation, Close, Imports.

Enabled from the books' main file with::

    2026-01-01 custom "fava-extension" "ledger.fava_ext"

Fava makes one extension (one sidebar entry, one page at
``/<books>/extension/<Name>/``) of every ``FavaExtensionBase`` subclass in this
module; each renders the dict of one area's report function, which its
``report`` endpoint (``/<books>/extension/<Name>/report``) serves as the CLI's
``--json`` prints it. The shared machinery is in :mod:`ledger.fava_ext.page`,
imported as a module so that Fava does not take its base class for a page.
"""

from __future__ import annotations

from ledger.fava_ext import page


class Settlements(page.ReviewPage):
    """Pending, failed and settled trades, failures aged in buckets, by counterparty."""

    report_title = "Settlements"
    source = page.ReportSource("ledger.settlement.report", "settlements_report")
    filters = ("counterparty",)


class Cash(page.ReviewPage):
    """Cash positions and, per currency, the projected ladder against the floor."""

    report_title = "Cash"
    source = page.ReportSource("ledger.cash.report", "cash_report")


class Breaks(page.ReviewPage):
    """Open breaks with their age, resolved breaks with their resolution."""

    report_title = "Breaks"
    source = page.ReportSource("ledger.breaks.report", "breaks_report")


class Reconciliation(page.ReviewPage):
    """Per account: the last statement, the difference, the candidate entries."""

    report_title = "Reconciliation"
    source = page.ReportSource("ledger.recon.report", "recon_report")


class Close(page.ReviewPage):
    """Periods and their seals; the checklist of the open period."""

    report_title = "Close"
    source = page.ReportSource("ledger.close.report", "close_report")


class Imports(page.ReviewPage):
    """Documents imported: their hash, the entries written from them, when."""

    report_title = "Imports"
    source = page.ReportSource("ledger.imports.report", "imports_report")

"""Trial balance, balance sheet and income statement of a period, as text and CSV.

Amounts are at cost, per currency (a position ``100 XYZ {52.10 USD}`` counts
as ``5210.00 USD``), from the books as loaded (after the plugins), so they are
the numbers Fava and ``bean-report`` show. Every transaction balances at its
weight, so the trial balance totals zero in each currency; a residual from
price conversions (``@``) is shown on Beancount's conversions account, as
Beancount's own reports do. The balance sheet carries the income and expenses
to date as retained earnings, so assets equal liabilities plus equity.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.position import Cost

Balances = dict[tuple[str, str], Decimal]


@dataclass(frozen=True)
class Line:
    """One row of a statement: a section, an account (or a total), an amount."""

    section: str
    account: str
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    """A titled list of lines; ``name`` is the file stem under ``closes/YYYY-MM/``."""

    name: str
    title: str
    lines: list[Line]

    def text(self) -> str:
        width = max([len(line.account) for line in self.lines] + [len("account")])
        amounts = [f"{line.amount:,}" for line in self.lines]
        amount_width = max([len(a) for a in amounts] + [len("amount")])
        out = [self.title, "=" * len(self.title), ""]
        section = None
        for line, shown in zip(self.lines, amounts, strict=True):
            if line.section != section:
                if section is not None:
                    out.append("")
                out.append(line.section)
                section = line.section
            out.append(f"  {line.account:<{width}}  {shown:>{amount_width}} {line.currency}")
        return "\n".join(out) + "\n"

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["section", "account", "currency", "amount"])
        for line in self.lines:
            writer.writerow([line.section, line.account, line.currency, str(line.amount)])
        return buffer.getvalue()


def _add(totals: Balances, entries: Iterable[data.Directive], at_cost: bool) -> None:
    """Add the postings of ``entries`` to ``totals``, at cost or in units."""
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            cost = posting.cost
            if at_cost and isinstance(cost, Cost) and isinstance(cost.number, Decimal):
                totals[(posting.account, cost.currency)] += units.number * cost.number
            else:
                totals[(posting.account, units.currency)] += units.number


def _nonzero(totals: Balances) -> Balances:
    return {key: value for key, value in sorted(totals.items()) if value != 0}


def balances(
    entries: Iterable[data.Directive],
    start: datetime.date | None,
    end: datetime.date,
    *,
    at_cost: bool = True,
) -> Balances:
    """Sum of postings per (account, currency) dated from ``start`` to ``end``, at cost
    (``at_cost``) or in units; zero sums left out."""
    totals: Balances = defaultdict(Decimal)
    _add(
        totals,
        (e for e in entries if e.date <= end and (start is None or e.date >= start)),
        at_cost,
    )
    return _nonzero(totals)


class Totals:
    """The entries in date order, read once for the closes of many months: a
    period's entries found by bisection, and the sums from the start of the books
    kept at the last end asked, so that ends moving forward (``close --through``)
    read each entry once."""

    def __init__(self, entries: Sequence[data.Directive]) -> None:
        dates = [entry.date for entry in entries]
        if dates != sorted(dates):
            entries = sorted(entries, key=lambda entry: entry.date)
            dates.sort()
        self.entries = entries
        self.dates = dates
        self._running: dict[bool, tuple[int, Balances]] = {}

    def upto(self, end: datetime.date) -> int:
        """How many entries are dated on or before ``end``."""
        return bisect.bisect_right(self.dates, end)

    def between(self, start: datetime.date, end: datetime.date) -> Sequence[data.Directive]:
        return self.entries[bisect.bisect_left(self.dates, start) : self.upto(end)]

    def balances(
        self, start: datetime.date | None, end: datetime.date, *, at_cost: bool = True
    ) -> Balances:
        """What :func:`balances` gives for these entries."""
        if start is not None:
            totals: Balances = defaultdict(Decimal)
            _add(totals, self.between(start, end), at_cost)
            return _nonzero(totals)
        stop = self.upto(end)
        position, running = self._running.get(at_cost, (0, defaultdict(Decimal)))
        if position > stop:
            position, running = 0, defaultdict(Decimal)
        _add(running, self.entries[position:stop], at_cost)
        self._running[at_cost] = (stop, running)
        return _nonzero(running)


Entries = Sequence[data.Directive] | Totals


def _totals(entries: Entries) -> Totals:
    return entries if isinstance(entries, Totals) else Totals(entries)


def _root(account: str) -> str:
    return account.split(":", 1)[0]


def _by_currency(lines: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in lines:
        totals[currency] += amount
    return dict(sorted(totals.items()))


def conversions_account(options: dict[str, Any]) -> str:
    return f"{options['name_equity']}:{options['account_current_conversions']}"


def trial_balance(entries: Entries, end: datetime.date, options: dict[str, Any]) -> Statement:
    """Every account's balance at ``end``; each currency totals zero."""
    closing = _totals(entries).balances(None, end)
    lines = [Line("Accounts", acc, ccy, amount) for (acc, ccy), amount in closing.items()]
    residual = _by_currency((ccy, amount) for (_, ccy), amount in closing.items())
    lines += [
        Line("Accounts", conversions_account(options), ccy, -amount)
        for ccy, amount in residual.items()
        if amount != 0
    ]
    totals = _by_currency((line.currency, line.amount) for line in lines)
    lines += [Line("Total", "total", ccy, amount) for ccy, amount in totals.items()]
    return Statement("trial-balance", f"Trial balance at {end}", lines)


def balance_sheet(entries: Entries, end: datetime.date, options: dict[str, Any]) -> Statement:
    """Assets, liabilities and equity at ``end`` (credit balances shown positive)."""
    closing = _totals(entries).balances(None, end)
    names = {
        options["name_assets"]: "Assets",
        options["name_liabilities"]: "Liabilities",
        options["name_equity"]: "Equity",
    }
    earnings_roots = {options["name_income"], options["name_expenses"]}
    lines: list[Line] = []
    for root, section in names.items():
        sign = 1 if section == "Assets" else -1
        lines += [
            Line(section, acc, ccy, sign * amount)
            for (acc, ccy), amount in closing.items()
            if _root(acc) == root
        ]
        if section == "Equity":
            earnings = _by_currency(
                (ccy, -amount)
                for (acc, ccy), amount in closing.items()
                if _root(acc) in earnings_roots
            )
            lines += [
                Line(section, "retained earnings (income less expenses to date)", ccy, amount)
                for ccy, amount in earnings.items()
                if amount != 0
            ]
            residual = _by_currency((ccy, amount) for (_, ccy), amount in closing.items())
            lines += [
                Line(section, conversions_account(options), ccy, amount)
                for ccy, amount in residual.items()
                if amount != 0
            ]
    assets = _by_currency((row.currency, row.amount) for row in lines if row.section == "Assets")
    claims = _by_currency((row.currency, row.amount) for row in lines if row.section != "Assets")
    lines += [Line("Total", "total assets", ccy, amount) for ccy, amount in assets.items()]
    lines += [
        Line("Total", "total liabilities and equity", ccy, amount) for ccy, amount in claims.items()
    ]
    return Statement("balance-sheet", f"Balance sheet at {end}", lines)


def income_statement(
    entries: Entries,
    start: datetime.date,
    end: datetime.date,
    options: dict[str, Any],
) -> Statement:
    """Income (shown positive) and expenses from ``start`` to ``end``, and net income."""
    flows = _totals(entries).balances(start, end)
    lines = [
        Line("Income", acc, ccy, -amount)
        for (acc, ccy), amount in flows.items()
        if _root(acc) == options["name_income"]
    ]
    lines += [
        Line("Expenses", acc, ccy, amount)
        for (acc, ccy), amount in flows.items()
        if _root(acc) == options["name_expenses"]
    ]
    net = _by_currency(
        (row.currency, row.amount if row.section == "Income" else -row.amount) for row in lines
    )
    lines += [Line("Total", "net income", ccy, amount) for ccy, amount in net.items()]
    return Statement("income-statement", f"Income statement {start} to {end}", lines)


def period_statements(
    entries: Entries,
    start: datetime.date,
    end: datetime.date,
    options: dict[str, Any],
) -> list[Statement]:
    totals = _totals(entries)
    return [
        trial_balance(totals, end, options),
        balance_sheet(totals, end, options),
        income_statement(totals, start, end, options),
    ]

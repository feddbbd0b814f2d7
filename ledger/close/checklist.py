"""The month-end checklist: what must hold before a period is sealed.

Each check yields blockers, each with the file and line to look at:

- ``period``: the period has ended (as of the as-of date) and is after the last seal;
- ``books``: the books check clean up to the period end, loaded as of the period end
  (``plugins.period_lock`` among the plugins, so the earlier seals still hold): an
  error blocks when its entry is dated on or before the period end, or has no date;
- ``balances``: every account under ``[close] reconciled-accounts`` that is open at
  the period end has a passing balance assertion for each currency it holds, dated
  after its last posting of the period and at latest the first day of the next month
  (Beancount checks a balance at the start of its day);
- ``fails``: no trade failed to settle as of the period end unless a break explains
  it (a ``custom "break"`` carrying the trade's link);
- ``breaks``: no break found by the period end is still open past its tolerance;
- ``suspense``: the suspense account is empty at the period end;
- ``sign-off``: with ``[close] sign-off = true``, someone signed the period off
  (:mod:`ledger.close.sign_off`) on or before the as-of date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger.books import Books
from ledger.breaks.model import Break, age, read_breaks
from ledger.check import config_errors
from ledger.close.seal import Seal, period_bounds
from ledger.close.sign_off import read_sign_offs
from ledger.close.statements import Totals
from ledger.config import Config
from ledger.errors import BooksError, error_location
from ledger.settlement.state import trade_states

PERIOD_LOCK = "plugins.period_lock"
CHECKS = ("period", "books", "balances", "fails", "breaks", "suspense", "sign-off")


@dataclass(frozen=True)
class Blocker:
    """One reason the period cannot be closed, and where to look."""

    check: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else (self.file or "books")
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "file": self.file, "line": self.line, "message": self.message}


def _at(check: str, meta: Mapping[str, Any] | None, message: str) -> Blocker:
    filename, lineno = error_location(BooksError(meta, message, None))
    return Blocker(check, message, filename, lineno)


@dataclass(frozen=True)
class Checklist:
    period: str
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "check": check,
                "ok": not any(b.check == check for b in self.blockers),
                "blockers": [b.to_json() for b in self.blockers if b.check == check],
            }
            for check in CHECKS
        ]


def period_blockers(
    period: str, as_of: datetime.date, seals: Sequence[Seal], books: Books
) -> list[Blocker]:
    _, end = period_bounds(period)
    blockers = []
    if as_of <= end:
        blockers.append(
            Blocker(
                "period",
                f"period {period} ends on {end}; as of {as_of} it has not ended "
                "(close it after its last day, or pass --as-of)",
            )
        )
    if seals and seals[-1].end >= end:
        blockers.append(
            _at(
                "period",
                seals[-1].meta,
                f"period {period} is already sealed by the seal of {seals[-1].period}",
            )
        )
    if not any(name == PERIOD_LOCK for name, _ in books.options.get("plugin", [])):
        blockers.append(
            _at(
                "period",
                {"filename": str(books.path)},
                f"the books do not load {PERIOD_LOCK}, so nothing would verify the seal; add "
                f'plugin "{PERIOD_LOCK}" to {books.path.name} as its first plugin',
            )
        )
    return blockers


def books_blockers(books: Books, config: Config, end: datetime.date) -> list[Blocker]:
    """Each error of the books whose entry is dated on or before ``end``, or has no
    date (a configuration error, a plugin's error about the whole books); errors of
    entries after the period are left to the next close."""
    blockers = []
    for error in [*books.errors, *config_errors(config, books)]:
        day = getattr(getattr(error, "entry", None), "date", None)
        if isinstance(day, datetime.date) and day > end:
            continue
        when = (
            f"dated {day}, on or before the period end"
            if isinstance(day, datetime.date)
            else "not tied to a date, so it blocks every close"
        )
        message = str(getattr(error, "message", error))
        blockers.append(_at("books", getattr(error, "source", None), f"{message} ({when})"))
    return blockers


def balance_blockers(
    books: Books, config: Config, start: datetime.date, end: datetime.date, totals: Totals
) -> list[Blocker]:
    """A passing balance assertion at the period end per reconciled account and currency.

    Beancount checks a balance at the start of its day, so ``end + 1`` always covers
    the period end; an earlier one in the period does too when no posting of that
    account and currency follows it in the period (a custodian's statement of Friday
    the 30th, with nothing booked on Saturday the 31st).
    """
    day_after = end + datetime.timedelta(days=1)
    opens: dict[str, data.Open] = {}
    closed: set[str] = set()
    for entry in totals.entries[: totals.upto(end)]:
        if (
            isinstance(entry, data.Open)
            and entry.date <= end
            and config.close.reconciled(entry.account)
        ):
            opens[entry.account] = entry
        elif isinstance(entry, data.Close) and entry.date <= end:
            closed.add(entry.account)
    failing = {error_location(error) for error in books.errors}
    asserted: dict[tuple[str, str], data.Balance] = {}
    last_posting: dict[tuple[str, str], datetime.date] = {}
    for entry in totals.between(start, day_after):
        if isinstance(entry, data.Balance) and start < entry.date:
            asserted[(entry.account, entry.amount.currency)] = entry  # the last one wins
        elif isinstance(entry, data.Transaction) and entry.date <= end:
            for posting in entry.postings:
                if posting.units is not None:
                    last_posting[(posting.account, posting.units.currency)] = entry.date
    held: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (account, currency), amount in totals.balances(None, end, at_cost=False).items():
        held[account][currency] = amount
    blockers = []
    for account, opened in sorted(opens.items()):
        if account in closed:
            continue
        required = held.get(account) or dict.fromkeys(opened.currencies or (), Decimal(0))
        for currency, amount in sorted(required.items()):
            balance = asserted.get((account, currency))
            moved = last_posting.get((account, currency))
            if balance is not None and moved is not None and balance.date <= moved:
                balance = None  # a posting on or after its day is not covered
            if balance is None:
                earliest = (moved or start) + datetime.timedelta(days=1)
                blockers.append(
                    _at(
                        "balances",
                        opened.meta,
                        f"{account} has no balance assertion of {currency} at the end of the "
                        f"period ({amount} {currency} in the books; none dated {earliest} to "
                        f"{day_after}, after its last posting of the period): add "
                        f"'{day_after} balance {account}  <statement balance> {currency}' "
                        "from the statement",
                    )
                )
            elif error_location(BooksError(balance.meta, "", None)) in failing:
                blockers.append(
                    _at(
                        "balances",
                        balance.meta,
                        f"the balance assertion of {account} on {balance.date} fails "
                        f"({amount} {currency} in the books): reconcile the account",
                    )
                )
    return blockers


def break_blockers(found: Sequence[Break], config: Config, end: datetime.date) -> list[Blocker]:
    """Breaks found by the period end and open there past their tolerance."""
    blockers = []
    for item in found:
        if not item.is_open or item.date > end:
            continue
        days = age(item, end, config)
        tolerance = config.matching.break_days(item.kind)
        if days > tolerance:
            blockers.append(
                _at(
                    "breaks",
                    item.meta,
                    f"break {item.id} ({item.kind}) was open {days} business days at the "
                    f"period end, past its tolerance of {tolerance}: {item.description}; "
                    f'resolve it (backoffice breaks resolve {item.id} "what was done")',
                )
            )
    return blockers


def fail_blockers(
    books: Books, found: Sequence[Break], config: Config, end: datetime.date
) -> list[Blocker]:
    """Trades failed at the period end that no break (of ``found``) explains."""
    explained = {item.link for item in found if item.link and item.date <= end}
    blockers = []
    for state in trade_states(books.entries, config, end):
        if state.status not in ("failed", "partial") or state.age == 0:
            continue
        if state.link in explained:
            continue
        blockers.append(
            _at(
                "fails",
                state.meta,
                f"trade {state.trade_id} ({state.side} {state.quantity} {state.security} with "
                f"{state.counterparty}) did not settle on {state.settle_date}: "
                f"{state.remaining} {state.currency} outstanding {state.age} business days "
                "later at the period end, and no break explains it: "
                "record the fail as a break (backoffice breaks open settlement-fail "
                f'{state.trade_id} "why it failed" --as-of {end}) or book its settlement',
            )
        )
    return blockers


def suspense_blockers(config: Config, end: datetime.date, totals: Totals) -> list[Blocker]:
    suspense = config.accounts.suspense
    left = {
        currency: amount
        for (account, currency), amount in totals.balances(None, end).items()
        if account == suspense or account.startswith(suspense + ":")
    }
    if not left:
        return []
    shown = ", ".join(f"{amount} {currency}" for currency, amount in sorted(left.items()))
    blockers = []
    for entry in totals.entries[: totals.upto(end)]:
        if not isinstance(entry, data.Transaction):
            continue
        if any(
            p.account == suspense or p.account.startswith(suspense + ":") for p in entry.postings
        ):
            blockers.append(
                _at(
                    "suspense",
                    entry.meta,
                    f"{suspense} holds {shown} at the period end; this entry posts to it: "
                    "classify it to the right account",
                )
            )
    return blockers


def run_checklist(
    books: Books,
    config: Config,
    period: str,
    as_of: datetime.date,
    seals: Sequence[Seal],
    *,
    totals: Totals | None = None,
    found: Sequence[Break] | None = None,
) -> Checklist:
    """Every check of the close of ``period``; ``books`` loaded as of the period end.
    ``totals`` and the breaks ``found`` in the books, when given, are those of
    ``books.entries``, shared by the closes of several months."""
    start, end = period_bounds(period)
    if totals is None:
        totals = Totals(books.entries)
    if found is None:
        found, _ = read_breaks(books.entries)  # malformed: plugins.breaks errors, in books.errors
    blockers = [
        *period_blockers(period, as_of, seals, books),
        *books_blockers(books, config, end),
        *balance_blockers(books, config, start, end, totals),
        *fail_blockers(books, found, config, end),
        *break_blockers(found, config, end),
        *suspense_blockers(config, end, totals),
        *sign_off_blockers(books, config, period, as_of),
    ]
    return Checklist(period, blockers)


def sign_off_blockers(
    books: Books, config: Config, period: str, as_of: datetime.date
) -> list[Blocker]:
    """No sign-off of ``period`` by ``as_of`` when the config asks for one."""
    if not config.close.sign_off:
        return []
    signed = [s for s in read_sign_offs(books.entries).get(period, []) if s.date <= as_of]
    if signed:
        return []
    return [
        Blocker(
            "sign-off",
            f"period {period} needs a sign-off ([close] sign-off = true): "
            f"backoffice sign-off {period} --by NAME, or the Fava Close page",
        )
    ]

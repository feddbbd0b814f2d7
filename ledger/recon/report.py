"""``recon_report``: each account's latest statement balance against the books.

A statement's closing balance is in the books as a ``balance`` directive dated
the day after (the bank importers write them so; MT535 holdings give one per
security on the custody account). For each account and commodity the latest
one dated no later than the day after the as-of date is compared with the
books at the start of its date; a difference comes with the ranked candidate
items that could explain it (:mod:`ledger.recon.candidates`) and becomes a
``statement-difference`` break. Accounts mapped in ``[[statement-accounts]]``
that have no statement yet are listed as such.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys
from ledger.books import Books
from ledger.breaks.model import Break, Findings, Resolution, new_break, read_breaks
from ledger.close.sealed_periods import sealed_periods
from ledger.config import Config
from ledger.recon import candidates as cand
from ledger.recon.ledger_index import Line, PostingIndex
from ledger.records.custody import TradeAtCustody, custody_differences, explained, total
from ledger.settlement.state import TradeState, trade_states

ONE_DAY = datetime.timedelta(days=1)


class StatementBalance(NamedTuple):
    """A closing balance a statement gives, as the ``balance`` directive dated the day after."""

    date: datetime.date
    number: Decimal
    meta: Mapping[str, Any]
    listed: bool = True  # False: held in the books, not on the statement (zero there)


def _statements(
    entries: list[data.Directive], as_of: datetime.date
) -> dict[tuple[str, str], list[StatementBalance]]:
    """Balance directives up to the day after ``as_of``, by account and commodity, by date."""
    found: dict[tuple[str, str], list[StatementBalance]] = defaultdict(list)
    for entry in entries:
        if (
            isinstance(entry, data.Balance)
            and entry.date <= as_of + ONE_DAY
            and entry.amount.number is not None
        ):
            # a holding asserted in the books' terms keeps the custodian's own figure
            number = entry.meta.get(keys.CUSTODIAN_QUANTITY, entry.amount.number)
            found[entry.account, entry.amount.currency].append(
                StatementBalance(entry.date, number, entry.meta)
            )
    for balances in found.values():
        balances.sort(key=lambda balance: balance.date)
    return found


def _add_unlisted(
    statements: dict[tuple[str, str], list[StatementBalance]], index: PostingIndex
) -> None:
    """A zero balance for what the books hold on an account but its latest statement
    document does not list (an MT535 lists only the securities the custodian holds)."""
    documents: dict[str, dict[tuple[datetime.date, str], list[StatementBalance]]] = defaultdict(
        lambda: defaultdict(list)
    )
    listed: dict[tuple[str, datetime.date, str], set[str]] = defaultdict(set)
    for (account, currency), balances in statements.items():
        for balance in balances:
            source = balance.meta.get("source")
            if isinstance(source, str):
                documents[account][balance.date, source].append(balance)
                listed[account, balance.date, source].add(currency)
    for account, by_document in documents.items():
        (date, source), balances = max(by_document.items(), key=lambda item: item[0])
        for currency in index.currencies(account) - listed[account, date, source]:
            known = statements.get((account, currency))
            if known and known[-1].date >= date:
                continue
            if index.balance(account, currency, date) != 0:
                where = {key: balances[0].meta.get(key) for key in ("filename", "lineno", "source")}
                statements[account, currency].append(
                    StatementBalance(date, Decimal(0), where, listed=False)
                )


def _candidates(
    stmt: cand.Statement,
    balance: StatementBalance,
    index: PostingIndex,
    config: Config,
    states: list[TradeState],
) -> list[cand.Candidate]:
    lines = index.lines(stmt.account, stmt.currency)
    window = [line for line in lines if stmt.since < line.date <= stmt.date]
    earlier = [line for line in lines if line.date <= stmt.since]
    suspense = [
        line
        for line in index.lines(config.accounts.suspense, stmt.currency)
        if stmt.since < line.date <= stmt.date
    ]
    found = [
        *cand.unsettled(states, stmt, config.settlement.on_settlement),
        *cand.pending_at_custodian(balance.meta, stmt),
        *cand.after_statement(lines, stmt),
        *cand.duplicates(window),
        *cand.suspense(suspense),
        *cand.transposed(window, stmt.difference),
        *cand.recurring(earlier, stmt.difference),
    ]
    return cand.rank(found, stmt.difference)


def _kind(balance: StatementBalance) -> str:
    """``statement`` for a balance a statement gave (an import writes ``source``),
    ``hand-written`` for a ``balance`` directive someone typed into the books."""
    return "statement" if balance.meta.get("source") else "hand-written"


def _history_row(
    balance: StatementBalance, books_balance: Decimal, adjustment: Decimal
) -> dict[str, Any]:
    difference = balance.number - books_balance - adjustment
    return {
        "statement_date": (balance.date - ONE_DAY).isoformat(),
        "statement_balance": str(balance.number),
        "books_balance": str(books_balance),
        "custody_adjustment": str(adjustment) if adjustment else None,
        "difference": str(difference),
        "status": "reconciled" if difference == 0 else "difference",
        "kind": _kind(balance),
        "source": balance.meta.get("source"),
        "file": balance.meta.get("filename"),
        "line": balance.meta.get("lineno"),
    }


def _history(
    balances: list[StatementBalance],
    lines: list[Line],
    adjustment: Callable[[StatementBalance], Decimal],
) -> list[dict[str, Any]]:
    """Every balance of an account and commodity against the books at the start of its
    day (adjusted by ``adjustment``), oldest first: one walk over the postings, which
    come in date order."""
    rows = []
    held = Decimal(0)
    at = 0
    for balance in balances:
        while at < len(lines) and lines[at].date < balance.date:
            held += lines[at].number
            at += 1
        rows.append(_history_row(balance, held, adjustment(balance)))
    return rows


def _row(
    account: str,
    currency: str | None,
    balance: StatementBalance | None,
    books_balance: Decimal,
    trades: Sequence[TradeAtCustody] = (),
) -> dict[str, Any]:
    """A report row; ``balance`` None: the account has no statement yet; ``trades``:
    those that make the custodian's holding differ from the books'."""
    adjustment = total(trades)
    difference = None if balance is None else balance.number - books_balance - adjustment
    if difference is None:
        status = "no-statement"
    else:
        status = "reconciled" if difference == 0 else "difference"
    return {
        "account": account,
        "currency": currency,
        "statement_date": None if balance is None else (balance.date - ONE_DAY).isoformat(),
        "statement_balance": None if balance is None else str(balance.number),
        "books_balance": None if balance is None else str(books_balance),
        "custody_adjustment": str(adjustment) if adjustment else None,
        "adjusted_for": explained(trades) or None,
        "difference": None if difference is None else str(difference),
        "status": status,
        "kind": None if balance is None else _kind(balance),
        "listed": balance is not None and balance.listed,
        "source": None if balance is None else balance.meta.get("source"),
        "file": None if balance is None else balance.meta.get("filename"),
        "line": None if balance is None else balance.meta.get("lineno"),
        "last_statement": None,
        "statement_age": None,
        "stale": False,
        "history": [],
        "candidates": [],
        "break": None,
        "resolves": [],
    }


class _Run:
    """One reconciliation of the books as of a date."""

    def __init__(self, books: Books, config: Config, as_of: datetime.date) -> None:
        self.books, self.config, self.as_of = books, config, as_of
        self.known = {item.id: item for item in read_breaks(books.entries)[0]}
        self.statements = _statements(books.entries, as_of)
        accounts = {account for account, _ in self.statements}
        self.index = PostingIndex(books.entries, accounts | {config.accounts.suspense})
        _add_unlisted(self.statements, self.index)
        self.found: list[Break] = []
        self.resolutions: list[Resolution] = []
        self._states: dict[datetime.date, list[TradeState]] = {}
        self._custody: dict[datetime.date, dict[tuple[str, str], list[TradeAtCustody]]] = {}
        self.safekeeping = {
            mapping.account for mapping in config.statement_accounts if mapping.currency is None
        }
        sealed = sealed_periods(books.entries).last_end
        self.sealed = sealed if sealed is not None and as_of > sealed else None

    def open_period(self, balances: list[StatementBalance]) -> list[StatementBalance]:
        """The balances of the open period: the history of sealed months is in their
        close reports, and the books loaded from a snapshot do not carry it, so both
        loads show the same."""
        if self.sealed is None:
            return balances
        return [b for b in balances if b.date > self.sealed]

    def at_custody(self, account: str, currency: str, day: datetime.date) -> list[TradeAtCustody]:
        """The trades that make a custodian's holding at the end of ``day`` differ from
        the books' (a fail under the contractual policy); none on other accounts."""
        if account not in self.safekeeping:
            return []
        if day not in self._custody:
            self._custody[day] = custody_differences(self.books.entries, self.config, day)
        return self._custody[day].get((account, currency), [])

    def adjustment(self, account: str, currency: str, balance: StatementBalance) -> Decimal:
        """The custodian's holding less the books' on ``balance``'s statement date."""
        return total(self.at_custody(account, currency, balance.date - ONE_DAY))

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for (account, currency), balances in sorted(self.statements.items()):
            latest = balances[-1]
            held = self.index.balance(account, currency, latest.date)
            trades = self.at_custody(account, currency, latest.date - ONE_DAY)
            row = _row(account, currency, latest, held, trades)
            row["history"] = _history(
                self.open_period([b for b in balances if b.listed]),
                self.index.lines(account, currency),
                functools.partial(self.adjustment, account, currency),
            )
            self.age(row)
            since = balances[-2].date - ONE_DAY if len(balances) > 1 else datetime.date.min
            if row["status"] == "reconciled":
                self.resolve(row)
            else:
                self.explain(row, latest, since)
            rows.append(row)
        listed = {row["account"] for row in rows}
        for mapping in self.config.statement_accounts:
            if mapping.account not in listed:
                listed.add(mapping.account)
                rows.append(_row(mapping.account, mapping.currency, None, Decimal(0)))
        return rows

    def age(self, row: dict[str, Any]) -> None:
        """The age of the account's latest statement (not a hand-written balance), and
        whether it is older than ``[recon] stale-after-days``."""
        dates = [h["statement_date"] for h in row["history"] if h["kind"] == "statement"]
        if not dates and self.sealed is not None and row["status"] != "no-statement":
            # none since the last sealed month: its latest is at least that old
            row["stale"] = (self.as_of - self.sealed).days > self.config.recon.stale_after_days
        if not dates:
            return
        row["last_statement"] = dates[-1]
        age = (self.as_of - datetime.date.fromisoformat(dates[-1])).days
        row["statement_age"] = age
        row["stale"] = age > self.config.recon.stale_after_days

    def resolve(self, row: dict[str, Any]) -> None:
        """Resolve the open differences of an account and currency that now reconciles."""
        for item in self.known.values():
            if (
                item.kind == "statement-difference"
                and item.account == row["account"]
                and item.amount is not None
                and item.amount.currency == row["currency"]
                and item.open_on(self.as_of)
            ):
                row["resolves"].append(item.id)
                self.resolutions.append(
                    Resolution(
                        item.id, self.as_of, f"the statement of {row['statement_date']} reconciles"
                    )
                )

    def explain(self, row: dict[str, Any], latest: StatementBalance, since: datetime.date) -> None:
        """The ranked candidates of a difference, and its break."""
        account, currency = row["account"], row["currency"]
        date = latest.date - ONE_DAY
        difference = Decimal(row["difference"])
        if date not in self._states:
            self._states[date] = trade_states(self.books.entries, self.config, date)
        stmt = cand.Statement(account, currency, date, difference, since)
        # a trade the comparison already adjusted for explains nothing more
        adjusted = {trade.state.link for trade in self.at_custody(account, currency, date)}
        row["candidates"] = [
            {
                **asdict(c),
                "date": c.date.isoformat(),
                "explains": str(c.explains),
                "whole": c.explains == difference,
            }
            for c in _candidates(stmt, latest, self.index, self.config, self._states[date])
            if not (c.kind == "unsettled-trade" and c.link in adjusted)
        ]
        says = (
            f"says {row['statement_balance']} {currency}"
            if latest.listed
            else f"does not list {currency}"
        )
        books = f"the books {row['books_balance']} {currency}"
        if row["adjusted_for"]:
            adjustment = Decimal(row["custody_adjustment"])
            books += f", {adjustment:+f} {currency} for the trades {row['adjusted_for']}"
        item = new_break(
            "statement-difference",
            [account, currency, date.isoformat(), str(difference)],
            self.as_of,
            f"{account}: statement of {date} {says}, {books} (difference {difference} {currency})",
            account=account,
            amount=Amount(difference, currency),
            source=latest.meta.get("source"),
        )
        existing = self.known.get(item.id)
        row["break"] = {
            "id": item.id,
            "status": "new" if existing is None else "open" if existing.is_open else "resolved",
            "resolution": existing.resolution if existing else None,
        }
        if existing is None:
            self.found.append(item)


def run_recon(books: Books, config: Config, as_of: datetime.date) -> Findings:
    """The report, the breaks it found that are not yet in the books, and the
    resolutions of open differences of accounts that now reconcile."""
    run = _Run(books, config, as_of)
    rows = run.rows()
    summary = {
        status: sum(1 for row in rows if row["status"] == status)
        for status in ("reconciled", "difference", "no-statement")
    }
    summary["stale"] = sum(1 for row in rows if row["stale"])
    report = {
        "as_of": as_of.isoformat(),
        "stale_after_days": config.recon.stale_after_days,
        "accounts": rows,
        "summary": summary,
    }
    return Findings(report, run.found, run.resolutions)


def recon_report(books: Books, config: Config, as_of: datetime.date) -> dict[str, Any]:
    """Per account and commodity: the latest statement, the difference, the candidates."""
    return run_recon(books, config, as_of).report

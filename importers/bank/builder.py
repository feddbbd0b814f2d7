"""Statements → entries: the one builder every bank format shares.

Per statement: map its account id to a ledger account (``[[statement-accounts]]``),
check that its lines lead from the opening to the closing balance, then

- each line → a transaction dated its booking day on the ledger account, the
  other posting from :mod:`importers.bank.rules`; ``value-date`` kept when it
  differs; provenance ``source``/``source-ref``/``source-sha256``;
- the opening balance → a ``balance`` at the start of the first booking day
  (the pipeline checks it against the books); the closing balance → a
  ``balance`` on the day after the closing date.

Intraday reports and notifications (MT942, camt.052/054) carry no booked
closing balance to assert; their lines are booked all the same.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal

from beancount.core import amount, data

from importers.bank.rules import classify, trade_clearing
from importers.bank.statement import Statement, StatementLine
from importers.common import (
    ImportFailure,
    UnknownStatementAccount,
    entry_meta,
    generated_ref,
    unique_refs,
)
from ledger import meta as keys
from ledger.config import Config, StatementAccount
from ledger.gcpause import gc_paused
from ledger.posting import posting

ONE_DAY = datetime.timedelta(days=1)


def normalise_id(account_id: str) -> str:
    """Account ids compare without spaces and case (IBANs are printed in groups)."""
    return re.sub(r"\s+", "", account_id).upper()


def find_mapping(config: Config, account_id: str, currency: str) -> StatementAccount | None:
    """The ``[[statement-accounts]]`` entry for this id and currency."""
    wanted = normalise_id(account_id)
    for mapping in config.statement_accounts:
        if normalise_id(mapping.id) == wanted and mapping.currency in (None, currency):
            return mapping
    return None


def _account_component(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(word[:1].upper() + word[1:].lower() for word in words)[:24]
    if not name or not name[0].isalpha():
        name = "Bank" + name
    return name


def ledger_account(config: Config, statement: Statement, path: str) -> str:
    """The ledger account of ``statement``, or the error saying what to add."""
    mapping = find_mapping(config, statement.account_id, statement.currency)
    if mapping is not None:
        return mapping.account
    bank = _account_component(statement.institution or "Acct" + statement.account_id[-4:])
    dates = [line.booking_date for line in statement.lines]
    if statement.opening is not None:
        dates.append(statement.opening.date)
    if statement.closing is not None:
        dates.append(statement.closing.date)
    root = "Liabilities:Card" if statement.card else "Assets:Bank"
    raise UnknownStatementAccount(
        path,
        statement.lineno,
        statement.account_id,
        f"{root}:{bank}:{_account_component(statement.currency).upper()}",
        statement.currency,
        min(dates, default=datetime.date(1970, 1, 1)),
        cash=not statement.card,
    )


def check_totals(statement: Statement, path: str) -> None:
    """The lines must lead from the opening balance to the closing one."""
    if statement.opening is None or statement.closing is None:
        return
    total = sum((line.amount for line in statement.lines), Decimal(0))
    expected = statement.opening.amount + total
    if expected != statement.closing.amount:
        raise ImportFailure(
            path,
            statement.closing.lineno,
            f"statement {statement.statement_id or statement.account_id}: opening balance "
            f"{statement.opening.amount} plus its {len(statement.lines)} line(s) "
            f"({total:+}) is {expected} {statement.currency}, but the closing balance says "
            f"{statement.closing.amount} {statement.currency}",
            hint="the file is truncated or a line is malformed; ask the bank to resend it",
        )


def _line_refs(statement: Statement) -> list[str]:
    refs = []
    for line in statement.lines:
        ref = line.ref or generated_ref(
            statement.account_id,
            line.booking_date.isoformat(),
            str(line.amount),
            line.payee or "",
            line.narration,
            *line.references,
        )
        refs.append(ref)
    return unique_refs(refs)


def _transaction(
    line: StatementLine,
    ref: str,
    account: str,
    currency: str,
    path: str,
    sha256: str,
    config: Config,
    trades: dict[str, str],
) -> data.Transaction:
    counterpart = classify(line, account, config, trades)
    # entry_meta's dict, built in one step: this runs once per statement line
    meta = {
        "filename": path,
        "lineno": line.lineno,
        keys.SOURCE: path,
        keys.SOURCE_REF: ref,
        keys.SOURCE_SHA256: sha256,
    }
    if line.value_date is not None and line.value_date != line.booking_date:
        meta[keys.VALUE_DATE] = line.value_date
    number = line.amount
    return data.Transaction(
        meta,
        line.booking_date,
        counterpart.flag,
        line.payee,
        line.narration,
        data.EMPTY_SET,
        frozenset({counterpart.link}) if counterpart.link else data.EMPTY_SET,
        [
            posting(account, number, currency),
            posting(counterpart.account, -number, currency),
        ],
    )


def _balance(
    day: datetime.date,
    account: str,
    number: Decimal,
    currency: str,
    lineno: int,
    ref: str,
    path: str,
    sha256: str,
) -> data.Balance:
    meta = entry_meta(path, lineno, path, ref, sha256)
    return data.Balance(meta, day, account, amount.Amount(number, currency), None, None)


def check_continues(previous: Statement, statement: Statement, path: str) -> None:
    """A statement must open where the one before it on the same account closed."""
    if previous.closing is None or statement.opening is None:
        return
    if statement.opening.amount != previous.closing.amount:
        raise ImportFailure(
            path,
            statement.opening.lineno,
            f"statement {statement.statement_id or statement.account_id} opens with "
            f"{statement.opening.amount} {statement.currency} on {statement.opening.date}, but "
            f"the statement before it on this account "
            f"({previous.statement_id or previous.account_id}, line {previous.closing.lineno}) "
            f"closed with {previous.closing.amount} {statement.currency}",
            hint="a statement between them is missing from the file; ask the bank for the "
            "complete sequence",
        )


def _first_day(statement: Statement) -> datetime.date | None:
    return min((line.booking_date for line in statement.lines), default=None)


def _last_day(statement: Statement) -> datetime.date | None:
    return max((line.booking_date for line in statement.lines), default=None)


@gc_paused()
def build_entries(
    statements: Sequence[Statement],
    *,
    path: str,
    sha256: str,
    config: Config,
    existing: Sequence[data.Directive],
) -> list[data.Directive]:
    """Every statement's transactions and balance assertions.

    Statements of one account in a file continue one another: each must open where
    the one before closed (:func:`check_continues`). Where two share their boundary
    day (the first's closing date is a day the next books lines on, as Rabobank's
    and generic MT940 exports do), a balance at the start of a day cannot hold the
    first's closing: it is left out, and so is the next one's opening when the first
    booked lines on that day too. The continuity check stands in for both.
    """
    trades = trade_clearing(existing, config.accounts.unsettled)
    entries: list[data.Directive] = []
    accounts = [ledger_account(config, statement, path) for statement in statements]
    following: dict[int, Statement] = {}
    preceding: dict[int, Statement] = {}
    last_of: dict[tuple[str, str], int] = {}
    for index, (statement, account) in enumerate(zip(statements, accounts, strict=True)):
        check_totals(statement, path)
        if statement.kind != "statement":
            continue
        key = (account, statement.currency)
        if key in last_of:
            previous = statements[last_of[key]]
            check_continues(previous, statement, path)
            following[last_of[key]] = statement
            preceding[index] = previous
        last_of[key] = index
    for index, (statement, account) in enumerate(zip(statements, accounts, strict=True)):
        for line, ref in zip(statement.lines, _line_refs(statement), strict=True):
            entries.append(
                _transaction(line, ref, account, statement.currency, path, sha256, config, trades)
            )
        if statement.kind != "statement":
            continue
        name = statement.statement_id or statement.account_id
        first = _first_day(statement)
        before = preceding.get(index)
        before_last = _last_day(before) if before is not None else None
        if (
            statement.opening is not None
            and first is not None
            and (before_last is None or before_last < first)
        ):
            entries.append(
                _balance(
                    first,
                    account,
                    statement.opening.amount,
                    statement.currency,
                    statement.opening.lineno,
                    f"{name}/opening",
                    path,
                    sha256,
                )
            )
        if statement.closing is not None:
            day = max(filter(None, [statement.closing.date, _last_day(statement)])) + ONE_DAY
            after = following.get(index)
            after_first = _first_day(after) if after is not None else None
            if after_first is not None and after_first < day:
                continue
            entries.append(
                _balance(
                    day,
                    account,
                    statement.closing.amount,
                    statement.currency,
                    statement.closing.lineno,
                    f"{name}/closing",
                    path,
                    sha256,
                )
            )
    return entries

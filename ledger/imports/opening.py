"""Starting an account from its first statement (DESIGN.md, "Record keeping").

Every real account has history before its first statement. When the books
hold nothing on a statement's account (no posting, no imported line, no
balance assertion) and none of the batch's earlier files touched it, the
statement's first balance assertion says what the account held when the
books begin: that difference is booked against ``[accounts] opening`` the day
before the statement's first date, with ``source``/``source-ref`` like any
line, so the assertion holds::

    2011-01-01 balance Assets:Bank:Acct1111:EUR  100.00 EUR   ; the statement's opening

becomes, written before it::

    2010-12-31 * "Opening balance from the first statement"
      source-ref: "STMT1/opening/booked"
      Assets:Bank:Acct1111:EUR   100.00 EUR
      Equity:Opening

Once the account has history, a difference stays a refusal
(:mod:`ledger.imports.balances`). With ``[imports] opening-from-statement =
false`` the pipeline refuses the first statement too, and the refusal shows
this entry for the user to add by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal

from beancount.core import amount, data

from importers.common import OPENING_NARRATION, OPENING_REF_SUFFIX
from ledger import meta as keys
from ledger.imports.balances import Ledger
from ledger.imports.dedupe import Key

ONE_DAY = datetime.timedelta(days=1)
NARRATION = OPENING_NARRATION
REF_SUFFIX = OPENING_REF_SUFFIX


def is_opening(entry: data.Transaction) -> bool:
    """Whether ``entry`` is an opening this module booked."""
    ref = keys.get_source_ref(entry.meta)
    return entry.narration == NARRATION and ref is not None and ref.endswith(REF_SUFFIX)


def _has_history(account: str, index: set[Key], batch: Sequence[data.Directive]) -> bool:
    if any(key[0] in ("txn", "balance") and key[1] == account for key in index):
        return True
    return any(
        isinstance(entry, data.Transaction)
        and any(posting.account == account for posting in entry.postings)
        for entry in batch
    )


def opening_entries(
    new: Sequence[data.Directive],
    index: set[Key],
    earlier: Sequence[data.Directive],
    books: Callable[[str, str, datetime.date], Decimal],
    opening_account: str,
) -> list[data.Transaction]:
    """The opening transactions ``new`` (one file's new entries) needs: one per
    (account, currency) of its balances that the books and the ``earlier`` files
    of the batch have never touched. ``index`` holds the books' identities."""
    balances = sorted(
        (entry for entry in new if isinstance(entry, data.Balance)),
        key=lambda entry: entry.date,
    )
    out: list[data.Transaction] = []
    done: set[tuple[str, str]] = set()
    for balance in balances:
        currency = balance.amount.currency
        if (balance.account, currency) in done:
            continue
        done.add((balance.account, currency))
        if _has_history(balance.account, index, earlier):
            continue
        if books(balance.account, currency, balance.date + ONE_DAY) != 0:
            continue
        lines = [
            entry
            for entry in new
            if isinstance(entry, data.Transaction)
            and entry.postings
            and entry.postings[0].account == balance.account
        ]
        before = Ledger(lines, {balance.account}).before(balance.account, currency, balance.date)
        expected = balance.amount.number
        assert isinstance(expected, Decimal)  # importers write numbers, never MISSING
        difference = expected - before
        if difference == 0:
            continue
        first = min([balance.date, *(entry.date for entry in lines)])
        meta = dict(balance.meta)
        meta[keys.SOURCE_REF] = f"{keys.get_source_ref(balance.meta)}{REF_SUFFIX}"
        out.append(
            data.Transaction(
                meta,
                first - ONE_DAY,
                "*",
                None,
                NARRATION,
                data.EMPTY_SET,
                data.EMPTY_SET,
                [
                    data.Posting(
                        balance.account, amount.Amount(difference, currency), None, None, None, None
                    ),
                    data.Posting(
                        opening_account,
                        amount.Amount(-difference, currency),
                        None,
                        None,
                        None,
                        None,
                    ),
                ],
            )
        )
    return out

"""Month-end revaluation (mark-to-market), booked by ``backoffice close`` when
``[close] revaluation = true``.

From the valuation at the period end (:mod:`ledger.records.valuation`), one
entry on the last day of the period moves every position's unrealized P&L in the
base currency (market less cost of each security, the FX revaluation of each
foreign cash balance) onto ``[close] revaluation-account`` against ``[close]
unrealized-account``; its reversal on the first day of the next month takes it
back, so the next month starts at cost again and its own close books afresh::

    2026-11-30 * "Revaluation" "Mark-to-market of 2026-11 at 2026-11-30" ^revaluation-2026-11
      revaluation: "2026-11"
      Assets:Revaluation     3312.00 USD
        position: "Assets:Custody:Securities AAPL"
      Assets:Revaluation       -5.00 USD
        position: "Assets:Bank:EUR EUR"
      Income:Unrealized     -3307.00 USD

    2026-12-01 * "Revaluation" "Reversal of the mark-to-market of 2026-11" ^revaluation-2026-11
      revaluation-reversal: "2026-11"
      ...the same postings, negated

A position with a missing price or rate is left out (the valuation lists it); a
stale price is used, as the valuation uses it. The entries are appended to
``revaluations.beancount`` beside the main file (included once), in the close's
one write; the seal covers the month-end entry, the reversal is the next
period's. The same books give the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from ledger.books import Books
from ledger.close.seal import period_bounds
from ledger.config import Config
from ledger.records.valuation import valuation_report

REVALUATIONS_FILE = "revaluations.beancount"
HEADER = (
    "; Month-end revaluation (mark-to-market) and its reversal,\n"
    "; written by 'backoffice close' ([close] revaluation).\n"
)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Revaluation:
    """What a close books: the file's new content and the entries it adds."""

    path: Path
    text: str  # the whole file after the close
    entries: list[data.Directive]


def _lines(period: str, config: Config, books: Books, end: datetime.date) -> list[str]:
    report = valuation_report(books, config, end)
    base = report["base_currency"]
    rows: list[tuple[str, Decimal]] = []
    for row in report["securities"]:
        if row["unrealized_base"]:
            rows.append((f"{row['account']} {row['security']}", row["unrealized_base"]))
    for row in report["cash"]:
        if row["revaluation"]:
            rows.append((f"{row['account']} {row['currency']}", row["revaluation"]))
    if not rows:
        return []
    account = config.close.revaluation_account
    unrealized = config.close.unrealized_account
    total = sum((amount for _, amount in rows), ZERO)
    following = end + datetime.timedelta(days=1)
    text = []
    for sign, day, narration, key in (
        (1, end, f"Mark-to-market of {period} at {end}", "revaluation"),
        (-1, following, f"Reversal of the mark-to-market of {period}", "revaluation-reversal"),
    ):
        text.append(f'{day} * "Revaluation" "{narration}" ^revaluation-{period}')
        text.append(f'  {key}: "{period}"')
        for position, amount in rows:
            text.append(f"  {account}  {sign * amount} {base}")
            text.append(f'    position: "{position}"')
        text.append(f"  {unrealized}  {-sign * total} {base}")
        text.append("")
    return text


def _opens(books: Books, config: Config, day: datetime.date) -> list[str]:
    opened = {entry.account for entry in books.entries if isinstance(entry, data.Open)}
    wanted = (config.close.revaluation_account, config.close.unrealized_account)
    return [f"{day} open {account}" for account in wanted if account not in opened]


def plan_revaluation(
    books: Books, config: Config, period: str, pending: Mapping[Path, str] | None = None
) -> Revaluation | None:
    """The revaluation of ``period`` (None when not configured, or nothing moves);
    ``pending``: files a close of earlier months in the same run will write."""
    if not config.close.revaluation:
        return None
    _, end = period_bounds(period)
    lines = _lines(period, config, books, end)
    if not lines:
        return None
    path = books.directory.absolute() / REVALUATIONS_FILE
    if pending and path in pending:
        current = pending[path]
    else:
        current = path.read_text(encoding="utf-8") if path.exists() else HEADER
    opens = _opens(books, config, end)
    added = "\n" + "".join(line + "\n" for line in [*opens, *([""] if opens else []), *lines])
    text = current + added.rstrip("\n") + "\n"
    entries, _, _ = parser.parse_string(text, report_filename=str(path))
    new = [entry for entry in entries if entry.meta["lineno"] > current.count("\n")]
    return Revaluation(path, text, new)

"""Opening and resolving a break by hand: the one code path of ``backoffice breaks
open`` / ``breaks resolve`` and of the Fava pages' buttons (``serve --edit``).

Both check what they are given against the books' entries, refuse with a
:class:`BreakRefused` (its message says what to do instead; nothing written),
and write through :mod:`ledger.breaks.store` under the books' lock:

- :func:`open_break` takes the lock itself (:func:`~ledger.breaks.store.write_break`,
  which reads the breaks file again under it, so a break recorded meanwhile is
  refused, not written twice);
- :func:`resolve_break` stages on the caller's writer, taken before the caller
  read the entries.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount

from ledger.breaks.model import new_break, read_breaks
from ledger.breaks.store import OpenError, ResolveError, write_break, write_resolution
from ledger.close.sealed_periods import sealed_periods
from ledger.matching.config import BREAK_KINDS
from ledger.meta import TRADE_LINK_PREFIX, trade_link
from ledger.writer import BooksWriter

_AMOUNT_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]?)\s*$")


class BreakRefused(Exception):
    """The break cannot be opened or resolved as asked; nothing was written."""


class UnknownReference(BreakRefused):
    """The reference is no trade and no account of the entries given (books loaded
    from a snapshot hold no trade summed up in it: load them in full and ask again)."""


def parse_amount(text: str | None) -> Amount | None:
    """``61275.00 USD`` as an amount (None for none)."""
    if text is None or not text.strip():
        return None
    found = _AMOUNT_RE.match(text)
    if found is None:
        raise BreakRefused(f"--amount: {text!r} is not an amount; write it as 1242392.50 USD")
    return Amount(Decimal(found.group(1)), found.group(2))


def reference_of(
    reference: str, entries: Sequence[data.Directive]
) -> tuple[str | None, str | None]:
    """The break's link (a trade in the books) or account (one the books open)."""
    link = reference if reference.startswith(TRADE_LINK_PREFIX) else trade_link(reference)
    accounts = set()
    for entry in entries:
        if isinstance(entry, data.Transaction) and link in entry.links:
            return link, None
        if isinstance(entry, data.Open):
            accounts.add(entry.account)
    if reference in accounts:
        return None, reference
    raise UnknownReference(
        f"{reference!r} is no trade id and no account of the books; give the id of the "
        "trade (as 'backoffice settlements' lists it) or an account such as Assets:Bank:..."
    )


def open_break(
    books_file: Path,
    entries: Sequence[data.Directive],
    kind: str,
    reference: str,
    text: str,
    amount: str | None,
    date: datetime.date,
) -> str:
    """Record a break of ``kind`` on ``reference`` (a trade id or an account) found on
    ``date``; returns the entry written to ``breaks.beancount``."""
    if kind not in BREAK_KINDS:
        raise BreakRefused(
            f"KIND: {kind!r} is no break kind; the kinds are {', '.join(BREAK_KINDS)}"
        )
    money = parse_amount(amount)
    if not text.strip():
        raise BreakRefused("say what is wrong: the break's text is empty")
    link, account = reference_of(reference, entries)
    seal = sealed_periods(entries).seal_for(date)
    if seal is not None:
        raise BreakRefused(
            f"a break dated {date} falls in period {seal.period}, sealed by {seal.where}; "
            f"record it in the open period (--as-of {seal.end + datetime.timedelta(days=1)} "
            "or later)"
        )
    cause = [reference, f"{money.number} {money.currency}" if money else "", text.strip()]
    item = new_break(kind, cause, date, text.strip(), link=link, account=account, amount=money)
    try:
        return write_break(books_file, item)
    except OpenError as exc:
        raise BreakRefused(str(exc)) from None


def resolve_break(
    writer: BooksWriter,
    books_file: Path,
    entries: Sequence[data.Directive],
    break_id: str,
    text: str,
    date: datetime.date,
) -> str:
    """Stage on ``writer`` the resolution of the open break ``break_id`` on ``date``,
    saying what resolved it; returns the entry staged."""
    found = {item.id: item for item in read_breaks(entries)[0]}.get(break_id)
    if found is None:
        raise BreakRefused(
            f"no break {break_id} in {books_file}; list them with 'backoffice breaks'"
        )
    if found.resolved is not None:
        raise BreakRefused(f"break {break_id} is already resolved on {found.resolved}")
    if date < found.date:
        raise BreakRefused(
            f"break {break_id} was found on {found.date}; resolve it on or after that date "
            "(--as-of)"
        )
    try:
        return write_resolution(writer, books_file, break_id, date, text, sealed_periods(entries))
    except ResolveError as exc:
        raise BreakRefused(str(exc)) from None

"""Beancount text of imported entries, byte for byte what Beancount's printer writes.

``beancount.parser.printer.format_entry`` builds a printer, a display
context and an aligned column of positions for every entry: about 60 µs for
a two-posting transaction, more than reading and building the line. The
shapes the importers produce most (a transaction whose postings are plain
amounts without cost, price, posting flag or posting metadata, and a
``balance`` without tolerance or diff, all metadata strings, dates, numbers
or booleans) are written here directly with the printer's rules; anything
else goes to the printer. ``tests/importers/test_bank_printing.py`` compares
the two on the golden samples and on generated entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import amount, data
from beancount.parser import printer

_IGNORED = frozenset({"filename", "lineno"})


class _Fallback(Exception):
    """An entry (or a value in it) the direct writer does not handle."""


def _meta_lines(meta: dict[str, Any]) -> str:
    """Metadata as ``printer.EntryPrinter.write_metadata`` writes it."""
    out: list[str] = []
    for key, value in (meta or {}).items():
        if key in _IGNORED or key.startswith("__"):
            continue
        kind = type(value)
        if kind is str:
            text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif kind is datetime.date or kind is Decimal:
            text = str(value)
        elif kind is bool:
            text = "TRUE" if value else "FALSE"
        elif value is None:
            text = ""
        else:
            raise _Fallback
        out.append(f"  {key}: {text}\n")
    return "".join(out)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _position(units: object) -> tuple[str, str]:
    """A plain amount as the printer renders it: number text (``{:f}``) and currency."""
    if type(units) is not amount.Amount:
        raise _Fallback
    number, currency = units
    if type(number) is not Decimal or not number.is_finite():
        raise _Fallback
    if not currency or not "A" <= currency[0] <= "Z":
        raise _Fallback
    return format(number, "f"), currency


def _transaction(entry: data.Transaction) -> str:
    words = []
    if entry.payee:
        words.append(_quoted(entry.payee))
    if entry.narration:
        words.append(_quoted(entry.narration))
    elif entry.payee:
        words.append('""')
    words.extend(f"#{tag}" for tag in sorted(entry.tags or ()))
    words.extend(f"^{link}" for link in sorted(entry.links or ()))
    rows = []
    for posting in entry.postings:
        if posting.flag or posting.meta or posting.cost is not None or posting.price is not None:
            raise _Fallback
        number, currency = _position(posting.units)
        rows.append((posting.account, number, currency))
    if not rows:
        raise _Fallback
    width = max(len(account) for account, _, _ in rows)
    # the printer aligns each position on its currency's first letter
    before = max(len(number) for _, number, _ in rows) + 1
    lines = [f"{entry.date} {entry.flag or ''} {' '.join(words)}\n", _meta_lines(entry.meta)]
    lines.extend(
        f"  {account:{width}}  {number + ' ':>{before}}{currency}\n"
        for account, number, currency in rows
    )
    return "".join(lines)


def _balance(entry: data.Balance) -> str:
    if entry.tolerance is not None or entry.diff_amount:
        raise _Fallback
    number, currency = _position(entry.amount)
    return f"{entry.date} balance {entry.account:47} {number} {currency}\n" + _meta_lines(
        entry.meta
    )


def format_entry(entry: data.Directive) -> str:
    """``entry`` as ``beancount.parser.printer.format_entry(entry)`` prints it."""
    try:
        if type(entry) is data.Transaction:
            return _transaction(entry)
        if type(entry) is data.Balance:
            return _balance(entry)
    except _Fallback:
        pass
    return str(printer.format_entry(entry))

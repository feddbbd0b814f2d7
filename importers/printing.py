"""Beancount text of imported entries, byte for byte what Beancount's printer writes.

``beancount.parser.printer.format_entry`` builds a printer, a display
context and an aligned column of positions for every entry: for a two-posting
transaction that takes longer than reading and building the line. The
shapes the importers produce most (a transaction whose postings are plain
amounts without cost, price, posting flag or posting metadata, and a
``balance`` without tolerance or diff, all metadata strings, dates, numbers
or booleans) are written here directly with the printer's rules; anything
else goes to the printer. ``tests/importers/test_bank_printing.py`` proves
the two byte-identical on every golden ``.beancount`` file under ``tests/``,
on the demo books, on the bank samples' fresh output and on generated entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import printer

_IGNORED = frozenset({"filename", "lineno"})


class _Fallback(Exception):
    """An entry (or a value in it) the direct writer does not handle."""


def _meta_lines(meta: dict[str, Any] | None) -> str:
    """Metadata as ``printer.EntryPrinter.write_metadata`` writes it."""
    out: list[str] = []
    for key, value in (meta or {}).items():
        if key in _IGNORED or key[:2] == "__":
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


def _transaction(entry: data.Transaction) -> str:
    words = []
    if entry.payee:
        words.append(_quoted(entry.payee))
    if entry.narration:
        words.append(_quoted(entry.narration))
    elif entry.payee:
        words.append('""')
    if entry.tags:
        words.extend(f"#{tag}" for tag in sorted(entry.tags))
    if entry.links:
        words.extend(f"^{link}" for link in sorted(entry.links))
    rows = []
    width = before = 0
    for account, units, cost, price, flag, meta in entry.postings:
        if flag or meta or cost is not None or price is not None:
            raise _Fallback
        text, currency = _position(units)
        rows.append((account, text, currency))
        width = max(width, len(account))
        # the printer aligns each position on its currency's first letter
        before = max(before, len(text) + 1)
    if not rows:
        raise _Fallback
    lines = [f"{entry.date} {entry.flag or ''} {' '.join(words)}\n", _meta_lines(entry.meta)]
    for account, text, currency in rows:
        lines.append(
            "  " + account.ljust(width) + "  " + (text + " ").rjust(before) + currency + "\n"
        )
    return "".join(lines)


def _position(units: object) -> tuple[str, str]:
    """A plain amount as the printer renders it: number text (``{:f}``) and currency."""
    if type(units) is not Amount:
        raise _Fallback
    number, currency = units
    if type(number) is not Decimal or not number.is_finite():
        raise _Fallback
    if not currency or not "A" <= currency[0] <= "Z":
        raise _Fallback
    return format(number, "f"), currency


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

"""The canonical text of an entry, and the SHA-256 that seals it.

The canonical text depends on everything an entry says (its type, date, flag,
payee, narration, tags, links, every posting's account, amount, cost, price
and flag, and every metadata value) and on nothing about how it is written: not
the file it sits in, its line, the include order, indentation, the alignment of
amounts, comments or blank lines.

It is computed from the entry *as parsed and booked*, the way Beancount hands
it to the first plugin (see :mod:`ledger.close.hashes` for why). No printer, no
recursion: ``check`` hashes every entry of the books on every load, so this is
on its path. A transaction (most entries) is one line for the entry and one per
posting, each field in a fixed place; every other directive is the ``repr`` of
a tuple of its fields, tagged by a letter (``"O"`` open, ``"B"`` balance, ...):

- where the schema fixes a field's type (a posting's number and currency, the
  date) it is written with ``str``; everywhere else (metadata, custom values,
  payee, narration, flags) with ``repr``, which shows the type: the string
  ``'10'``, the number ``Decimal('10')``, the date ``datetime.date(2026, 10,
  31)`` and ``True`` never collide;
- numbers keep their precision (``10.0`` and ``10.00`` differ: the precision
  sets Beancount's tolerance); an amount is its number and currency, a cost
  Beancount's ``Cost`` tuple;
- tags, links, metadata keys and an open's currencies are sorted (sets and
  mappings: their written order says nothing); postings keep their order;
- the loader's own metadata (``filename``, ``lineno`` and ``__dunder__`` keys)
  is left out, and a document's path is taken relative to the books' directory
  (the parser makes it absolute, which would tie a seal to where the books are
  cloned).

For example ``2026-10-05 * "Bank" "Fee" ^b1`` with ``source-ref: "FH-1"`` and
postings ``Expenses:Fees:Bank 12.50 USD`` and ``Assets:Bank:A`` (amount left
out, so booking fills in ``-12.50 USD``) is::

    T 2026-10-05 '*' 'Bank' 'Fee' () ('b1',) (('source-ref', 'FH-1'),)
    Expenses:Fees:Bank 12.50 USD None None None ()
    Assets:Bank:A -12.50 USD None None None ()
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

# Metadata the loader adds: where the entry was read, not what it says.
_LOADER_META = frozenset({"filename", "lineno"})

Canonical = tuple[Any, ...]


def _value(value: Any) -> Any:
    # Beancount's Amount prints as "12.50 USD" through a display context; spell it out.
    return (value.number, value.currency) if type(value) is Amount else value


def _meta(meta: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if not meta:
        return ()
    items = [
        (key, _value(value))
        for key, value in meta.items()
        if key not in _LOADER_META and key[:2] != "__"
    ]
    items.sort()
    return tuple(items)


def _amount(amount: Amount | None) -> Any:
    return None if amount is None else (amount.number, amount.currency)


def _set(values: frozenset[str] | set[str] | None) -> tuple[str, ...]:
    return tuple(sorted(values)) if values else ()


def _units(amount: Amount | None) -> str:
    # The schema fixes the types here (a Decimal and a currency), so str() is enough;
    # None (no price) or a MISSING left by a failed booking show as their repr.
    return f"{amount.number} {amount.currency}" if type(amount) is Amount else repr(amount)


def _posting(posting: data.Posting) -> str:
    meta = posting.meta
    return (
        f"\n{posting.account} {_units(posting.units)} {posting.cost!r} {_units(posting.price)} "
        f"{posting.flag!r} {_meta(meta) if meta and not meta.keys() <= _LOADER_META else ()!r}"
    )


def _transaction(entry: data.Transaction, root: str | None) -> str:
    # The hot path (most entries are transactions): one f-string, no tuple to repr.
    return (
        f"T {entry.date} {entry.flag!r} {entry.payee!r} {entry.narration!r} "
        f"{_set(entry.tags)!r} {_set(entry.links)!r} {_meta(entry.meta)!r}"
        + "".join(map(_posting, entry.postings))
    )


def _open(entry: data.Open, root: str | None) -> Canonical:
    currencies = tuple(sorted(entry.currencies)) if entry.currencies else ()
    booking = entry.booking.value if entry.booking is not None else None
    return ("O", entry.date, entry.account, currencies, booking, _meta(entry.meta))


def _close(entry: data.Close, root: str | None) -> Canonical:
    return ("C", entry.date, entry.account, _meta(entry.meta))


def _commodity(entry: data.Commodity, root: str | None) -> Canonical:
    return ("Y", entry.date, entry.currency, _meta(entry.meta))


def _pad(entry: data.Pad, root: str | None) -> Canonical:
    return ("P", entry.date, entry.account, entry.source_account, _meta(entry.meta))


def _balance(entry: data.Balance, root: str | None) -> Canonical:
    return (
        "B",
        entry.date,
        entry.account,
        _amount(entry.amount),
        entry.tolerance,
        _meta(entry.meta),
    )


def _note(entry: data.Note, root: str | None) -> Canonical:
    return (
        "N",
        entry.date,
        entry.account,
        entry.comment,
        _set(entry.tags),
        _set(entry.links),
        _meta(entry.meta),
    )


def _event(entry: data.Event, root: str | None) -> Canonical:
    return ("E", entry.date, entry.type, entry.description, _meta(entry.meta))


def _query(entry: data.Query, root: str | None) -> Canonical:
    return ("Q", entry.date, entry.name, entry.query_string, _meta(entry.meta))


def _price(entry: data.Price, root: str | None) -> Canonical:
    return ("R", entry.date, entry.currency, _amount(entry.amount), _meta(entry.meta))


def _document(entry: data.Document, root: str | None) -> Canonical:
    filename = entry.filename
    if root is not None and os.path.isabs(filename):
        filename = os.path.relpath(filename, root).replace(os.sep, "/")
    return (
        "D",
        entry.date,
        entry.account,
        filename,
        _set(entry.tags),
        _set(entry.links),
        _meta(entry.meta),
    )


def _custom(entry: data.Custom, root: str | None) -> Canonical:
    values = tuple(
        # dtype is a Python type, or the string '<AccountDummy>' for an account
        (_value(value.value), value.dtype if isinstance(value.dtype, str) else value.dtype.__name__)
        for value in entry.values
    )
    return ("U", entry.date, entry.type, values, _meta(entry.meta))


_BUILDERS: dict[type, Callable[[Any, str | None], Canonical | str]] = {
    data.Transaction: _transaction,
    data.Open: _open,
    data.Close: _close,
    data.Commodity: _commodity,
    data.Pad: _pad,
    data.Balance: _balance,
    data.Note: _note,
    data.Event: _event,
    data.Query: _query,
    data.Price: _price,
    data.Document: _document,
    data.Custom: _custom,
}


def canonical_text(entry: data.Directive, root: str | None = None) -> str:
    """The canonical text of a parsed and booked ``entry`` (one line); ``root``
    is the books' directory, which a document's path is made relative to."""
    build = _BUILDERS.get(type(entry))
    if build is None:
        raise TypeError(f"no canonical form for {type(entry).__name__}")
    built = build(entry, root)
    return built if isinstance(built, str) else repr(built)


def entry_digest(entry: data.Directive, root: str | None = None) -> bytes:
    """SHA-256 of the canonical text of ``entry``."""
    return hashlib.sha256(canonical_text(entry, root).encode("utf-8")).digest()

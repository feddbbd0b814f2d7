"""The canonical text of an entry, and the SHA-256 that seals it.

The canonical text depends on everything an entry says (its type, date, flag,
payee, narration, tags, links, every posting's account, amount, cost spec,
price and flag, and every metadata value) and on nothing about how it is
written: not the file it sits in, its line, the include order, indentation,
the alignment of amounts, comments or blank lines.

It is computed from the *parsed* entry, before booking and before any plugin
runs (see :mod:`ledger.close.hashes` for why), so it is the ``repr`` of a
nested tuple of strings built as follows:

- strings stay strings; every other value becomes a tuple tagged by its type
  (``("N", "10.00")`` for a number, ``("d", "2026-10-31")`` for a date), so the
  string ``"10"`` and the number ``10`` never collide;
- numbers keep their written precision (``10.0`` and ``10.00`` differ: the
  precision sets Beancount's tolerance, so it is part of what the entry says);
- tags, links and metadata keys are sorted (they are sets and mappings);
  postings keep their order;
- the loader's own metadata (``filename``, ``lineno`` and ``__dunder__`` keys)
  is left out.

For example ``2026-10-05 * "Bank" "Fee" ^b1`` with postings
``Expenses:Fees:Bank 12.50 USD`` and ``Assets:Bank:A`` (amount left out) is::

    ('Transaction', ('d', '2026-10-05'), '*', 'Bank', 'Fee', ('S',), ('S', 'b1'),
     ('L', ('Posting', 'Expenses:Fees:Bank', ('A', ('N', '12.50'), 'USD'), None, None, None,
            ('M',)),
           ('Posting', 'Assets:Bank:A', ('MISSING',), None, None, None, ('M',))),
     ('M',))

(on one line).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.number import MISSING
from beancount.core.position import Cost, CostSpec
from beancount.parser.grammar import ValueType

# Metadata the loader adds: where the entry was read, not what it says.
_LOADER_META = frozenset({"filename", "lineno"})


def _meta(meta: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if not meta:
        return ("M",)
    items = [
        (key, _value(value))
        for key, value in meta.items()
        if key not in _LOADER_META and not key.startswith("__")
    ]
    items.sort()
    return ("M", *items)


def _value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    convert = _CONVERTERS.get(type(value))
    if convert is not None:
        return convert(value)
    if value is MISSING:
        return ("MISSING",)
    if isinstance(value, enum.Enum):
        return ("E", str(value.value))
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return _namedtuple(value)
    raise TypeError(f"no canonical form for {type(value).__name__}: {value!r}")


def _namedtuple(value: Any) -> tuple[Any, ...]:
    fields = [_value(getattr(value, name)) for name in value._fields if name != "meta"]
    if "meta" in value._fields:
        fields.append(_meta(value.meta))
    return (type(value).__name__, *fields)


def _posting(posting: data.Posting) -> tuple[Any, ...]:
    return (
        "Posting",
        posting.account,
        _value(posting.units),
        _value(posting.cost),
        _value(posting.price),
        posting.flag,
        _meta(posting.meta),
    )


def _amount(amount: Amount) -> tuple[Any, ...]:
    return ("A", _value(amount.number), amount.currency)


def _custom_value(value: Any) -> tuple[Any, ...]:
    dtype = value.dtype if isinstance(value.dtype, str) else value.dtype.__name__
    return ("V", _value(value.value), dtype)


def _sequence(values: Any) -> tuple[Any, ...]:
    return ("L", *[_value(v) for v in values])


def _set(values: Any) -> tuple[Any, ...]:
    return ("S", *sorted(values))


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    Decimal: lambda v: ("N", str(v)),
    bool: lambda v: ("b", "TRUE" if v else "FALSE"),
    int: lambda v: ("N", str(v)),
    datetime.date: lambda v: ("d", v.isoformat()),
    Amount: _amount,
    data.Posting: _posting,
    Cost: _namedtuple,
    CostSpec: _namedtuple,
    list: _sequence,
    tuple: _sequence,
    frozenset: _set,
    set: _set,
    ValueType: _custom_value,
}


def canonical_text(entry: data.Directive) -> str:
    """The canonical text of a parsed ``entry`` (one line)."""
    return repr(_namedtuple(entry))


def entry_digest(entry: data.Directive) -> bytes:
    """SHA-256 of the canonical text of ``entry``."""
    return hashlib.sha256(repr(_namedtuple(entry)).encode("utf-8")).digest()

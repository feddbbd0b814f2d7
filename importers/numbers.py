"""The one reading of numbers the importers share.

:func:`plain_decimal` reads the fixed formats' numbers (FIX, OFX, SWIFT):
digits with an optional sign and decimal point. :func:`csv_number` reads a
CSV cell with the separators of its format (``[imports.csv.<name>]``,
``[trades.blotter]`` …) and the ways statements write a negative amount.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

# Digits with an optional sign and decimal point: no exponent, NaN, Infinity,
# underscores or spaces, which Decimal() would accept and no statement means.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z")
MAX_DIGITS = 30  # beyond any real amount; keeps Decimal arithmetic exact in its context


def plain_decimal(text: str) -> Decimal | None:
    """``text`` as a Decimal if it is a plain number (``-12.50``, ``+3``, ``.5``), else None."""
    return Decimal(text) if _PLAIN_NUMBER.match(text) else None


@lru_cache(maxsize=16)
def _grouped(decimal: str, thousands: str) -> re.Pattern[str]:
    """Digits grouped by ``thousands`` (or not at all), then ``decimal`` and digits."""
    mark = re.escape(decimal)
    integer = r"\d+"
    if thousands:
        integer = rf"(\d+|\d{{1,3}}({re.escape(thousands)}\d{{3}})+)"
    return re.compile(rf"({integer}({mark}\d*)?|{mark}\d+)\Z")


def csv_number(text: str, decimal: str = ".", thousands: str = "") -> Decimal | None:
    """A CSV cell as a Decimal, else None.

    ``decimal`` is the decimal mark, ``thousands`` (empty: none) the separator
    between groups of three digits; spaces (and no-break spaces) are ignored
    unless they are the thousands separator. A leading ``-`` or ``+``,
    parentheses around the number or a trailing ``-`` give the sign.
    """
    raw = text.strip().replace("\u00a0", " ")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        raw, negative = raw[1:-1], True
    if raw.endswith("-"):
        raw, negative = raw[:-1], not negative
    if raw.startswith(("-", "+")):
        negative = negative != raw.startswith("-")
        raw = raw[1:]
    if thousands != " ":
        raw = raw.replace(" ", "")
    if not _grouped(decimal, thousands).match(raw):
        return None
    if thousands:
        raw = raw.replace(thousands, "")
    number = Decimal(raw.replace(decimal, "."))
    return -number if negative else number

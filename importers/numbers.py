"""The one strict reading of a plain decimal number shared by the importers."""

from __future__ import annotations

import re
from decimal import Decimal

# Digits with an optional sign and decimal point: no exponent, NaN, Infinity,
# underscores or spaces, which Decimal() would accept and no statement means.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z")


def plain_decimal(text: str) -> Decimal | None:
    """``text`` as a Decimal if it is a plain number (``-12.50``, ``+3``, ``.5``), else None."""
    return Decimal(text) if _PLAIN_NUMBER.match(text) else None

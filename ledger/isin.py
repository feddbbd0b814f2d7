"""ISIN (ISO 6166) validation and check digits."""

from __future__ import annotations

import re

_ISIN_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


def _digits(body: str) -> str:
    return "".join(str(int(ch, 36)) for ch in body)


def check_digit(body: str) -> int:
    """The check digit of the first 11 characters of an ISIN (Luhn over base-36)."""
    total = 0
    for i, ch in enumerate(reversed(_digits(body))):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def isin_error(isin: str) -> str | None:
    """Why ``isin`` is not a valid ISIN, or None when it is."""
    if not _ISIN_RE.match(isin):
        return f"{isin!r} is not an ISIN: expected 2 letters, 9 letters or digits, 1 check digit"
    expected = check_digit(isin[:11])
    if int(isin[11]) != expected:
        return f"{isin!r} has check digit {isin[11]}; the ISIN's check digit is {expected}"
    return None


def is_valid_isin(isin: str) -> bool:
    return isin_error(isin) is None

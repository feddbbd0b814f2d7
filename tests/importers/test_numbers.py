"""The plain numbers every importer without a configured number format reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from importers.numbers import plain_decimal


@pytest.mark.parametrize(
    ("text", "number"),
    [("61.25", "61.25"), ("-12.50", "-12.50"), ("+3", "3"), ("5.", "5"), (".5", "0.5")],
)
def test_plain_numbers_read_as_written(text: str, number: str) -> None:
    assert plain_decimal(text) == Decimal(number)
    assert str(plain_decimal(text)) == str(Decimal(text))


@pytest.mark.parametrize(
    "text", ["1E3", "1e-2", "NaN", "sNaN", "Infinity", "-inf", "1_000", " 1", "1\n", "1,5", "", "."]
)
def test_what_decimal_would_accept_beyond_plain_digits_is_refused(text: str) -> None:
    assert plain_decimal(text) is None

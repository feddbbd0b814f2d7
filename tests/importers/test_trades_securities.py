"""The securities master: ISINs checked, known ones mapped to their
commodity, unknown ones derived deterministically with the directive to add."""

from __future__ import annotations

import datetime

import pytest

from ledger.books import load_string
from ledger.securities import (
    InvalidIsin,
    SecuritiesMaster,
    Security,
    UnknownSecurity,
    commodity_text,
    ticker_symbol,
)

MASTER = SecuritiesMaster.from_entries(
    load_string(
        """
        2026-01-01 commodity XYZ
          isin: "US8522341036"
          name: "Block, Inc. Class A"
          asset-class: "equity"
          market: "XNYS"
        2026-01-01 commodity USD
        """
    ).entries
)


def test_a_known_isin_is_its_commodity() -> None:
    assert MASTER.resolve("US8522341036", ticker="SQ") == Security(
        "XYZ", "US8522341036", "Block, Inc. Class A", "equity", "XNYS"
    )


def test_without_an_isin_the_ticker_must_be_a_commodity() -> None:
    assert MASTER.resolve(None, ticker="XYZ").symbol == "XYZ"
    with pytest.raises(InvalidIsin, match="'NVDA' has no ISIN and is not a commodity"):
        MASTER.resolve(None, ticker="NVDA")


@pytest.mark.parametrize(
    ("isin", "message"),
    [
        ("US8522341037", "'US8522341037' has check digit 7; the ISIN's check digit is 6"),
        ("US852234103", "'US852234103' is not an ISIN: expected 2 letters, 9 letters or digits"),
    ],
)
def test_a_bad_isin_says_why(isin: str, message: str) -> None:
    with pytest.raises(InvalidIsin, match=message):
        MASTER.resolve(isin)


def test_an_unknown_isin_derives_its_symbol_deterministically() -> None:
    with pytest.raises(UnknownSecurity) as caught:
        MASTER.resolve("US67066G1040", ticker="nvda", name="NVIDIA Corp", market="XNAS")
    assert caught.value.security == Security("NVDA", "US67066G1040", "NVIDIA Corp", None, "XNAS")
    assert commodity_text(caught.value.security, datetime.date(2026, 11, 24)) == (
        "2026-11-24 commodity NVDA\n"
        '  isin: "US67066G1040"\n'
        '  name: "NVIDIA Corp"\n'
        '  asset-class: "equity"\n'
        '  market: "XNAS"\n'
    )


def test_a_taken_or_unusable_ticker_gives_the_isin() -> None:
    assert MASTER.derive_symbol("US8030542042", "XYZ") == "US8030542042"
    assert MASTER.derive_symbol("US8030542042", "1SAP") == "US8030542042"
    assert MASTER.derive_symbol("US8030542042", None) == "US8030542042"


@pytest.mark.parametrize(
    ("ticker", "symbol"),
    [("brk/b", "BRK.B"), ("BRK B", "BRK.B"), ("SAP", "SAP"), ("-X", None), ("", None)],
)
def test_ticker_symbols(ticker: str, symbol: str | None) -> None:
    assert ticker_symbol(ticker) == symbol

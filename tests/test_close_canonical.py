"""The canonical text of an entry: what it says, not how it is written."""

from __future__ import annotations

from typing import Any

import pytest
from beancount.core import data
from beancount.parser import booking, parser

from ledger.close.canonical import canonical_text, entry_digest


def parse_and_book(text: str) -> list[Any]:
    """The entries as Beancount hands them to the first plugin."""
    entries, errors, options = parser.parse_string(text, dedent=True)
    assert errors == []
    entries, errors = booking.book(sorted(entries, key=data.entry_sortkey), options)
    assert errors == []
    return list(entries)


def parse_one(text: str) -> str:
    (entry,) = parse_and_book(text)
    return canonical_text(entry)


FEE = """
2026-10-05 * "Bank" "Fee" ^b1 #ops
  source-ref: "FH-1"
  booked: 2026-10-06
  Expenses:Fees:Bank   12.50 USD
  Assets:Bank:A
"""


def test_canonical_text_of_a_transaction() -> None:
    assert parse_one(FEE) == (
        "T 2026-10-05 '*' 'Bank' 'Fee' ('ops',) ('b1',) "
        "(('booked', datetime.date(2026, 10, 6)), ('source-ref', 'FH-1'))\n"
        "Expenses:Fees:Bank 12.50 USD None None None ()\n"
        "Assets:Bank:A -12.50 USD None None None ()"
    )


@pytest.mark.parametrize(
    "variant",
    [
        # indentation, alignment, a comment, metadata in another order, tags after links
        """
        ; a comment above
        2026-10-05   *   "Bank"   "Fee"   #ops ^b1
            booked: 2026-10-06
            source-ref: "FH-1"
            Expenses:Fees:Bank 12.50 USD ; inline comment
            Assets:Bank:A
        """,
        # the amount Beancount fills in, written out: the same booked entry
        FEE.replace("Assets:Bank:A", "Assets:Bank:A  -12.50 USD"),
    ],
)
def test_layout_does_not_change_the_canonical_text(variant: str) -> None:
    assert parse_one(variant) == parse_one(FEE)


def test_thousands_separators_do_not_change_the_number() -> None:
    assert parse_one(FEE.replace("12.50", "1,234.50")) == parse_one(FEE.replace("12.50", "1234.50"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('source-ref: "FH-1"', "source-ref: 1"),  # the string "1" is not the number 1
        ("12.50 USD", "12.5 USD"),  # the written precision sets the tolerance
        ("12.50 USD", "12.50 EUR"),
        ("Assets:Bank:A", "Assets:Bank:B"),
        ("booked: 2026-10-06", 'booked: "2026-10-06"'),  # a date is not a string
        ("12.50 USD\n", "12.50 USD\n    memo: TRUE\n"),  # posting metadata
        ("Assets:Bank:A\n", "! Assets:Bank:A\n"),  # posting flag
        ('* "Bank"', '! "Bank"'),
        ("#ops", ""),
        ('"Bank" "Fee"', '"Fee"'),  # payee dropped
    ],
)
def test_every_value_changes_the_canonical_text(old: str, new: str) -> None:
    assert old in FEE
    assert parse_one(FEE.replace(old, new)) != parse_one(FEE)


def test_every_directive_type_has_a_canonical_text() -> None:
    entries = parse_and_book(
        """
        2026-01-01 open Assets:Bank:A USD "FIFO"
        2026-01-01 commodity XYZ
          isin: "US8522341036"
        2026-01-02 balance Assets:Bank:A  10.00 ~ 0.01 USD
        2026-01-02 pad Assets:Bank:A Equity:Opening
        2026-01-03 price XYZ 61.25 USD
        2026-01-03 note Assets:Bank:A "called the bank"
        2026-01-03 event "location" "Frankfurt"
        2026-01-03 document Assets:Bank:A "statement.pdf"
        2026-01-03 query "cash" "SELECT account"
        2026-01-04 custom "break" "B-1" 10.00 USD TRUE 2026-01-05 Assets:Bank:A
        2026-01-05 * "Buy"
          Assets:Custody:Securities  10 XYZ {61.25 USD, 2026-01-05, "lot1"} @ 61.30 USD
          Assets:Bank:A
        2026-12-31 close Assets:Bank:A
        """,
    )
    texts = [canonical_text(entry) for entry in entries]
    assert len(set(texts)) == len(entries) == 12
    by_type = {type(entry).__name__: text for entry, text in zip(entries, texts, strict=True)}
    assert by_type["Transaction"] == (
        "T 2026-01-05 '*' None 'Buy' () () ()\n"
        "Assets:Custody:Securities 10 XYZ Cost(number=Decimal('61.25'), currency='USD', "
        "date=datetime.date(2026, 1, 5), label='lot1') 61.30 USD None ()\n"
        "Assets:Bank:A -612.50 USD None None None ()"
    )
    assert by_type["Custom"] == (
        "('U', datetime.date(2026, 1, 4), 'break', (('B-1', 'str'), "
        "((Decimal('10.00'), 'USD'), 'Amount'), (True, 'bool'), "
        "(datetime.date(2026, 1, 5), 'date'), ('Assets:Bank:A', '<AccountDummy>')), ())"
    )
    assert (
        by_type["Open"] == "('O', datetime.date(2026, 1, 1), 'Assets:Bank:A', ('USD',), 'FIFO', ())"
    )
    assert by_type["Commodity"] == (
        "('Y', datetime.date(2026, 1, 1), 'XYZ', (('isin', 'US8522341036'),))"
    )
    assert len({entry_digest(entry) for entry in entries}) == 12

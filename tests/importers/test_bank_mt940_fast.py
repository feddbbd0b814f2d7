"""The MT940 fast path reads exactly what the ``mt-940`` library reads: on every
MT940 sample and on generated statements, a statement it takes equals the
library's, and it takes the plain shapes (else it would not be a fast path)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.bank.mt940 import _chunks, _simple_statement, _statement
from importers.common import decode
from tests.conftest import REPO

SAMPLES = sorted(
    path
    for folder in ("tests/data/bank/own", "tests/data/bank/third-party", "books/inbox")
    for path in (REPO / folder).iterdir()
    if path.suffix in (".sta", ".mt940", ".mt942")
)


def _both(text: str) -> list[tuple[object, object]]:
    """For each statement: the fast path's reading (or None) and the library's."""
    pairs: list[tuple[object, object]] = []
    for chunk in _chunks(text):
        fast = _simple_statement(chunk)
        try:
            slow: object = _statement(chunk, "statement.sta")
        except Exception as exc:  # the library's refusal, to compare
            slow = exc
        pairs.append((fast, slow))
    return pairs


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.name)
def test_samples_read_alike(sample: Path) -> None:
    for fast, slow in _both(decode(sample.read_bytes(), str(sample))):
        assert fast is None or fast == slow


def test_the_demo_statement_takes_the_fast_path() -> None:
    sample = REPO / "books" / "inbox" / "firstharbor-2026-10.mt940"
    pairs = _both(decode(sample.read_bytes(), str(sample)))
    assert pairs and all(fast is not None and fast == slow for fast, slow in pairs)


PLAIN = (
    ":20:PLAIN\r\n:25:DE89 3704 0044\r\n:28C:1\r\n:60F:C261230EUR100,\r\n"
    ":61:2612300102C1,5NTRFNONREF\r\n"  # booked in the next year, no :86:
    ":61:2701051230D0,5NCHGMY REF 1.2-3//B 7\r\n"  # booked in the year before
    ":86:/REMI/A LONG REMITTANCE TEXT THAT THE BANK WRAPS AT SIXTY-FIVE CHARA\r\n"
    "CTERS/NAME/ACME\r\n"
    ":61:270106D1,00NMSCX//Y\r\n"
    ":86:\r\n"
    ":62M:C270106EUR100,00\r\n:64:C270106EUR100,\r\n-}\r\n"
)


def test_plain_fields_take_the_fast_path() -> None:
    ((fast, slow),) = _both(PLAIN)
    assert fast is not None and fast == slow
    assert [line.booking_date for line in fast.lines] == [  # type: ignore[attr-defined]
        datetime.date(2027, 1, 2),
        datetime.date(2026, 12, 30),
        datetime.date(2027, 1, 6),
    ]


_REF = st.one_of(
    st.text(alphabet="ABCXYZ0189 .-", min_size=0, max_size=16),
    st.text(alphabet="ABCXYZ0189 .-/", min_size=0, max_size=20),
)
_DETAIL_LINE = st.one_of(
    st.text(alphabet="abcXYZ019 /?+:-.,", min_size=0, max_size=70),
    st.just("166?00GUTSCHRIFT?20EREF+R1?21SVWZ+INVOICE 7?32ACME GMBH"),  # structured
)


@st.composite
def _statement_text(draw: st.DrawFn) -> str:
    """An MT940 statement, plain or not."""
    day = draw(st.dates(datetime.date(2000, 1, 1), datetime.date(2098, 12, 31)))
    currency = draw(st.sampled_from(["EUR", "USD", "EUR", "usd"]))
    opening = draw(st.decimals(0, 10**6, places=2))
    reference = draw(st.sampled_from(["STMT1", "STMT1", "X" * 17]))
    rows = [f":20:{reference}", ":25:NL12 RABO 0123", ":28C:7/1"]
    rows.append(f":60F:C{day:%y%m%d}{currency}{opening}".replace(".", ","))
    total = Decimal(0)
    for _ in range(draw(st.integers(0, 3))):
        amount = draw(st.decimals(-(10**4), 10**4, places=2))
        total += amount
        entry = day + datetime.timedelta(days=draw(st.sampled_from([0, 1, -2, 340, -340])))
        entry_text = draw(st.sampled_from([f"{entry:%m%d}", ""]))
        mark = draw(st.sampled_from(["C", "C", "C", "RD", "c"])) if amount >= 0 else "D"
        customer, bank = draw(_REF), draw(_REF)
        line = f":61:{day:%y%m%d}{entry_text}{mark}{abs(amount)}".replace(".", ",")
        line += draw(st.sampled_from(["NTRF", "NMSC", "NTRF", "N 12"])) + customer
        line += f"//{bank}" if bank else ""
        rows.append(line)
        if draw(st.booleans()):
            details = draw(st.lists(_DETAIL_LINE, min_size=1, max_size=4))
            rows.append(":86:" + details[0])
            rows.extend(details[1:])
    closing = opening + total
    mark = "C" if closing >= 0 else "D"
    rows.append(f":62F:{mark}{day:%y%m%d}{currency}{abs(closing)}".replace(".", ","))
    return "\r\n".join(rows) + "\r\n"


@settings(max_examples=300, deadline=None)
@given(_statement_text())
def test_generated_statements_read_alike(text: str) -> None:
    for fast, slow in _both(text):
        assert fast is None or fast == slow

"""FIX drop-copy logs: validation, aggregation per order and day, cancels and
corrects, junk lines, third-party messages, and a fuzz test."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.common import ImportFailure, InputWarning
from importers.trades.fix import FixImporter, read_order_days
from tests.importers.fix_messages import encode, execution_report
from tests.importers.trade_books import TRADES, assert_golden, base_books, trades_config


def test_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three fills (one busted by 150=H) make one XYZ trade at the average
    price; a FIX 4.2 correct (20=2) replaces the MSFT fill; a reject adds nothing."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    importer = FixImporter(trades_config())
    assert importer.identify("dropcopy.fix.log")
    entries = importer.extract("dropcopy.fix.log", books.entries)
    assert_golden(entries, TRADES / "dropcopy.fix.log.beancount")


def days(*lines: bytes, lenient: bool = False) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (day.cl_ord_id, day.quantity, day.average_price)
        for day in read_order_days(lines, "log", lenient=lenient)
    ]


FILL = execution_report(exec_id="E1", exec_type="F", last_qty="120", last_px="236.70")


def test_soh_and_pipe_separators_read_alike() -> None:
    soh = encode(FILL)
    pipe = encode(FILL, separator=b"|")
    assert (
        days(b"x : " + soh)
        == days(b"x : " + pipe)
        == [("GA-20261125-001", Decimal(120), Decimal("236.70"))]
    )


def test_a_wrong_checksum_names_line_and_execid_unless_lenient() -> None:
    good = encode(FILL)
    bad = good.replace(b"236.70", b"236.71")
    with pytest.raises(ImportFailure) as caught:
        days(b"junk", bad)
    assert str(caught.value).startswith("log:2: FIX message 35=8 (ExecID E1): CheckSum (10) is '")
    assert "use --lenient" in str(caught.value) or "lenient" in str(caught.value)
    with pytest.warns(InputWarning) as warned:
        lenient = days(b"junk", bad, lenient=True)
    assert lenient == [("GA-20261125-001", Decimal(120), Decimal("236.71"))]
    assert [str(w.message) for w in warned] == [
        str(caught.value.problem).join(["log:2: ", " (accepted: --lenient)"])
    ]


def test_a_wrong_body_length_is_an_error() -> None:
    bad = encode(FILL).replace(b"9=2", b"9=3", 1)
    with pytest.raises(ImportFailure, match=r"log:1: .*BodyLength \(9\) is 3\d\d but the body"):
        days(bad)


def test_a_cut_off_message_is_an_error_even_when_lenient() -> None:
    cut = encode(FILL)[:80]
    with pytest.raises(ImportFailure, match="log:1: FIX message has no CheckSum"):
        days(cut, lenient=True)


def test_a_cancel_of_an_unknown_execution_is_an_error() -> None:
    cancel = execution_report(exec_id="E9", exec_type="H", exec_ref_id="E0")
    with pytest.raises(ImportFailure, match="ExecID E9: cancels or corrects execution 'E0'"):
        days(encode(cancel))


@pytest.mark.parametrize("price", ["2.367E2", "NaN", "Infinity", "236_70"])
def test_a_price_that_is_not_a_plain_number_is_an_error(price: str) -> None:
    odd = execution_report(exec_id="E1", exec_type="F", last_qty="120", last_px=price)
    with pytest.raises(ImportFailure, match=rf"log:1: .*\(31\) is '{price}', not a number"):
        days(encode(odd))


def test_a_resend_of_a_fill_is_not_counted_twice() -> None:
    resend = [*FILL, (43, "Y")]
    assert days(encode(FILL), encode(resend)) == [
        ("GA-20261125-001", Decimal(120), Decimal("236.70"))
    ]


def test_an_order_over_two_days_makes_two_trades() -> None:
    day2 = execution_report(
        exec_id="E2", exec_type="F", last_qty="80", last_px="237", trade_date="20261126"
    )
    assert days(encode(FILL), encode(day2)) == [
        ("GA-20261125-001", Decimal(120), Decimal("236.70")),
        ("GA-20261125-001", Decimal(80), Decimal("237.00")),
    ]
    read = read_order_days([encode(FILL), encode(day2)], "log")
    from importers.trades.fix import trade_ids

    assert trade_ids(read) == ["GA-20261125-001-20261125", "GA-20261125-001-20261126"]


def test_an_unmapped_sender_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    other = execution_report(exec_id="E1", exec_type="F", last_qty="1", last_px="1", sender="ZED")
    Path("z.fix.log").write_bytes(encode(other) + b"\n")
    with pytest.raises(ImportFailure) as caught:
        FixImporter(trades_config()).extract("z.fix.log", base_books(tmp_path).entries)
    assert str(caught.value) == (
        "z.fix.log:1: SenderCompID 'ZED' is not mapped to a counterparty; "
        'add ZED = "<Counterparty>" under [trades.fix.counterparties]'
    )


# simplefix 1.0.17's test suite (test/test_parser.py), MIT licence: a valid
# order message (ignored: not an execution report) and one with a bad tag.
SIMPLEFIX_ORDER = b"8=FIX.4.2\x019=9\x0135=D\x0129=\x0110=098\x01"
SIMPLEFIX_BAD_TAG = b"8=FIX.4.2\x019=10\x0135=D\x01xx=A\x0110=203\x01"


def test_third_party_messages_from_simplefix() -> None:
    assert days(SIMPLEFIX_ORDER) == []
    with pytest.raises(ImportFailure, match="log:1: FIX field is not TAG=VALUE \\(got 'xx=A'\\)"):
        days(SIMPLEFIX_BAD_TAG)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=8), st.booleans())
def test_fuzz_only_import_failures(lines: list[bytes], lenient: bool) -> None:
    """Any bytes: the reader returns order days or raises ImportFailure, nothing else."""
    prefixed = [b"8=FIX.4.4\x01" + line if i % 2 else line for i, line in enumerate(lines)]
    with contextlib.suppress(ImportFailure):
        read_order_days(prefixed, "fuzz", lenient=lenient)


def test_a_bust_after_the_order_is_done_needs_cumqty_and_avgpx() -> None:
    done = execution_report(
        exec_id="E1", exec_type="F", last_qty="100", last_px="10", ord_status="2"
    )
    bust = execution_report(
        exec_id="E2",
        exec_type="G",
        exec_ref_id="E1",
        last_qty="100",
        last_px="10.50",
        ord_status="2",
    )
    with pytest.raises(ImportFailure, match="must carry CumQty \\(14\\) and AvgPx \\(6\\)"):
        days(encode(done), encode(bust))
    adjusted = execution_report(
        exec_id="E2",
        exec_type="G",
        exec_ref_id="E1",
        last_qty="100",
        last_px="10.50",
        ord_status="2",
        cum_qty="100",
        avg_px="10.50",
    )
    assert days(encode(done), encode(adjusted)) == [
        ("GA-20261125-001", Decimal(100), Decimal("10.50"))
    ]


def test_a_correct_of_an_open_order_replaces_the_fill() -> None:
    correct = execution_report(
        exec_id="E2", exec_type="G", exec_ref_id="E1", last_qty="100", last_px="236.90"
    )
    assert days(encode(FILL), encode(correct)) == [
        ("GA-20261125-001", Decimal(100), Decimal("236.90"))
    ]


def test_a_fill_without_a_settle_date_settles_on_its_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SettlDate (64) is optional in FIX 4.2 and 4.4 (regular settlement): the trade
    settles on its security's standard cycle, a Xetra share bought Wednesday
    2026-11-25 on Friday 2026-11-27 (T+2 until 2027-10-10), and the entry says so."""
    monkeypatch.chdir(tmp_path)
    fill = execution_report(
        exec_id="E1", exec_type="F", last_qty="10", last_px="200", ord_status="2"
    )
    fill = [(tag, value) for tag, value in fill if tag != 64]
    Path("d.fix.log").write_bytes(encode(fill, version="FIX.4.2") + b"\n")
    [trade] = FixImporter(trades_config()).extract("d.fix.log", base_books(tmp_path).entries)
    assert trade.meta["settle-date"] == datetime.date(2026, 11, 27)
    assert trade.meta["settle-date-from"] == (
        "derived: T+2 on ECB+XETR (built-in rule T+2 for "
        "equity/etf/corporate-bond/government-bond on XETR/XFRA/XPAR/XAMS/XBRU/XLIS/XDUB/"
        "XMIL/XMAD/XATH/XWBO/XHEL/XSTO/XCSE/XWAR/XLON/XSWX until 2027-10-10)"
    )

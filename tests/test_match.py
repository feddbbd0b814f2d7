"""Confirmation matching: pairing, tolerance rules, the CSV reader, the command."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.common import ImportFailure
from ledger.books import load_string
from ledger.cli import main
from ledger.config import Config, ConfigError, parse_config
from ledger.matching.compare import compare, status, within
from ledger.matching.config import BREAK_KINDS, ConfirmationFormat, ToleranceRule, Tolerances
from ledger.matching.confirmations_csv import read_confirmations_csv
from ledger.matching.model import TradeRecord
from ledger.matching.ours import our_trades
from ledger.matching.pairing import pair
from tests.conftest import write_books
from tests.settlement_books import SALE_ACROSS_LOTS


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


D = Decimal
T = datetime.date(2026, 11, 24)
S = datetime.date(2026, 11, 25)


def record(origin: str, ref: str, reference: str | None = None, **fields: object) -> TradeRecord:
    values: dict[str, object] = {
        "counterparty": "AlphaSec",
        "isin": "US8522341036",
        "side": "buy",
        "trade_date": T,
        "quantity": D(1000),
        "settle_date": S,
        "price": D("61.25"),
        "currency": "USD",
    }
    values.update(fields)
    return TradeRecord(origin=origin, ref=ref, reference=reference, **values)  # type: ignore[arg-type]


def ours(ref: str, **fields: object) -> TradeRecord:
    return record("ours", ref, ref, **fields)


def theirs(ref: str, reference: str | None = None, **fields: object) -> TradeRecord:
    return record("theirs", ref, reference, **fields)


PAIRING = [
    # (our trades, their confirmations, expected (ours ref, theirs ref, paired on))
    pytest.param(
        [ours("T1")],
        [theirs("C1", "T1")],
        [("T1", "C1", "reference")],
        id="shared reference",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1")],
        [("T1", "C1", "key")],
        id="no reference: ISIN, side, trade date, quantity",
    ),
    pytest.param(
        [ours("T1", quantity=D("1000.00"))],
        [theirs("C1", quantity=D(1000))],
        [("T1", "C1", "key")],
        id="1000.00 and 1000 shares are one key",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1", side="sell")],
        [(None, "C1", None), ("T1", None, None)],
        id="other side does not pair",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1", quantity=D(999))],
        [(None, "C1", None), ("T1", None, None)],
        id="other quantity does not pair",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1", trade_date=S)],
        [(None, "C1", None), ("T1", None, None)],
        id="other trade date does not pair",
    ),
    pytest.param(
        [ours("T1", counterparty="BetaMarkets")],
        [theirs("C1")],
        [(None, "C1", None), ("T1", None, None)],
        id="another counterparty's trade does not pair on the key",
    ),
    pytest.param(
        [ours("T1", counterparty="BetaMarkets")],
        [theirs("C1", counterparty=None)],
        [("T1", "C1", "key")],
        id="a confirmation naming no counterparty pairs on the key alone",
    ),
    pytest.param(
        [ours("T2"), ours("T1")],
        [theirs("C1"), theirs("C2")],
        [("T1", "C1", "key"), ("T2", "C2", "key")],
        id="same key twice: in trade id order",
    ),
    pytest.param(
        [ours("T1"), ours("T2")],
        [theirs("C1"), theirs("C2", "T1")],
        [("T1", "C2", "reference"), ("T2", "C1", "key")],
        id="reference pairs first, the key takes what is left",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1", "T1"), theirs("C2", "T1")],
        [("T1", "C1", "reference"), (None, "C2", None)],
        id="second confirmation of one trade is unmatched",
    ),
    pytest.param(
        [ours("T1")],
        [theirs("C1", "X-unknown")],
        [("T1", "C1", "key")],
        id="an unknown reference falls back to the key",
    ),
    pytest.param(
        [ours("T1"), ours("T2", isin="US0378331005")],
        [],
        [("T1", None, None), ("T2", None, None)],
        id="nothing confirmed",
    ),
]


@pytest.mark.parametrize(("mine", "others", "expected"), PAIRING)
def test_pairing(
    mine: list[TradeRecord],
    others: list[TradeRecord],
    expected: list[tuple[str | None, str | None, str | None]],
) -> None:
    result = [
        (p.ours.ref if p.ours else None, p.theirs.ref if p.theirs else None, p.paired_on)
        for p in pair(mine, others)
    ]
    assert result == expected


def rule(kind: str, value: str = "0") -> ToleranceRule:
    return ToleranceRule(rule=kind, value=D(value))  # type: ignore[arg-type]


TOLERANCE = [
    # (rule, ours, difference, within)
    (rule("exact"), "61.25", "0", True),
    (rule("exact"), "61.25", "0.01", False),
    (rule("absolute", "0.05"), "61.25", "0.05", True),
    (rule("absolute", "0.05"), "61.25", "-0.05", True),
    (rule("absolute", "0.05"), "61.25", "0.051", False),
    (rule("percent", "0.1"), "61250", "61.25", True),
    (rule("percent", "0.1"), "61250", "-61.26", False),
    (rule("percent", "1"), "0", "0.01", False),
]


@pytest.mark.parametrize(("tolerance", "mine", "difference", "expected"), TOLERANCE)
def test_tolerance_rules(
    tolerance: ToleranceRule, mine: str, difference: str, expected: bool
) -> None:
    assert within(tolerance, D(mine), D(difference)) is expected


STATUS = [
    # (fields theirs differs in, tolerances, status, the differing fields and whether within)
    ({}, Tolerances(), "matched", []),
    ({"price": D("61.30")}, Tolerances(), "mismatched", [("price", "0.05", False)]),
    (
        {"price": D("61.30")},
        Tolerances(price=rule("absolute", "0.05")),
        "matched-within-tolerance",
        [("price", "0.05", True)],
    ),
    (
        {"settle_date": datetime.date(2026, 11, 26)},
        Tolerances(settle_date=rule("absolute", "1")),
        "matched-within-tolerance",
        [("settle-date", "1", True)],
    ),
    (
        {"settle_date": datetime.date(2026, 11, 27)},
        Tolerances(settle_date=rule("absolute", "1")),
        "mismatched",
        [("settle-date", "2", False)],
    ),
    (
        {"commission": D("25.00"), "price": None},
        Tolerances(),
        "matched",
        [],
    ),
    (
        {"currency": "EUR"},
        Tolerances(),
        "mismatched",
        [("currency", None, False)],
    ),
    (
        {"price": D("61.26"), "net": D("61285.00")},
        Tolerances(price=rule("percent", "0.1")),
        "mismatched",
        [("price", "0.01", True), ("net", "10.00", False)],
    ),
]


@pytest.mark.parametrize(("changes", "tolerances", "expected", "fields"), STATUS)
def test_compare_and_status(
    changes: dict[str, object],
    tolerances: Tolerances,
    expected: str,
    fields: list[tuple[str, str | None, bool]],
) -> None:
    mine = ours("T1", net=D("61275.00"))
    other = theirs("C1", "T1", **{"net": D("61275.00"), **changes})
    diffs = compare(mine, other, tolerances)
    assert [
        (d.field, None if d.difference is None else str(d.difference), d.within) for d in diffs
    ] == fields
    assert status(diffs) == expected


# The textbook trade of the demo storyline, shared by the matching and recon tests.
XYZ_TRADE = """
    2026-11-24 * "AlphaSec" "Buy 1000 XYZ" ^trade-GA-20261124-001
      trade-id: "GA-20261124-001"
      trade-date: 2026-11-24
      settle-date: 2026-11-25
      isin: "US8522341036"
      side: "buy"
      counterparty: "AlphaSec"
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Expenses:Commissions                 25.00 USD
      Assets:Unsettled:AlphaSec         -61275.00 USD
"""

LEDGER = (
    """
    option "operating_currency" "USD"
    2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
    2026-01-01 open Assets:Unsettled:AlphaSec
    2026-01-01 open Expenses:Commissions
    2026-01-01 open Expenses:Fees:Exchange
    2026-01-01 open Income:Trading:Realized
    2026-01-01 open Equity:Opening
    2026-01-01 commodity MSFT
      isin: "US5949181045"
    2026-01-01 commodity XYZ
      isin: "US8522341036"

    2026-10-01 * "Opening"
      Assets:Custody:Custodia:Securities   1500 MSFT {415.20 USD}
      Equity:Opening

    2026-11-19 * "AlphaSec" "Sell 300 MSFT" ^trade-GA-20261119-001
      trade-id: "GA-20261119-001"
      trade-date: 2026-11-19
      settle-date: 2026-11-20
      isin: "US5949181045"
      side: "sell"
      counterparty: "AlphaSec"
      Assets:Custody:Custodia:Securities   -300 MSFT {} @ 420.00 USD
      Expenses:Commissions                 15.00 USD
      Expenses:Fees:Exchange                2.10 USD
      Assets:Unsettled:AlphaSec        125982.90 USD
      Income:Trading:Realized

"""
    + XYZ_TRADE
    + """
    2026-11-25 * "Custodia" "Settlement of GA-20261124-001" ^trade-GA-20261124-001
      trade-id: "GA-20261124-001"
      Assets:Unsettled:AlphaSec          61275.00 USD
      Equity:Opening
"""
)


def test_our_trades_read_price_amounts_and_skip_settlements() -> None:
    books = load_string(LEDGER)
    assert books.errors == []
    trades, errors = our_trades(books.entries, Config())
    assert errors == []
    assert [
        (
            t.ref,
            t.side,
            t.security,
            t.quantity,
            t.price,
            t.gross,
            t.commission,
            t.fees,
            t.net,
            t.currency,
            t.settle_date,
        )
        for t in trades
    ] == [
        (
            "GA-20261119-001",
            "sell",
            "MSFT",
            D(300),
            D("420.00"),
            D("126000.00"),
            D("15.00"),
            D("2.10"),
            D("125982.90"),
            "USD",
            datetime.date(2026, 11, 20),
        ),
        (
            "GA-20261124-001",
            "buy",
            "XYZ",
            D(1000),
            D("61.25"),
            D("61250.00"),
            D("25.00"),
            D(0),
            D("61275.00"),
            "USD",
            S,
        ),
    ]


def test_a_sale_across_lots_is_one_trade_of_the_whole_quantity() -> None:
    """Booking splits ``-900 XYZ {}`` into one posting per lot it reduces: one trade
    of 900 to match, not an error."""
    books = load_string(
        'option "booking_method" "FIFO"\n'
        '2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"\n'
        "2026-01-01 open Assets:Unsettled:AlphaSec\n"
        "2026-01-01 open Income:Trading:Realized\n"
        "2026-01-01 open Equity:Opening\n" + SALE_ACROSS_LOTS
    )
    assert books.errors == []
    trades, errors = our_trades(books.entries, Config())
    assert errors == []
    assert [(t.ref, t.side, t.security, t.quantity, t.price, t.gross, t.net) for t in trades] == [
        ("S1", "sell", "XYZ", D(900), D("62.00"), D("55800.00"), D("55800.00"))
    ]


def test_a_cancelled_trade_is_not_ours_to_match() -> None:
    books = load_string(
        LEDGER
        + """
    2026-11-25 * "AlphaSec" "Cancel GA-20261124-001" ^trade-GA-20261124-001
      cancels: "GA-20261124-001"
      Assets:Custody:Custodia:Securities  -1000 XYZ {61.25 USD}
      Expenses:Commissions                -25.00 USD
      Assets:Unsettled:AlphaSec         61275.00 USD
    """
    )
    assert books.errors == []
    trades, errors = our_trades(books.entries, Config())
    assert ([t.ref for t in trades], errors) == (["GA-20261119-001"], [])


def test_a_trade_without_securities_posting_is_an_error() -> None:
    books = load_string(
        """
        2026-01-01 open Assets:Unsettled:AlphaSec
        2026-01-01 open Equity:Opening
        2026-11-24 * "AlphaSec" "Buy"
          trade-id: "T9"
          trade-date: 2026-11-24
          side: "buy"
          counterparty: "AlphaSec"
          Assets:Unsettled:AlphaSec  -10.00 USD
          Equity:Opening
        """
    )
    trades, errors = our_trades(books.entries, Config())
    assert trades == []
    assert [e.message for e in errors] == [
        "cannot match this trade: trade T9 has no securities posting with a cost or price"
    ]


FORMAT = ConfirmationFormat.model_validate(
    {
        "name": "alphasec",
        "counterparty": "AlphaSec",
        "delimiter": ";",
        "date-format": "%d.%m.%Y",
        "decimal": ",",
        "thousands": ".",
        "columns": {
            "confirmation-id": "Conf",
            "reference": "Ref",
            "isin": "ISIN",
            "side": "BS",
            "trade-date": "TD",
            "settle-date": "SD",
            "quantity": "Qty",
            "price": "Px",
            "net": "Net",
            "currency": "Ccy",
        },
    }
)


def test_confirmation_csv_reads_european_numbers_and_dates() -> None:
    data = (
        b"Conf;Ref;ISIN;BS;TD;SD;Qty;Px;Net;Ccy\n"
        b"C-1;GA-1;US8522341036;B;24.11.2026;25.11.2026;1.000;61,30;-61.325,00;USD\n"
        b"\n"
        b"C-2;;US5949181045;S;19.11.2026;;300;420;125.982,90;USD\n"
    )
    records = read_confirmations_csv(Path("c.csv"), data, [FORMAT], "inbox/c.csv")
    assert records == [
        TradeRecord(
            "theirs",
            "C-1",
            "GA-1",
            "AlphaSec",
            "US8522341036",
            "buy",
            T,
            D(1000),
            S,
            D("61.30"),
            None,
            None,
            None,
            D("61325.00"),
            "USD",
            None,
            "inbox/c.csv",
            2,
        ),
        TradeRecord(
            "theirs",
            "C-2",
            None,
            "AlphaSec",
            "US5949181045",
            "sell",
            datetime.date(2026, 11, 19),
            D(300),
            None,
            D(420),
            None,
            None,
            None,
            D("125982.90"),
            "USD",
            None,
            "inbox/c.csv",
            4,
        ),
    ]


WHERE = "in [[matching.confirmations]] 'alphasec' of backoffice.toml"
NOT_A_NUMBER = "not a number with decimal mark ',' and thousands separator '.'"
SEPARATORS = f"check 'decimal' / 'thousands' {WHERE}"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "C-1;;US8522341036;X;24.11.2026;;1;1;1;USD",
            "c.csv:2: column 'BS': not one of ['B', 'BUY', 'Buy', 'buy', 'S', 'SELL', 'Sell', "
            f"'sell'] (got 'X'); check 'buy' / 'sell' {WHERE}",
        ),
        (
            "C-1;;US8522341036;B;2026-11-24;;1;1;1;USD",
            "c.csv:2: column 'TD': not a date in format '%d.%m.%Y' (got '2026-11-24'); "
            f"check 'date-format' {WHERE}",
        ),
        (
            "C-1;;US8522341036;B;24.11.2026;;1;1.5x;1;USD",
            f"c.csv:2: column 'Px': {NOT_A_NUMBER} (got '1.5x'); {SEPARATORS}",
        ),
        (
            ";;US8522341036;B;24.11.2026;;1;1;1;USD",
            "c.csv:2: column 'Conf': empty",
        ),
        (
            "C-1;;US8522341036;B;24.11.2026;;1e5;1;1;USD",
            f"c.csv:2: column 'Qty': {NOT_A_NUMBER} (got '1e5'); {SEPARATORS}",
        ),
        (
            "C-1;;US8522341036;B;24.11.2026;;1_000;1;1;USD",
            f"c.csv:2: column 'Qty': {NOT_A_NUMBER} (got '1_000'); {SEPARATORS}",
        ),
        (
            f"C-1;;US8522341036;B;24.11.2026;;1{'0' * 31};1;1;USD",
            f"c.csv:2: column 'Qty': more than 30 digits (got '1{'0' * 31}')",
        ),
        (
            "C-1;;US8522341036;B;24.11.2026;;0;1;1;USD",
            "c.csv:2: column 'Qty': a quantity of 0 (got '0')",
        ),
        (
            "C-1;;US8522341036;B;24.11.2026;;1;1;1;USD;x",
            "c.csv:2: 11 field(s), the header has 10 (got 'C-1;;US8522341036;B;24.11.2026;;1;1;1;"
            f"USD;x'); check 'delimiter' and 'quote' {WHERE}",
        ),
    ],
)
def test_confirmation_csv_errors_name_line_column_value(row: str, message: str) -> None:
    data = f"Conf;Ref;ISIN;BS;TD;SD;Qty;Px;Net;Ccy\n{row}\n".encode()
    with pytest.raises(ImportFailure) as caught:
        read_confirmations_csv(Path("c.csv"), data, [FORMAT], "c.csv")
    assert str(caught.value) == message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet='C-1;.,0123456789B/SEUR"\n x\x00e', max_size=80), max_size=5))
def test_confirmation_csv_fuzz_raises_only_input_error(lines: list[str]) -> None:
    data = ("Conf;Ref;ISIN;BS;TD;SD;Qty;Px;Net;Ccy\n" + "\n".join(lines)).encode()
    try:
        records = read_confirmations_csv(Path("c.csv"), data, [FORMAT], "c.csv")
    except ImportFailure as exc:
        assert str(exc).startswith("c.csv:")
    else:
        assert all(r.quantity > 0 for r in records)


def test_confirmation_csv_with_unknown_header_names_the_formats() -> None:
    with pytest.raises(ImportFailure) as caught:
        read_confirmations_csv(Path("c.csv"), b"A;B\n1;2\n", [FORMAT], "c.csv")
    assert str(caught.value) == (
        "c.csv:1: no confirmation format fits this header (formats: alphasec); add a "
        "[[matching.confirmations]] format whose columns name this file's headers"
    )


CONFIG = """
as-of = 2026-11-27

[matching.tolerances]
price = { rule = "absolute", value = "0.01" }

[[matching.confirmations]]
name = "alphasec"
counterparty = "AlphaSec"

[matching.confirmations.columns]
confirmation-id = "Confirm No"
reference = "Client Ref"
isin = "ISIN"
side = "B/S"
trade-date = "Trade Date"
settle-date = "Settle Date"
quantity = "Quantity"
price = "Price"
commission = "Commission"
net = "Net"
currency = "Ccy"
"""

CONFIRMATIONS = """\
Confirm No,Client Ref,ISIN,B/S,Trade Date,Settle Date,Quantity,Price,Commission,Net,Ccy
AS-7781,GA-20261124-001,US8522341036,B,2026-11-24,2026-11-25,1000,61.30,25.00,61325.00,USD
AS-7790,,US0378331005,B,2026-11-24,2026-11-25,10,230.00,1.00,2301.00,USD
"""


@pytest.fixture
def books_file(tmp_path: Path) -> Path:
    path = write_books(
        tmp_path,
        {"main.beancount": LEDGER, "backoffice.toml": CONFIG, "inbox/conf.csv": CONFIRMATIONS},
    )
    return path


def test_match_command_reports_writes_breaks_once_and_exits_1(
    books_file: Path, runner: CliRunner
) -> None:
    args = ["--books", str(books_file), "match", str(books_file.parent / "inbox/conf.csv")]
    result = runner.invoke(main, [*args, "--json", "--as-of", "2026-11-24"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["summary"] == {
        "matched": 0,
        "matched-within-tolerance": 0,
        "mismatched": 1,
        "unmatched-ours": 0,
        "unmatched-theirs": 1,
        "after_as_of": 0,
    }
    mismatch, stray = report["rows"]
    assert mismatch["differences"] == [
        {
            "field": "price",
            "ours": "61.25",
            "theirs": "61.30",
            "difference": "0.05",
            "rule": "absolute 0.01",
            "within": False,
        },
        {
            "field": "net",
            "ours": "61275.00",
            "theirs": "61325.00",
            "difference": "50.00",
            "rule": "absolute 0.01",
            "within": False,
        },
    ]
    assert (mismatch["status"], mismatch["paired_on"], mismatch["link"]) == (
        "mismatched",
        "reference",
        "trade-GA-20261124-001",
    )
    assert (stray["status"], stray["confirmation"], stray["theirs"]) == (
        "unmatched-theirs",
        "AS-7790",
        {"file": "inbox/conf.csv", "line": 3},
    )
    ids = [mismatch["break"]["id"], stray["break"]["id"]]
    breaks_text = (books_file.parent / "breaks.beancount").read_text()
    assert breaks_text.split("\n\n", 1)[1] == (
        f'2026-11-24 custom "break" "{ids[0]}" "confirmation-mismatch"\n'
        '  link: "trade-GA-20261124-001"\n'
        '  description: "AlphaSec confirmation AS-7781 of trade GA-20261124-001 (buy 1000 XYZ '
        "on 2026-11-24) differs: price theirs 61.30, ours 61.25; net theirs 61325.00, "
        'ours 61275.00"\n'
        "  amount: 50.00 USD\n"
        '  source: "inbox/conf.csv"\n'
        "\n"
        f'2026-11-24 custom "break" "{ids[1]}" "unmatched-theirs"\n'
        '  description: "AlphaSec confirms AS-7790 (buy 10 US0378331005 on 2026-11-24), '
        'which pairs with no trade in the books"\n'
        "  amount: 2301.00 USD\n"
        '  source: "inbox/conf.csv"\n'
    )
    assert books_file.read_text().endswith('include "breaks.beancount"\n')

    again = runner.invoke(main, [*args, "--json", "--as-of", "2026-11-25"])
    assert again.exit_code == 1
    assert [row["break"]["status"] for row in json.loads(again.output)["rows"]] == [
        "open",
        "open",
    ]
    assert (books_file.parent / "breaks.beancount").read_text() == breaks_text


def test_unmatched_ours_only_on_covered_days(tmp_path: Path, runner: CliRunner) -> None:
    path = write_books(
        tmp_path,
        {
            "main.beancount": LEDGER,
            "backoffice.toml": CONFIG,
            "conf.csv": CONFIRMATIONS.splitlines()[0] + "\n"
            "AS-7800,,US5949181045,S,2026-11-20,2026-11-21,5,1,0,5,USD\n",
        },
    )
    result = runner.invoke(
        main, ["--books", str(path), "match", str(tmp_path / "conf.csv"), "--json", "--dry-run"]
    )
    rows = json.loads(result.output)["rows"]
    # Our 11-19 sale is not expected in a file covering 11-20 only.
    assert [(r["status"], r["trade_id"], r["confirmation"]) for r in rows] == [
        ("unmatched-theirs", None, "AS-7800"),
    ]
    assert not (tmp_path / "breaks.beancount").exists()


def test_match_bad_file_writes_nothing(books_file: Path, runner: CliRunner) -> None:
    bad = books_file.parent / "inbox/bad.csv"
    bad.write_text(CONFIRMATIONS.replace("2026-11-24,2026-11-25,10,", "24/11/2026,2026-11-25,10,"))
    good = books_file.parent / "inbox/conf.csv"
    before = books_file.read_text()
    result = runner.invoke(main, ["--books", str(books_file), "match", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{bad}:3: column 'Trade Date': not a date in format '%Y-%m-%d' (got '24/11/2026'); "
        "check 'date-format' in [[matching.confirmations]] 'alphasec' of backoffice.toml\n"
    )
    assert books_file.read_text() == before
    assert not (books_file.parent / "breaks.beancount").exists()
    as_json = runner.invoke(
        main, ["--books", str(books_file), "match", "--json", str(good), str(bad)]
    )
    assert json.loads(as_json.stdout) == {
        "errors": [
            {
                "message": f"{bad}:3: column 'Trade Date': not a date in format '%Y-%m-%d' "
                "(got '24/11/2026'); check 'date-format' in [[matching.confirmations]] "
                "'alphasec' of backoffice.toml"
            }
        ]
    }


def test_accept_resolved_exits_0_when_every_problem_is_resolved(
    books_file: Path, runner: CliRunner
) -> None:
    conf = books_file.parent / "inbox/conf.csv"
    conf.write_text("\n".join(CONFIRMATIONS.splitlines()[:2]) + "\n")
    args = ["--books", str(books_file), "match", str(conf), "--as-of", "2026-11-24"]
    first = runner.invoke(main, [*args, "--json"])
    break_id = json.loads(first.output)["rows"][0]["break"]["id"]
    resolved = runner.invoke(
        main,
        [
            "--books",
            str(books_file),
            "breaks",
            "resolve",
            break_id,
            "Broker corrected the confirmation",
            "--as-of",
            "2026-11-25",
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    assert runner.invoke(main, args).exit_code == 1
    result = runner.invoke(main, [*args, "--accept-resolved"])
    assert result.exit_code == 0
    assert (
        f"break {break_id} (confirmation-mismatch): resolved 2026-11-25: Broker corrected"
        in result.output
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[matching.tolerances]\nprice = { rule = "exact", value = "1" }\n',
            "backoffice.toml:2: matching.tolerances.price: Value error, an exact rule takes no "
            "value; use rule = 'absolute' or 'percent'",
        ),
        (
            '[matching.tolerances]\nprice = { rule = "relative", value = "1" }\n',
            "backoffice.toml:2: matching.tolerances.price.rule: Input should be 'exact', "
            "'absolute' or 'percent' (got 'relative')",
        ),
        (
            "[matching.break-tolerance]\nprice-break = 1\n",
            "backoffice.toml:1: matching.break-tolerance: Value error, unknown break kind "
            "'price-break'; kinds: confirmation-mismatch, unmatched-ours, unmatched-theirs, "
            "statement-difference, entitlement-mismatch, settlement-fail, other",
        ),
        (
            '[matching]\ncalendars = ["MOON"]\n',
            "backoffice.toml:2: matching.calendars: Value error, unknown calendar MOON; use a "
            "code of holidays.financial_holidays, e.g. XNYS, FED, ECB, XLON, XETR, XSWX "
            "(got ['MOON'])",
        ),
        (
            '[[matching.confirmations]]\nname = "x"\ncounterparty = "AlphaSec"\n'
            'date-format = "%d.%m"\ncolumns = { confirmation-id = "Id", isin = "ISIN", '
            'side = "Side", trade-date = "TD", quantity = "Qty" }\n',
            "backoffice.toml:4: matching.confirmations[0].date-format: Value error, '%d.%m' "
            "does not name a full date (day, month and year) (got '%d.%m')",
        ),
    ],
)
def test_matching_config_errors_name_the_key(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(toml, Path("backoffice.toml"))
    assert str(caught.value) == message


def test_break_tolerance_defaults_fill_in_unset_kinds() -> None:
    config = parse_config("[matching.break-tolerance]\nunmatched-ours = 3\n", Path("x.toml"))
    assert [config.matching.break_days(kind) for kind in BREAK_KINDS] == [1, 3, 1, 2, 2, 2, 2]


def test_a_matching_confirmation_resolves_the_trades_open_breaks(
    books_file: Path, runner: CliRunner
) -> None:
    conf = books_file.parent / "inbox/conf.csv"
    header, wrong, _ = CONFIRMATIONS.splitlines()
    conf.write_text(f"{header}\n{wrong}\n")
    args = ["--books", str(books_file), "match", str(conf)]
    first = runner.invoke(main, [*args, "--json", "--as-of", "2026-11-24"])
    break_id = json.loads(first.output)["rows"][0]["break"]["id"]

    corrected = wrong.replace("AS-7781", "AS-7781C").replace("61.30", "61.25")
    conf.write_text(f"{header}\n{corrected.replace('61325.00', '61275.00')}\n")
    second = runner.invoke(main, [*args, "--json", "--as-of", "2026-11-25"])
    assert second.exit_code == 0, second.output
    (row,) = json.loads(second.output)["rows"]
    assert (row["status"], row["confirmation"], row["resolves"]) == (
        "matched",
        "AS-7781C",
        [break_id],
    )
    assert (
        (books_file.parent / "breaks.beancount")
        .read_text()
        .endswith(
            f'2026-11-25 custom "break-resolved" "{break_id}" "AlphaSec confirmation AS-7781C '
            '(inbox/conf.csv) pairs with trade GA-20261124-001: matched"\n'
        )
    )
    third = runner.invoke(main, [*args, "--json", "--as-of", "2026-11-26"])
    assert json.loads(third.output)["rows"][0]["resolves"] == []


def test_booking_the_missing_trade_resolves_the_unmatched_confirmation(
    books_file: Path, runner: CliRunner
) -> None:
    conf = books_file.parent / "inbox/conf.csv"
    header, _, stray = CONFIRMATIONS.splitlines()
    conf.write_text(f"{header}\n{stray}\n")
    args = ["--books", str(books_file), "match", "--json", str(conf)]
    first = runner.invoke(main, [*args, "--as-of", "2026-11-24"])
    # The XYZ trade of that day has no confirmation in this file: unmatched ours.
    row, xyz = json.loads(first.output)["rows"]
    assert (row["status"], row["break"]["status"]) == ("unmatched-theirs", "new")
    assert (xyz["status"], xyz["trade_id"]) == ("unmatched-ours", "GA-20261124-001")
    with books_file.open("a") as books:
        books.write(
            "\n2026-01-01 commodity AAPL\n"
            '  isin: "US0378331005"\n'
            '2026-11-24 * "AlphaSec" "Buy 10 AAPL" ^trade-GA-20261124-002\n'
            '  trade-id: "GA-20261124-002"\n'
            "  trade-date: 2026-11-24\n"
            "  settle-date: 2026-11-25\n"
            '  isin: "US0378331005"\n'
            '  side: "buy"\n'
            '  counterparty: "AlphaSec"\n'
            "  Assets:Custody:Custodia:Securities   10 AAPL {230.00 USD}\n"
            "  Expenses:Commissions                 1.00 USD\n"
            "  Assets:Unsettled:AlphaSec        -2301.00 USD\n"
        )
    second = runner.invoke(main, [*args, "--as-of", "2026-11-25"])
    paired, still = json.loads(second.output)["rows"]
    assert (still["status"], still["break"]["status"]) == ("unmatched-ours", "open")
    assert (paired["status"], paired["paired_on"], paired["resolves"]) == (
        "matched",
        "key",
        [row["break"]["id"]],
    )

"""Blotter CSV: columns per config, golden output, clear errors, unknown ISINs."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.common import ImportFailure
from importers.securities import UnknownSecurities
from importers.trades.blotter import BlotterImporter
from tests.importers.trade_books import TRADES, assert_golden, base_books, trades_config


def extract(tmp_path: Path, name: str, text: str | None = None) -> list[object]:
    books = base_books(tmp_path)
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    importer = BlotterImporter(trades_config())
    assert importer.identify(name)
    return list(importer.extract(name, books.entries))


def test_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    entries = BlotterImporter(trades_config()).extract("blotter.csv", books.entries)
    assert_golden(entries, TRADES / "blotter.csv.beancount")


HEADER = "TradeRef;TradeDate;SettleDate;Broker;B/S;Qty;Ticker;ISIN;Name;Px;Ccy;Comm;SEC fee\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "T9;24.11.2026;25.11.2026;AlphaSec;X;10;XYZ;US8522341036;;1;USD;;",
            "bad.csv:2: column 'B/S' is not a known side (got 'X'); known sides: B, S",
        ),
        (
            "T9;2026-11-24;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;1;USD;;",
            "bad.csv:2: column 'TradeDate': not a date in format '%d.%m.%Y' "
            "(got '2026-11-24'); check 'date-format' in [trades.blotter] of backoffice.toml",
        ),
        (
            "T9;24.11.2026;25.11.2026;AlphaSec;B;1,000;XYZ;US8522341036;;1;USD;;",
            "bad.csv:2: column 'Qty': not a number with decimal mark '.' (got '1,000'); "
            "check 'decimal' / 'thousands' in [trades.blotter] of backoffice.toml",
        ),
        (
            "T9;24.11.2026;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;1E999;USD;;",
            "bad.csv:2: column 'Px': not a number with decimal mark '.' (got '1E999')",
        ),
        (
            "T9;24.11.2026;25.11.2026;Gamma;B;10;XYZ;US8522341036;;1;USD;;",
            "bad.csv:2: counterparty 'Gamma' is not in backoffice.toml; "
            "add a [counterparties.Gamma] table",
        ),
        (
            "T9;24.11.2026;25.11.2026;AlphaSec;B;10;XYZ;US8522341037;;1;USD;;",
            "bad.csv:2: 'US8522341037' has check digit 7; the ISIN's check digit is 6",
        ),
    ],
)
def test_bad_rows_name_file_line_and_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImportFailure) as caught:
        extract(tmp_path, "bad.csv", HEADER + row + "\n")
    assert str(caught.value).startswith(message)


def test_a_missing_column_lists_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cols.csv").write_text("TradeRef;B/S;Qty\nT1;B;1\n", encoding="utf-8")
    with pytest.raises(ImportFailure) as caught:
        BlotterImporter(trades_config()).extract("cols.csv", base_books(tmp_path).entries)
    assert str(caught.value).startswith(
        "cols.csv:1: the header has no column 'TradeDate', 'SettleDate', 'Px', 'Ccy', "
        "'ISIN', 'Ticker', 'Comm', 'SEC fee', 'Broker' (got 'TradeRef, B/S, Qty'); "
        "name the file's columns in [trades.blotter] of backoffice.toml"
    )


def test_an_unknown_isin_prints_the_commodity_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    row = "T9;24.11.2026;25.11.2026;AlphaSec;B;10;NVDA;US67066G1040;NVIDIA Corp;140;USD;;"
    with pytest.raises(UnknownSecurities) as caught:
        extract(tmp_path, "new.csv", HEADER + row + "\n")
    assert str(caught.value) == (
        "new.csv: securities not in the books: US67066G1040; add these directives to "
        "commodities.beancount (check asset-class and market, which the settlement rules "
        "use):\n"
        "2026-11-24 commodity NVDA\n"
        '  isin: "US67066G1040"\n'
        '  name: "NVIDIA Corp"\n'
        '  asset-class: "equity"\n'
        '  market: "XNYS"\n'
    )


def test_a_taken_ticker_falls_back_to_the_isin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # "SAP" is taken by DE0007164600; another ISIN under that ticker gets its ISIN as symbol.
    row = "T9;24.11.2026;25.11.2026;AlphaSec;B;10;SAP;US8030542042;SAP ADR;200;USD;;"
    with pytest.raises(UnknownSecurities) as caught:
        extract(tmp_path, "adr.csv", HEADER + row + "\n")
    assert [s.symbol for s in caught.value.securities] == ["US8030542042"]


def test_a_trade_id_from_two_sources_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drop copy of the XYZ order after the blotter booked it: one trade, not two."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    booked = BlotterImporter(trades_config()).extract("blotter.csv", books.entries)
    from importers.trades.fix import FixImporter

    with pytest.raises(ImportFailure) as caught:
        FixImporter(trades_config()).extract("dropcopy.fix.log", [*books.entries, *booked])
    assert str(caught.value) == (
        "dropcopy.fix.log:4: trade 'GA-20261124-001' is already in the books from blotter.csv; "
        "import each trade from one source (the blotter or the drop copy, not both)"
    )


def test_a_trade_id_twice_in_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    row = "T9;24.11.2026;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;1;USD;;\n"
    with pytest.raises(ImportFailure, match=r"dup\.csv:3: trade .T9. appears twice in the file"):
        extract(tmp_path, "dup.csv", HEADER + row + row)


def test_a_trade_id_a_link_cannot_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``^trade-GA 20261009 001`` would leave books that no longer parse."""
    monkeypatch.chdir(tmp_path)
    row = "GA 20261009 001;24.11.2026;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;1;USD;;\n"
    with pytest.raises(ImportFailure) as caught:
        extract(tmp_path, "spaces.csv", HEADER + row)
    assert str(caught.value) == (
        "spaces.csv:2: a trade id goes into the trade's link, which holds only letters, "
        "digits and - _ / . (at most 128 characters) (got 'GA 20261009 001'); correct the "
        "id in the source (a space or another character there would leave books that no "
        "longer parse)"
    )

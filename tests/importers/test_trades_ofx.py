"""Broker OFX investment statements: trades through the one builder, income,
reinvestment and transfers; the OFX specification's own example."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from importers.common import ImportFailure, InputWarning, UnknownBroker
from importers.securities import UnknownSecurities
from importers.trades.ofx import BrokerOfxImporter
from ledger.books import load
from ledger.documents import document_sha256
from ledger.imports.dedupe import known_keys, split_new
from ledger.securities import Security, commodity_entry
from tests.importers.trade_books import TRADES, assert_golden, base_books, render, trades_config


def test_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    importer = BrokerOfxImporter(trades_config())
    assert importer.identify("alphasec.ofx")
    assert_golden(
        importer.extract("alphasec.ofx", books.entries), TRADES / "alphasec.ofx.beancount"
    )


def test_the_specification_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OFX 2.1.1 section 13.11: a CUSIP becomes its US ISIN; the unknown
    security prints its commodity directive (dated on the opening, the day before the
    statement); once added, the 100 ACME held before the statement (the position
    list's 200 less the BUYSTOCK's 100) open the account against Equity:Opening, the
    BUYSTOCK books (the INVBANKTRAN deposit is the bank statement's), and the option
    position, whose asset class the file cannot give, is left out with a warning."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    importer = BrokerOfxImporter(trades_config())
    with pytest.raises(UnknownSecurities) as caught:
        importer.extract("ofx-spec-13-11.ofx", books.entries)
    assert [s.symbol for s in caught.value.securities] == ["ACME"]
    assert str(caught.value).endswith(
        "2005-08-23 commodity ACME\n"
        '  isin: "US1234567899"\n'
        '  name: "Acme Development, Inc."\n'
        '  asset-class: "equity"\n'
        '  market: "XNYS"\n'
    )
    acme = commodity_entry(
        Security("ACME", "US1234567899", "Acme Development, Inc.", "equity", "XNYS"),
        datetime.date(2005, 1, 1),
        "commodities.beancount",
    )
    entries: list[data.Directive] = [*books.entries, acme]
    with pytest.warns(InputWarning, match=r"Lucky Airlines Jan 97 Put .* OPTINFO\) cannot be"):
        extracted = importer.extract("ofx-spec-13-11.ofx", entries)
    assert_golden(extracted, TRADES / "ofx-spec-13-11.ofx.beancount")


def test_bonds_with_accrued_interest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BUYDEBT pays the accrued interest on top of TOTAL, SELLDEBT receives it (OFX gives
    ACCRDINT outside TOTAL, here negative on the buy): its own posting to the interest
    account, in the cash leg. UNITS are face value and UNITPRICE percent of par, so the
    position is in face value at UNITPRICE / 100. The books load clean with the sale
    booked against the lot."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    entries = BrokerOfxImporter(trades_config()).extract("bonds.ofx", books.entries)
    assert_golden(entries, TRADES / "bonds.ofx.beancount")
    buy, sell, price = entries
    assert isinstance(buy, data.Transaction) and isinstance(sell, data.Transaction)
    assert isinstance(price, data.Price)
    assert str(price.amount) == "0.9925 USD"  # DEBTINFO's UNITPRICE 99.25, a percent of par
    legs = {p.account: p.units.number for p in buy.postings if p.units is not None}
    assert legs["Income:Interest"] == Decimal("110.05")
    assert legs["Assets:Unsettled:AlphaSec"] == Decimal("-98635.05")  # TOTAL + ACCRDINT
    assert legs["Assets:Custody:Custodia:Securities"] == Decimal("100000")  # face value
    legs = {p.account: p.units.number for p in sell.postings if p.units is not None}
    assert legs["Income:Interest"] == Decimal("-54.40")
    assert legs["Assets:Unsettled:AlphaSec"] == Decimal("39684.40")
    main = tmp_path / "books" / "main.beancount"
    (main.parent / "bonds.beancount").write_text(render(entries), encoding="utf-8")
    with main.open("a", encoding="utf-8") as handle:
        handle.write('include "bonds.beancount"\n')
    assert load(main).errors == []


def test_a_total_that_does_not_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    Path("bad.ofx").write_text(text.replace("-61276.40", "-61286.40"), encoding="ascii")
    with pytest.raises(ImportFailure) as caught:
        BrokerOfxImporter(trades_config()).extract("bad.ofx", base_books(tmp_path).entries)
    assert str(caught.value) == (
        "bad.ofx:INVTRANLIST/BUYSTOCK[1]: FITID AS-OFX-1001: units x price and costs give "
        "-61276.40 USD but TOTAL is -61286.40; the statement does not add up; ask the broker "
        "for a corrected file"
    )


def test_an_unmapped_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    Path("b.ofx").write_text(text.replace("alphasec.example", "zed.example"), encoding="ascii")
    with pytest.raises(ImportFailure) as caught:
        BrokerOfxImporter(trades_config()).extract("b.ofx", base_books(tmp_path).entries)
    assert str(caught.value).startswith(
        "b.ofx:INVACCTFROM/BROKERID: broker 'zed.example' is not mapped to a counterparty; "
        'add "zed.example" = "<Counterparty>" under [trades.ofx.brokers], for instance:\n'
        '"zed.example" = "Zed"\n'
    )


def test_a_damaged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    damaged = text.replace("<UNIQUEIDTYPE>ISIN</UNIQUEIDTYPE>", "<UNIQUEIDTYPE></UNIQUEIDTYPE>")
    Path("cut.ofx").write_text(damaged, encoding="ascii")
    with pytest.raises(ImportFailure, match=r"cut\.ofx: not a readable OFX investment statement"):
        BrokerOfxImporter(trades_config()).extract("cut.ofx", base_books(tmp_path).entries)


def test_a_file_cut_after_its_first_trade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ofxtools alone reads it as a statement of one trade; two are missing."""
    monkeypatch.chdir(tmp_path)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    Path("cut.ofx").write_text(text[: text.index("</BUYSTOCK>") + 11], encoding="ascii")
    with pytest.raises(ImportFailure) as caught:
        BrokerOfxImporter(trades_config()).extract("cut.ofx", base_books(tmp_path).entries)
    assert str(caught.value) == (
        "cut.ofx: the OFX document does not end (no </INVSTMTRS> or </OFX>): trades may be "
        "missing; the file is truncated; ask the broker to resend it"
    )


def test_a_transfer_out_delivers_from_the_lots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    out = text.replace("<TFERACTION>IN", "<TFERACTION>OUT")
    Path("out.ofx").write_text(out, encoding="ascii")
    with pytest.raises(ImportFailure) as caught:
        BrokerOfxImporter(trades_config()).extract("out.ofx", base_books(tmp_path).entries)
    assert str(caught.value) == (
        "out.ofx:5: delivers SIE, of which the books hold no lots; "
        "import the trades or the opening position first"
    )
    Path("tte.ofx").write_text(out.replace("DE0007236101", "FR0000120271"), encoding="ascii")
    entries = BrokerOfxImporter(trades_config()).extract("tte.ofx", base_books(tmp_path).entries)
    transfer = [e for e in entries if isinstance(e, data.Transaction)][-1]
    assert render([transfer]).endswith(
        "  Assets:Custody:Custodia:Securities  -50 TTE {}\n"
        "  Assets:Suspense                         EUR\n"
    )


def test_a_private_tag_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real brokers' OFX carries Quicken's <INTU.BID> (a private tag, OFX 2.7.1):
    the entries are those of the clean file, and the warning names the tag."""
    monkeypatch.chdir(tmp_path)
    clean = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    Path("real.ofx").write_text(
        clean.replace(
            "<LANGUAGE>ENG</LANGUAGE>", "<LANGUAGE>ENG</LANGUAGE><INTU.BID>3000</INTU.BID>"
        ),
        encoding="ascii",
    )
    Path("clean.ofx").write_text(clean, encoding="ascii")
    existing = base_books(tmp_path).entries
    expected = BrokerOfxImporter(trades_config()).extract("clean.ofx", existing)
    with pytest.warns(InputWarning) as caught:
        real = BrokerOfxImporter(trades_config()).extract("real.ofx", existing)
    assert render(real).replace("real.ofx", "clean.ofx").replace(
        document_sha256("real.ofx"), document_sha256("clean.ofx")
    ) == render(expected)
    assert [str(w.message) for w in caught] == [
        "real.ofx: OFX: Encountered private extension tag <INTU.BID>; skipping."
    ]


def test_a_cusip_that_is_not_nine_letters_or_digits_gives_no_isin() -> None:
    from types import SimpleNamespace

    from importers.trades.ofx import _isin

    apple = SimpleNamespace(uniqueidtype="CUSIP", uniqueid="037833100")
    assert _isin(apple) == "US0378331005"
    assert _isin(SimpleNamespace(uniqueidtype="CUSIP", uniqueid="03783\x00100")) is None


def test_prices_of_the_positions_and_the_securities_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An INVPOS price wins over the SECLIST's of the same day; a security the books
    do not carry gets none; importing the statement again adds no price."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    text = (TRADES / "alphasec.ofx").read_text(encoding="ascii")
    positions = (
        "<INVPOSLIST><POSSTOCK><INVPOS><SECID><UNIQUEID>US8522341036</UNIQUEID>"
        "<UNIQUEIDTYPE>ISIN</UNIQUEIDTYPE></SECID><HELDINACCT>CASH</HELDINACCT>"
        "<POSTYPE>LONG</POSTYPE><UNITS>1000</UNITS><UNITPRICE>62.05</UNITPRICE>"
        "<MKTVAL>62050.00</MKTVAL><DTPRICEASOF>20261127200000.000[+0:UTC]</DTPRICEASOF>"
        "</INVPOS></POSSTOCK><POSSTOCK><INVPOS><SECID><UNIQUEID>US0000000002</UNIQUEID>"
        "<UNIQUEIDTYPE>ISIN</UNIQUEIDTYPE></SECID><HELDINACCT>CASH</HELDINACCT>"
        "<POSTYPE>LONG</POSTYPE><UNITS>5</UNITS><UNITPRICE>10</UNITPRICE>"
        "<MKTVAL>50</MKTVAL><DTPRICEASOF>20261127200000.000[+0:UTC]</DTPRICEASOF>"
        "</INVPOS></POSSTOCK></INVPOSLIST>\n</INVSTMTRS>"
    )
    Path("positions.ofx").write_text(text.replace("</INVSTMTRS>", positions), encoding="ascii")
    entries = BrokerOfxImporter(trades_config()).extract("positions.ofx", books.entries)
    prices = [e for e in entries if isinstance(e, data.Price)]
    assert [(str(p.date), p.currency, str(p.amount)) for p in prices] == [
        ("2026-11-27", "XYZ", "62.05 USD"),
        ("2026-11-27", "MSFT", "418.40 USD"),
        ("2026-11-27", "SIE", "201.50 EUR"),
    ]
    assert prices[0].meta["source-ref"] == "alphasec.example/2026-11-27/XYZ/price"
    again = BrokerOfxImporter(trades_config()).extract("positions.ofx", [*books.entries, *entries])
    new, _ = split_new(again, known_keys(entries))
    assert new == []


def test_a_trade_without_a_settle_date_settles_on_its_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DTSETTLE is optional (OFX 2.1.1, 13.9.2.4.3): a US equity bought Thursday
    2005-08-25, when the cycle was T+3, settles Tuesday 2005-08-30 on the NYSE's and
    the Fed's calendars, and the entry says the date was derived."""
    books = base_books(tmp_path)
    text = (TRADES / "ofx-spec-13-11.ofx").read_text(encoding="utf-8")
    text = text.replace("<DTSETTLE>20050828000000.000[+0:UTC]</DTSETTLE>", "")
    (tmp_path / "no-settle.ofx").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    acme = commodity_entry(
        Security("ACME", "US1234567899", "Acme Development, Inc.", "equity", "XNYS"),
        datetime.date(2005, 1, 1),
        "commodities.beancount",
    )
    with pytest.warns(InputWarning):
        entries = BrokerOfxImporter(trades_config()).extract(
            "no-settle.ofx", [*books.entries, acme]
        )
    trade = entries[1]
    assert isinstance(trade, data.Transaction)
    assert trade.meta["settle-date"] == datetime.date(2005, 8, 30)
    assert trade.meta["settle-date-from"] == (
        "derived: T+3 on FED+XNYS (built-in rule T+3 for "
        "equity/etf/corporate-bond/municipal-bond on XNYS/XNAS/ARCX/XASE/BATS/IEXG "
        "until 2017-09-04)"
    )


def test_a_fund_trade_no_cycle_covers_is_refused_with_the_rule_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No built-in cycle covers funds: rather than write a trade the books' check
    refuses, the import stops with the rule the broker's own dates imply."""
    books = base_books(tmp_path)
    monkeypatch.chdir(TRADES)
    fund = commodity_entry(
        Security("ACME", "US1234567899", "Acme Fund", "fund", "XNYS"),
        datetime.date(2005, 1, 1),
        "commodities.beancount",
    )
    with pytest.raises(ImportFailure) as caught, pytest.warns(InputWarning):
        BrokerOfxImporter(trades_config()).extract("ofx-spec-13-11.ofx", [*books.entries, fund])
    assert str(caught.value) == (
        "ofx-spec-13-11.ofx:INVTRANLIST/BUYSTOCK[1]: no settlement cycle covers ACME (fund on "
        "XNYS), so the books would not check: no settlement cycle for fund on XNYS traded "
        '2005-08-25; add a [[settlement.cycles]] with markets = ["XNYS"] and asset-classes = '
        '["fund"]; this trade settles T+1 (2005-08-25 to 2005-08-28); if that is the rule for '
        "such trades, add to backoffice.toml:\n"
        "[[settlement.cycles]]\n"
        'markets = ["XNYS"]\n'
        'asset-classes = ["fund"]\n'
        "days = 1\n"
        "or run 'backoffice import --create-accounts', which adds it"
    )


def test_the_specification_example_with_its_header_in_a_comment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OFX 2.0.1's annotated example: the header in an XML comment, comments after
    the elements, SECLIST before the statement and BUYTYPE before INVBUY. Read in the
    specification's order with a warning naming the aggregates, as far as its broker,
    which these books do not map."""
    books = base_books(tmp_path)
    monkeypatch.chdir(Path(__file__).parents[1] / "data" / "third_party" / "ofx")
    name = "ofxstatement-ofx_spec201_invest_transactions_example.xml"
    with pytest.raises(UnknownBroker) as caught, pytest.warns(InputWarning) as warned:
        BrokerOfxImporter(trades_config()).extract(name, books.entries)
    assert [str(w.message) for w in warned] == [
        f"{name}: OFX: elements read in the specification's order in "
        "BUYSTOCK, INCOME, INVBUY, INVSELL, OFX, SELLSTOCK"
    ]
    assert caught.value.broker_id == "Your broker name"

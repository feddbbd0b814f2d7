"""An investment statement from a broker the config does not map (issue 15.2).

``import --create-accounts`` makes the counterparty (a name derived from the
broker id), maps the id to it in ``backoffice.toml``, opens its clearing and cash
accounts and adds the securities from the statement's SECLIST: the books then
check clean. Without the flag the refusal prints the lines to add.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from importers.common import broker_counterparty
from ledger.cli import main
from ledger.init import init_books
from tests.conftest import snapshot

STATEMENT = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<DTSERVER>20261127180000</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1</TRNUID>
<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<INVSTMTRS><DTASOF>20261127180000</DTASOF><CURDEF>USD</CURDEF>
<INVACCTFROM><BROKERID>fidelity.com</BROKERID><ACCTID>X1</ACCTID></INVACCTFROM>
<INVTRANLIST><DTSTART>20261101</DTSTART><DTEND>20261127</DTEND>
<BUYSTOCK><INVBUY>
<INVTRAN><FITID>F-1</FITID><DTTRADE>20261124</DTTRADE><DTSETTLE>20261125</DTSETTLE></INVTRAN>
<SECID><UNIQUEID>037833100</UNIQUEID><UNIQUEIDTYPE>CUSIP</UNIQUEIDTYPE></SECID>
<UNITS>10</UNITS><UNITPRICE>200.00</UNITPRICE><COMMISSION>5.00</COMMISSION>
<TOTAL>-2005.00</TOTAL><SUBACCTSEC>CASH</SUBACCTSEC><SUBACCTFUND>CASH</SUBACCTFUND>
</INVBUY><BUYTYPE>BUY</BUYTYPE></BUYSTOCK>
</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>
<SECLISTMSGSRSV1><SECLIST><STOCKINFO><SECINFO>
<SECID><UNIQUEID>037833100</UNIQUEID><UNIQUEIDTYPE>CUSIP</UNIQUEIDTYPE></SECID>
<SECNAME>Apple Inc</SECNAME><TICKER>AAPL</TICKER></SECINFO></STOCKINFO></SECLIST></SECLISTMSGSRSV1>
</OFX>
"""

ADDED_CONFIG = """
[counterparties.Fidelity]
name = "fidelity.com"
auto-settle = true
cash-account = "Assets:Custody:Fidelity:Cash:USD"

[trades.ofx.brokers]
"fidelity.com" = "Fidelity"
"""


@pytest.fixture
def books(tmp_path: Path) -> Path:
    init_books(tmp_path / "books", title="T", currency="USD", start=datetime.date(2026, 1, 1))
    return tmp_path / "books"


def invoke(books: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(main, ["--books", str(books / "main.beancount"), *map(str, args)])


def statement(tmp_path: Path) -> Path:
    path = tmp_path / "fidelity.ofx"
    path.write_text(STATEMENT, encoding="ascii")
    return path


@pytest.mark.parametrize(
    ("broker_id", "name"),
    [
        ("fidelity.com", "Fidelity"),
        ("www.schwab.com", "Schwab"),
        ("TIAA-CREF.ORG", "TIAA-CREF"),
        ("404", "Broker404"),
        ("Your broker name", "YourBrokerName"),
        ("", "Broker"),
    ],
)
def test_the_counterparty_name_derived_from_a_broker_id(broker_id: str, name: str) -> None:
    assert broker_counterparty(broker_id) == name


def test_an_unknown_broker_is_refused_with_the_lines_to_add(books: Path, tmp_path: Path) -> None:
    before = snapshot(books)

    result = invoke(books, "import", statement(tmp_path))

    assert result.exit_code == 1
    assert (
        "broker 'fidelity.com' is not mapped to a counterparty; "
        'add "fidelity.com" = "<Counterparty>" under [trades.ofx.brokers], for instance:\n'
        '    "fidelity.com" = "Fidelity"\n    \n'
        "    [counterparties.Fidelity]\n"
        '    name = "fidelity.com"\n'
        "    auto-settle = true\n"
        '    cash-account = "Assets:Custody:Fidelity:Cash:USD"\n'
        "    or run 'backoffice import --create-accounts'"
    ) in result.output
    assert snapshot(books) == before


def test_create_accounts_makes_the_counterparty(books: Path, tmp_path: Path) -> None:
    config_before = (books / "backoffice.toml").read_text(encoding="utf-8")
    accounts_before = (books / "accounts.beancount").read_text(encoding="utf-8")

    result = invoke(books, "import", "--create-accounts", statement(tmp_path))

    assert result.exit_code == 0, result.output
    assert "mapped broker fidelity.com to counterparty Fidelity\n" in result.output
    assert (books / "backoffice.toml").read_text(encoding="utf-8") == (config_before + ADDED_CONFIG)
    assert (books / "accounts.beancount").read_text(encoding="utf-8") == accounts_before + (
        "\n2026-11-01 open Assets:Custody:Fidelity:Cash:USD                USD\n"
        '  cash-floor: "none"\n'
        "\n2026-11-01 open Assets:Unsettled:Fidelity\n"
    )
    commodities = (books / "commodities.beancount").read_text(encoding="utf-8")
    assert (
        "2026-11-24 commodity AAPL\n"
        '  isin: "US0378331005"\n'
        '  name: "Apple Inc"\n'
        '  asset-class: "equity"\n'
        '  market: "XNYS"\n'
    ) in commodities
    check = invoke(books, "check")
    assert check.exit_code == 0, check.output
    imported = snapshot(books)
    again = invoke(books, "import", "--create-accounts", statement(tmp_path))
    assert again.exit_code == 0, again.output
    assert snapshot(books) == imported


def test_a_brokers_table_already_in_the_config_gets_the_new_id(books: Path, tmp_path: Path) -> None:
    config = books / "backoffice.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[trades.ofx.brokers]\n"other.example" = "Other"\n\n[counterparties.Other]\n',
        encoding="utf-8",
    )
    text = config.read_text(encoding="utf-8")
    (books / "accounts.beancount").write_text(
        (books / "accounts.beancount").read_text(encoding="utf-8")
        + "2026-01-01 open Assets:Unsettled:Other\n",
        encoding="utf-8",
    )

    result = invoke(books, "import", "--create-accounts", statement(tmp_path))

    assert result.exit_code == 0, result.output
    added = text.replace(
        '[trades.ofx.brokers]\n"other.example" = "Other"\n',
        '[trades.ofx.brokers]\n"fidelity.com" = "Fidelity"\n"other.example" = "Other"\n',
    )
    assert (
        config.read_text(encoding="utf-8")
        == added + "\n" + ADDED_CONFIG.split("\n\n")[0][1:] + "\n"
    )
    assert invoke(books, "check").exit_code == 0

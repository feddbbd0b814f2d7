"""A price file by config ([prices.csv.<name>]): each row a price directive, written
to the books once, however often the file comes in; bad rows refused with their line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import snapshot

CONFIG = """
[prices.csv.vendor]
filename = "closing-*.csv"
delimiter = ";"
date-format = "%d.%m.%Y"
decimal = ","

[prices.csv.vendor.columns]
date = "Datum"
isin = "ISIN"
price = "Kurs"
currency = "Waehrung"
"""

PRICES = """Datum;ISIN;Kurs;Waehrung
26.11.2026;US0378331005;232,48;USD
26.11.2026;DE0007164600;238,90;EUR
"""

WRITTEN = """2026-11-26 price AAPL                               232.48 USD
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-26.closing-2026-11-26.csv"
  source-ref: "vendor/2026-11-26/AAPL"
  source-sha256: "{sha}"

2026-11-26 price SAP                                238.90 EUR
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-26.closing-2026-11-26.csv"
  source-ref: "vendor/2026-11-26/SAP"
  source-sha256: "{sha}"
"""


@pytest.fixture
def books(demo_books: Path) -> Path:
    config = demo_books.parent / "backoffice.toml"
    config.write_text(config.read_text(encoding="utf-8") + CONFIG, encoding="utf-8")
    return demo_books


def imported(runner: CliRunner, books: Path, text: str) -> tuple[int, str, Path]:
    document = books.parent.parent / "closing-2026-11-26.csv"
    document.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["--books", str(books), "import", str(document)])
    return result.exit_code, result.output, document


def test_prices_written_once(runner: CliRunner, books: Path) -> None:
    code, output, document = imported(runner, books, PRICES)
    assert code == 0, output
    sha = hashlib.sha256(document.read_bytes()).hexdigest()
    month = books.parent / "2026" / "11" / "assets-custody-custodia-securities.beancount"
    text = month.read_text(encoding="utf-8")
    assert text[text.index("2026-11-26 price") :] == WRITTEN.format(sha=sha)
    code, output, _ = imported(runner, books, PRICES)
    assert code == 0
    assert "2 duplicate(s)" in output
    assert month.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("26.11.2026;US0378331005;-1,00;USD", "'Kurs': a price must be a positive number"),
        ("26.11.2026;US0378331005;232,48;usd", "'Waehrung' is not a currency code"),
        ("26.11.2026;US0378331005;232,50;USD", "a second price of AAPL on 2026-11-26"),
        ("31.11.2026;US0378331005;232,48;USD", "31.11.2026"),
    ],
)
def test_bad_rows_are_refused(runner: CliRunner, books: Path, row: str, message: str) -> None:
    before = snapshot(books.parent)
    code, output, _ = imported(runner, books, PRICES + row + "\n")
    assert code == 1
    assert "closing-2026-11-26.csv:4" in output
    assert message in output
    assert snapshot(books.parent) == before

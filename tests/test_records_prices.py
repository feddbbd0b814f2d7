"""``backoffice prices``: each commodity's bean-price sources asked, the new prices
appended to the prices file under the lock, once; a failing source writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import snapshot, write_books

BOOKS = """
option "operating_currency" "USD"

2026-01-01 commodity AAPL
  price: "USD:tests.price_source/AAPL"
2026-01-01 commodity EUR
  price: "USD:tests.price_source/NOTHING USD:tests.price_source/EURUSD"
2026-01-01 commodity MSFT

2026-01-01 open Assets:Bank:USD USD

2026-11-26 price AAPL 232.48 USD
"""

CONFIG = """
as-of = 2026-11-27
"""


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)
    return write_books(tmp_path, {"main.beancount": BOOKS, "backoffice.toml": CONFIG})


def prices(runner: CliRunner, books: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, ["--books", str(books), "prices", *args])
    return result.exit_code, result.stdout, result.stderr


def test_latest_then_again(runner: CliRunner, books: Path) -> None:
    """The latest prices are the 27th's; the second source answers for EUR; the file
    is created and included; fetching again adds nothing."""
    code, out, err = prices(runner, books)
    assert (code, err) == (0, "")
    written = (
        "2026-11-27 price AAPL 233.12 USD\n"
        '  source: "tests.price_source/AAPL"\n'
        '  source-ref: "tests.price_source/AAPL/2026-11-27"\n'
        "\n"
        "2026-11-27 price EUR 1.0764 USD\n"
        '  source: "tests.price_source/EURUSD"\n'
        '  source-ref: "tests.price_source/EURUSD/2026-11-27"\n'
    )
    assert out == written + "2 new price(s), 0 already in the books; written to prices.beancount\n"
    assert (books.parent / "prices.beancount").read_text(encoding="utf-8") == "\n" + written
    assert books.read_text(encoding="utf-8").endswith('include "prices.beancount"\n')
    before = snapshot(books.parent)
    code, out, _ = prices(runner, books)
    assert (code, out) == (
        0,
        "0 new price(s), 2 already in the books; written to prices.beancount\n",
    )
    assert snapshot(books.parent) == before
    check = runner.invoke(main, ["--books", str(books), "check"])
    assert check.exit_code == 0, check.output


def test_a_day_the_books_price_already(runner: CliRunner, books: Path) -> None:
    """On the 26th the books hold AAPL's price (from a statement, say): only EUR's."""
    code, out, _ = prices(runner, books, "--date", "2026-11-26", "--dry-run")
    assert code == 0
    assert out == (
        "2026-11-26 price EUR 1.0751 USD\n"
        '  source: "tests.price_source/EURUSD"\n'
        '  source-ref: "tests.price_source/EURUSD/2026-11-26"\n'
        "1 new price(s), 1 already in the books; nothing written (dry run)\n"
    )
    assert not (books.parent / "prices.beancount").exists()


def test_a_failing_source_writes_nothing(runner: CliRunner, books: Path) -> None:
    main_text = books.read_text(encoding="utf-8")
    books.write_text(
        main_text.replace(
            "2026-01-01 commodity MSFT",
            '2026-01-01 commodity MSFT\n  price: "USD:tests.price_source/DOWN"',
        ),
        encoding="utf-8",
    )
    before = snapshot(books.parent)
    code, out, err = prices(runner, books)
    assert code == 1
    assert out == ""
    assert err.endswith(
        "main.beancount:7: MSFT: no price: tests.price_source/DOWN: "
        "ConnectionError: connection refused\nnothing written\n"
    )
    assert snapshot(books.parent) == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yahoo/AAPL", "price source 'yahoo/AAPL' is not <CURRENCY>:<source>/<ticker>"),
        ("USD:tests.no_such_source/AAPL", "no price source tests.no_such_source"),
    ],
)
def test_bad_sources_are_usage_errors(
    runner: CliRunner, books: Path, value: str, message: str
) -> None:
    text = books.read_text(encoding="utf-8").replace("USD:tests.price_source/AAPL", value)
    books.write_text(text, encoding="utf-8")
    code, _, err = prices(runner, books)
    assert code == 2
    assert "commodity AAPL: " in err and message in err

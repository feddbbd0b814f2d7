"""ECB and Federal Reserve H.10 reference rate files: the rates of the books'
currencies become price directives, once; bad values are refused with where they are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import REPO, snapshot

RATES = REPO / "tests" / "data" / "rates"


def imported(runner: CliRunner, books: Path, name: str, text: str | None = None) -> tuple[int, str]:
    document = books.parent.parent / name
    if text is None:
        shutil.copyfile(RATES / name, document)
    else:
        document.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["--books", str(books), "import", str(document)])
    return result.exit_code, result.output


def written(books: Path) -> list[str]:
    """The price lines in the books' November files (the demo books are in USD and EUR)."""
    lines = []
    for path in sorted((books.parent / "2026" / "11").glob("*.beancount")):
        text = path.read_text(encoding="utf-8")
        lines += [line for line in text.splitlines() if " price " in line]
        lines += [line.strip() for line in text.splitlines() if 'source-ref: "ecb/' in line]
        lines += [line.strip() for line in text.splitlines() if 'source-ref: "fed-h10/' in line]
    return lines


def test_ecb_daily_then_history_adds_only_new_days(runner: CliRunner, demo_books: Path) -> None:
    """Of the ECB's thirty rates only the books' currencies are written (the demo's
    are USD and EUR); the history file brings the two days before and nothing twice."""
    code, output = imported(runner, demo_books, "eurofxref-daily.xml")
    assert code == 0, output
    assert written(demo_books) == [
        "2026-11-27 price EUR                                1.0560 USD",
        'source-ref: "ecb/2026-11-27/EUR/USD"',
    ]
    code, output = imported(runner, demo_books, "eurofxref-hist.csv")
    assert code == 0, output
    assert "1 duplicate(s)" in output
    assert written(demo_books) == [
        "2026-11-27 price EUR                                1.0560 USD",
        "2026-11-25 price EUR                                1.0522 USD",
        "2026-11-26 price EUR                                1.0541 USD",
        'source-ref: "ecb/2026-11-27/EUR/USD"',
        'source-ref: "ecb/2026-11-25/EUR/USD"',
        'source-ref: "ecb/2026-11-26/EUR/USD"',
    ]


@pytest.mark.parametrize("name", ["FRB_H10.csv", "H10_data.xml"])
def test_fed_h10_usd_per_euro(runner: CliRunner, demo_books: Path, name: str) -> None:
    """RXI$US_N.B.EU is US dollars per euro; the yen and the index are not the
    books'; the Thanksgiving row (ND) has no rate."""
    code, output = imported(runner, demo_books, name)
    assert code == 0, output
    assert written(demo_books) == [
        "2026-11-25 price EUR                                1.0525 USD",
        "2026-11-27 price EUR                                1.0558 USD",
        'source-ref: "fed-h10/2026-11-25/EUR/USD"',
        'source-ref: "fed-h10/2026-11-27/EUR/USD"',
    ]


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        (
            "eurofxref.csv",
            "Date, USD, GBP, \n27 November 2026, 1.0560, -0.8, \n",
            "eurofxref.csv:2",
            "a rate must be a positive number (got '-0.8')",
        ),
        (
            "eurofxref-hist.csv",
            "Date,USD,\n2026-11-31,1.0560,\n",
            "eurofxref-hist.csv:2",
            "not a date (got '2026-11-31')",
        ),
        (
            "FRB_H10.csv",
            (RATES / "FRB_H10.csv").read_text(encoding="utf-8").replace("1.0558", "1.O558"),
            "FRB_H10.csv:9",
            "a rate must be a positive number",
        ),
    ],
)
def test_bad_values_are_refused(
    runner: CliRunner, demo_books: Path, name: str, text: str, where: str, message: str
) -> None:
    before = snapshot(demo_books.parent)
    code, output = imported(runner, demo_books, name, text)
    assert code == 1
    assert f"{where}: {message}" in output
    assert snapshot(demo_books.parent) == before

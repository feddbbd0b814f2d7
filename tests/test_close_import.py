"""Imports into a sealed period: refused, or with --adjust booked in the open period."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.amount import Amount
from beangulp import Importer
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from ledger.close.sealed_periods import SealedPeriodError, sealed_periods
from ledger.config import Config, load_config
from ledger.imports.pipeline import run_import
from ledger.imports.result import ImportErrors
from tests.conftest import snapshot
from tests.test_close import books as books  # the fixture, re-exported for pytest

ACCOUNT = "Assets:Bank:FirstHarbor:USD"


class FeeLines(Importer):  # type: ignore[misc]  # beangulp is untyped
    """``date,amount,ref`` lines: bank fees, one transaction each."""

    def identify(self, filepath: str) -> bool:
        return filepath.endswith(".fees")

    def account(self, filepath: str) -> str:
        return ACCOUNT

    def extract(self, filepath: str, existing: Sequence[data.Directive]) -> list[data.Directive]:
        entries: list[data.Directive] = []
        for lineno, line in enumerate(Path(filepath).read_text().splitlines(), 1):
            day, amount, ref = line.split(",")
            meta = data.new_metadata(filepath, lineno, {"source-ref": ref})
            fee = Amount(Decimal(amount), "USD")
            entries.append(
                data.Transaction(
                    meta,
                    datetime.date.fromisoformat(day),
                    "*",
                    "First Harbor",
                    "Wire fee",
                    frozenset(),
                    frozenset(),
                    [
                        data.Posting("Expenses:Fees:Bank", fee, None, None, None, None),
                        data.Posting(ACCOUNT, -fee, None, None, None, None),
                    ],
                )
            )
        return entries


def fee_importers(config: Config) -> Sequence[Importer]:
    return [FeeLines()]


@pytest.fixture
def sealed_books(books: Path, tmp_path: Path) -> tuple[Path, Path]:
    result = CliRunner().invoke(main, ["--books", str(books), "close", "2026-10"])
    assert result.exit_code == 0, result.output
    late = tmp_path / "late.fees"
    late.write_text("2026-10-30,15.00,FH-9\n2026-11-05,3.00,FH-10\n")
    return books, late


def test_import_into_a_sealed_period_is_refused_and_writes_nothing(
    sealed_books: tuple[Path, Path],
) -> None:
    main_file, late = sealed_books
    before = snapshot(main_file.parent)
    with pytest.raises(ImportErrors) as caught:
        run_import(main_file, load_config(main_file), [late], importers_factory=fee_importers)
    assert [str(failure) for failure in caught.value.failures] == [
        f"{late}:FH-9: transaction dated 2026-10-30 falls in period 2026-10, sealed by "
        "closes.beancount:3; the books are open from 2026-11-01: import it with --adjust to "
        "book it there with original-date (a prior-period adjustment)"
    ]
    assert snapshot(main_file.parent) == before


def test_adjust_books_late_items_in_the_open_period(sealed_books: tuple[Path, Path]) -> None:
    main_file, late = sealed_books
    run_import(
        main_file, load_config(main_file), [late], adjust=True, importers_factory=fee_importers
    )
    books = load(main_file)
    assert books.errors == []
    fees = [
        (entry.date, entry.meta.get("original-date"), entry.meta["source-ref"])
        for entry in books.entries
        if isinstance(entry, data.Transaction) and entry.narration == "Wire fee"
    ]
    assert fees == [
        (datetime.date(2026, 11, 1), datetime.date(2026, 10, 30), "FH-9"),
        (datetime.date(2026, 11, 5), None, "FH-10"),
    ]


def test_sealed_periods_api(sealed_books: tuple[Path, Path]) -> None:
    main_file, _ = sealed_books
    sealed = sealed_periods(load(main_file).entries)
    assert sealed.last_end == datetime.date(2026, 10, 31)
    assert sealed.open_from == datetime.date(2026, 11, 1)
    sealed.check_not_sealed(datetime.date(2026, 11, 1))
    with pytest.raises(SealedPeriodError, match="falls in period 2026-10"):
        sealed.check_not_sealed(datetime.date(2026, 1, 1))

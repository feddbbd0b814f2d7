"""Importers decide from the bytes, whatever the file is called (issue 15.3); a file
no importer claims is refused with what its content looked like; a file name or a
field too long is handled without a traceback (15.6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from importers.registry import importers_for
from ledger.cli import main
from ledger.config import load_config
from tests.conftest import REPO, snapshot
from tests.test_import_first_statement import books, invoke  # noqa: F401  # fixture

DATA = REPO / "tests" / "data"


@pytest.mark.parametrize(
    ("source", "name", "importer"),
    [
        ("third_party/mt940/mt940js-test2.mt940x", "statement", "bank.mt940"),
        ("third_party/ofx/ofxparse-checking.ofx", "checking.txt", "bank.ofx"),
        ("third_party/ofx/ofxstatement-ofx_spec201_stmtrs_example.xml", "spec.xml", "bank.ofx"),
        ("third_party/camt/fints-camt052-001-08.xml", "report.dat", "bank.camt"),
        ("trades/alphasec.ofx", "alphasec.qfx.download", "trades.ofx"),
    ],
)
def test_identified_by_content(source: str, name: str, importer: str, tmp_path: Path) -> None:
    path = tmp_path / name
    shutil.copyfile(DATA / source, path)
    config = load_config(DATA / "trades" / "main.beancount")
    claimed = [imp.name for imp in importers_for(config) if imp.identify(str(path))]
    assert claimed == [importer]


def test_an_unclaimed_file_says_what_it_looked_like(books: Path, tmp_path: Path) -> None:  # noqa: F811
    fragment = tmp_path / "fragment.sta"
    fragment.write_text(":60F:C100318EUR380115,12\n", encoding="ascii")
    result = invoke(books, "import", fragment)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{fragment}: no importer recognises this file (it starts with "
        "':60F:C100318EUR380115,12': SWIFT fields, but no statement (:20:, :25: and "
        "balances)); the importers are: "
    )


def test_a_file_name_too_long_to_archive_as_is(books: Path, tmp_path: Path) -> None:  # noqa: F811
    """A 240-character name plus the date prefix would pass the file system's limit:
    the archive keeps its start, a hash of the whole name and the suffix."""
    name = "s" * 240 + ".sta"
    shutil.copyfile(DATA / "third_party" / "mt940" / "jejik-sns.sta", tmp_path / name)

    result = invoke(books, "import", "--create-accounts", "--json", tmp_path / name)

    assert result.exit_code == 0, result.output
    (archived,) = (books / "documents").rglob("*.sta")
    assert archived.name == "2012-06-09." + "s" * 167 + "~e5e59b986ad77740.sta"


def test_a_csv_field_over_the_csv_modules_limit_is_refused(
    demo_books: Path, tmp_path: Path
) -> None:
    """Not a traceback: the blotter reader lets the csv module's error through."""
    rows = (REPO / "books" / "inbox" / "alphasec-blotter.csv").read_text(encoding="utf-8")
    header, first, rest = rows.split("\n", 2)
    blotter = tmp_path / "alphasec-blotter.csv"
    blotter.write_text(f"{header}\n{first[:10]}{'X' * 200_000}{first[10:]}\n{rest}", "utf-8")
    before = snapshot(demo_books.parent)

    result = CliRunner().invoke(main, ["--books", str(demo_books), "import", str(blotter)])

    assert result.exit_code == 1
    assert result.stderr == (
        f"{blotter}:2: not valid CSV: field larger than field limit (131072); check "
        "'delimiter' and 'quote' in [trades.blotter] of backoffice.toml\n"
        "1 error(s); nothing was written\n"
    )
    assert snapshot(demo_books.parent) == before

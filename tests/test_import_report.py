"""``imports_report``: per archived document what it added, and the lines in suspense."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from ledger.cli_output import json_value
from ledger.config import load_config
from ledger.imports.report import imports_report
from tests.test_import_pipeline import BANK_FILES, INBOX, run_import


def test_report_lists_documents_and_suspense(demo_books: Path) -> None:
    assert run_import(demo_books, *BANK_FILES).exit_code == 0
    books = load(demo_books)
    report = imports_report(books, load_config(demo_books), datetime.date(2026, 11, 27))
    assert [
        (row["source"], row["accounts"], row["transactions"], row["balances"], row["suspense"])
        for row in report["documents"]
    ] == [
        (
            "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940",
            ["Assets:Bank:FirstHarbor:USD"],
            4,
            2,
            0,
        ),
        (
            "documents/Assets/Bank/FirstHarbor/USD/2026-11-26.firstharbor-2026-11.xml",
            ["Assets:Bank:FirstHarbor:USD"],
            4,
            2,
            1,
        ),
        (
            "documents/Assets/Bank/FirstHarbor/USD/2026-11-27.firstharbor-2026-11-27.mt942",
            ["Assets:Bank:FirstHarbor:USD"],
            1,
            0,
            0,
        ),
        (
            "documents/Assets/Bank/Rheinbank/EUR/2026-10-31.rheinbank-2026-10.xml",
            ["Assets:Bank:Rheinbank:EUR"],
            5,
            2,
            0,
        ),
        (
            "documents/Assets/Bank/Rheinbank/EUR/2026-11-14.rheinbank-2026-11-a.ofx",
            ["Assets:Bank:Rheinbank:EUR"],
            2,
            1,
            0,
        ),
        (
            "documents/Assets/Bank/Rheinbank/EUR/2026-11-25.rheinbank-2026-11-b.csv",
            ["Assets:Bank:Rheinbank:EUR"],
            2,
            2,
            0,
        ),
    ]
    assert all(row["archived"] and len(row["sha256"]) == 64 for row in report["documents"])
    assert report["suspense"] == [
        {
            "date": datetime.date(2026, 11, 24),
            "account": "Assets:Bank:FirstHarbor:USD",
            "amount": Decimal("12500.00"),
            "currency": "USD",
            "payee": "GLOBAL PARTNERS LLC",
            "narration": "INV-2026-1187",
            "source": "documents/Assets/Bank/FirstHarbor/USD/2026-11-26.firstharbor-2026-11.xml",
            "source_ref": "FH2611240009",
            "age_days": 3,
        }
    ]
    assert report["totals"] == {"documents": 6, "transactions": 18, "suspense": 1}
    earlier = imports_report(books, load_config(demo_books), datetime.date(2026, 10, 31))
    assert earlier["totals"] == {"documents": 2, "transactions": 9, "suspense": 0}


def test_imports_command_prints_the_report_the_imports_page_serves(demo_books: Path) -> None:
    assert run_import(demo_books, *BANK_FILES).exit_code == 0
    as_of = datetime.date(2026, 11, 20)
    report = imports_report(load(demo_books), load_config(demo_books), as_of)
    args = ["--books", str(demo_books), "imports", "--as-of", "2026-11-20"]
    printed = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert printed.exit_code == 0, printed.output
    assert printed.output == json.dumps(report, indent=2, sort_keys=True, default=json_value) + "\n"
    table = CliRunner().invoke(main, args, catch_exceptions=False)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert len(lines) == len(report["documents"]) + len(report["suspense"]) + 1
    assert lines[0] == (
        "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940  "
        "2026-10-05..2026-11-01  Assets:Bank:FirstHarbor:USD: 4 transaction(s), "
        "2 balance(s), 0 in suspense"
    )
    assert lines[-1] == (
        f"{len(report['documents'])} document(s), {report['totals']['transactions']} "
        "transaction(s), 0 line(s) in suspense; as of 2026-11-20"
    )


def test_a_price_file_is_listed_under_the_account_it_is_archived_under(demo_books: Path) -> None:
    """A price names no account: the vendor's closing prices and the ECB's rates are
    listed under the account whose folder archives them, with the prices they wrote."""
    files = [INBOX / "closing-prices-2026-11-27.csv", INBOX / "eurofxref-hist-90d.xml"]
    imported = run_import(demo_books, *files)
    assert imported.exit_code == 0, imported.output
    assert imported.output.splitlines()[:2] == [
        f"{files[0]}: prices.csv.closing -> Assets:Custody:Custodia:Securities: "
        "0 transaction(s) (0 to suspense), 0 balance(s), 6 price(s), 0 duplicate(s)",
        f"{files[1]}: prices.fx-rates -> Assets:Custody:Custodia:Securities: "
        "0 transaction(s) (0 to suspense), 0 balance(s), 65 price(s), 0 duplicate(s)",
    ]
    report = imports_report(load(demo_books), load_config(demo_books), datetime.date(2026, 11, 27))
    folder = "documents/Assets/Custody/Custodia/Securities"
    assert [
        (row["source"], row["accounts"], row["first_date"], row["transactions"], row["prices"])
        for row in report["documents"]
    ] == [
        (
            f"{folder}/2026-11-27.closing-prices-2026-11-27.csv",
            ["Assets:Custody:Custodia:Securities"],
            datetime.date(2026, 11, 27),
            0,
            6,
        ),
        (
            f"{folder}/2026-11-27.eurofxref-hist-90d.xml",
            ["Assets:Custody:Custodia:Securities"],
            datetime.date(2026, 8, 31),
            0,
            65,
        ),
    ]
    table = CliRunner().invoke(main, ["--books", str(demo_books), "imports"])
    assert table.output.splitlines()[0] == (
        f"{folder}/2026-11-27.closing-prices-2026-11-27.csv  2026-11-27..2026-11-27  "
        "Assets:Custody:Custodia:Securities: 0 transaction(s), 0 balance(s), 6 price(s), "
        "0 in suspense"
    )

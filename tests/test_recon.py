"""Statement reconciliation scenarios: each a small ledger whose statement balance
disagrees with the books, and the candidate the reconciler must rank first."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.books import Books
from ledger.cli import main
from ledger.config import Config, parse_config
from ledger.recon.report import recon_report
from tests.conftest import write_books
from tests.test_match import XYZ_TRADE


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


BANK = """
    option "operating_currency" "USD"
    2026-01-01 open Assets:Bank:FirstHarbor:USD  USD
    2026-01-01 open Assets:Suspense
    2026-01-01 open Expenses:Fees:Bank
    2026-01-01 open Income:Interest
    2026-01-01 open Income:Sales
    2026-01-01 open Equity:Opening

    2026-10-01 * "Opening balance"
      Assets:Bank:FirstHarbor:USD   10000.00 USD
      Equity:Opening

    2026-10-31 * "First Harbor" "Account maintenance fee"
      Assets:Bank:FirstHarbor:USD     -15.00 USD
      Expenses:Fees:Bank

    2026-11-01 balance Assets:Bank:FirstHarbor:USD   9985.00 USD
"""


def rows(books: Books, as_of: str = "2026-11-30") -> list[dict[str, Any]]:
    report = recon_report(books, Config(), datetime.date.fromisoformat(as_of))
    return [
        {
            **row,
            "file": None,
            "history": None,  # test_history_kinds_and_stale_statements
            "candidates": [
                (c["kind"], c["explains"], c["whole"], c["line"]) for c in row["candidates"]
            ],
        }
        for row in report["accounts"]
    ]


def bank_row(statement: str, books: str, difference: str, candidates: list[Any]) -> dict[str, Any]:
    return {
        "account": "Assets:Bank:FirstHarbor:USD",
        "currency": "USD",
        "statement_date": "2026-11-30",
        "statement_balance": statement,
        "books_balance": books,
        "custody_adjustment": None,
        "adjusted_for": None,
        "difference": difference,
        "status": "difference",
        "kind": "hand-written",
        "listed": True,
        "source": None,
        "file": None,
        "line": None,
        "last_statement": None,
        "statement_age": None,
        "stale": False,
        "history": None,
        "candidates": candidates,
        "break": None,
        "resolves": [],
    }


def check(found: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    (row,) = found
    assert row["break"]["id"].startswith("B-")
    assert (row["break"]["status"], row["break"]["resolution"]) == ("new", None)
    assert {**row, "break": None, "line": None} == expected


def test_timing_difference(ledger: Callable[..., Books]) -> None:
    books = ledger(
        BANK
        + """
    2026-12-01 * "Client" "Invoice 1104"
      value-date: 2026-11-30
      Assets:Bank:FirstHarbor:USD     500.00 USD
      Income:Sales

    2026-12-01 balance Assets:Bank:FirstHarbor:USD  10485.00 USD
    """
    )
    check(
        rows(books),
        bank_row("10485.00", "9985.00", "500.00", [("after-statement-date", "500.00", True, 19)]),
    )


def test_missing_bank_fee(ledger: Callable[..., Books]) -> None:
    books = ledger(
        BANK
        + """
    2026-11-20 * "Client" "Invoice 1103"
      Assets:Bank:FirstHarbor:USD     700.00 USD
      Income:Sales

    2026-12-01 balance Assets:Bank:FirstHarbor:USD  10670.00 USD
    """
    )
    check(
        rows(books),
        bank_row("10670.00", "10685.00", "-15.00", [("recurring-item", "-15.00", True, 13)]),
    )


def test_duplicate_import(ledger: Callable[..., Books]) -> None:
    books = ledger(
        BANK
        + """
    2026-11-30 * "First Harbor" "Interest November"
      source-ref: "FH-20261130-0007"
      Assets:Bank:FirstHarbor:USD      12.34 USD
      Income:Interest

    2026-11-30 * "First Harbor" "Interest November"
      source-ref: "FH-20261130-0007"
      Assets:Bank:FirstHarbor:USD      12.34 USD
      Income:Interest

    2026-12-01 balance Assets:Bank:FirstHarbor:USD   9997.34 USD
    """
    )
    check(
        rows(books),
        bank_row("9997.34", "10009.68", "-12.34", [("duplicate", "-12.34", True, 24)]),
    )


def test_wrong_amount(ledger: Callable[..., Books]) -> None:
    books = ledger(
        BANK
        + """
    2026-11-12 * "Client" "Invoice 1102"
      Assets:Bank:FirstHarbor:USD    1250.00 USD
      Income:Sales

    2026-11-20 * "Unknown" "RTN 88127"
      Assets:Bank:FirstHarbor:USD      -3.10 USD
      Assets:Suspense

    2026-12-01 balance Assets:Bank:FirstHarbor:USD  11501.90 USD
    """
    )
    check(
        rows(books),
        bank_row(
            "11501.90",
            "11231.90",
            "270.00",
            [("transposed-digits", "270.00", True, 19), ("suspense", "-3.10", False, 23)],
        ),
    )


CUSTODY = (
    """
    option "operating_currency" "USD"
    2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
    2026-01-01 open Assets:Custody:Custodia:Cash:USD  USD
    2026-01-01 open Assets:Unsettled:AlphaSec
    2026-01-01 open Expenses:Commissions
    2026-01-01 open Equity:Opening
    2026-01-01 commodity XYZ
      isin: "US8522341036"
      asset-class: "equity"
      market: "XNYS"

    2026-10-01 * "Opening"
      Assets:Custody:Custodia:Securities   500 XYZ {55.00 USD}
      Equity:Opening

"""
    + XYZ_TRADE
    + """
"""
)
MT535 = """
    ; MT535 of 2026-11-24: the 1,000 bought today are not delivered yet.
    2026-11-25 balance Assets:Custody:Custodia:Securities   500 XYZ
      source: "inbox/custodia-mt535-20261124.txt"
      pending-quantity: 1000
"""


def test_custody_position_off_by_a_pending_delivery(ledger: Callable[..., Books]) -> None:
    config = '[settlement]\npolicy = "trade-date"\n[counterparties.AlphaSec]\n'
    books = ledger(CUSTODY + MT535, config=config)
    settings = parse_config(config, Path("backoffice.toml"))
    report = recon_report(books, settings, datetime.date(2026, 11, 24))
    (row,) = report["accounts"]
    assert (row["account"], row["currency"], row["statement_date"]) == (
        "Assets:Custody:Custodia:Securities",
        "XYZ",
        "2026-11-24",
    )
    assert (row["statement_balance"], row["books_balance"], row["difference"]) == (
        "500",
        "1500",
        "-1000",
    )
    assert row["source"] == "inbox/custodia-mt535-20261124.txt"
    assert [
        (c["kind"], c["explains"], c["whole"], c["link"], c["description"])
        for c in row["candidates"]
    ] == [
        (
            "unsettled-trade",
            "-1000",
            True,
            "trade-GA-20261124-001",
            "trade GA-20261124-001 (AlphaSec, S 2026-11-25, pending): buy of 1000 XYZ in "
            "the books, not yet delivered",
        ),
        (
            "pending-at-custodian",
            "-1000",
            True,
            None,
            "the statement reports 1000 XYZ pending settlement",
        ),
    ]


def test_reconciled_and_no_statement_rows(ledger: Callable[..., Books]) -> None:
    books = ledger(BANK)
    config = parse_config(
        '[[statement-accounts]]\nid = "DE89370400440532013000"\n'
        'account = "Assets:Bank:Rheinbank:EUR"\ncurrency = "EUR"\n',
        Path("backoffice.toml"),
    )
    report = recon_report(books, config, datetime.date(2026, 11, 30))
    assert [(r["account"], r["status"], r["difference"]) for r in report["accounts"]] == [
        ("Assets:Bank:FirstHarbor:USD", "reconciled", "0.00"),
        ("Assets:Bank:Rheinbank:EUR", "no-statement", None),
    ]
    assert report["summary"] == {"reconciled": 1, "difference": 0, "no-statement": 1, "stale": 0}


def test_recon_command_writes_the_break_once(tmp_path: Path, runner: CliRunner) -> None:
    path = write_books(
        tmp_path,
        {
            "main.beancount": BANK
            + "\n2026-12-01 balance Assets:Bank:FirstHarbor:USD  9970.00 USD\n",
            "backoffice.toml": "as-of = 2026-11-30\n",
        },
    )
    result = runner.invoke(main, ["--books", str(path), "recon", "--json"])
    assert result.exit_code == 1
    (row,) = json.loads(result.output)["accounts"]
    assert row["break"]["status"] == "new"
    text = (tmp_path / "breaks.beancount").read_text()
    assert text.split("\n\n", 1)[1] == (
        f'2026-11-30 custom "break" "{row["break"]["id"]}" "statement-difference"\n'
        '  account: "Assets:Bank:FirstHarbor:USD"\n'
        '  description: "Assets:Bank:FirstHarbor:USD: statement of 2026-11-30 says 9970.00 '
        'USD, the books 9985.00 USD (difference -15.00 USD)"\n'
        "  amount: -15.00 USD\n"
    )
    again = runner.invoke(main, ["--books", str(path), "recon"])
    assert again.exit_code == 1
    assert f"break {row['break']['id']}: open" in again.output
    assert (tmp_path / "breaks.beancount").read_text() == text

    # The missing fee gets booked: the next run reconciles and resolves the break.
    with (tmp_path / "main.beancount").open("a") as books_file:
        books_file.write(
            '\n2026-11-30 * "First Harbor" "Account maintenance fee"\n'
            "  Assets:Bank:FirstHarbor:USD  -15.00 USD\n"
            "  Expenses:Fees:Bank\n"
        )
    fixed = runner.invoke(main, ["--books", str(path), "recon", "--as-of", "2026-12-01"])
    assert fixed.exit_code == 0, fixed.output
    assert f"resolves break {row['break']['id']}" in fixed.output
    assert (tmp_path / "breaks.beancount").read_text() == (
        text + "\n" + f'2026-12-01 custom "break-resolved" "{row["break"]["id"]}" '
        '"the statement of 2026-11-30 reconciles"\n'
    )


def test_custody_position_the_statement_does_not_list(ledger: Callable[..., Books]) -> None:
    # The custodian holds no XYZ yet (the opening 500 were delivered out), so its MT535
    # lists only AAPL; the books hold 1,000 XYZ since the trade date.
    config = '[settlement]\npolicy = "trade-date"\n[counterparties.AlphaSec]\n'
    books = ledger(
        CUSTODY.replace("500 XYZ {55.00 USD}", "300 AAPL {200.00 USD}")
        + """
    2026-11-25 balance Assets:Custody:Custodia:Securities   300 AAPL
      source: "inbox/custodia-mt535-20261124.txt"
      pending-quantity: 25
    """,
        config=config,
    )
    report = recon_report(books, parse_config(config, Path("x.toml")), datetime.date(2026, 11, 24))
    assert [
        (r["currency"], r["status"], r["listed"], r["statement_balance"], r["books_balance"])
        for r in report["accounts"]
    ] == [
        ("AAPL", "reconciled", True, "300", "300"),
        ("XYZ", "difference", False, "0", "1000"),
    ]
    assert [
        (c["kind"], c["explains"], c["whole"]) for c in report["accounts"][1]["candidates"]
    ] == [
        ("unsettled-trade", "-1000", True),
    ]


def test_history_kinds_and_stale_statements(ledger: Callable[..., Books]) -> None:
    """Every balance against the books, hand-written told from a statement's; the
    latest statement older than ``[recon] stale-after-days`` is stale."""
    books = ledger(
        BANK
        + """
    2026-11-10 * "Client" "Invoice 1104"
      Assets:Bank:FirstHarbor:USD     500.00 USD
      Income:Sales

    2026-11-21 balance Assets:Bank:FirstHarbor:USD  10485.00 USD
      source: "documents/Assets/Bank/FirstHarbor/USD/2026-11-20.fh.mt940"
      source-ref: "FH/2026-11-20"

    2026-11-25 balance Assets:Bank:FirstHarbor:USD  10485.00 USD
    """
    )
    report = recon_report(books, Config(), datetime.date(2026, 11, 30))
    (row,) = report["accounts"]
    history = [
        (h["statement_date"], h["statement_balance"], h["books_balance"], h["kind"], h["source"])
        for h in row["history"]
    ]
    assert history == [
        ("2026-10-31", "9985.00", "9985.00", "hand-written", None),
        (
            "2026-11-20",
            "10485.00",
            "10485.00",
            "statement",
            "documents/Assets/Bank/FirstHarbor/USD/2026-11-20.fh.mt940",
        ),
        ("2026-11-24", "10485.00", "10485.00", "hand-written", None),
    ]
    assert (row["kind"], row["last_statement"], row["statement_age"]) == (
        "hand-written",
        "2026-11-20",
        10,
    )
    assert row["stale"] is True  # 10 days > 7, the default
    assert report["summary"]["stale"] == 1
    lenient = Config.model_validate({"recon": {"stale-after-days": 10}})
    assert (
        recon_report(books, lenient, datetime.date(2026, 11, 30))["accounts"][0]["stale"] is False
    )

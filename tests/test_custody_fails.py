"""Custodia's statement of holdings while the demo's MSFT sale fails.

The demo's sale of 300 MSFT to AlphaSec (GA-20261119-001, S 2026-11-20) is not
delivered by 2026-11-27. Under the contractual (``settlement-date``) policy the
books hold 1,600 MSFT from S on; Custodia still holds 1,900. Its MT535 of
2026-11-27 (``tests/data/custody/mt535-2026-11-27.txt``) is a valid statement:
the import asserts the books' 1,600 and keeps Custodia's 1,900 and the fail it
was adjusted for; a quantity the fail does not explain is refused as before.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from ledger.config import load_config
from ledger.imports.pipeline import run_import
from ledger.records.custody import custody_differences, explained
from tests.conftest import DEMO_BOOKS, REPO, write_books
from tests.records_books import records_books

MT535 = REPO / "tests" / "data" / "custody" / "mt535-2026-11-27.txt"
MT535_DEMO = "custodia-mt535-2026-11-27.txt"
RECON_KEYS = (
    "statement_date",
    "statement_balance",
    "books_balance",
    "custody_adjustment",
    "adjusted_for",
    "difference",
    "status",
    "candidates",
)
SECURITIES = "2026/11/assets-custody-custodia-securities.beancount"


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def demo_after_inbox(tmp_path: Path, policy: str = "settlement-date") -> Path:
    """A copy of the demo books with their inbox imported; returns main.beancount."""
    books = tmp_path / "books"
    shutil.copytree(DEMO_BOOKS, books)
    toml = books / "backoffice.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('policy = "settlement-date"', f'policy = "{policy}"'), encoding="utf-8"
    )
    main_file = books / "main.beancount"
    # the demo's own MT535 of 2026-11-27 is the statement these tests import
    inbox = sorted(p for p in (books / "inbox").iterdir() if p.is_file() and p.name != MT535_DEMO)
    run_import(main_file, load_config(main_file), inbox)
    return main_file


def statement(tmp_path: Path, msft: int) -> Path:
    """The MT535 of 2026-11-27 with Custodia's MSFT quantity set to ``msft``."""
    text = MT535.read_text(encoding="latin-1").replace("UNIT/1900,", f"UNIT/{msft},")
    path = tmp_path / "custodia-mt535-2026-11-27.txt"
    path.write_text(text, encoding="latin-1")
    return path


def balance_block(main_file: Path, security: str) -> str:
    """The text of the 2026-11-28 balance of ``security`` in the securities journal."""
    text = (main_file.parent / SECURITIES).read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if "2026-11-28 balance" in b and f" {security}\n" in b]
    assert len(blocks) == 1, blocks
    return blocks[0].strip() + "\n"


def test_mt535_with_the_failed_msft_is_imported_as_the_books_quantity(tmp_path: Path) -> None:
    main_file = demo_after_inbox(tmp_path)
    result = CliRunner().invoke(main, ["--books", str(main_file), "import", str(MT535)])
    assert result.exit_code == 0, result.output
    assert balance_block(main_file, "MSFT") == (
        "2026-11-28 balance Assets:Custody:Custodia:Securities              1600 MSFT\n"
        '  source: "documents/Assets/Custody/Custodia/Securities/'
        '2026-11-28.mt535-2026-11-27.txt"\n'
        '  source-ref: "CUS535261127/GAISAFE001/MSFT"\n'
        '  source-sha256: "a17a55c912af528ca868e81f1327c8e7292f3ff093546893e9839f1a2f1f3ae9"\n'
        "  custodian-quantity: 1900\n"
        '  adjusted-for: "GA-20261119-001 (fail to deliver 300 MSFT to AlphaSec, '
        'due 2026-11-20: +300)"\n'
    )
    # a security without a fail is asserted as the custodian states it
    assert "2026-11-28 balance Assets:Custody:Custodia:Securities              1000 XYZ\n" in (
        balance_block(main_file, "XYZ")
    )
    assert "custodian-quantity" not in balance_block(main_file, "XYZ")
    assert load(main_file).errors == []


def test_a_difference_the_fail_does_not_explain_is_refused(tmp_path: Path) -> None:
    main_file = demo_after_inbox(tmp_path)
    before = (main_file.parent / SECURITIES).read_bytes()
    result = CliRunner().invoke(
        main, ["--books", str(main_file), "import", str(statement(tmp_path, 1850))]
    )
    assert result.exit_code == 1
    assert (
        "custodia-mt535-2026-11-27.txt:23: the statement says Assets:Custody:Custodia:Securities "
        "holds 1850 MSFT, 1550 MSFT in the books' terms after the trades GA-20261119-001 "
        "(fail to deliver 300 MSFT to AlphaSec, due 2026-11-20: +300), at the start of "
        "2026-11-28; the books with this import hold 1600 MSFT (difference -50 MSFT)"
    ) in result.output
    assert (main_file.parent / SECURITIES).read_bytes() == before


def test_under_the_actual_policy_nothing_is_adjusted(tmp_path: Path) -> None:
    """The failed sale is pending in the books (dated after the as-of date): they
    hold Custodia's 1,900, asserted as it is."""
    main_file = demo_after_inbox(tmp_path, "actual")
    result = CliRunner().invoke(main, ["--books", str(main_file), "import", str(MT535)])
    assert result.exit_code == 0, result.output
    block = balance_block(main_file, "MSFT")
    assert block.startswith(
        "2026-11-28 balance Assets:Custody:Custodia:Securities              1900 MSFT\n"
    )
    assert "custodian-quantity" not in block
    assert load(main_file).errors == []


def invoke_json(main_file: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--books", str(main_file), *args, "--json"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_recon_and_the_stock_record_compare_custodia_with_the_fail_added_back(
    tmp_path: Path,
) -> None:
    main_file = demo_after_inbox(tmp_path)
    result = CliRunner().invoke(main, ["--books", str(main_file), "import", str(MT535)])
    assert result.exit_code == 0, result.output
    recon = invoke_json(main_file, "recon", "--dry-run")
    (msft,) = [row for row in recon["accounts"] if row["currency"] == "MSFT"]
    assert {key: msft[key] for key in RECON_KEYS} == {
        "statement_date": "2026-11-27",
        "statement_balance": "1900",
        "books_balance": "1600",
        "custody_adjustment": "300",
        "adjusted_for": "GA-20261119-001 (fail to deliver 300 MSFT to AlphaSec, "
        "due 2026-11-20: +300)",
        "difference": "0",
        "status": "reconciled",
        "candidates": [],
    }
    securities = [r for r in recon["accounts"] if r["account"].endswith(":Securities")]
    assert {r["status"] for r in securities} == {"reconciled"}

    record = invoke_json(main_file, "stock-record")
    assert record["breaks"] == []
    (msft_record,) = [s for s in record["securities"] if s["security"] == "MSFT"]
    assert [
        (r["side"], r["kind"], r["location"], r["quantity"], r["trade_id"])
        for r in msft_record["locations"]
    ] == [
        ("long", "position", "firm", "1600", None),
        ("long", "fail-to-deliver", "AlphaSec", "300", "GA-20261119-001"),
        ("short", "custody", "Assets:Custody:Custodia:Securities", "1900", None),
    ]


def test_a_complete_custody_csv_of_holdings_reconciles(tmp_path: Path) -> None:
    """Custodia's CSV of 2026-11-27 listing every holding, MSFT at 1,900."""
    main_file = demo_after_inbox(tmp_path)
    holdings = [("US0378331005", 2000), ("US5949181045", 1900), ("US78462F1030", 3000)]
    holdings += [("DE0007164600", 1000), ("FR0000120271", 2400), ("US8522341036", 1000)]
    csv = tmp_path / "custodia-custody-holdings-2026-11-27.csv"
    csv.write_text(
        "Record Type,Safekeeping Account,Value Date,ISIN,Quantity,Custodian Ref,Client Ref,"
        "Direction,Settlement Amount,Currency,Pending Qty,Blocked Qty\n"
        + "".join(
            f"HOLDING,GAISAFE001,2026-11-27,{isin},{quantity},CUSH261127-{n},,,,,,\n"
            for n, (isin, quantity) in enumerate(holdings, 1)
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--books", str(main_file), "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert "custodian-quantity: 1900\n" in balance_block(main_file, "MSFT")
    recon = invoke_json(main_file, "recon", "--dry-run")
    securities = [r for r in recon["accounts"] if r["account"].endswith(":Securities")]
    assert [(r["currency"], r["status"]) for r in securities] == [
        (security, "reconciled") for security in ("AAPL", "MSFT", "SAP", "SPY", "TTE", "XYZ")
    ]
    assert invoke_json(main_file, "stock-record")["breaks"] == []


def test_recon_breaks_on_a_difference_the_fail_does_not_explain(tmp_path: Path) -> None:
    """A hand-written holding of 1,850 MSFT (the import refuses it): 50 short of
    the 1,900 the fail explains."""
    main_file = demo_after_inbox(tmp_path)
    with (main_file.parent / SECURITIES).open("a", encoding="utf-8") as journal:
        journal.write(
            "\n2026-11-28 balance Assets:Custody:Custodia:Securities  1850 MSFT\n"
            '  source: "custodia-mt535-2026-11-27.txt"\n'
        )
    recon = invoke_json(main_file, "recon", "--dry-run")
    (msft,) = [row for row in recon["accounts"] if row["currency"] == "MSFT"]
    assert {key: msft[key] for key in RECON_KEYS} == {
        "statement_date": "2026-11-27",
        "statement_balance": "1850",
        "books_balance": "1600",
        "custody_adjustment": "300",
        "adjusted_for": "GA-20261119-001 (fail to deliver 300 MSFT to AlphaSec, "
        "due 2026-11-20: +300)",
        "difference": "-50",
        "status": "difference",
        "candidates": [],
    }
    breaks = CliRunner().invoke(main, ["--books", str(main_file), "recon"])
    assert breaks.exit_code == 1
    written = (main_file.parent / "breaks.beancount").read_text(encoding="utf-8")
    assert (
        "Assets:Custody:Custodia:Securities: statement of 2026-11-27 says 1850 MSFT, the books "
        "1600 MSFT, +300 MSFT for the trades GA-20261119-001 (fail to deliver 300 MSFT to "
        "AlphaSec, due 2026-11-20: +300) (difference -50 MSFT)"
    ) in written
    record = invoke_json(main_file, "stock-record")
    assert [
        (b["security"], b["custodian"], b["record"], b["difference"]) for b in record["breaks"]
    ] == [("MSFT", "1850", "1900", "-50")]


FAILED_PURCHASE = """
2026-11-23 * "AlphaSec" "Buy 40 XYZ @ 61.00" ^trade-T9
  trade-id: "T9"
  trade-date: 2026-11-23
  settle-date: 2026-11-24
  side: "buy"
  source: "documents/blotter.csv"
  source-ref: "T9"
  Assets:Custody:Custodia:Securities    40 XYZ {61.00 USD}
  Assets:Unsettled:AlphaSec         -2440.00 USD
"""


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "settlement-date",
            [
                "MSFT: T4 (fail to deliver 200 MSFT to AlphaSec, due 2026-11-20: +200)",
                "XYZ: T9 (fail to receive 40 XYZ from AlphaSec, due 2026-11-24: -40)",
            ],
        ),
        # T5 (S 2026-11-30) is on T in the books, not yet at the custodian
        (
            "trade-date",
            [
                "MSFT: T4 (fail to deliver 200 MSFT to AlphaSec, due 2026-11-20: +200)",
                "XYZ: T9 (fail to receive 40 XYZ from AlphaSec, due 2026-11-24: -40), "
                "T5 (unsettled purchase 30 XYZ from AlphaSec, due 2026-11-30: -30)",
            ],
        ),
        ("actual", []),
    ],
)
def test_what_the_custodian_should_hold_by_policy(
    tmp_path: Path, policy: str, expected: list[str]
) -> None:
    """The records books' failed sale T4 and a failed purchase T9, as of 2026-11-27:
    what the custodian holds less what the books hold, trade by trade."""
    files = records_books(policy)
    files["main.beancount"] += FAILED_PURCHASE
    main_file = write_books(tmp_path, files)
    books = load(main_file)
    found = custody_differences(books.entries, load_config(main_file), datetime.date(2026, 11, 27))
    assert [
        f"{security}: {explained(trades)}" for (_, security), trades in sorted(found.items())
    ] == expected

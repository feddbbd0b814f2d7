"""``backoffice import --lenient`` (FIX BodyLength/CheckSum) and ``--create-accounts``
for securities the books do not know yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import Books, load
from ledger.cli import main
from ledger.imports import view
from tests.conftest import REPO, snapshot

INBOX = REPO / "books" / "inbox"


def run(books: Path, *args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--books", str(books), "import", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_lenient_accepts_a_hand_edited_fix_log_with_a_warning(
    demo_books: Path, tmp_path: Path
) -> None:
    log = tmp_path / "betamarkets-dropcopy.fix.log"
    text = (INBOX / log.name).read_text(encoding="utf-8")
    log.write_text(text.replace("60=20261125-09:31:12.410", "60=20261125-09:31:12.411"))
    before = snapshot(demo_books.parent)
    code, _, errors = run(demo_books, log)
    problem = "FIX message 35=8 (ExecID BM-E-2): CheckSum (10) is '043' but the bytes sum to 044"
    assert code == 1
    assert f"{log}:5: {problem}; the log was changed after it was written; use --lenient" in errors
    assert snapshot(demo_books.parent) == before
    code, out, errors = run(demo_books, log, "--lenient", "--json")
    assert code == 0, errors
    warning = f"{log}:5: {problem} (accepted: --lenient)"
    assert errors == f"warning: {warning}\n"
    (item,) = json.loads(out)["files"]
    assert (item["importer"], item["transactions"], item["warnings"]) == (
        "trades.fix",
        1,
        [warning],
    )
    assert [e.narration for e in load(demo_books).entries if "trade-id" in e.meta] == [
        "Buy 200 SAP @ 236.80 EUR (FIX drop copy)"
    ]


BLOTTER_ROW = (
    "GA-20261125-009,2026-11-25,2026-11-27,AlphaSec,buy,10,NVDA,US67066G1040,140.00,USD,1.00\n"
)


def test_create_accounts_adds_the_commodity_of_an_unknown_isin(
    demo_books: Path, tmp_path: Path
) -> None:
    blotter = tmp_path / "alphasec-blotter.csv"
    header = (INBOX / blotter.name).read_text(encoding="utf-8").splitlines(keepends=True)[0]
    blotter.write_text(header + BLOTTER_ROW, encoding="utf-8")
    before = snapshot(demo_books.parent)
    code, _, errors = run(demo_books, blotter)
    assert code == 1
    assert "securities not in the books: US67066G1040" in errors
    assert "2026-11-25 commodity NVDA" in errors
    assert snapshot(demo_books.parent) == before
    code, out, errors = run(demo_books, blotter, "--create-accounts", "--json")
    assert code == 0, errors
    summary = json.loads(out)
    assert summary["created_commodities"] == [{"symbol": "NVDA", "isin": "US67066G1040"}]
    assert "commodities.beancount" in summary["written"]
    commodities = (demo_books.parent / "commodities.beancount").read_text(encoding="utf-8")
    assert commodities.endswith(
        '\n2026-11-25 commodity NVDA\n  isin: "US67066G1040"\n  asset-class: "equity"\n'
        '  market: "XNYS"\n'
    )
    books = load(demo_books)
    # check_commodity is satisfied, and the settlement rules find the US cycle from the
    # market derived from the ISIN: T+1 on the Fed's calendar (11-26 is Thanksgiving)
    assert books.errors == []
    (trade,) = [e for e in books.entries if e.meta.get("trade-id") == "GA-20261125-009"]
    assert trade.postings[0].units.currency == "NVDA"
    assert run(demo_books, blotter, "--create-accounts")[1].endswith("nothing new to write\n")


def test_create_accounts_loads_the_books_once(
    demo_books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second extraction (with the new commodity) reuses the loaded books."""
    blotter = tmp_path / "alphasec-blotter.csv"
    header = (INBOX / blotter.name).read_text(encoding="utf-8").splitlines(keepends=True)[0]
    blotter.write_text(header + BLOTTER_ROW, encoding="utf-8")
    loaded: list[Path] = []

    def counting_load(path: Path) -> Books:
        loaded.append(path)
        return load(path)

    monkeypatch.setattr(view, "load", counting_load)
    code, _, errors = run(demo_books, blotter, "--create-accounts", "--dry-run")
    assert code == 0, errors
    assert loaded == [demo_books]

"""``backoffice import`` on the demo books: the statements reconcile, re-importing
adds nothing, overlaps add only what is new, and bad input changes nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from beancount.core import data
from click.testing import CliRunner, Result

from ledger.books import load
from ledger.cli import main
from tests.conftest import REPO, snapshot

INBOX = REPO / "books" / "inbox"
BANK_FILES = sorted(p for p in INBOX.iterdir() if p.name.startswith(("firstharbor", "rheinbank")))
FH_NOV = INBOX / "firstharbor-2026-11.xml"


def run_import(books: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(
        main, ["--books", str(books), "import", *map(str, args)], catch_exceptions=False
    )


def copy_to(tmp_path: Path, source: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or source.name)
    shutil.copyfile(source, target)
    return target


def test_demo_statements_import_and_reconcile(demo_books: Path) -> None:
    result = run_import(demo_books, *BANK_FILES, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    per_file = {
        Path(f["file"]).name: (f["transactions"], f["balances"], f["suspense"])
        for f in summary["files"]
    }
    assert per_file == {
        "firstharbor-2026-10.mt940": (4, 2, 0),
        "firstharbor-2026-11-27.mt942": (1, 0, 0),
        "firstharbor-2026-11.xml": (4, 2, 1),
        "rheinbank-2026-10.xml": (5, 2, 0),
        "rheinbank-2026-11-a.ofx": (2, 1, 0),
        "rheinbank-2026-11-b.csv": (2, 2, 0),
    }
    assert summary["written"] == [
        "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940",
        "documents/Assets/Bank/FirstHarbor/USD/2026-11-27.firstharbor-2026-11-27.mt942",
        "documents/Assets/Bank/FirstHarbor/USD/2026-11-26.firstharbor-2026-11.xml",
        "documents/Assets/Bank/Rheinbank/EUR/2026-10-31.rheinbank-2026-10.xml",
        "documents/Assets/Bank/Rheinbank/EUR/2026-11-14.rheinbank-2026-11-a.ofx",
        "documents/Assets/Bank/Rheinbank/EUR/2026-11-25.rheinbank-2026-11-b.csv",
        "2026/10/assets-bank-firstharbor-usd.beancount",
        "2026/10/assets-bank-rheinbank-eur.beancount",
        "2026/11/assets-bank-firstharbor-usd.beancount",
        "2026/11/assets-bank-rheinbank-eur.beancount",
        "main.beancount",
    ]
    assert {Path(f["file"]).name: f["written"] for f in summary["files"]}[
        "firstharbor-2026-10.mt940"
    ] == [
        "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940",
        "2026/10/assets-bank-firstharbor-usd.beancount",
        "2026/11/assets-bank-firstharbor-usd.beancount",  # the closing balance, on 11-01
    ]
    main_text = demo_books.read_text(encoding="utf-8")
    assert main_text.endswith(
        'include "2026/10/assets-bank-firstharbor-usd.beancount"\n'
        'include "2026/10/assets-bank-rheinbank-eur.beancount"\n'
        'include "2026/11/assets-bank-firstharbor-usd.beancount"\n'
        'include "2026/11/assets-bank-rheinbank-eur.beancount"\n'
    )
    books = load(demo_books)
    assert [e for e in books.errors if "Balance" in type(e).__name__] == []
    balances = {
        (e.date.isoformat(), e.account): str(e.amount)
        for e in books.entries
        if isinstance(e, data.Balance) and e.account.startswith("Assets:Bank")
    }
    assert balances[("2026-11-27", "Assets:Bank:FirstHarbor:USD")] == "4615580.55 USD"
    assert balances[("2026-11-26", "Assets:Bank:Rheinbank:EUR")] == "1896058.65 EUR"
    archived = demo_books.parent / summary["written"][0]
    assert archived.read_bytes() == BANK_FILES[0].read_bytes()
    assert archived.stat().st_mode & 0o777 == 0o444
    suspense = [
        e
        for e in books.entries
        if isinstance(e, data.Transaction)
        and e.flag == "!"
        and any(p.account == "Assets:Suspense" for p in e.postings)
    ]
    assert [(e.date.isoformat(), e.payee, e.meta["source-ref"]) for e in suspense] == [
        ("2026-11-24", "GLOBAL PARTNERS LLC", "FH2611240009")
    ]


def test_reimporting_adds_nothing_and_output_is_deterministic(
    demo_books: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    shutil.copytree(demo_books.parent, other)
    assert run_import(demo_books, *BANK_FILES).exit_code == 0
    assert run_import(other / "main.beancount", *reversed(BANK_FILES)).exit_code == 0
    assert snapshot(demo_books.parent) == snapshot(other)
    before = snapshot(demo_books.parent)
    again = run_import(demo_books, *BANK_FILES)
    assert again.exit_code == 0
    assert "nothing new to write" in again.output
    assert re.findall(r"(\d+) duplicate", again.output) == ["6", "1", "6", "7", "3", "4"]
    assert snapshot(demo_books.parent) == before


def test_an_overlapping_statement_adds_only_its_new_lines(demo_books: Path, tmp_path: Path) -> None:
    october, intraday, november = BANK_FILES[:3]
    assert run_import(demo_books, october, november).exit_code == 0
    text = FH_NOV.read_text(encoding="utf-8")
    extra = """      <Ntry>
        <Amt Ccy="USD">30.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-27</Dt></BookgDt>
        <AcctSvcrRef>FH2611270002</AcctSvcrRef>
        <AddtlNtryInf>STOP PAYMENT FEE</AddtlNtryInf>
      </Ntry>
    </Stmt>"""
    longer = (
        text.replace("</Ntry>\n    </Stmt>", "</Ntry>\n" + extra, 1)
        .replace("4615580.55", "4615550.55")
        .replace("<Dt>2026-11-26</Dt>", "<Dt>2026-11-27</Dt>")
        .replace("FH-2611-STMT", "FH-2611-STMT-B")
    )
    statement = tmp_path / "firstharbor-2026-11-b.xml"
    statement.write_text(longer, encoding="utf-8")
    result = run_import(demo_books, statement, "--json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["files"]
    assert (item["transactions"], item["balances"], item["duplicates"]) == (1, 1, 5)
    books = load(demo_books)
    assert [e for e in books.errors if "Balance" in type(e).__name__] == []
    # The MT942 intraday report's line is the one the statement added.
    assert "1 duplicate(s)" in run_import(demo_books, intraday).output
    assert (
        sum(1 for e in load(demo_books).entries if e.meta.get("source-ref") == "FH2611270002") == 1
    )


def test_an_opening_balance_the_books_do_not_have_is_refused(demo_books: Path) -> None:
    before = snapshot(demo_books.parent)
    result = run_import(demo_books, FH_NOV)
    assert result.exit_code == 1
    assert (
        "books/inbox/firstharbor-2026-11.xml:18: the statement says Assets:Bank:FirstHarbor:USD "
        "holds 4751750.55 USD at the start of 2026-11-04; the books with this import hold "
        "5000000.00 USD (difference -248249.45 USD); import the statements before this one, "
        "or correct the books, then retry"
    ) in result.output.replace(str(REPO) + "/", "")
    assert "nothing was written" in result.output
    assert snapshot(demo_books.parent) == before


def test_an_unknown_account_prints_the_lines_to_add_then_creates_them(
    demo_books: Path, tmp_path: Path
) -> None:
    card = copy_to(tmp_path, REPO / "tests/data/bank/own/qfx-headerless.qfx")
    before = snapshot(demo_books.parent)
    refused = run_import(demo_books, card)
    assert refused.exit_code == 1
    assert (
        "statement account '4471190099' is not in backoffice.toml; add these lines to "
        "backoffice.toml:\n"
        "    [[statement-accounts]]\n"
        '    id = "4471190099"\n'
        '    account = "Assets:Bank:Bank021000089:USD"\n'
        '    currency = "USD"\n'
        "    and this to the chart of accounts:\n"
        "    2026-11-30 open Assets:Bank:Bank021000089:USD  USD\n"
    ) in refused.output
    assert snapshot(demo_books.parent) == before
    created = run_import(demo_books, card, "--create-accounts")
    assert created.exit_code == 0, created.output
    config = (demo_books.parent / "backoffice.toml").read_text(encoding="utf-8")
    assert config.endswith(
        '\n[[statement-accounts]]\nid = "4471190099"\n'
        'account = "Assets:Bank:Bank021000089:USD"\ncurrency = "USD"\n'
    )
    opened = (demo_books.parent / "accounts.beancount").read_text()
    assert opened.split("\n\n")[-1] == (
        "2026-11-30 open Assets:Bank:Bank021000089:USD                   USD\n"
        '  cash-floor: "0 USD"\n'
    )
    books = load(demo_books)
    assert [e for e in books.errors if "Balance" in type(e).__name__ or "open" in str(e)] == []
    assert run_import(demo_books, card).output.endswith("nothing new to write\n")


def test_two_importers_claiming_one_file_is_an_error(demo_books: Path, tmp_path: Path) -> None:
    config = demo_books.parent / "backoffice.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("[imports.csv.rheinbank]")
    second = text[start : text.index("\n\n", start)].replace("csv.rheinbank", "csv.copy")
    config.write_text(text + "\n" + second, encoding="utf-8")
    result = run_import(demo_books, INBOX / "rheinbank-2026-11-b.csv")
    assert result.exit_code == 1
    assert (
        "more than one importer claims this file: bank.csv.copy, bank.csv.rheinbank"
        in result.output
    )


def test_a_statement_line_naming_a_trade_settles_it(demo_books: Path, tmp_path: Path) -> None:
    """The blotter's trade and the bank's debit notification paying it, in one batch."""
    statement = tmp_path / "firstharbor-settle.xml"
    text = (
        FH_NOV.read_text(encoding="utf-8")
        .replace("camt.053.001.08", "camt.054.001.08")
        .replace("BkToCstmrStmt>", "BkToCstmrDbtCdtNtfctn>")
        .replace("Stmt>", "Ntfctn>")
    )
    start, end = text.index("      <Bal>"), text.index("    </Ntfctn>")
    statement.write_text(
        text[:start]
        + """      <Ntry>
        <Amt Ccy="USD">1196440.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-30</Dt></BookgDt>
        <AcctSvcrRef>FH2611300001</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>GA-20261127-001</EndToEndId></Refs></TxDtls></NtryDtls>
        <AddtlNtryInf>DVP SETTLEMENT ALPHA SECURITIES</AddtlNtryInf>
      </Ntry>
"""
        + text[end:],
        encoding="utf-8",
    )
    result = run_import(demo_books, INBOX / "alphasec-blotter.csv", statement, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would write 2026/11/assets-custody-custodia-securities.beancount" in result.output
    assert run_import(demo_books, INBOX / "alphasec-blotter.csv", statement).exit_code == 0
    (line,) = [e for e in load(demo_books).entries if e.meta.get("source-ref") == "FH2611300001"]
    assert line.links == {"trade-GA-20261127-001"}
    assert [(p.account, str(p.units)) for p in line.postings] == [
        ("Assets:Bank:FirstHarbor:USD", "-1196440.00 USD"),
        ("Assets:Unsettled:AlphaSec", "1196440.00 USD"),
    ]

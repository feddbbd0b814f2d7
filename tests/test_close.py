"""backoffice close: the checklist, each refusal, the reports, the seal, the chain."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from tests.conftest import snapshot, write_books

MAIN = """
option "operating_currency" "USD"
plugin "plugins.period_lock"
include "accounts.beancount"
include "october.beancount"
"""

ACCOUNTS = """
2026-01-01 open Assets:Bank:FirstHarbor:USD USD
2026-01-01 open Assets:Suspense
2026-01-01 open Expenses:Fees:Bank
2026-01-01 open Income:Interest
2026-01-01 open Equity:Opening
"""

OCTOBER = """
2026-10-01 * "Opening balance"
  Assets:Bank:FirstHarbor:USD    5000000.00 USD
  Equity:Opening

2026-10-05 * "First Harbor" "Account fee"
  Expenses:Fees:Bank                  12.50 USD
  Assets:Bank:FirstHarbor:USD

2026-10-20 * "First Harbor" "Interest"
  Income:Interest                    -40.00 USD
  Assets:Bank:FirstHarbor:USD

2026-11-01 balance Assets:Bank:FirstHarbor:USD  5000027.50 USD
"""

CONFIG = """
as-of = 2026-11-27
"""


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")
    return write_books(
        tmp_path / "books",
        {
            "main.beancount": MAIN,
            "accounts.beancount": ACCOUNTS,
            "october.beancount": OCTOBER,
            "backoffice.toml": CONFIG,
        },
    )


def close(books: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--books", str(books), "close", *args])
    return result.exit_code, result.output


def blockers(books: Path, period: str = "2026-10", *args: str) -> list[str]:
    code, output = close(books, period, "--json", *args)
    assert code == 1, output
    report = json.loads(output)
    assert report["closed"] is False
    return [
        f"{b['check']} {b['file']}:{b['line']}: {b['message']}"
        for check in report["checks"]
        for b in check["blockers"]
    ]


def test_close_writes_reports_and_seal_that_tie_to_the_books(books: Path) -> None:
    code, output = close(books, "2026-10")
    assert code == 0, output
    directory = books.parent
    assert output.splitlines()[:6] == [
        "ok    period",
        "ok    books",
        "ok    balances",
        "ok    fails",
        "ok    breaks",
        "ok    suspense",
    ]
    assert (directory / "closes/2026-10/trial-balance.txt").read_text() == (
        "Trial balance at 2026-10-31\n"
        "===========================\n"
        "\n"
        "Accounts\n"
        "  Assets:Bank:FirstHarbor:USD   5,000,027.50 USD\n"
        "  Equity:Opening               -5,000,000.00 USD\n"
        "  Expenses:Fees:Bank                   12.50 USD\n"
        "  Income:Interest                     -40.00 USD\n"
        "\n"
        "Total\n"
        "  total                                 0.00 USD\n"
    )
    assert (directory / "closes/2026-10/balance-sheet.csv").read_text() == (
        "section,account,currency,amount\n"
        "Assets,Assets:Bank:FirstHarbor:USD,USD,5000027.50\n"
        "Equity,Equity:Opening,USD,5000000.00\n"
        "Equity,retained earnings (income less expenses to date),USD,27.50\n"
        "Total,total assets,USD,5000027.50\n"
        "Total,total liabilities and equity,USD,5000027.50\n"
    )
    assert (directory / "closes/2026-10/income-statement.csv").read_text() == (
        "section,account,currency,amount\n"
        "Income,Income:Interest,USD,40.00\n"
        "Expenses,Expenses:Fees:Bank,USD,12.50\n"
        "Total,net income,USD,27.50\n"
    )
    written = sorted(
        str(p.relative_to(directory)) for p in (directory / "closes/2026-10").iterdir()
    )
    assert written == [
        "closes/2026-10/balance-sheet.csv",
        "closes/2026-10/balance-sheet.txt",
        "closes/2026-10/blotter.csv",
        "closes/2026-10/blotter.txt",
        "closes/2026-10/entries.tsv",
        "closes/2026-10/income-statement.csv",
        "closes/2026-10/income-statement.txt",
        "closes/2026-10/snapshot-files.tsv",
        "closes/2026-10/snapshot.beancount",
        "closes/2026-10/stock-record.csv",
        "closes/2026-10/stock-record.txt",
        "closes/2026-10/trial-balance.csv",
        "closes/2026-10/trial-balance.txt",
        "closes/2026-10/valuation.csv",
        "closes/2026-10/valuation.txt",
    ]
    seal = (directory / "closes.beancount").read_text()
    assert '2026-10-31 custom "period-close" "2026-10"\n' in seal
    assert '  previous: "none"\n  entries: 8\n' in seal
    assert books.read_text().endswith('include "closes.beancount"\n')
    reloaded = load(books)
    assert reloaded.errors == []
    assert len((directory / "closes/2026-10/entries.tsv").read_text().splitlines()) == 8


def test_dry_run_writes_nothing(books: Path) -> None:
    before = snapshot(books.parent)
    code, output = close(books, "2026-10", "--dry-run")
    assert code == 0, output
    assert output.splitlines()[-1] == "dry run: nothing written"
    assert snapshot(books.parent) == before


def test_refused_when_the_period_has_not_ended(books: Path) -> None:
    assert blockers(books, "2026-11") == [
        "period None:None: period 2026-11 ends on 2026-11-30; as of 2026-11-27 it has not "
        "ended (close it after its last day, or pass --as-of)",
        "balances books/accounts.beancount:1: Assets:Bank:FirstHarbor:USD has no balance "
        "assertion of USD at the end of the period (5000027.50 USD in the books; none dated "
        "2026-11-02 to 2026-12-01, after its last posting of the period): add "
        "'2026-12-01 balance Assets:Bank:FirstHarbor:USD  <statement balance> USD' from "
        "the statement",
    ]


def test_refused_when_already_sealed(books: Path) -> None:
    assert close(books, "2026-10")[0] == 0
    assert blockers(books) == [
        "period books/closes.beancount:3: period 2026-10 is already sealed by the seal of 2026-10"
    ]


def test_refused_without_the_period_lock_plugin(books: Path) -> None:
    books.write_text(MAIN.replace('plugin "plugins.period_lock"\n', "").lstrip())
    assert blockers(books) == [
        "period books/main.beancount:None: the books do not load plugins.period_lock, so "
        'nothing would verify the seal; add plugin "plugins.period_lock" to main.beancount '
        "as its first plugin"
    ]


def test_refused_when_the_books_do_not_check_clean(books: Path) -> None:
    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("Expenses:Fees:Bank ", "Expenses:Fees:Wire "))
    assert blockers(books) == [
        "books books/october.beancount:5: Invalid reference to unknown account "
        "'Expenses:Fees:Wire' (dated 2026-10-05, on or before the period end)",
    ]


def passes(books: Path) -> bool:
    code, output = close(books, "2026-10", "--dry-run")
    assert code in (0, 1), output
    return code == 0


def test_an_error_after_the_period_does_not_block(books: Path) -> None:
    with (books.parent / "october.beancount").open("a") as handle:
        handle.write(
            '\n2026-11-03 * "Wire fee"\n  Expenses:Fees:Wire  5.00 USD\n'
            "  Assets:Bank:FirstHarbor:USD\n"
        )
    assert load(books).errors != []
    assert passes(books)


def test_an_error_without_a_date_blocks(books: Path) -> None:
    books.write_text(
        MAIN.replace(
            'plugin "plugins.period_lock"\n',
            'plugin "beancount.plugins.implicit_prices"\nplugin "plugins.period_lock"\n',
        ).lstrip()
    )
    (found,) = blockers(books)
    assert found.startswith(
        'books books/main.beancount:3: configuration error: plugin "plugins.period_lock" is '
        'listed after plugin "beancount.plugins.implicit_prices"'
    )
    assert found.endswith(
        "The seals were not verified. (not tied to a date, so it blocks every close)"
    )


def test_a_balance_after_the_last_posting_covers_the_period_end(books: Path) -> None:
    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("2026-11-01 balance", "2026-10-31 balance"))
    assert passes(books)


def test_a_balance_before_the_last_posting_does_not(books: Path) -> None:
    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("2026-11-01 balance", "2026-10-20 balance"))
    assert blockers(books)[-1] == (
        "balances books/accounts.beancount:1: Assets:Bank:FirstHarbor:USD has no balance "
        "assertion of USD at the end of the period (5000027.50 USD in the books; none dated "
        "2026-10-21 to 2026-11-01, after its last posting of the period): add "
        "'2026-11-01 balance Assets:Bank:FirstHarbor:USD  <statement balance> USD' from "
        "the statement"
    )


def test_refused_when_a_balance_assertion_fails(books: Path) -> None:
    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("5000027.50 USD", "5000030.00 USD"))
    # Beancount's own error is dated 2026-11-01, after the period: the balances check reports it.
    assert blockers(books) == [
        "balances books/october.beancount:13: the balance assertion of "
        "Assets:Bank:FirstHarbor:USD on 2026-11-01 fails (5000027.50 USD in the books): "
        "reconcile the account",
    ]


def test_refused_when_suspense_is_not_empty(books: Path) -> None:
    with (books.parent / "october.beancount").open("a") as handle:
        handle.write(
            '\n2026-10-30 ! "First Harbor" "Unknown credit"\n'
            "  Assets:Bank:FirstHarbor:USD  100.00 USD\n  Assets:Suspense\n"
            "\n2026-11-02 balance Assets:Suspense  -100.00 USD\n"
        )
    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("5000027.50 USD", "5000127.50 USD"))
    assert blockers(books) == [
        "suspense books/october.beancount:15: Assets:Suspense holds -100.00 USD at the period "
        "end; this entry posts to it: classify it to the right account",
    ]


BREAK = """
2026-10-29 custom "break" "B-1" "unmatched-ours"
  link: "trade-A2"
  description: "AlphaSec did not deliver"
"""


def test_refused_when_a_break_is_open_past_tolerance(books: Path) -> None:
    (books.parent / "backoffice.toml").write_text(
        CONFIG + "[matching.break-tolerance]\nunmatched-ours = 0\n"
    )
    with (books.parent / "october.beancount").open("a") as handle:
        handle.write(BREAK)
    assert blockers(books) == [
        "breaks books/october.beancount:15: break B-1 (unmatched-ours) was open 1 business "
        "days at the period end, past its tolerance of 0: AlphaSec did not deliver; resolve "
        'it (backoffice breaks resolve B-1 "what was done")',
    ]
    with (books.parent / "october.beancount").open("a") as handle:
        handle.write('2026-11-02 custom "break-resolved" "B-1" "delivered late"\n')
    assert close(books, "2026-10")[0] == 0


FAIL = """
2026-10-01 commodity MSFT
  isin: "US5949181045"
  asset-class: "equity"
  market: "XNAS"

2026-10-01 * "Opening"
  Assets:Custody:Custodia:Securities  1500 MSFT {415.20 USD}
  Equity:Opening

2026-10-27 * "AlphaSec" "Sell 300 MSFT @ 420" ^trade-A2
  trade-id: "A2"
  trade-date: 2026-10-27
  settle-date: 2026-10-28
  side: "sell"
  Assets:Custody:Custodia:Securities   -300 MSFT {} @ 420.00 USD
  Assets:Unsettled:AlphaSec          126000.00 USD
  Income:Trading:Realized
"""

FAIL_ACCOUNTS = """
2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
2026-01-01 open Assets:Custody:Custodia:Cash:USD USD
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Income:Trading:Realized
"""

FAIL_CONFIG = """
as-of = 2026-11-27

[close]
reconciled-accounts = ["Assets:Bank"]

[matching.break-tolerance]
unmatched-ours = 5

[counterparties.AlphaSec]
cash-account = "Assets:Custody:Custodia:Cash:USD"
"""


def test_refused_when_a_trade_failed_and_no_break_explains_it(books: Path) -> None:
    directory = books.parent
    books.write_text(
        MAIN.replace(
            '"plugins.period_lock"\n', '"plugins.period_lock"\nplugin "plugins.settlement"\n', 1
        ).lstrip()
    )
    (directory / "accounts.beancount").write_text(ACCOUNTS + FAIL_ACCOUNTS)
    (directory / "trades.beancount").write_text(FAIL)
    with books.open("a") as handle:
        handle.write('include "trades.beancount"\n')
    (directory / "backoffice.toml").write_text(FAIL_CONFIG)
    assert blockers(books) == [
        "fails books/trades.beancount:11: trade A2 (sell 300 MSFT with AlphaSec) did not "
        "settle on 2026-10-28: 126000.00 USD outstanding 2 business days later at the period "
        "end, and no break explains it: record the fail as a break (backoffice breaks open "
        'settlement-fail A2 "why it failed" --as-of 2026-10-31) or book its settlement',
    ]
    with (directory / "trades.beancount").open("a") as handle:
        handle.write(BREAK)
    code, output = close(books, "2026-10")
    assert code == 0, output


MONTHS = {
    "2026-11": (
        '\n2026-11-10 * "First Harbor" "Account fee"\n'
        "  Expenses:Fees:Bank  12.50 USD\n  Assets:Bank:FirstHarbor:USD\n"
        "\n2026-12-01 balance Assets:Bank:FirstHarbor:USD  5000015.00 USD\n"
    ),
    "2026-12": (
        '\n2026-12-10 * "First Harbor" "Interest"\n'
        "  Income:Interest  -5.00 USD\n  Assets:Bank:FirstHarbor:USD\n"
        "\n2027-01-01 balance Assets:Bank:FirstHarbor:USD  5000020.00 USD\n"
    ),
}


def test_a_chain_of_three_months_verifies(books: Path) -> None:
    for text in MONTHS.values():
        with (books.parent / "october.beancount").open("a") as handle:
            handle.write(text)
    for period in ("2026-10", "2026-11", "2026-12"):
        code, output = close(books, period, "--as-of", "2027-01-04")
        assert code == 0, output
    result = CliRunner().invoke(main, ["--books", str(books), "verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [(s["period"], s["from"], s["to"], s["entries"], s["ok"]) for s in report["seals"]] == [
        ("2026-10", None, "2026-10-31", 8, True),
        ("2026-11", "2026-11-01", "2026-11-30", 2, True),
        ("2026-12", "2026-12-01", "2026-12-31", 2, True),
    ]
    seals = report["seals"]
    assert seals[1]["previous"] == seals[0]["digest"]
    assert seals[2]["previous"] == seals[1]["digest"]

    october = books.parent / "october.beancount"
    october.write_text(october.read_text().replace("Fees:Bank  12.50 USD", "Fees:Bank  12.60 USD"))
    result = CliRunner().invoke(main, ["--books", str(books), "verify"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("2026-10  start..2026-10-31  8 entries") and lines[0].endswith("ok")
    assert lines[1].startswith("2026-11  2026-11-01..2026-11-30  2 entries")
    assert lines[1].endswith("BROKEN")
    assert lines[2].startswith("    books/closes.beancount:10: period 2026-11 is sealed")
    assert lines[3].startswith(
        "    books/october.beancount:15: period 2026-11 is sealed (closes.beancount:10): this "
        "entry was changed after the close"
    )
    assert lines[4].startswith("2026-12  2026-12-01..2026-12-31  2 entries")
    assert lines[4].endswith("ok")
    # the snapshots of the periods after the change no longer match the books
    assert lines[5:] == [
        "2026-10  snapshot  ok",
        "2026-11  snapshot  MISMATCH",
        "    closes/2026-11/snapshot.beancount differs from the books' state at 2026-11-30 "
        "rebuilt from the whole history: the books (see the seals) or the snapshot changed "
        "since the close; delete it (commands then load the whole history) or restore it "
        "from git",
        "2026-12  snapshot  MISMATCH",
        "    closes/2026-12/snapshot.beancount differs from the books' state at 2026-12-31 "
        "rebuilt from the whole history: the books (see the seals) or the snapshot changed "
        "since the close; delete it (commands then load the whole history) or restore it "
        "from git",
    ]


def test_bad_period_is_a_usage_error(books: Path) -> None:
    code, output = close(books, "2026-13")
    assert code == 2
    assert "'2026-13' is not a period; write it as YYYY-MM" in output


def test_close_report_shows_the_seals_and_the_next_period(books: Path) -> None:
    from ledger.close.report import close_report
    from ledger.config import load_config

    assert close(books, "2026-10")[0] == 0
    report = close_report(load(books), load_config(books), datetime.date(2026, 11, 27))
    assert [(s["period"], s["ok"], s["entries"]) for s in report["seals"]] == [("2026-10", True, 8)]
    assert report["period"] == "2026-11"
    assert report["ready"] is False
    assert [(c["check"], c["ok"]) for c in report["checks"]] == [
        ("period", False),
        ("books", True),
        ("balances", False),
        ("fails", True),
        ("breaks", True),
        ("suspense", True),
        ("sign-off", True),
    ]
    [seal] = report["seals"]
    first_day = min(entry.date for entry in load(books).entries).isoformat()
    assert (seal["from"], seal["to"]) == (first_day, "2026-10-31")
    assert (seal["seal_file"], seal["seal_line"]) == ("closes.beancount", 3)
    assert seal["reports"] == [
        f"closes/2026-10/{name}"
        for name in (
            "balance-sheet.csv",
            "balance-sheet.txt",
            "blotter.csv",
            "blotter.txt",
            "entries.tsv",
            "income-statement.csv",
            "income-statement.txt",
            "snapshot-files.tsv",
            "snapshot.beancount",
            "stock-record.csv",
            "stock-record.txt",
            "trial-balance.csv",
            "trial-balance.txt",
            "valuation.csv",
            "valuation.txt",
        )
    ]


def test_verify_notices_a_removed_last_seal(books: Path) -> None:
    assert close(books, "2026-10")[0] == 0
    (books.parent / "closes.beancount").write_text("")
    result = CliRunner().invoke(main, ["--books", str(books), "verify"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "books/closes/2026-10/entries.tsv: period 2026-10 was closed "
        "(closes/2026-10/entries.tsv exists) but the books hold no seal of it: the seal was "
        "removed; restore it from git",
        "no sealed periods",
    ]


def test_trial_balance_ties_to_beancounts_own_balances(demo_books: Path) -> None:
    from beancount.core import convert, realization

    from ledger.close.statements import trial_balance

    books = load(demo_books)
    end = datetime.date(2026, 11, 27)
    statement = trial_balance(books.entries, end, books.options)
    ours = {(line.account, line.currency): line.amount for line in statement.lines}
    upto = [entry for entry in books.entries if entry.date <= end]
    real = realization.realize(upto)
    theirs = {
        (acc.account, position.units.currency): position.units.number
        for acc in realization.iter_children(real)
        for position in acc.balance.reduce(convert.get_cost)
        if position.units.number != 0
    }
    totals = {key: value for key, value in ours.items() if key[0] == "total"}
    assert {key: value for key, value in ours.items() if key[0] != "total"} == theirs
    assert set(totals.values()) == {Decimal(0)}

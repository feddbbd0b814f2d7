"""``backoffice init`` books enforce what the product promises: scenarios built only from
``init`` books and a few hand-written entries (settlement across a Fed holiday, a settle
date on a holiday, a fail and its age, a cash shortfall, the ladder), the starter config,
the git repository, ``import --create-accounts``, short sales, ``breaks open`` and the
ladder's unassigned settlements."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from click.testing import CliRunner

from ledger.books import load
from ledger.breaks.model import break_id
from ledger.cli import main
from ledger.config import parse_config
from ledger.errors import format_error
from ledger.init import CUSTODIAN, init_books

ROOT = Path(__file__).resolve().parent.parent
START = datetime.date(2026, 1, 1)
SECURITIES = f"Assets:Custody:{CUSTODIAN}:Securities"
CUSTODY_CASH = f"Assets:Custody:{CUSTODIAN}:Cash:USD"

BROKER = """
[counterparties.Broker]
name = "Broker Securities LLC"
cash-account = "Assets:Custody:MainCustodian:Cash:USD"
"""

# The hand-written part: a security, the broker's clearing account, cash at the custodian.
ENTRIES = """
2026-01-01 commodity AAPL
  isin: "US0378331005"
  asset-class: "equity"
  market: "XNYS"

2026-01-01 open Assets:Unsettled:Broker

2026-10-01 * "Opening balance" "Cash at the custodian"
  Assets:Custody:MainCustodian:Cash:USD    {cash} USD
  Equity:Opening
"""


def buy(settle_date: str = "2026-10-13") -> str:
    """Friday 2026-10-09: buy 100 AAPL from Broker, T+1 (Monday the 12th is Columbus Day)."""
    return f"""
2026-10-09 * "Broker" "Buy 100 AAPL @ 227.40 USD" ^trade-T1
  trade-id: "T1"
  trade-date: 2026-10-09
  settle-date: {settle_date}
  isin: "US0378331005"
  side: "buy"
  counterparty: "Broker"
  Assets:Custody:MainCustodian:Securities   100 AAPL {{227.40 USD}}
  Expenses:Commissions                    12.50 USD
  Assets:Unsettled:Broker             -22752.50 USD
"""


def new_books(
    directory: Path, entries: str = "", config: str = BROKER, cash: str = "250000.00"
) -> Path:
    """``init`` books with ``config`` appended to backoffice.toml and ``entries`` included."""
    init_books(directory, title="Acme", currency="USD", start=START)
    with (directory / "backoffice.toml").open("a", encoding="utf-8") as handle:
        handle.write(config)
    (directory / "trades.beancount").write_text(
        ENTRIES.format(cash=cash) + entries, encoding="utf-8"
    )
    with (directory / "main.beancount").open("a", encoding="utf-8") as handle:
        handle.write('include "trades.beancount"\n')
    return directory / "main.beancount"


def errors_as_of(books: Path, as_of: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("BACKOFFICE_AS_OF", as_of)
    loaded = load(books)
    root = str(books.parent) + "/"
    return [format_error(error).replace(root, "") for error in loaded.errors]


def run(books: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--books", str(books), *args])
    return result.exit_code, result.stdout, result.stderr


def held(books: Path, day: str, monkeypatch: pytest.MonkeyPatch) -> Decimal:
    monkeypatch.setenv("BACKOFFICE_AS_OF", day)
    total = Decimal(0)
    for entry in load(books).entries:
        if isinstance(entry, data.Transaction) and entry.date <= datetime.date.fromisoformat(day):
            for posting in entry.postings:
                if posting.account == SECURITIES and posting.units.currency == "AAPL":
                    total += posting.units.number
    return total


# -- the books init writes ---------------------------------------------------------------


def _plugins(text: str) -> list[str]:
    return re.findall(r'(?m)^plugin "([^"]+)"', text)


def test_init_books_load_every_plugin_of_the_demo_in_its_order(tmp_path: Path) -> None:
    init_books(tmp_path, title="Acme", currency="USD", start=START)
    demo = (ROOT / "books" / "main.beancount").read_text(encoding="utf-8")
    main_text = (tmp_path / "main.beancount").read_text(encoding="utf-8")
    assert _plugins(main_text) == _plugins(demo)
    assert [p for p in _plugins(main_text) if p.startswith("plugins.")] == [
        "plugins.period_lock",
        "plugins.noduplicates",
        "plugins.settlement",
        "plugins.cash",
        "plugins.breaks",
    ]
    assert 'include "opening.beancount"' in main_text
    assert load(tmp_path / "main.beancount").errors == []


def test_opening_balances_are_documented_and_the_example_loads(tmp_path: Path) -> None:
    """The example in opening.beancount, uncommented, is a valid opening balance."""
    init_books(tmp_path, title="Acme", currency="USD", start=START)
    opening = tmp_path / "opening.beancount"
    text = opening.read_text(encoding="utf-8")
    example = text.split("For example:")[1].split("; Positions")[0]
    entries = "\n".join(
        line[4:] if line.startswith(";   ") else "" for line in example.splitlines()
    )
    assert "Equity:Opening" in entries
    opening.write_text(text + entries, encoding="utf-8")
    books = load(tmp_path / "main.beancount")
    assert books.errors == []
    (balance,) = [e for e in books.entries if isinstance(e, data.Balance)]
    assert (balance.date, str(balance.amount)) == (datetime.date(2026, 1, 2), "1000000.00 USD")


def test_the_starter_config_is_valid_and_names_every_table(tmp_path: Path) -> None:
    init_books(tmp_path, title="Acme", currency="EUR", start=START)
    path = tmp_path / "backoffice.toml"
    text = path.read_text(encoding="utf-8")
    config = parse_config(text, path)
    for table in (
        "[accounts]",
        "[settlement]",
        "[trades]",
        "[counterparties]",
        "[[statement-accounts]]",
        "[cash]",
        "[[imports.rules]]",
        "[imports.csv.",
        "[matching]",
        "[[matching.confirmations]]",
        "[close]",
    ):
        assert table in text, table
    assert config.firm.base_currency == "EUR"
    assert config.trades.securities_account == SECURITIES
    assert config.settlement.allow_short is False
    rules = {rule.account for rule in config.imports.rules}
    assert rules == {"Income:Interest", "Expenses:Fees:Bank"}
    opened = {
        e.account for e in load(tmp_path / "main.beancount").entries if isinstance(e, data.Open)
    }
    wanted = {config.trades.securities_account, f"Assets:Custody:{CUSTODIAN}:Cash:EUR", *rules}
    wanted |= {
        account
        for name, account in config.accounts.model_dump().items()
        if name not in ("unsettled", "fees")
    }
    assert wanted <= opened


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], check=True, capture_output=True, text=True
    ).stdout


def test_init_makes_a_git_repository_with_a_first_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any git identity (CI as root), init sets one in the new repository."""
    empty = tmp_path / "gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    books = tmp_path / "acme"
    code, _, errors = run(books / "main.beancount", "init", str(books), "--title", "Acme")
    assert code == 0, errors
    assert _git(books, "log", "--format=%s %an").splitlines() == [
        "Books of Acme, written by 'backoffice init' Backoffice init"
    ]
    assert _git(books, "status", "--porcelain") == ""
    assert _git(books, "ls-files").split() == [
        ".gitignore",
        "accounts.beancount",
        "backoffice.toml",
        "commodities.beancount",
        "documents/.keep",
        "fava_import.py",
        "inbox/.keep",
        "main.beancount",
        "opening.beancount",
    ]


def test_no_git_and_an_enclosing_work_tree_make_no_repository(tmp_path: Path) -> None:
    code, _, errors = run(tmp_path / "x.beancount", "init", str(tmp_path / "a"), "--no-git")
    assert code == 0, errors
    assert not (tmp_path / "a" / ".git").exists()
    _git(tmp_path, "init", "--quiet")
    code, out, errors = run(tmp_path / "x.beancount", "init", str(tmp_path / "b"))
    assert code == 0, errors
    assert not (tmp_path / "b" / ".git").exists()
    root = _git(tmp_path, "rev-parse", "--show-toplevel").strip()
    assert f"no git repository made: {tmp_path / 'b'} is inside the git work tree {root}\n" in out


# -- the scenarios of issue 16's "Done when" -------------------------------------------------


def test_a_t1_buy_settles_across_a_fed_holiday_and_appears_on_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = new_books(tmp_path, buy())
    assert errors_as_of(books, "2026-10-13", monkeypatch) == []
    assert held(books, "2026-10-12", monkeypatch) == 0  # pending on Columbus Day
    assert held(books, "2026-10-13", monkeypatch) == 100


def test_a_settle_date_on_a_fed_holiday_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = new_books(tmp_path, buy(settle_date="2026-10-12"))
    assert errors_as_of(books, "2026-10-12", monkeypatch) == [
        "trades.beancount:13: trade T1 settles 2026-10-12, not a business day of FED+XNYS; "
        "the next one is 2026-10-13"
    ]


def test_a_missing_settlement_is_a_fail_with_its_age(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy())
    code, out, _ = run(books, "settlements", "--as-of", "2026-10-20", "--json")
    (trade,) = json.loads(out)["trades"]
    assert (trade["trade_id"], trade["status"], trade["age"]) == ("T1", "failed", 5)
    assert code == 0  # a report; 'check' makes the fail an error
    code, out, _ = run(books, "check", "--as-of", "2026-10-20")
    assert code == 1
    assert "trade T1 failed: due 2026-10-13, -22,752.50 USD of -22,752.50 USD unsettled" in out


def test_a_cash_shortfall_is_an_error_naming_the_account_and_amount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = new_books(tmp_path, buy(), cash="20000.00")
    (error,) = errors_as_of(books, "2026-10-09", monkeypatch)
    assert error.startswith(
        f"trades.beancount:13: cash floor breached: {CUSTODY_CASH} closes 2026-10-13 at "
        "-2,752.50 USD (end of day by value date, projected settlements included), below its "
        "cash-floor of 0 USD, short by 2,752.50 USD"
    )


def test_the_ladder_shows_a_pending_settlement_on_its_date(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy())
    code, out, _ = run(books, "cash", "--as-of", "2026-10-09", "--days", "3", "--json")
    assert code == 0
    (ladder,) = json.loads(out)["ladders"]
    (custody,) = [a for a in ladder["accounts"] if a["account"] == CUSTODY_CASH]
    assert [(r["date"], r["settlements_out"], r["closing"]) for r in custody["rows"]] == [
        ("2026-10-09", "0", "250000.00"),
        ("2026-10-13", "-22752.50", "227247.50"),  # the 12th is no Fed business day
        ("2026-10-14", "0", "227247.50"),
    ]
    assert ladder["unassigned"] is None


# -- the cash ladder never overstates cash ---------------------------------------------------

NO_CASH_ACCOUNT = """
[counterparties.Broker]
name = "Broker Securities LLC"
"""


def test_settlements_of_no_known_cash_account_are_an_unassigned_line(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy(), config=NO_CASH_ACCOUNT)
    code, out, errors = run(books, "cash", "--as-of", "2026-10-09", "--days", "2", "--json")
    assert code == 1  # the outflow has no account to come from: a funding need
    report = json.loads(out)
    assert report["unassigned_counterparties"] == ["Broker"]
    (ladder,) = report["ladders"]
    rows = [(r["date"], r["settlements_out"], r["closing"]) for r in ladder["unassigned"]]
    assert rows == [("2026-10-09", "0", "0"), ("2026-10-13", "-22752.50", "-22752.50")]
    assert [(r["date"], r["closing"]) for r in ladder["total"]] == [
        ("2026-10-09", "250000.00"),
        ("2026-10-13", "227247.50"),
    ]
    assert errors.startswith(
        "warning: counterparty Broker has no cash-account: its pending settlements are in the "
        "ladder's 'unassigned' line, on no account; set cash-account under "
        "[counterparties.Broker] in backoffice.toml\n"
    )
    code, out, _ = run(books, "cash", "--as-of", "2026-10-09", "--days", "2", "--csv")
    assert [line for line in out.splitlines() if ",unassigned," in line or ",total," in line] == [
        "USD,unassigned,2026-10-09,0,0,0,0,0,0,0,0",
        "USD,unassigned,2026-10-13,0,0,-22752.50,0,-22752.50,0,-22752.50,22752.50",
        "USD,total,2026-10-09,250000.00,0,0,0,250000.00,0,250000.00,0",
        "USD,total,2026-10-13,250000.00,0,-22752.50,0,227247.50,0,227247.50,22752.50",
    ]
    code, out, _ = run(books, "cash", "--as-of", "2026-10-09", "--days", "2")
    assert "  unassigned (pending settlements of no known cash account)\n" in out


# -- import: accounts opened, short sales ----------------------------------------------------

BLOTTER_HEADER = (
    "trade-id,trade-date,settle-date,counterparty,side,quantity,symbol,isin,price,currency,"
    "commission\n"
)


def write_blotter(path: Path, *rows: str) -> Path:
    """A blotter CSV at ``path`` with ``rows`` (trade-id, dates, counterparty, side, quantity,
    symbol, ISIN, price, currency, commission)."""
    path.write_text(BLOTTER_HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def test_create_accounts_opens_the_clearing_account_and_the_security(tmp_path: Path) -> None:
    init_books(tmp_path, title="Acme", currency="USD", start=START)
    with (tmp_path / "backoffice.toml").open("a", encoding="utf-8") as handle:
        handle.write(BROKER)
    blotter = write_blotter(
        tmp_path / "broker-blotter.csv",
        "T1,2026-10-09,2026-10-13,Broker,buy,100,AAPL,US0378331005,227.40,USD,12.50",
    )
    books = tmp_path / "main.beancount"
    (tmp_path / "commodities.beancount").write_text(
        '2026-01-01 commodity USD\n2026-01-01 commodity AAPL\n  isin: "US0378331005"\n'
        '  asset-class: "equity"\n  market: "XNYS"\n',
        encoding="utf-8",
    )
    with (tmp_path / "opening.beancount").open("a", encoding="utf-8") as handle:
        handle.write(
            ENTRIES.split("2026-01-01 open Assets:Unsettled:Broker")[1].format(cash="1000000.00")
        )
    code, _, errors = run(books, "import", str(blotter))
    assert code == 1
    assert errors.startswith(
        f"{blotter}:2: books to Assets:Unsettled:Broker, which the books do not open; "
        "add to accounts.beancount:\n    2026-10-09 open Assets:Unsettled:Broker\n"
        "    or run 'backoffice import --create-accounts', which adds it\n"
    )
    code, _, errors = run(books, "import", "--create-accounts", str(blotter))
    assert code == 0, errors
    accounts = (tmp_path / "accounts.beancount").read_text(encoding="utf-8")
    assert accounts.endswith("\n2026-10-09 open Assets:Unsettled:Broker\n")
    code, out, errors = run(books, "check", "--as-of", "2026-10-13")
    assert code == 0, out + errors


def test_a_sale_of_more_than_is_held_is_refused(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy())
    blotter = write_blotter(
        tmp_path / "broker-blotter.csv",
        "T2,2026-10-14,2026-10-15,Broker,sell,150,AAPL,US0378331005,230,USD,5",
    )
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, _, errors = run(books, "import", str(blotter))
    assert code == 1
    assert errors == (
        f"{blotter}:2: trade T2 (sell) takes 150 AAPL out of {SECURITIES} on 2026-10-14, "
        "which holds 100 AAPL then; import the buy or the opening position (opening.beancount) "
        "first, check the side and the quantity, or, if the firm sells short, set "
        "allow-short = true under [settlement] in backoffice.toml\n"
        "1 error(s); nothing was written\n"
    )
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_with_allow_short_the_rest_of_a_sale_opens_a_short_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = new_books(tmp_path, buy())
    text = (tmp_path / "backoffice.toml").read_text(encoding="utf-8")
    (tmp_path / "backoffice.toml").write_text(
        text.replace("allow-short = false", "allow-short = true"), encoding="utf-8"
    )
    blotter = write_blotter(
        tmp_path / "broker-blotter.csv",
        "T2,2026-10-14,2026-10-15,Broker,sell,150,AAPL,US0378331005,230,USD,5",
    )
    code, _, errors = run(books, "import", str(blotter))
    assert code == 0, errors
    written = tmp_path / "2026" / "10" / "assets-custody-maincustodian-securities.beancount"
    postings = written.read_text(encoding="utf-8").split('source-sha256: "')[1].split("\n", 1)[1]
    assert postings == (
        "  Assets:Custody:MainCustodian:Securities      -100 AAPL {} @ 230 USD\n"
        "  Assets:Custody:MainCustodian:Securities       -50 AAPL {230 USD}\n"
        "  Expenses:Commissions                            5 USD\n"
        "  Assets:Unsettled:Broker                  34495.00 USD\n"
        "  Income:Trading:Realized\n"
    )
    assert errors_as_of(books, "2026-10-15", monkeypatch) == []
    assert held(books, "2026-10-15", monkeypatch) == -50
    # a later buy covers the short first, then opens a long lot
    cover = write_blotter(
        tmp_path / "broker-blotter-2.csv",
        "T3,2026-10-16,2026-10-19,Broker,buy,80,AAPL,US0378331005,225,USD,0",
    )
    code, _, errors = run(books, "import", str(cover))
    assert code == 0, errors
    postings = written.read_text(encoding="utf-8").rsplit('source-sha256: "', 1)[1]
    assert postings.split("\n", 1)[1] == (
        "  Assets:Custody:MainCustodian:Securities         50 AAPL {} @ 225 USD\n"
        "  Assets:Custody:MainCustodian:Securities         30 AAPL {225 USD}\n"
        "  Assets:Unsettled:Broker                  -18000.00 USD\n"
        "  Income:Trading:Realized\n"
    )
    errors_then = errors_as_of(books, "2026-10-19", monkeypatch)
    assert [error for error in errors_then if "trade T1 failed" not in error] == []
    assert held(books, "2026-10-19", monkeypatch) == 30


# -- breaks open -----------------------------------------------------------------------------


def test_breaks_open_records_a_fail_as_the_books_own_entry(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy())
    args = ["breaks", "open", "settlement-fail", "T1", "Broker short of shares"]
    code, out, errors = run(books, *args, "--amount", "22752.50 USD", "--as-of", "2026-10-16")
    assert code == 0, errors
    found = break_id("settlement-fail", "T1", "22752.50 USD", "Broker short of shares")
    entry = (
        f'2026-10-16 custom "break" "{found}" "settlement-fail"\n'
        '  link: "trade-T1"\n'
        '  description: "Broker short of shares"\n'
        "  amount: 22752.50 USD\n"
    )
    assert out == entry
    assert (tmp_path / "breaks.beancount").read_text(encoding="utf-8").endswith("\n" + entry)
    assert (
        (tmp_path / "main.beancount")
        .read_text(encoding="utf-8")
        .endswith('include "breaks.beancount"\n')
    )
    # the same break again is refused, not written twice
    code, _, errors = run(books, *args, "--amount", "22752.50 USD", "--as-of", "2026-10-19")
    assert (code, errors) == (
        2,
        f"Error: break {found} is in the books already; list it with 'backoffice breaks'\n",
    )
    code, out, _ = run(books, "breaks", "--as-of", "2026-10-16", "--json")
    (listed,) = json.loads(out)["breaks"]
    assert (listed["id"], listed["link"], listed["status"]) == (found, "trade-T1", "open")
    code, _, errors = run(books, "breaks", "resolve", found, "settled", "--as-of", "2026-10-19")
    assert code == 0, errors


def test_breaks_open_refuses_an_unknown_reference_and_a_sealed_period(tmp_path: Path) -> None:
    books = new_books(tmp_path, buy())
    code, _, errors = run(books, "breaks", "open", "price-break", "T1", "what")
    assert (code, errors) == (
        2,
        "Error: KIND: 'price-break' is no break kind; the kinds are confirmation-mismatch, "
        "unmatched-ours, unmatched-theirs, statement-difference, entitlement-mismatch, "
        "settlement-fail, other\n",
    )
    code, _, errors = run(books, "breaks", "open", "other", "T9", "what", "--as-of", "2026-10-16")
    assert (code, errors) == (
        2,
        "Error: 'T9' is no trade id and no account of the books; give the id of the trade "
        "(as 'backoffice settlements' lists it) or an account such as Assets:Bank:...\n",
    )
    code, _, errors = run(
        books, "breaks", "open", "other", CUSTODY_CASH, "x", "--amount", "12 apples"
    )
    assert (code, errors) == (
        2,
        "Error: --amount: '12 apples' is not an amount; write it as 1242392.50 USD\n",
    )
    with (tmp_path / "trades.beancount").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n2026-10-01 balance Assets:Bank:MainBank:USD  0 USD\n"
            f"2026-10-01 balance {CUSTODY_CASH}  0 USD\n"
        )
    code, out, errors = run(books, "close", "2026-09", "--as-of", "2026-10-16")
    assert code == 0, out + errors
    code, _, errors = run(
        books, "breaks", "open", "other", CUSTODY_CASH, "x", "--as-of", "2026-09-30"
    )
    assert code == 2
    assert "a break dated 2026-09-30 falls in period 2026-09" in errors


def test_the_fava_cash_page_shows_the_unassigned_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.serve import create_fava_app

    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-10-09")
    books = new_books(tmp_path, buy(), config=NO_CASH_ACCOUNT)
    client = create_fava_app(books, read_only=True).test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    page = client.get(f"/{slug}/extension/Cash/?as_of=2026-10-09&partial=true").text
    assert (
        "<summary>unassigned: settlements of Broker, which have no cash-account "
        "(counted in the total)</summary>"
    ) in page


MT940_EUR = """{1:F01ACMEDEFFAXXX0000000000}{2:O9400700261102RHBKDEFFXXXX00000000002611020700N}{4:
:20:RH261031EUR
:25:DE44500105175407324931
:28C:10/1
:60F:C261001EUR0,00
:61:2610301030C10,00NINTNONREF
:86:CREDIT INTEREST OCTOBER
:62F:C261031EUR10,00
-}
"""


def test_create_accounts_makes_a_new_currency_a_checked_cash_account(tmp_path: Path) -> None:
    """A statement in a currency the books have never seen: the account is opened with a
    cash floor (plugins.cash watches it), the currency is declared (check_commodity)."""
    init_books(tmp_path, title="Acme", currency="USD", start=START)
    statement = tmp_path / "rheinbank-2026-10.mt940"
    statement.write_text(MT940_EUR, encoding="latin-1")
    books = tmp_path / "main.beancount"
    code, out, errors = run(books, "import", "--create-accounts", str(statement))
    assert code == 0, errors
    accounts = (tmp_path / "accounts.beancount").read_text(encoding="utf-8")
    (opened,) = re.findall(r"(?m)^2026-10-01 open (\S+) +EUR\n  cash-floor: \"0 EUR\"$", accounts)
    commodities = (tmp_path / "commodities.beancount").read_text(encoding="utf-8")
    assert commodities.endswith('\n2026-10-01 commodity EUR\n  asset-class: "fx"\n')
    code, out, errors = run(books, "check", "--as-of", "2026-11-02")
    assert code == 0, out + errors
    code, out, _ = run(books, "cash", "--as-of", "2026-11-02", "--json")
    positions = {(p["account"], p["currency"]): p["settled"] for p in json.loads(out)["positions"]}
    assert positions[(opened, "EUR")] == "10.00"


def test_a_sale_the_books_hold_already_is_not_checked_again(
    tmp_path: Path,
) -> None:
    """The position check counts each trade once: rows the books hold already are a re-import."""
    books = new_books(tmp_path)
    blotter = write_blotter(
        tmp_path / "broker-blotter.csv",
        "T1,2026-10-09,2026-10-13,Broker,buy,100,AAPL,US0378331005,227.40,USD,0",
        "T2,2026-10-14,2026-10-15,Broker,sell,100,AAPL,US0378331005,230,USD,0",
    )
    code, _, errors = run(books, "import", str(blotter))
    assert code == 0, errors
    # the next day's blotter repeats the sale and adds a buy
    later = write_blotter(
        tmp_path / "broker-blotter-2.csv",
        "T2,2026-10-14,2026-10-15,Broker,sell,100,AAPL,US0378331005,230,USD,0",
        "T3,2026-10-15,2026-10-16,Broker,buy,5,AAPL,US0378331005,231,USD,0",
    )
    code, out, errors = run(books, "import", str(later))
    assert code == 0, errors
    assert "1 transaction(s) (0 to suspense), 0 balance(s), 1 duplicate(s)" in out

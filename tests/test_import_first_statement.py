"""A new account starts from its first statement (issue 15.1, 15.2).

New ``init`` books, a statement of an account they have never seen, and
``import --create-accounts``: the account is mapped and opened as a cash account,
its currency declared, its opening balance booked against ``Equity:Opening`` the
day before the first line, and ``check`` is clean. A later statement that does not
continue the books is still refused; with ``[imports] opening-from-statement =
false`` the first one is refused too, showing the entry to add.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.init import init_books
from tests.conftest import snapshot

STATEMENT_1 = (
    ":20:STMT1\r\n:25:CH9300762011623852957\r\n:28C:1/1\r\n"
    ":60F:C261001CHF100,00\r\n"
    ":61:2610021002D30,00NTRFREF1//BANK1\r\n:86:Fee\r\n"
    ":62F:C261002CHF70,00\r\n-\r\n"
)
# starts at 75.00 although the first statement closed at 70.00
STATEMENT_GAP = (
    ":20:STMT3\r\n:25:CH9300762011623852957\r\n:28C:3/1\r\n"
    ":60F:C261010CHF75,00\r\n"
    ":61:2610111011D5,00NTRFREF3//BANK3\r\n:86:Fee\r\n"
    ":62F:C261011CHF70,00\r\n-\r\n"
)


@pytest.fixture
def books(tmp_path: Path) -> Path:
    init_books(tmp_path / "books", title="T", currency="USD", start=datetime.date(2026, 1, 1))
    return tmp_path / "books"


def statement(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("ascii"))
    return path


def invoke(books: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(main, ["--books", str(books / "main.beancount"), *map(str, args)])


def without_hashes(text: str) -> str:
    """The text less its ``source-sha256`` lines (the hash of the statement)."""
    return "".join(line for line in text.splitlines(True) if "source-sha256: " not in line)


def test_first_statement_books_its_opening_balance(books: Path, tmp_path: Path) -> None:
    path = statement(tmp_path, "s1.sta", STATEMENT_1)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 0, result.output
    assert (
        "opening balance 100.00 CHF of Assets:Bank:Acct2957:CHF on 2026-10-01 "
        "booked from the first statement\n"
    ) in result.output
    month = books / "2026" / "10" / "assets-bank-acct2957-chf.beancount"
    document = "documents/Assets/Bank/Acct2957/CHF/2026-10-02.s1.sta"
    assert without_hashes(month.read_text(encoding="utf-8")).split("\n\n", 1)[1] == (
        '2026-10-01 * "Opening balance from the first statement"\n'
        f'  source: "{document}"\n'
        '  source-ref: "STMT1/opening/booked"\n'
        "  Assets:Bank:Acct2957:CHF   100.00 CHF\n"
        "  Equity:Opening            -100.00 CHF\n"
        "\n"
        "2026-10-02 balance Assets:Bank:Acct2957:CHF                        100.00 CHF\n"
        f'  source: "{document}"\n'
        '  source-ref: "STMT1/opening"\n'
        "\n"
        # the starter rules of 'backoffice init' send a bank's fee to its account
        '2026-10-02 * "Fee"\n'
        f'  source: "{document}"\n'
        '  source-ref: "BANK1"\n'
        "  Assets:Bank:Acct2957:CHF  -30.00 CHF\n"
        "  Expenses:Fees:Bank         30.00 CHF\n"
        "\n"
        "2026-10-03 balance Assets:Bank:Acct2957:CHF                        70.00 CHF\n"
        f'  source: "{document}"\n'
        '  source-ref: "STMT1/closing"\n'
    )
    # a cash account from the day of its opening, its currency declared
    accounts = (books / "accounts.beancount").read_text(encoding="utf-8")
    assert accounts.endswith(
        "\n2026-10-01 open Assets:Bank:Acct2957:CHF                        CHF\n"
        '  cash-floor: "0 CHF"\n'
    )
    commodities = (books / "commodities.beancount").read_text(encoding="utf-8")
    assert commodities.endswith('\n2026-10-01 commodity CHF\n  asset-class: "fx"\n')
    assert invoke(books, "check").exit_code == 0

    before = snapshot(books)
    again = invoke(books, "import", path)
    assert again.output.endswith("nothing new to write\n")
    assert snapshot(books) == before


def test_json_reports_the_opening(books: Path, tmp_path: Path) -> None:
    path = statement(tmp_path, "s1.sta", STATEMENT_1)
    result = invoke(books, "import", "--create-accounts", "--json", path)
    assert json.loads(result.output)["files"][0]["openings"] == [
        {"account": "Assets:Bank:Acct2957:CHF", "amount": "100.00 CHF", "date": "2026-10-01"}
    ]


def test_once_the_account_has_history_a_gap_is_refused(books: Path, tmp_path: Path) -> None:
    first = statement(tmp_path, "s1.sta", STATEMENT_1)
    assert invoke(books, "import", "--create-accounts", first).exit_code == 0
    before = snapshot(books)

    result = invoke(books, "import", statement(tmp_path, "s3.sta", STATEMENT_GAP))

    assert result.exit_code == 1
    assert (
        "the statement says Assets:Bank:Acct2957:CHF holds 75.00 CHF at the start of "
        "2026-10-11; the books with this import hold 70.00 CHF (difference 5.00 CHF)"
    ) in result.output
    assert snapshot(books) == before


def test_with_opening_from_statement_off_the_refusal_shows_the_entry(
    books: Path, tmp_path: Path
) -> None:
    with (books / "backoffice.toml").open("a", encoding="utf-8") as config:
        config.write("\n[imports]\nopening-from-statement = false\n")
    path = statement(tmp_path, "s1.sta", STATEMENT_1)
    before = snapshot(books)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 1
    assert without_hashes(result.stderr) == (
        f"{path}:4: the books hold nothing on Assets:Bank:Acct2957:CHF before this "
        "statement, which starts it at 100.00 CHF; [imports] opening-from-statement is "
        "false; add this entry to the books, then retry:\n"
        '    2026-10-01 * "Opening balance from the first statement"\n'
        '      source: "documents/Assets/Bank/Acct2957/CHF/2026-10-02.s1.sta"\n'
        '      source-ref: "STMT1/opening/booked"\n'
        "      Assets:Bank:Acct2957:CHF   100.00 CHF\n"
        "      Equity:Opening            -100.00 CHF\n"
        "    \n"
        "1 error(s); nothing was written\n"
    )
    assert snapshot(books) == before


def test_a_file_of_several_accounts_creates_them_all(books: Path, tmp_path: Path) -> None:
    """Two accounts of one bank whose derived names collide (same last digits)."""
    two = STATEMENT_1 + STATEMENT_1.replace("STMT1", "STMT2").replace(
        "CH9300762011623852957", "CH5604835012345672957"
    ).replace("BANK1", "BANK2")
    path = statement(tmp_path, "two.sta", two)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 0, result.output
    assert (
        "mapped CH9300762011623852957 to Assets:Bank:Acct2957:CHF in backoffice.toml\n"
        "mapped CH5604835012345672957 to Assets:Bank:Acct012345672957:CHF"
    ) in result.output
    assert invoke(books, "check").exit_code == 0


def test_created_accounts_never_break_a_seal(books: Path, tmp_path: Path) -> None:
    """September is sealed; the first statement's line is on 1 October, so its opening
    balance (30 September) goes into October with --adjust, and the account's ``open``
    and its currency's ``commodity`` are dated 1 October, not in the sealed month."""
    with open(books / "opening.beancount", "a", encoding="utf-8") as handle:
        handle.write(
            "\n2026-10-01 balance Assets:Bank:MainBank:USD  0 USD\n"
            "2026-10-01 balance Assets:Custody:MainCustodian:Cash:USD  0 USD\n"
        )
    closed = invoke(books, "close", "2026-09")
    assert closed.exit_code == 0, closed.output
    path = statement(
        tmp_path,
        "s1.sta",
        STATEMENT_1.replace("C261001CHF100", "C260930CHF100")
        .replace("2610021002D", "2610011001D")
        .replace("C261002CHF70", "C261001CHF70"),
    )

    refused = invoke(books, "import", "--create-accounts", path)
    assert refused.exit_code == 1
    assert "falls in period 2026-09" in refused.output
    result = invoke(books, "import", "--create-accounts", "--adjust", path)

    assert result.exit_code == 0, result.output
    accounts = (books / "accounts.beancount").read_text(encoding="utf-8")
    assert accounts.endswith(
        "\n2026-10-01 open Assets:Bank:Acct2957:CHF                        CHF\n"
        '  cash-floor: "0 CHF"\n'
    )
    commodities = (books / "commodities.beancount").read_text(encoding="utf-8")
    assert commodities.endswith('\n2026-10-01 commodity CHF\n  asset-class: "fx"\n')
    check = invoke(books, "check")
    assert check.exit_code == 0, check.output
    assert invoke(books, "verify").exit_code == 0


def test_a_statement_without_its_opening_balance_is_refused(books: Path, tmp_path: Path) -> None:
    """:60F: is mandatory: without it the opening would be derived from the closing
    balance less the lines, and a lost line would never show (found by the fuzz test)."""
    path = statement(tmp_path, "s1.sta", STATEMENT_1.replace(":60F:C261001CHF100,00\r\n", ""))
    before = snapshot(books)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 1
    assert (
        f"{path}:1: statement STMT1 has no opening balance (:60F: or :60M:); "
        "the statement is damaged; ask the bank to resend it\n"
    ) in result.output
    assert snapshot(books) == before

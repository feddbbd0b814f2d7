"""Statements of one account in one file continue one another (issue 15.4, 15.7).

A bank's MT940 file may hold several statements of an account, or one statement in
pages (``:62M:``/``:60M:``), whose closing date is a day the next one books lines
on. Each statement must open where the one before closed; the balance a day's start
cannot hold (the first's closing, asserted the day after its date) is left out.
A new account whose statement shows it overdrawn gets that overdraft as its floor.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import snapshot
from tests.test_import_first_statement import books, invoke, statement, without_hashes

__all__ = ["books"]  # the fixture

# the first statement's :62F: is dated 2026-10-05, a day the second books a line on
SHARED_DAY = (
    ":20:STMT1\r\n:25:CH9300762011623852957\r\n:28C:1/1\r\n"
    ":60F:C261001CHF100,00\r\n"
    ":61:2610021002D30,00NTRFREF1//BANK1\r\n:86:Fee\r\n"
    ":62F:C261005CHF70,00\r\n"
    ":20:STMT2\r\n:25:CH9300762011623852957\r\n:28C:2/1\r\n"
    ":60F:C261005CHF70,00\r\n"
    ":61:2610051005D5,00NTRFREF2//BANK2\r\n:86:Fee\r\n"
    ":62F:C261005CHF65,00\r\n-\r\n"
)


def test_statements_sharing_their_boundary_day(books: Path, tmp_path: Path) -> None:
    path = statement(tmp_path, "two.sta", SHARED_DAY)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 0, result.output
    month = books / "2026" / "10" / "assets-bank-acct2957-chf.beancount"
    document = "documents/Assets/Bank/Acct2957/CHF/2026-10-05.two.sta"
    # no "2026-10-06 balance ... 70.00 CHF": the second statement's line of the 5th
    # comes before it; the second's opening holds the same number at the 5th's start
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
        '2026-10-02 * "Fee"\n'
        f'  source: "{document}"\n'
        '  source-ref: "BANK1"\n'
        "  Assets:Bank:Acct2957:CHF  -30.00 CHF\n"
        "  Expenses:Fees:Bank         30.00 CHF\n"
        "\n"
        "2026-10-05 balance Assets:Bank:Acct2957:CHF                        70.00 CHF\n"
        f'  source: "{document}"\n'
        '  source-ref: "STMT2/opening"\n'
        "\n"
        '2026-10-05 * "Fee"\n'
        f'  source: "{document}"\n'
        '  source-ref: "BANK2"\n'
        "  Assets:Bank:Acct2957:CHF  -5.00 CHF\n"
        "  Expenses:Fees:Bank         5.00 CHF\n"
        "\n"
        "2026-10-06 balance Assets:Bank:Acct2957:CHF                        65.00 CHF\n"
        f'  source: "{document}"\n'
        '  source-ref: "STMT2/closing"\n'
    )
    assert invoke(books, "check").exit_code == 0
    imported = snapshot(books)
    assert invoke(books, "import", path).output.endswith("nothing new to write\n")
    assert snapshot(books) == imported


def test_a_statement_that_does_not_open_where_the_one_before_closed(
    books: Path, tmp_path: Path
) -> None:
    path = statement(
        tmp_path,
        "gap.sta",
        SHARED_DAY.replace(":60F:C261005CHF70,00", ":60F:C261005CHF75,00").replace(
            ":62F:C261005CHF65,00", ":62F:C261005CHF70,00"
        ),
    )
    before = snapshot(books)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 1
    assert result.output == (
        f"{path}:11: statement STMT2 opens with 75.00 CHF on 2026-10-05, but the statement "
        "before it on this account (STMT1, line 7) closed with 70.00 CHF; a statement "
        "between them is missing from the file; ask the bank for the complete sequence\n"
        "1 error(s); nothing was written\n"
    )
    assert snapshot(books) == before


def test_a_new_account_overdrawn_on_its_statement_gets_that_floor(
    books: Path, tmp_path: Path
) -> None:
    overdrawn = SHARED_DAY.replace(":60F:C261001CHF100,00", ":60F:D261001CHF100,00")
    overdrawn = overdrawn.replace("CHF70,00", "CHF130,00").replace(
        ":62F:C261005CHF65,00", ":62F:D261005CHF135,00"
    )
    overdrawn = overdrawn.replace(":62F:C261005CHF130,00", ":62F:D261005CHF130,00").replace(
        ":60F:C261005CHF130,00", ":60F:D261005CHF130,00"
    )
    path = statement(tmp_path, "overdrawn.sta", overdrawn)

    result = invoke(books, "import", "--create-accounts", path)

    assert result.exit_code == 0, result.output
    accounts = (books / "accounts.beancount").read_text(encoding="utf-8")
    assert accounts.endswith(
        "\n2026-10-01 open Assets:Bank:Acct2957:CHF                        CHF\n"
        '  cash-floor: "-135.00 CHF"\n'
    )
    assert invoke(books, "check").exit_code == 0

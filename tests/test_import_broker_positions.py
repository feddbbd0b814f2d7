"""A broker's first investment statement opens the securities account (issue 15.1).

Fidelity's OFX (from the ofxparse project) sells 8.035 SPY that it bought before the
statement and no longer lists among its positions: the position list less the
statement's movements says what was held, booked against ``Equity:Opening`` the day
before the statement, at the price of its first trade (the file gives no cost). With
``[imports] opening-from-statement = false`` the import is refused with that entry.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.init import init_books
from tests.conftest import REPO, snapshot
from tests.test_import_first_statement import without_hashes

FIDELITY = REPO / "tests" / "data" / "third_party" / "ofx" / "ofxparse-fidelity.ofx"
SPY_OPENING = (
    '2012-07-09 * "Fidelity" "Opening balance from the first statement"\n'
    '  source: "{source}"\n'
    '  source-ref: "01234567890/78462F103/opening/booked"\n'
    "  Assets:Custody:MainCustodian:Securities   8.03500 SPY {{137.160000000 USD}}\n"
    "  Equity:Opening                           -1102.08 USD\n"
)


@pytest.fixture
def books(tmp_path: Path) -> Path:
    init_books(tmp_path / "books", title="T", currency="USD", start=datetime.date(2012, 1, 1))
    return tmp_path / "books"


def invoke(books: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(main, ["--books", str(books / "main.beancount"), *map(str, args)])


def test_the_first_statement_opens_the_positions_it_sells(books: Path) -> None:
    result = invoke(books, "import", "--create-accounts", FIDELITY)

    assert result.exit_code == 0, result.output
    assert (
        "opening balance 8.03500 SPY of Assets:Custody:MainCustodian:Securities on 2012-07-09 "
        "booked from the first statement\n"
    ) in result.output
    month = books / "2012" / "07" / "assets-custody-maincustodian-securities.beancount"
    source = "documents/Assets/Custody/MainCustodian/Securities/2012-09-08.ofxparse-fidelity.ofx"
    assert SPY_OPENING.format(source=source) in without_hashes(month.read_text(encoding="utf-8"))
    assert invoke(books, "check").exit_code == 0


def test_without_openings_from_statements_the_entry_to_add_is_shown(books: Path) -> None:
    with (books / "backoffice.toml").open("a", encoding="utf-8") as config:
        config.write("\n[imports]\nopening-from-statement = false\n")
    before = snapshot(books)

    result = invoke(books, "import", "--create-accounts", FIDELITY)

    assert result.exit_code == 1
    assert without_hashes(result.output).endswith(
        f"{FIDELITY}:INVPOSLIST: the securities account holds none of SPY before this "
        "statement, which takes some out; [imports] opening-from-statement is false; add these "
        "entries to the books (opening.beancount), then retry:\n"
        + "".join(
            "    " + line if line else line
            for line in SPY_OPENING.format(source=FIDELITY).splitlines(True)
        )
        + "    \n1 error(s); nothing was written\n"
    )
    assert snapshot(books) == before

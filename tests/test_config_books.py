"""The config against the books it sits beside: paths stay inside them, the
accounts it names are opened, and the CLI needs one (init writes it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import write_books

MAIN = """
option "operating_currency" "USD"
2026-01-01 open Assets:Bank:A:USD USD
2026-01-01 open Assets:Unsettled:Broker
2026-01-01 open Assets:Suspense
"""


def run(books: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--books", str(books), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ('"../outside"', "documents = '../outside' leads outside the books directory"),
        ('"/srv/archive"', "documents = '/srv/archive': not a relative path"),
        ('"docs/../../x"', "documents = 'docs/../../x' leads outside the books directory"),
    ],
)
def test_documents_outside_the_books_is_a_config_error(
    tmp_path: Path, documents: str, message: str
) -> None:
    books = write_books(
        tmp_path / "books",
        {"main.beancount": MAIN, "backoffice.toml": f"documents = {documents}\n[firm]\n"},
    )
    code, output = run(books, "check")
    assert code == 2
    assert output == (
        f"Error: {tmp_path}/books/backoffice.toml:1: {message}; give a path relative to "
        f"the books directory {tmp_path}/books, inside it\n"
    )


def test_documents_through_a_symlink_is_a_config_error(tmp_path: Path) -> None:
    books = write_books(tmp_path / "books", {"main.beancount": MAIN, "backoffice.toml": "[firm]\n"})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "books" / "documents").symlink_to(tmp_path / "elsewhere")
    code, output = run(books, "check")
    assert code == 2
    assert "documents = 'documents': documents is a symbolic link" in output


@pytest.mark.parametrize("text", [None, "", "# nothing yet\n"])
def test_a_missing_or_empty_config_is_a_usage_error(tmp_path: Path, text: str | None) -> None:
    files = {"main.beancount": MAIN}
    if text is not None:
        files["backoffice.toml"] = text
    books = write_books(tmp_path, files)
    code, output = run(books, "check")
    assert code == 2
    what = "no such file" if text is None else "the file is empty"
    assert output == (
        f"Error: {tmp_path}/backoffice.toml: {what}; every Backoffice command reads the "
        "books' settings from it: create books with 'backoffice init DIR', or add at least "
        "a [firm] table (name, base-currency)\n"
    )


def test_accounts_the_config_names_must_be_opened(tmp_path: Path) -> None:
    config = (
        "[firm]\n"
        "[accounts]\n"
        'suspense = "Assets:DoesNotExist"\n'
        'fees = "Expenses:Fees"\n'
        "[counterparties.Broker]\n"
        "[counterparties.Other]\n"
    )
    books = write_books(tmp_path, {"main.beancount": MAIN, "backoffice.toml": config})
    code, output = run(books, "check")
    assert code == 1
    toml = tmp_path / "backoffice.toml"
    assert output.splitlines() == [
        f"{toml}:3: accounts.suspense names Assets:DoesNotExist, which the books never open; "
        "add 'YYYY-MM-DD open Assets:DoesNotExist' to the chart of accounts or fix the name",
        f"{toml}:4: accounts.fees names Expenses:Fees, which the books never open; add "
        "'YYYY-MM-DD open Expenses:Fees' to the chart of accounts or fix the name",
        f"{toml}:6: counterparties.Other (its clearing account) names Assets:Unsettled:Other, "
        "which the books never open; add 'YYYY-MM-DD open Assets:Unsettled:Other' to the "
        "chart of accounts or fix the name",
        "3 entries, 3 error(s), 0 warning(s)",
    ]

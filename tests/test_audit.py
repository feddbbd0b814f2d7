"""The audit trail: close --commit, backoffice audit, verify's document check (real git)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.gitlog import GitError, commit_books_change, commit_message
from tests.conftest import write_books
from tests.test_close import ACCOUNTS, CONFIG, MAIN, OCTOBER

STATEMENT = b":20:FH-STMT-2026-10\n:61:2610051005D12,50NCHGFH-1//fee\n"
SHA = hashlib.sha256(STATEMENT).hexdigest()
DOCUMENT = "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.statement.mt940"

IMPORTED = f"""
2026-10-05 * "First Harbor" "Account fee"
  source: "{DOCUMENT}"
  source-ref: "FH-1"
  source-sha256: "{SHA}"
  Expenses:Fees:Bank                  12.50 USD
  Assets:Bank:FirstHarbor:USD
"""


def run_git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=directory, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Books in a git repository of their own, first commit made; returns main.beancount."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ops Desk")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ops@example.com")
        monkeypatch.setenv(f"GIT_{role}_DATE", "2026-11-02T09:00:00+00:00")
    books = tmp_path / "books"
    october = OCTOBER.replace(OCTOBER.split("\n\n")[1] + "\n\n", "")
    main_file = write_books(
        books,
        {
            "main.beancount": MAIN + 'include "imported.beancount"\n',
            "accounts.beancount": ACCOUNTS,
            "october.beancount": october,
            "backoffice.toml": CONFIG,
            ".gitignore": ".backoffice.lock\n",
        },
    )
    run_git(books, "init", "--quiet", "-b", "main")
    run_git(books, "add", ".")
    run_git(books, "commit", "--quiet", "-m", "books")
    document = books / DOCUMENT
    document.parent.mkdir(parents=True)
    document.write_bytes(STATEMENT)
    document.chmod(0o444)
    (books / "imported.beancount").write_text(IMPORTED.lstrip())
    commit_books_change(
        books, [document, books / "imported.beancount"], "import: 1 document (1 entry)"
    )
    return main_file


def test_close_commit_lists_each_document_and_its_sha256(repo: Path) -> None:
    books = repo.parent
    (books / "untouched.txt").write_text("someone else's work in progress\n")
    result = CliRunner().invoke(main, ["--books", str(repo), "close", "2026-10", "--commit"])
    assert result.exit_code == 0, result.output
    head = run_git(books, "log", "-1", "--format=%H%n%B").strip().splitlines()
    assert result.output.splitlines()[-2] == f"committed {head[0]}"
    digest = (books / "closes.beancount").read_text().split('digest: "')[1][:64]
    names = [
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
        "closes.beancount",
        "main.beancount",
    ]
    assert head[1:] == [
        f"close 2026-10: seal {digest}",
        "",
        *[f"{hashlib.sha256((books / n).read_bytes()).hexdigest()}  {n}" for n in names],
    ]
    # Only the close's files are committed; the rest of the tree is left alone.
    assert run_git(books, "status", "--porcelain") == "?? untouched.txt\n"


def test_commit_outside_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(GitError, match="is not in a git repository; run 'git init' there"):
        commit_books_change(tmp_path, [tmp_path / "a.txt"], "title")


def test_commit_message_format() -> None:
    assert commit_message("import: 2 documents", [("a.xml", "ab" * 32), ("b.csv", "cd" * 32)]) == (
        f"import: 2 documents\n\n{'ab' * 32}  a.xml\n{'cd' * 32}  b.csv\n"
    )


def test_audit_shows_document_reference_and_import_commit(repo: Path) -> None:
    books = repo.parent
    imported = run_git(books, "log", "-1", "--format=%H").strip()
    result = CliRunner().invoke(main, ["--books", str(repo), "audit", "FH-1", "--json"])
    assert result.exit_code == 0, result.output
    commit = {
        "author": "Ops Desk",
        "date": "2026-11-02T09:00:00+00:00",
        "id": imported,
        "subject": "import: 1 document (1 entry)",
    }
    assert json.loads(result.output) == {
        "ref": "FH-1",
        "entries": [
            {
                "file": "books/imported.beancount",
                "line": 1,
                "date": "2026-10-05",
                "entry": '2026-10-05 * "First Harbor" "Account fee"',
                "source": DOCUMENT,
                "source_ref": "FH-1",
                "source_sha256": SHA,
                "document_sha256": SHA,
                "document_ok": True,
                "document_line": {"line": 2, "text": ":61:2610051005D12,50NCHGFH-1//fee"},
                "imported_by": commit,
                "last_edit_by": commit,
                "archived_by": commit,
            }
        ],
    }
    text = CliRunner().invoke(main, ["--books", str(repo), "audit", "FH-1"]).output
    assert text.splitlines()[:4] == [
        'books/imported.beancount:1: 2026-10-05 * "First Harbor" "Account fee"',
        f"  document   {DOCUMENT} (sha256 {SHA}: matches)",
        "  reference  FH-1",
        "  line       2: :61:2610051005D12,50NCHGFH-1//fee",
    ]


def test_audit_of_an_unknown_reference_fails(repo: Path) -> None:
    result = CliRunner().invoke(main, ["--books", str(repo), "audit", "NOPE"])
    assert result.exit_code == 1
    assert "no entry is linked ^NOPE or has source-ref NOPE" in result.output


def test_verify_checks_archived_documents(repo: Path) -> None:
    result = CliRunner().invoke(main, ["--books", str(repo), "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["no sealed periods", f"{DOCUMENT}  1 entries  ok"]

    document = repo.parent / DOCUMENT
    document.chmod(0o644)
    document.write_bytes(STATEMENT.replace(b"12,50", b"21,50"))
    result = CliRunner().invoke(main, ["--books", str(repo), "verify"])
    assert result.exit_code == 1
    changed = hashlib.sha256(document.read_bytes()).hexdigest()
    assert result.output.splitlines()[1:] == [
        f"{DOCUMENT}  1 entries  MISMATCH",
        f"    books/imported.beancount:1: source-sha256 {SHA} differs from the archived "
        f"{DOCUMENT} (sha256 {changed}): the document or the entry was changed after the import",
    ]


def test_import_commit_lists_the_archived_document_and_its_sha256(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = demo_books.parent
    monkeypatch.chdir(books)
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ops Desk")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ops@example.com")
    (books / ".gitignore").write_text(".backoffice.lock\n")
    run_git(books, "init", "--quiet", "-b", "main")
    run_git(books, "add", ".")
    run_git(books, "commit", "--quiet", "-m", "books")
    statement = books / "inbox" / "firstharbor-2026-10.mt940"
    result = CliRunner().invoke(
        main, ["--books", "main.beancount", "import", str(statement), "--commit", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    message = run_git(books, "log", "-1", "--format=%H%n%B").strip().splitlines()
    assert message[0] == report["commit"]
    assert message[1:3] == ["import: firstharbor-2026-10.mt940", ""]
    archived = "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940"
    assert report["written"][0] == archived
    assert message[3:] == [
        f"{hashlib.sha256((books / name).read_bytes()).hexdigest()}  {name}"
        for name in sorted(report["written"])
    ]
    assert f"{hashlib.sha256(statement.read_bytes()).hexdigest()}  {archived}" in message[3:]
    assert run_git(books, "status", "--porcelain") == ""

"""``backoffice init``: new books ready for closes and ``--commit`` (a .gitignore)."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from ledger.books import load
from ledger.init import init_books
from ledger.writer import BooksWriter

START = datetime.date(2026, 1, 1)


def git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], check=True, capture_output=True, text=True
    ).stdout


def test_init_writes_a_gitignore_with_the_lock(tmp_path: Path) -> None:
    written = init_books(tmp_path, title="Acme", currency="EUR", start=START)
    assert written[-1] == tmp_path / ".gitignore"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        "# Written by 'backoffice init'. Backoffice's write lock and the journal of a\n"
        "# commit in progress (ledger/writer.py) are not part of the books; everything else "
        "here is.\n"
        ".backoffice.lock\n"
        ".backoffice.journal\n"
    )


def test_init_adds_the_lock_to_an_existing_gitignore_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc", encoding="utf-8")
    init_books(tmp_path, title="Acme", currency="EUR", start=START)
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        "*.pyc\n.backoffice.lock\n.backoffice.journal\n"
    )

    kept = tmp_path / "again"
    kept.mkdir()
    (kept / ".gitignore").write_text(".backoffice.lock\n.backoffice.journal\n", encoding="utf-8")
    init_books(kept, title="Acme", currency="EUR", start=START)
    assert (kept / ".gitignore").read_text(encoding="utf-8") == (
        ".backoffice.lock\n.backoffice.journal\n"
    )


def test_the_lock_stays_out_of_git(tmp_path: Path) -> None:
    init_books(tmp_path, title="Acme", currency="EUR", start=START)
    git(tmp_path, "init", "--quiet", "-b", "main")
    with BooksWriter(tmp_path) as writer:  # takes the lock, so the lock file exists
        writer.write_text(tmp_path / "inbox" / ".keep", "")
    assert (tmp_path / ".backoffice.lock").exists()
    assert ".backoffice.lock" not in git(tmp_path, "status", "--porcelain", "--ignored=no")


def test_new_books_load_the_period_lock_first(tmp_path: Path) -> None:
    init_books(tmp_path, title="Acme", currency="EUR", start=START)
    books = load(tmp_path / "main.beancount")
    assert books.errors == []
    assert [name for name, _ in books.options["plugin"]] == [
        "plugins.period_lock",
        "beancount.plugins.check_commodity",
        "plugins.noduplicates",
        "plugins.settlement",
        "plugins.cash",
        "plugins.breaks",
    ]

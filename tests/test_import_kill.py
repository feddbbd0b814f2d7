"""An import killed with SIGKILL in the middle of its write leaves books that
load with all or none of the batch's entries.

The child process counts the renames into the books directory (those of
:class:`~ledger.writer.BooksWriter` committing, not a cache's elsewhere) and
kills itself just before the N-th. The first rename puts the journal in
place; a kill before it leaves the books as they were, a kill after it leaves
the journal, which :func:`ledger.books.load` rolls forward before loading.
Beancount's own loader (``bean-check``, Fava) does not read the journal: in
the gap it sees whatever renames had happened.
"""

from __future__ import annotations

import datetime
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from ledger.books import load
from ledger.writer import JOURNAL_NAME
from tests.conftest import REPO

INBOX = REPO / "books" / "inbox"
BANK_FILES = sorted(p for p in INBOX.iterdir() if p.name.startswith(("firstharbor", "rheinbank")))

CHILD = """
import os, signal, sys
from ledger.cli import main

kill_at = int(sys.argv[1])
books_dir = os.path.dirname(os.path.abspath(sys.argv[2])) + os.sep
real_replace = os.replace
calls = 0


def replace(src, dst):
    global calls
    if os.path.abspath(dst).startswith(books_dir):  # not a cache outside the books
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        calls += 1
    real_replace(src, dst)


os.replace = replace
main(["--books", sys.argv[2], "import", *sys.argv[3:]])
"""


def killed_import(books: Path, kill_at: int, files: list[Path]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(kill_at), str(books), *map(str, files)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    return done.returncode


def refs_in(entries: list[data.Directive]) -> set[tuple[str, str]]:
    """(bank, source-ref) of each bank statement entry."""
    out = set()
    for entry in entries:
        if str(entry.meta.get("source", "")).startswith("documents/Assets/Bank"):
            account = (
                entry.account if isinstance(entry, data.Balance) else entry.postings[0].account
            )
            out.add((account.split(":")[2], str(entry.meta["source-ref"])))
    return out


def imported_refs(books: Path) -> set[tuple[str, str]]:
    loaded = load(books)
    assert not [e for e in loaded.errors if "Balance" in type(e).__name__ or "include" in str(e)]
    assert not (books.parent / JOURNAL_NAME).exists()
    return refs_in(loaded.entries)


ALL = 27  # 18 transactions, 9 balances


@pytest.mark.parametrize("kill_at", [0, 1, 5, 7, 10, 11])
def test_a_first_import_killed_mid_write_leaves_all_or_nothing(
    kill_at: int, demo_books: Path
) -> None:
    # 12 renames, in path order after the journal: 4 month files, 6 documents, the main file
    assert killed_import(demo_books, kill_at, BANK_FILES) == -signal.SIGKILL
    journal = demo_books.parent / JOURNAL_NAME
    assert journal.exists() == (kill_at > 0)
    assert len(imported_refs(demo_books)) == (0 if kill_at == 0 else ALL)
    assert killed_import(demo_books, 99, BANK_FILES) == 0
    assert len(imported_refs(demo_books)) == ALL


def test_a_batch_appending_to_two_files_killed_between_them(demo_books: Path) -> None:
    """October first; then November's FirstHarbor and Rheinbank statements append
    to two month files already included. Killed after the first of the two
    renames, a plain Beancount load sees one statement's lines and not the
    other's; ``ledger.books.load`` finishes the commit and sees both."""
    october = [p for p in BANK_FILES if "2026-10" in p.name]
    november = [p for p in BANK_FILES if p.name.endswith(("2026-11.xml", "2026-11-a.ofx"))]
    assert killed_import(demo_books, 99, october) == 0
    before = imported_refs(demo_books)
    # renames: the journal, the FirstHarbor then the Rheinbank month file, 2 documents
    assert killed_import(demo_books, 2, november) == -signal.SIGKILL
    entries, _, _ = loader.load_file(str(demo_books))
    gap = refs_in(entries) - before
    assert {bank for bank, _ in gap} == {"FirstHarbor"}  # its file renamed, Rheinbank's not
    after = imported_refs(demo_books)
    assert {bank for bank, _ in after - before - gap} == {"Rheinbank"}
    assert killed_import(demo_books, 99, november) == 0  # adds nothing: all was there
    assert imported_refs(demo_books) == after


@pytest.mark.parametrize("kill_at", [0, 1, 2])
def test_an_import_into_an_included_month_killed_mid_write(kill_at: int, demo_books: Path) -> None:
    october = [p for p in BANK_FILES if "2026-10" in p.name]
    intraday = [p for p in BANK_FILES if p.suffix == ".mt942"]
    assert killed_import(demo_books, 99, october) == 0
    before = imported_refs(demo_books)
    # renames: the journal, the month file, the document
    assert (demo_books.parent / "2026" / "11" / "assets-bank-firstharbor-usd.beancount").exists()
    assert killed_import(demo_books, kill_at, intraday) == -signal.SIGKILL
    line = ("FirstHarbor", "FH2611270002")
    assert imported_refs(demo_books) == (before if kill_at == 0 else before | {line})
    assert killed_import(demo_books, 99, intraday) == 0
    assert imported_refs(demo_books) == before | {line}


@pytest.mark.parametrize("kill_at", [1, 2])
def test_the_next_import_finishes_a_killed_one_before_reading_the_books(
    kill_at: int, demo_books: Path
) -> None:
    """The bank-only import reads the books' text, not ``books.load``: it must
    roll the journal forward itself, then find the line already booked."""
    october = [p for p in BANK_FILES if "2026-10" in p.name]
    intraday = [p for p in BANK_FILES if p.suffix == ".mt942"]
    assert killed_import(demo_books, 99, october) == 0
    assert killed_import(demo_books, kill_at, intraday) == -signal.SIGKILL
    assert (demo_books.parent / JOURNAL_NAME).exists()
    assert killed_import(demo_books, 99, intraday) == 0
    assert not (demo_books.parent / JOURNAL_NAME).exists()
    entries = load(demo_books).entries
    assert [e.date for e in entries if e.meta.get("source-ref") == "FH2611270002"] == [
        datetime.date(2026, 11, 27)
    ]


def staged_files(books: Path) -> list[str]:
    return sorted(str(p.relative_to(books.parent)) for p in books.parent.rglob("*.tmp"))


def test_the_temporary_files_of_an_import_killed_before_its_journal_are_removed(
    demo_books: Path,
) -> None:
    """Killed before the journal's rename, the import wrote nothing but its staged
    files (the month files, the main file, the copies of the documents); the next
    import, which finds no journal to finish, removes them and writes its own."""
    assert killed_import(demo_books, 0, BANK_FILES) == -signal.SIGKILL
    left = staged_files(demo_books)
    assert any(name.startswith("documents/") for name in left)
    assert len(left) == 12  # 4 month files, 6 documents, the main file, the journal
    assert killed_import(demo_books, 99, BANK_FILES) == 0
    assert staged_files(demo_books) == []
    assert len(imported_refs(demo_books)) == ALL

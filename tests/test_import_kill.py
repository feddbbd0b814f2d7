"""An import killed with SIGKILL in the middle of its write leaves books that
load with all or none of the batch's entries.

The child process counts the renames :class:`~ledger.writer.BooksWriter` makes
while committing and kills itself just before the N-th. The files are renamed
in path order: archived documents, then month files, then the main file's
``include`` lines, so entries in new month files appear only with the last
rename, and a batch appending to one month file already included appears
with that single rename.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.books import load
from tests.conftest import REPO

INBOX = REPO / "books" / "inbox"
BANK_FILES = sorted(p for p in INBOX.iterdir() if p.name.startswith(("firstharbor", "rheinbank")))

CHILD = """
import os, signal, sys
from ledger.cli import main

kill_at = int(sys.argv[1])
real_replace = os.replace
calls = 0


def replace(src, dst):
    global calls
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


def imported_refs(books: Path) -> set[str]:
    loaded = load(books)
    assert not [e for e in loaded.errors if "Balance" in type(e).__name__ or "include" in str(e)]
    return {
        str(entry.meta["source-ref"])
        for entry in loaded.entries
        if str(entry.meta.get("source", "")).startswith("documents/Assets/Bank")
    }


@pytest.mark.parametrize("kill_at", [0, 5, 6, 7, 8])
def test_a_first_import_killed_mid_write_leaves_all_or_nothing(
    kill_at: int, demo_books: Path
) -> None:
    assert killed_import(demo_books, kill_at, BANK_FILES) == -signal.SIGKILL
    assert imported_refs(demo_books) == set()  # every kill comes before the last rename
    assert killed_import(demo_books, 99, BANK_FILES) == 0
    assert len(imported_refs(demo_books)) == 27  # 18 transactions, 9 balances


@pytest.mark.parametrize("kill_at", [0, 1])
def test_an_import_into_an_included_month_killed_mid_write(kill_at: int, demo_books: Path) -> None:
    october = [p for p in BANK_FILES if "2026-10" in p.name]
    intraday = [p for p in BANK_FILES if p.suffix == ".mt942"]
    assert killed_import(demo_books, 99, october) == 0
    before = imported_refs(demo_books)
    assert os.path.exists(demo_books.parent / "imported" / "2026-11.beancount")
    assert killed_import(demo_books, kill_at, intraday) == -signal.SIGKILL
    assert imported_refs(demo_books) == before
    assert killed_import(demo_books, 99, intraday) == 0
    assert imported_refs(demo_books) == before | {"FH2611270002"}

"""Imports and closes started at the same time, as separate processes, leave the
books as *some* sequential order of the same commands would: every writer takes
the books' lock before it reads them and holds it until its write is committed.

Two races, on private copies of the demo books:

- the same statements imported by several processes at once, beside one process
  importing all of them: each entry is written once (no duplicate), as one
  sequential import would write it;
- ``close 2026-10`` against the import of a late October statement, the import
  started a little before, with or after the close: either the import wins (its
  line is booked, and the close is refused: the line went to suspense) or the
  close wins (the period is sealed, and the import is refused). Never both: no
  entry lands inside the sealed period after the seal.

``BACKOFFICE_RACE_ROUNDS=N`` runs each race N times (the figures in
docs/close-and-audit.md); by default the first runs once, the second three times.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ledger.books import load
from ledger.close.hashes import booked_hashes
from ledger.close.seal import read_seals
from ledger.config import load_config
from ledger.imports.pipeline import run_import
from tests.conftest import DEMO_BOOKS, REPO

INBOX = DEMO_BOOKS / "inbox"
OCTOBER = [
    INBOX / "firstharbor-2026-10.mt940",
    INBOX / "rheinbank-2026-10.xml",
]
# A Rheinbank export of one account-keeping fee on 30 October, found after the month
# ended: no rule classifies it, so it goes to suspense (which blocks the close).
LATE = (
    "Rheinbank AG - Umsatzanzeige;;;;;;;\n"
    "Konto DE89 3704 0044 0532 0130 00 - Zeitraum 30.10.2026 bis 30.10.2026;;;;;;;\n"
    "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Referenz;Soll;Haben;Saldo\n"
    "30.10.2026;30.10.2026;Rheinbank AG;Kontoführung;RB26103000077;5,00;;\n"
)

# Each child waits, after its imports, for the moment given as its first argument,
# so that the commands themselves (not Python's start-up) race.
CHILD = """
import sys, time
from ledger.cli import main
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
main(sys.argv[2:], prog_name="backoffice")
"""

State = tuple[Counter[bytes], tuple[str, ...]]


def state(main: Path) -> State:
    """What the books say, whatever the order of their files: the multiset of their
    entries (canonical hashes, as parsed and booked) and the periods sealed."""
    digests = Counter(digest for file in booked_hashes(main) for _, _, digest in file.records)
    seals, _ = read_seals(load(main).entries)
    return digests, tuple(seal.period for seal in seals)


def copy_books(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target / "main.beancount"


def race(commands: list[tuple[float, list[str]]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at once (each one ``delay`` seconds after a common start)."""
    start = time.time() + 2.0  # after every child has imported Backoffice
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(start + delay), *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for delay, args in commands
    ]
    done = []
    for child, (_, args) in zip(children, commands, strict=True):
        out, err = child.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, child.returncode, out, err))
    return done


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo books with their whole inbox imported, and the late statement beside."""
    root = tmp_path_factory.mktemp("race")
    main = copy_books(DEMO_BOOKS, root / "imported")
    run_import(main, load_config(main), sorted(p for p in INBOX.iterdir() if p.is_file()))
    (root / "rheinbank-2026-10-late.csv").write_bytes(LATE.encode("cp1252"))
    return main


@pytest.mark.parametrize("round_", range(int(os.environ.get("BACKOFFICE_RACE_ROUNDS", "1"))))
def test_the_same_statements_imported_at_once_are_written_once(tmp_path: Path, round_: int) -> None:
    sequential = copy_books(DEMO_BOOKS, tmp_path / "sequential")
    run_import(sequential, load_config(sequential), OCTOBER)
    expected = state(sequential)

    main = copy_books(DEMO_BOOKS, tmp_path / "raced")
    books = ["--books", str(main), "import"]
    commands = [(0.0, [*books, str(path)]) for path in OCTOBER for _ in range(2)]
    commands.append((0.0, [*books, *map(str, OCTOBER)]))
    results = race(commands)

    assert [r.returncode for r in results] == [0] * len(commands), [r.stderr for r in results]
    wrote = [r for r in results if "\nwrote " in "\n" + r.stdout]
    assert 1 <= len(wrote) <= len(OCTOBER)  # one writer per statement; the rest found it there
    assert state(main) == expected
    assert load(main).errors == []


def rounds() -> list[float]:
    """The import's head start on the close, in seconds, one per round."""
    count = int(os.environ.get("BACKOFFICE_RACE_ROUNDS", "3"))
    steps = [0.3, 0.2, 0.0, -0.2, 0.1, 0.25]
    return [steps[i % len(steps)] for i in range(count)]


@pytest.mark.parametrize("head_start", rounds())
def test_an_import_racing_the_close_lands_before_the_seal_or_is_refused(
    imported: Path, tmp_path: Path, head_start: float
) -> None:
    late = imported.parent.parent / "rheinbank-2026-10-late.csv"
    import_first = copy_books(imported.parent, tmp_path / "import-first")
    close_first = copy_books(imported.parent, tmp_path / "close-first")
    main = copy_books(imported.parent, tmp_path / "raced")
    results = race(
        [
            (0.0, ["--books", str(main), "import", str(late)]),
            (head_start, ["--books", str(main), "close", "2026-10"]),
        ]
    )
    imported_ok, closed_ok = (r.returncode == 0 for r in results)
    assert imported_ok != closed_ok, [r.stdout + r.stderr for r in results]

    # the two sequential orders, replayed in this process on the other copies
    run_import(import_first, load_config(import_first), [late])
    if imported_ok:
        assert state(main) == state(import_first)
        assert "not closed" in results[1].stderr
    else:
        assert _closed(close_first, main)
        assert "falls in period 2026-10, sealed by closes.beancount:3" in results[0].stderr
        assert state(main)[1] == ("2026-10",)
        assert load(main).errors == []


def _closed(sequential: Path, raced: Path) -> bool:
    """Close ``sequential`` as the raced close did, and compare."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "0", "--books", str(sequential), "close", "2026-10"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode == 0 and state(sequential) == state(raced)

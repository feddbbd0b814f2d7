"""The demo's October closes once its inbox is imported, as ``make demo`` runs it; the
seal ``close`` writes (Beancount's parse and booking) is the one the plugin checks (the
entries handed to the first plugin) and the one ``verify`` recomputes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def test_the_demo_october_closes_and_its_seal_holds(
    demo_books: Path, runner: CliRunner, tmp_path: Path
) -> None:
    books = ["--books", str(demo_books)]
    inbox = sorted(str(p) for p in (demo_books.parent / "inbox").iterdir() if p.is_file())
    imported = runner.invoke(main, [*books, "import", *inbox])
    assert imported.exit_code == 0, imported.output

    dry = runner.invoke(main, [*books, "close", "2026-10", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert [(c["check"], c["ok"]) for c in report["checks"]] == [
        ("period", True),
        ("books", True),
        ("balances", True),
        ("fails", True),
        ("breaks", True),
        ("suspense", True),
        ("sign-off", True),
    ]

    closed = runner.invoke(main, [*books, "close", "2026-10"])
    assert closed.exit_code == 0, closed.output
    assert load(demo_books).errors == []
    verified = runner.invoke(main, [*books, "verify"])
    assert verified.exit_code == 0, verified.output

    # Cloned elsewhere, the seal still holds (documents are sealed relative to the books).
    moved = tmp_path / "elsewhere" / "books"
    shutil.copytree(demo_books.parent, moved)
    assert load(moved / "main.beancount").errors == []

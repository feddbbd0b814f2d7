"""The demo's textbook break: AlphaSec confirms the 1,000 XYZ at 61.30, we booked 61.25.

Run as ``make demo`` runs it: the inbox imported into a copy of the demo books,
then ``match --accept-resolved``, ``recon`` and ``breaks``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.breaks.model import read_breaks
from ledger.cli import main

CONFIRMATIONS = "confirmations/alphasec-20261124.csv"


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def test_demo_price_break_is_found_and_resolved(demo_books: Path, runner: CliRunner) -> None:
    books = ["--books", str(demo_books)]
    inbox = sorted(str(p) for p in (demo_books.parent / "inbox").iterdir() if p.is_file())
    imported = runner.invoke(main, [*books, "import", *inbox])
    assert imported.exit_code == 0, imported.output
    breaks_file = demo_books.parent / "breaks.beancount"
    before = breaks_file.read_text()

    found = runner.invoke(main, [*books, "match", "--json", str(demo_books.parent / CONFIRMATIONS)])
    assert found.exit_code == 1  # mismatched, whatever the books say about it
    (row,) = json.loads(found.output)["rows"]
    assert (row["status"], row["trade_id"], row["confirmation"]) == (
        "mismatched",
        "GA-20261124-001",
        "AS-C-2611240017",
    )
    assert [(d["field"], d["ours"], d["theirs"]) for d in row["differences"]] == [
        ("price", "61.25", "61.30"),
        ("gross", "61250.00", "61300.00"),
        ("net", "61275.00", "61325.00"),
    ]
    (held,) = read_breaks(load(demo_books).entries)[0]
    assert row["break"] == {
        "id": held.id,
        "kind": "confirmation-mismatch",
        "description": held.description,
        "status": "resolved",
        "resolved": "2026-11-25",
        "resolution": held.resolution,
    }

    accepted = runner.invoke(
        main, [*books, "match", "--accept-resolved", str(demo_books.parent / CONFIRMATIONS)]
    )
    assert accepted.exit_code == 0, accepted.output
    assert runner.invoke(main, [*books, "recon"]).exit_code == 0
    assert runner.invoke(main, [*books, "breaks"]).exit_code == 0
    assert breaks_file.read_text() == before

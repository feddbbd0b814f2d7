"""The demo inbox holds a day of trades in each trade and custody format, and
the custody files settle them once: imported as ``make demo`` imports it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from click.testing import CliRunner

from importers.registry import importers_for
from ledger.books import load
from ledger.cli import main
from ledger.config import load_config
from ledger.meta import TRADE_ID
from ledger.settlement.state import trade_states

CUSTODY_PREFIX = "custody."


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def _import(runner: CliRunner, books: Path) -> list[dict[str, object]]:
    inbox = sorted(str(p) for p in (books.parent / "inbox").iterdir() if p.is_file())
    result = runner.invoke(main, ["--books", str(books), "import", "--json", *inbox])
    assert result.exit_code == 0, result.output
    files: list[dict[str, object]] = json.loads(result.output)["files"]
    return files


def test_demo_inbox_has_every_trade_and_custody_format(demo_books: Path, runner: CliRunner) -> None:
    config = load_config(demo_books)
    formats = {
        importer.name
        for importer in importers_for(config)
        if importer.name.startswith(("trades.", CUSTODY_PREFIX))
    }
    files = _import(runner, demo_books)
    claimed = {str(f["importer"]) for f in files}
    assert formats <= claimed, f"no demo file for {sorted(formats - claimed)}"

    again = _import(runner, demo_books)
    assert [(f["file"], f["transactions"], f["balances"]) for f in again] == [
        (f["file"], 0, 0) for f in files
    ]


def test_demo_custody_files_settle_each_trade_once(demo_books: Path, runner: CliRunner) -> None:
    files = _import(runner, demo_books)
    custody_files = {
        Path(str(f["archive"])).name for f in files if str(f["importer"]).startswith(CUSTODY_PREFIX)
    }
    books = load(demo_books)
    assert books.errors == []
    config = load_config(demo_books)
    assert config.as_of is not None
    states = {s.trade_id: s for s in trade_states(books.entries, config, config.as_of)}
    settled_by_custody = {
        link.removeprefix("trade-")
        for entry in books.entries
        if isinstance(entry, data.Transaction)
        and TRADE_ID not in entry.meta
        and Path(str(entry.meta.get("source", ""))).name in custody_files
        for link in entry.links
        if link.startswith("trade-")  # corporate actions are linked ^corp-<ref>
    }
    # The MT536 repeats the XYZ settlement the MT545 confirmed, under the same
    # reference (ASRF = SEME): booked once, not twice.
    assert settled_by_custody and settled_by_custody <= set(states)
    for trade_id in sorted(settled_by_custody):
        state = states[trade_id]
        assert (state.status, state.settled_amount, state.remaining) == (
            "settled",
            state.amount,
            Decimal(0),
        ), trade_id
    for state in states.values():
        assert abs(state.settled_amount) <= abs(state.amount), state.trade_id

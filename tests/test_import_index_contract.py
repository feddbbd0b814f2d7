"""The text index reads what Beancount's loader reads, on every file the
importers wrote (the golden files) and on the demo books: the identities of
the entries, the accounts opened, the trades and their clearing accounts, the
seals, and every exact account's movements (see the contract in
:mod:`ledger.imports.index`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser

from ledger import meta as keys
from ledger.close.hashes import PERIOD_CLOSE
from ledger.config import Config, load_config
from ledger.imports.dedupe import known_keys
from ledger.imports.index import BooksIndex, scan_books
from tests.conftest import DEMO_BOOKS, REPO
from tests.test_import_pipeline import INBOX, run_import

Moves = dict[tuple[str, str], dict[datetime.date, Decimal]]


def _golden_files() -> list[Path]:
    return sorted((REPO / "tests" / "data").rglob("*.beancount"))


def _moves(entries: list[data.Directive]) -> Moves:
    moves: Moves = defaultdict(lambda: defaultdict(Decimal))
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                units = posting.units
                if not isinstance(units, Amount) or not isinstance(units.number, Decimal):
                    continue  # interpolated: the index calls the account inexact
                moves[(posting.account, units.currency)][entry.date] += units.number
    return {key: {d: n for d, n in days.items()} for key, days in moves.items()}


def _index_moves(index: BooksIndex) -> Moves:
    moves: Moves = defaultdict(lambda: defaultdict(Decimal))
    for key, days in index.moves.items():
        for day, number in days:
            moves[key][day] += number
    return {key: {d: n for d, n in days.items()} for key, days in moves.items()}


def _parsed(files: list[str]) -> list[data.Directive]:
    """The entries as the loader's first phase reads them from the text."""
    return [entry for name in files for entry in parser.parse_file(name)[0]]


def _interpolated(entries: list[data.Directive]) -> set[str]:
    """Accounts with a posting whose amount the text leaves to Beancount."""
    return {
        posting.account
        for entry in entries
        if isinstance(entry, data.Transaction)
        for posting in entry.postings
        if not isinstance(posting.units, Amount) or not isinstance(posting.units.number, Decimal)
    }


def _compare(main: Path, config: Config, tmp_path: Path, *, booked: bool) -> None:
    """``booked``: compare the movements with the fully loaded books (plugins
    included); else with the parsed text (a golden file is a fragment that does
    not book alone: no ``open``, no earlier positions)."""
    loaded, _, options = loader.load_file(str(main))
    parsed = _parsed(options["include"])
    moving = loaded if booked else parsed
    accounts = {
        posting.account
        for entry in moving
        if isinstance(entry, data.Transaction)
        for posting in entry.postings
    }
    unsettled = config.accounts.unsettled
    index = scan_books(
        main,
        accounts,
        unsettled,
        tmp_path / "cache",
        # the text holds trades on T; plugins.settlement re-dates them in the loaded books
        settlement_date=booked and config.settlement.policy == "settlement-date",
    )
    assert index.keys == known_keys(parsed)
    assert index.opened == {e.account for e in parsed if isinstance(e, data.Open)}
    trades: dict[str, tuple[datetime.date, str]] = {}
    for entry in parsed:
        trade_id = entry.meta.get(keys.TRADE_ID)
        if isinstance(entry, data.Transaction) and trade_id is not None:
            clearing = [p.account for p in entry.postings if p.account.startswith(unsettled + ":")]
            if clearing:
                trades.setdefault(trade_id, (entry.date, clearing[0]))
    assert index.trades == trades
    seals = [e for e in parsed if isinstance(e, data.Custom) and e.type == PERIOD_CLOSE]
    assert len(index.seals) == len(seals)
    # plugins.settlement posts each auto-settlement to these; the text does not show them
    auto = {name: c for name, c in config.counterparties.items() if c.auto_settle}
    plugin_accounts = {c.cash_account for c in auto.values() if c.cash_account}
    plugin_accounts |= {config.unsettled_account(name) for name in auto}
    assert index.inexact <= _interpolated(parsed)
    exact = accounts - index.inexact - plugin_accounts
    expected = {key: days for key, days in _moves(moving).items() if key[0] in exact}
    indexed = {key: days for key, days in _index_moves(index).items() if key[0] in exact}
    assert indexed == expected


@pytest.mark.parametrize("path", _golden_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_the_index_reads_each_golden_file_as_the_loader_does(path: Path, tmp_path: Path) -> None:
    _compare(path, Config(), tmp_path, booked=False)


def test_the_index_reads_the_demo_books_as_the_loader_does(tmp_path: Path) -> None:
    main = DEMO_BOOKS / "main.beancount"
    _compare(main, load_config(main), tmp_path, booked=True)


def test_the_index_reads_the_imported_demo_inbox_as_the_loader_does(
    demo_books: Path, tmp_path: Path
) -> None:
    assert run_import(demo_books, *sorted(INBOX.iterdir())).exit_code == 0
    _compare(demo_books, load_config(demo_books), tmp_path, booked=True)

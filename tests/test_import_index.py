"""The books' text index agrees with the loaded books on what an import needs,
and a batch of bank statements uses it instead of a full load."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.generate import read_firm, render, write
from importers.bank.rules import trade_clearing
from ledger.config import load_config
from ledger.imports import view as views
from ledger.imports.index import CACHE_DIR, scan_books
from tests.conftest import DEMO_BOOKS, snapshot
from tests.test_import_pipeline import BANK_FILES, INBOX, run_import

ACCOUNTS = ("Assets:Bank:FirstHarbor:USD", "Assets:Bank:Rheinbank:EUR")


def test_the_index_agrees_with_the_loaded_books(demo_books: Path) -> None:
    files = [INBOX / "alphasec-blotter.csv", INBOX / "custodia-mt545.txt", *BANK_FILES]
    assert run_import(demo_books, *files).exit_code == 0
    config = load_config(demo_books)
    full = views.books_view(demo_books, config, fast=False)
    fast = views.books_view(demo_books, config, fast=True)
    assert fast.keys == full.keys
    assert fast.opened == full.opened
    for account, currency in zip(ACCOUNTS, ("USD", "EUR"), strict=True):
        for day in range(0, 70, 3):
            date = datetime.date(2026, 10, 1) + datetime.timedelta(days=day)
            assert fast.balance(account, currency, date) == full.balance(account, currency, date)
    unsettled = config.accounts.unsettled
    assert trade_clearing(fast.entries, unsettled) == trade_clearing(full.entries, unsettled)
    assert len(trade_clearing(fast.entries, unsettled)) == 4


def test_bank_statements_import_without_loading_the_books(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path) -> None:
        raise AssertionError(f"the books were loaded in full: {path}")

    monkeypatch.setattr(views, "load", refuse)
    assert run_import(demo_books, *BANK_FILES).exit_code == 0
    before = snapshot(demo_books.parent)
    assert run_import(demo_books, *BANK_FILES).output.endswith("nothing new to write\n")
    assert snapshot(demo_books.parent) == before
    with pytest.raises(AssertionError, match="the books were loaded in full"):
        run_import(demo_books, INBOX / "alphasec-blotter.csv")  # trades need the loaded books


def test_an_amount_the_text_does_not_show_falls_back_to_the_full_load(demo_books: Path) -> None:
    (demo_books.parent / "transfer.beancount").write_text(
        '2026-10-02 * "Transfer from custody"\n'
        "  Assets:Custody:Custodia:Cash:USD  -1000.00 USD\n"
        "  Assets:Bank:FirstHarbor:USD\n",
        encoding="utf-8",
    )
    with demo_books.open("a", encoding="utf-8") as main:
        main.write('include "transfer.beancount"\n')
    config = load_config(demo_books)
    fast = views.books_view(demo_books, config, fast=True)
    with pytest.raises(views.InexactBalance):
        fast.balance("Assets:Bank:FirstHarbor:USD", "USD", datetime.date(2026, 10, 5))
    result = run_import(demo_books, BANK_FILES[0])
    assert result.exit_code == 1
    assert "the books with this import hold 5001000.00 USD" in result.output


def test_the_index_agrees_on_synthetic_books(tmp_path: Path) -> None:
    """8,000 generated transactions (about five months: the generator asserts balances
    twice a month): trades, settlements, fees, transfers, assertions."""
    write(render(read_firm(DEMO_BOOKS), 8000, seed=3), tmp_path / "books")
    books = tmp_path / "books" / "main.beancount"
    config = load_config(books)
    full = views.books_view(books, config, fast=False)
    fast = views.books_view(books, config, fast=True)
    assert fast.keys == full.keys
    assert fast.opened == full.opened
    unsettled = config.accounts.unsettled
    assert trade_clearing(fast.entries, unsettled) == trade_clearing(full.entries, unsettled)
    days = sorted({key[2] for key in full.keys if key[0] == "balance"})
    assert len(days) >= 10
    for account, currency in zip(ACCOUNTS, ("USD", "EUR"), strict=True):
        for day in days:
            assert fast.balance(account, currency, day) == full.balance(account, currency, day)


def test_the_cached_index_is_the_scanned_one_and_follows_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(render(read_firm(DEMO_BOOKS), 500, seed=5), tmp_path / "books")
    books = tmp_path / "books" / "main.beancount"
    unsettled = load_config(books).accounts.unsettled
    cache = tmp_path / "cache"
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")  # no cache
    scanned = scan_books(books, ACCOUNTS, unsettled)
    assert not cache.exists()
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", str(cache))
    assert scan_books(books, ACCOUNTS, unsettled) == scanned  # writes the cache
    assert len(list((cache / CACHE_DIR).glob("*.json"))) == len(list(books.parent.rglob("*.bean*")))
    assert scan_books(books, ACCOUNTS, unsettled) == scanned  # reads it
    assert scan_books(books, ACCOUNTS[:1], unsettled).moves.keys() == {(ACCOUNTS[0], "USD")}
    with books.open("a", encoding="utf-8") as main:
        main.write(
            '\n2030-01-02 * "Fee"\n  source-ref: "X1"\n'
            "  Assets:Bank:FirstHarbor:USD  -1.25 USD\n  Expenses:Bank:Fees\n"
        )
    edited = scan_books(books, ACCOUNTS, unsettled)
    assert edited.keys - scanned.keys == {("txn", "Assets:Bank:FirstHarbor:USD", "X1")}
    day = datetime.date(2030, 1, 3)
    fee = Decimal("-1.25")
    assert edited.before(ACCOUNTS[0], "USD", day) == scanned.before(ACCOUNTS[0], "USD", day) + fee


@pytest.mark.parametrize(
    "damage",
    [
        lambda scan: scan.update(balances=[["Assets:Bank", "2026-01-01", "USD"]]),
        lambda scan: scan.update(moves=[["Assets:Bank", "USD", [[1, "one"]]]]),
        lambda scan: scan.update(txn=[[1, 2], ["a", "b"]]),
        lambda scan: scan.update(keys=[["open", 7]]),
        lambda scan: scan.update(trades=[["T1", None, "Assets:Unsettled:X"]]),
        lambda scan: scan.update(includes=[3]),
    ],
)
def test_a_cache_file_of_the_wrong_types_is_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[dict[str, Any]], None]
) -> None:
    # Valid JSON with every key a scan has, but values of the wrong types (a cache
    # edited by hand): the file is scanned again and its cache file rewritten, and
    # nothing of the damaged one reaches the index.
    write(render(read_firm(DEMO_BOOKS), 200, seed=7), tmp_path / "books")
    books = tmp_path / "books" / "main.beancount"
    unsettled = load_config(books).accounts.unsettled
    cache = tmp_path / "cache"
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", str(cache))
    scanned = scan_books(books, ACCOUNTS, unsettled)
    damaged = {}
    for path in sorted((cache / CACHE_DIR).glob("*.json")):
        scan = json.loads(path.read_text(encoding="utf-8"))
        damage(scan)
        damaged[path] = json.dumps(scan)
        path.write_text(damaged[path], encoding="utf-8")
    assert scan_books(books, ACCOUNTS, unsettled) == scanned
    for path, text in damaged.items():  # rewritten from the new scan
        assert path.read_text(encoding="utf-8") != text
    assert scan_books(books, ACCOUNTS, unsettled) == scanned  # from the rewritten cache
    monkeypatch.setenv("BACKOFFICE_CACHE_DIR", "")
    assert scan_books(books, ACCOUNTS, unsettled) == scanned

"""Shared by the trade and custody tests: the test config, books built from
the demo's chart of accounts, commodities and opening balances, and golden
files compared exactly."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from beancount.core import data
from beancount.parser import printer

from ledger.books import Books, load
from ledger.config import Config, parse_config

REPO = Path(__file__).resolve().parents[2]
TRADES = REPO / "tests" / "data" / "trades"
CUSTODY = REPO / "tests" / "data" / "custody"
DEMO = REPO / "books"
CONFIG_PATH = TRADES / "backoffice.toml"
UPDATE_ENV = "BACKOFFICE_UPDATE_GOLDEN"

MAIN = """\
option "title" "Trades test books"
option "operating_currency" "USD"
option "booking_method" "FIFO"
option "inferred_tolerance_default" "*:0.005"

include "accounts.beancount"
include "commodities.beancount"
include "opening.beancount"
"""


def trades_config() -> Config:
    return parse_config(CONFIG_PATH.read_text(encoding="utf-8"), CONFIG_PATH)


def make_books(directory: Path, *, main: str = MAIN) -> Path:
    """Books in ``directory``: the demo's chart, commodities and opening, the test config."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("accounts.beancount", "commodities.beancount", "opening.beancount"):
        (directory / name).write_text((DEMO / name).read_text(encoding="utf-8"), encoding="utf-8")
    (directory / "backoffice.toml").write_text(
        CONFIG_PATH.read_text(encoding="utf-8"), encoding="utf-8"
    )
    (directory / "main.beancount").write_text(main, encoding="utf-8")
    return directory / "main.beancount"


def base_books(tmp_path: Path) -> Books:
    return load(make_books(tmp_path / "books"))


def render(entries: Iterable[data.Directive]) -> str:
    return "\n".join(printer.format_entry(entry) for entry in entries)


def assert_golden(entries: Iterable[data.Directive], golden: Path) -> None:
    """The printed entries equal ``golden`` byte for byte (regenerate with
    BACKOFFICE_UPDATE_GOLDEN=1 and review the diff)."""
    text = render(entries)
    if os.environ.get(UPDATE_ENV):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")

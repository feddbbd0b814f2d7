"""Shared fixtures: docstring ledgers, temporary books, the CLI runner."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import Books, load

REPO = Path(__file__).resolve().parent.parent
DEMO_BOOKS = REPO / "books"


def write_books(directory: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name -> dedented text) under ``directory``; return main.beancount."""
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return directory / "main.beancount"


@pytest.fixture
def ledger(tmp_path: Path) -> Callable[..., Books]:
    """Load a docstring ledger (and an optional backoffice.toml) from a temp dir.

    Usage: ``books = ledger('''2026-01-01 open Assets:Cash''', config='...')``.
    """

    def load_ledger(text: str, config: str | None = None, **files: str) -> Books:
        contents = {"main.beancount": text, **files}
        if config is not None:
            contents["backoffice.toml"] = config
        return load(write_books(tmp_path, contents))

    return load_ledger


@pytest.fixture
def demo_books(tmp_path: Path) -> Path:
    """A private copy of the demo books; returns its main.beancount."""
    target = tmp_path / "books"
    shutil.copytree(DEMO_BOOKS, target)
    return target / "main.beancount"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()

"""Shared fixtures: docstring ledgers, temporary books, the CLI runner."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from ledger.books import Books, load
from ledger.cache import CACHE_ENV
from ledger.writer import LOCK_NAME

# No test may depend on how fast the machine is: Hypothesis's deadline and its
# "generation is slow" health check are timings, and fail on a loaded machine.
settings.register_profile("backoffice", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("backoffice")

REPO = Path(__file__).resolve().parent.parent
DEMO_BOOKS = REPO / "books"
_SESSION_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """The tests keep what Backoffice caches (import index, calendars) in a directory of
    their own, not the user's ~/.cache, unless BACKOFFICE_CACHE_DIR says otherwise."""
    if CACHE_ENV not in os.environ:
        _SESSION_CACHE.append(tempfile.mkdtemp(prefix="backoffice-test-cache-"))
        os.environ[CACHE_ENV] = _SESSION_CACHE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    for directory in _SESSION_CACHE:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(CACHE_ENV, None)


def write_books(directory: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name -> dedented text) under ``directory``; return main.beancount."""
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return directory / "main.beancount"


def snapshot(books_dir: Path) -> dict[str, bytes]:
    """Every file of the books, by path, to show that nothing changed (the writers'
    lock file is not the books: it stays once a writer has taken the lock)."""
    return {
        str(path.relative_to(books_dir)): path.read_bytes()
        for path in sorted(books_dir.rglob("*"))
        if path.is_file() and path.name != LOCK_NAME
    }


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


def ask_for_sign_off(books_dir: Path) -> None:
    """Turn on ``[close] sign-off`` in the demo's ``backoffice.toml`` (in its ``[close]``
    table: TOML refuses a second)."""
    config = books_dir / "backoffice.toml"
    text = config.read_text(encoding="utf-8")
    assert "\n[close]\n" in text, "the demo's config has a [close] table"
    config.write_text(text.replace("\n[close]\n", "\n[close]\nsign-off = true\n", 1))


@pytest.fixture
def demo_books(tmp_path: Path) -> Path:
    """A private copy of the demo books; returns its main.beancount."""
    target = tmp_path / "books"
    shutil.copytree(DEMO_BOOKS, target)
    return target / "main.beancount"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def closed_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo books with their inbox imported and October closed, once per session:
    copy the directory before changing it."""
    from ledger.close.run import run_close
    from ledger.config import load_config
    from ledger.imports.pipeline import run_import

    books = tmp_path_factory.mktemp("closed") / "books"
    shutil.copytree(DEMO_BOOKS, books)
    main_file = books / "main.beancount"
    config = load_config(main_file)
    run_import(main_file, config, sorted(p for p in (books / "inbox").iterdir() if p.is_file()))
    assert config.as_of is not None
    closed = run_close(main_file, config, "2026-10", config.as_of, dry_run=False)
    assert closed.closed, closed.checklist.blockers
    return books

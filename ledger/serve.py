"""``backoffice serve``: Fava on the books, bound to 127.0.0.1 unless told otherwise.

Fava has no authentication: another address needs ``--allow-remote`` and gets a
warning. Books whose seals would go unverified are not served
(:func:`ledger.close.guard.seal_guard`).

The books are loaded before the server listens, with the cyclic garbage
collector paused as ``ledger.books`` does, so the first page does not wait for
the load. The review pages are a Fava extension the books enable themselves
(``custom "fava-extension" "ledger.fava_ext"``, written by ``backoffice init``);
books without that line are served without them, with a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import fava.core as fava_core
from cheroot.wsgi import Server
from fava.application import create_app

from ledger.books import Books
from ledger.close.guard import seal_guard
from ledger.close.snapshot_load import load_books
from ledger.context import SealsUnverified
from ledger.fava_edit import guard_edits
from ledger.gcpause import gc_paused

EXTENSION = "ledger.fava_ext"
EXTENSION_HINT = (
    f'{{books}}: no review pages: add a line `2026-01-01 custom "fava-extension" "{EXTENSION}"` '
    "to enable Settlements, Cash, Breaks, Reconciliation, Close and Imports in Fava"
)


def _loader(full: bool) -> Callable[..., tuple[Any, Any, Any]]:
    """Fava's loader, replaced: the books from the latest snapshot on
    (:func:`ledger.close.snapshot_load.load_books`) unless ``full``."""

    def load_uncached(path: str, *, is_encrypted: bool) -> tuple[Any, Any, Any]:
        books = load_books(Path(path), full=full, hardcore=False)
        return books.entries, books.errors, books.options

    return load_uncached


def create_fava_app(books: Path, *, read_only: bool, load: bool = False, full: bool = False) -> Any:
    """The Fava WSGI app for ``books``; ``load`` reads the books now rather than on the
    first request. An editing app writes only under the books' lock and never into a
    sealed period (:mod:`ledger.fava_edit`); it loads the books now. Fava loads (and
    reloads, when a file changes) the books from their latest snapshot on unless
    ``full``; a time filter earlier than the snapshot then asks for ``--full``
    (:mod:`ledger.fava_ext.open_period`)."""
    # Fava has no hook for its loader; the serving process has one app.
    fava_core.load_uncached = _loader(full)  # type: ignore[attr-defined]
    with gc_paused(freeze=True):
        # Beancount's loader asserts an absolute path; `--books books/main.beancount` is not.
        app = create_app([str(books.absolute())], read_only=read_only, load=load)
        if not read_only:
            guard_edits(app)
    return app


LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
REMOTE_WARNING = (
    "warning: serving on {host}, beyond this machine: Fava has no authentication, so "
    "anyone who can reach {host}:{port} can read these books{edit}"
)


def seal_problems(app: Any) -> list[Any]:
    """What leaves the seals of a served ledger unverified
    (:func:`ledger.close.guard.seal_guard`)."""
    return [
        problem
        for ledger in app.config["LEDGERS"].ledgers
        for problem in seal_guard(
            Books(Path(ledger.beancount_file_path), ledger.all_entries, [], ledger.options)
        )
    ]


def has_review_pages(app: Any) -> bool:
    """Whether every ledger served by ``app`` enables the review pages."""
    return all(
        any(
            entry.type == "fava-extension" and entry.values[0].value == EXTENSION
            for entry in ledger.all_entries_by_type.Custom
        )
        for ledger in app.config["LEDGERS"].ledgers
    )


def serve(books: Path, *, host: str, port: int, read_only: bool, full: bool = False) -> None:
    """Serve Fava until interrupted."""
    app = create_fava_app(books, read_only=read_only, load=True, full=full)
    problems = seal_problems(app)
    if problems:
        raise SealsUnverified(problems)
    if not has_review_pages(app):
        click.echo(EXTENSION_HINT.format(books=books), err=True)
    server = Server((host, port), app)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()

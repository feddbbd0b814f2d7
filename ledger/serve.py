"""``backoffice serve``: Fava on the books, bound to 127.0.0.1 unless told otherwise.

The books are loaded before the server listens, with the cyclic garbage
collector paused as ``ledger.books`` does, so the first page does not wait for
the load. The review pages are a Fava extension the books enable themselves
(``custom "fava-extension" "ledger.fava_ext"``, written by ``backoffice init``);
books without that line are served without them, with a hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from cheroot.wsgi import Server
from fava.application import create_app

from ledger.gcpause import gc_paused

EXTENSION = "ledger.fava_ext"
EXTENSION_HINT = (
    f'{{books}}: no review pages: add a line `2026-01-01 custom "fava-extension" "{EXTENSION}"` '
    "to enable Settlements, Cash, Breaks, Reconciliation, Close and Imports in Fava"
)


def create_fava_app(books: Path, *, read_only: bool, load: bool = False) -> Any:
    """The Fava WSGI app for ``books``; ``load`` reads the books now rather than on the
    first request."""
    with gc_paused(freeze=True):
        # Beancount's loader asserts an absolute path; `--books books/main.beancount` is not.
        return create_app([str(books.absolute())], read_only=read_only, load=load)


def has_review_pages(app: Any) -> bool:
    """Whether every ledger served by ``app`` enables the review pages."""
    return all(
        any(
            entry.type == "fava-extension" and entry.values[0].value == EXTENSION
            for entry in ledger.all_entries_by_type.Custom
        )
        for ledger in app.config["LEDGERS"].ledgers
    )


def serve(books: Path, *, host: str, port: int, read_only: bool) -> None:
    """Serve Fava until interrupted."""
    app = create_fava_app(books, read_only=read_only, load=True)
    if not has_review_pages(app):
        click.echo(EXTENSION_HINT.format(books=books), err=True)
    server = Server((host, port), app)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()

"""``backoffice serve``: Fava on the books, bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def create_fava_app(books: Path, *, read_only: bool) -> Any:
    """The Fava WSGI app for ``books``."""
    from fava.application import create_app

    return create_app([str(books)], read_only=read_only)


def serve(books: Path, *, host: str, port: int, read_only: bool) -> None:
    """Serve Fava until interrupted."""
    from cheroot.wsgi import Server

    app = create_fava_app(books, read_only=read_only)
    server = Server((host, port), app)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()

"""The books' archived files, served read-only to the review pages.

Two folders of the books are served, and nothing else: the archived source
documents (``documents`` in ``backoffice.toml``, where every imported entry's
``source`` points) and the close's reports and manifests (``closes/``). A path
is checked by :func:`ledger.documents.inside_books` (relative, no ``..`` out of
the books, no symbolic link on the way) and must then lie inside one of the two
folders, so a request cannot read the books' own files, the config or anything
else on the machine.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ledger.close.seal import CLOSES_DIR
from ledger.config import Config
from ledger.documents import OutsideBooks, inside_books

# Served as text so that a statement opens in the browser rather than downloading.
TEXT_TYPES = frozenset({".txt", ".csv", ".tsv", ".mt940", ".mt942", ".ofx", ".log", ".xml"})
SHOWN_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}


class NotServed(Exception):
    """The path names no archived document or close report of the books."""


def served_roots(config: Config) -> tuple[str, ...]:
    """The folders of the books whose files the pages serve, relative to the books."""
    return (PurePosixPath(config.documents).as_posix(), CLOSES_DIR)


def archived_file(books_dir: Path, config: Config, relative: str) -> Path:
    """The file ``relative`` names, when it is an archived document or close report."""
    try:
        path = inside_books(books_dir, relative, "path")
    except OutsideBooks as exc:
        raise NotServed(str(exc)) from None
    real = path.resolve()
    roots = [books_dir.resolve() / root for root in served_roots(config)]
    if not any(real.is_relative_to(root) and real != root for root in roots):
        folders = " or ".join(f"{root}/" for root in served_roots(config))
        raise NotServed(f"path = {relative!r}: only files under {folders} of the books are served")
    if not real.is_file():
        raise NotServed(f"path = {relative!r}: no such archived file")
    return real


def media_type(path: Path) -> str:
    """What the browser is told the file is: text for statements and reports, the
    type of a PDF or image; anything else (an HTML file, say) is a download, never
    a page run in the books' origin."""
    suffix = path.suffix.lower()
    if suffix in TEXT_TYPES:
        return "text/plain"
    return SHOWN_TYPES.get(suffix, "application/octet-stream")

"""A document in the books: its path as the books record it, and its hash.

``source`` metadata, seals, reports and commit messages name a file by its
path relative to the books directory with forward slashes; the import
pipeline, the close and ``verify`` compare documents by the SHA-256 of their
bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def path_in_books(path: str | Path, books_dir: Path) -> str:
    """``path`` relative to ``books_dir`` with forward slashes; as given when
    it lies outside the books."""
    try:
        return Path(path).resolve().relative_to(books_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def document_sha256(path: str | Path) -> str:
    """The SHA-256 of the document's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

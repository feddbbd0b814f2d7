"""A document in the books: its path as the books record it, and its hash.

``source`` metadata, seals, reports and commit messages name a file by its
path relative to the books directory with forward slashes; the import
pipeline, the close and ``verify`` compare documents by the SHA-256 of their
bytes. A path the books name (config keys, ``source`` metadata, a seal's
manifest) stays inside the books directory: relative, no ``..`` out of it once
resolved, and no symbolic link on the way, so nothing Backoffice reads or
writes through it can be a file elsewhere on the machine.
"""

from __future__ import annotations

import hashlib
import os
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


class OutsideBooks(ValueError):
    """A path that leaves the books directory or passes through a symbolic link."""


def inside_books(books_dir: Path, relative: str, what: str) -> Path:
    """``books_dir / relative``, checked; ``what`` names where the path came from
    (``documents``, ``source``) in the :class:`OutsideBooks` message."""
    root = books_dir.resolve()
    hint = f"give a path relative to the books directory {books_dir}, inside it"
    if not relative or os.path.isabs(relative):
        raise OutsideBooks(f"{what} = {relative!r}: not a relative path; {hint}")
    target = root / relative
    current = root
    for part in Path(relative).parts:
        current = current / part
        if current.is_symlink():
            raise OutsideBooks(
                f"{what} = {relative!r}: {os.path.relpath(current, root)} is a symbolic "
                "link; the books keep their files, not links to files elsewhere: replace "
                "the link with the file or directory itself"
            )
    if not target.resolve().is_relative_to(root):
        raise OutsideBooks(f"{what} = {relative!r} leads outside the books directory; {hint}")
    return target

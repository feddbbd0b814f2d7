"""Writing breaks and resolutions into the books, all or nothing.

They go to ``breaks.beancount`` beside the main file, which gets an
``include "breaks.beancount"`` line the first time. Under the books' lock the
file is read again, so an id another process wrote meanwhile is not written
twice.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from pathlib import Path

from ledger.breaks.model import RESOLVED, Break, Resolution, render_break, render_resolution
from ledger.writer import BooksWriter

BREAKS_FILE = "breaks.beancount"
_HEADER = (
    "; Breaks found by `backoffice match` and `backoffice recon`, and their resolutions\n"
    '; (`backoffice breaks resolve ID "text"`). Written by backoffice; ids derive from the cause.\n'
)
_INCLUDE_RE = re.compile(rf'^\s*include\s+"{re.escape(BREAKS_FILE)}"', re.M)
_ID_RE = re.compile(r'^\S+\s+custom\s+"(break|break-resolved)"\s+"([^"]+)"', re.M)


def _written(path: Path) -> tuple[set[str], set[str]]:
    """Ids of the breaks and of the resolutions already in ``path``."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    breaks: set[str] = set()
    resolved: set[str] = set()
    for kind, found in _ID_RE.findall(text):
        (resolved if kind == RESOLVED else breaks).add(found)
    return breaks, resolved


def _stage(writer: BooksWriter, books_file: Path, text: str) -> None:
    path = books_file.parent / BREAKS_FILE
    text = "\n" + text if path.exists() else _HEADER + "\n" + text
    writer.append_text(path, text)
    main = books_file.read_text(encoding="utf-8")
    if not _INCLUDE_RE.search(main):
        writer.append_text(books_file, f'include "{BREAKS_FILE}"\n')


def write_breaks(
    books_file: Path, breaks: Sequence[Break], resolutions: Sequence[Resolution] = ()
) -> tuple[list[Break], list[Resolution]]:
    """Append the breaks not yet in the books and the resolutions of breaks not
    yet resolved, in one change; returns those written."""
    path = books_file.parent / BREAKS_FILE
    with BooksWriter(books_file.parent) as writer:
        known, resolved = _written(path)
        new = []
        for item in breaks:
            if item.id not in known:
                known.add(item.id)
                new.append(item)
        closing = []
        for resolution in resolutions:
            if resolution.break_id not in resolved:
                resolved.add(resolution.break_id)
                closing.append(resolution)
        texts = [render_break(item) for item in new] + [
            render_resolution(r.break_id, r.date, r.text) for r in closing
        ]
        if texts:
            _stage(writer, books_file, "\n".join(texts))
    return new, closing


def written_summary(written: tuple[Sequence[Break], Sequence[Resolution]] | None) -> str:
    """What :func:`write_breaks` wrote, for a command's summary line (None: a dry run)."""
    if written is None:
        return "dry run, nothing written"
    return f"{len(written[0])} break(s) and {len(written[1])} resolution(s) written"


class ResolveError(Exception):
    """The break cannot be resolved: no text, or already resolved."""


class OpenError(Exception):
    """The break cannot be recorded: it is in the books already."""


def write_break(books_file: Path, item: Break) -> str:
    """Append ``item`` (a break recorded by hand); returns the entry written.

    Under the lock the file is read again, so a break another process recorded
    meanwhile is refused, not written twice."""
    entry = render_break(item)
    with BooksWriter(books_file.parent) as writer:
        known, _ = _written(books_file.parent / BREAKS_FILE)
        if item.id in known:
            raise OpenError(
                f"break {item.id} is in the books already; list it with 'backoffice breaks'"
            )
        _stage(writer, books_file, entry)
    return entry


def write_resolution(books_file: Path, break_id: str, date: datetime.date, text: str) -> str:
    """Append a resolution of ``break_id`` (which the caller found open in the
    books); returns the entry written."""
    if not text.strip():
        raise ResolveError("say what resolved the break: the resolution text is empty")
    path = books_file.parent / BREAKS_FILE
    entry = render_resolution(break_id, date, text.strip())
    with BooksWriter(books_file.parent) as writer:
        _, resolved = _written(path)
        if break_id in resolved:
            raise ResolveError(f"{path}: break {break_id} is already resolved")
        _stage(writer, books_file, entry)
    return entry

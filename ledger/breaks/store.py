"""Writing breaks and resolutions into the books, all or nothing.

They go to ``breaks.beancount`` beside the main file, which gets an
``include "breaks.beancount"`` line the first time. The caller holds the books'
lock (``writer``) from before it loads the books until the write is committed
(:meth:`ledger.context.AppContext.writing`); the file is read again all the
same, so an id already there is never written twice. An entry dated in a
sealed period is refused: it would break the seal.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from pathlib import Path

import click
from beancount.core import data

from ledger.breaks.model import RESOLVED, Break, Resolution, render_break, render_resolution
from ledger.close.sealed_periods import SealedPeriodError, SealedPeriods, sealed_periods
from ledger.writer import BooksWriter, append_included

BREAKS_FILE = "breaks.beancount"
_HEADER = (
    "; Breaks found by `backoffice match` and `backoffice recon`, and their resolutions\n"
    '; (`backoffice breaks resolve ID "text"`). Written by backoffice; ids derive from the cause.\n'
)
NOTHING_SEALED = SealedPeriods(())
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
    append_included(writer, books_file, BREAKS_FILE, _HEADER, text)


def write_breaks(
    writer: BooksWriter,
    books_file: Path,
    breaks: Sequence[Break],
    resolutions: Sequence[Resolution] = (),
    sealed: SealedPeriods = NOTHING_SEALED,
) -> tuple[list[Break], list[Resolution]]:
    """Stage the breaks not yet in the books and the resolutions of breaks not
    yet resolved, in one change; returns those staged. Raises
    :class:`ResolveError` when one is dated in a ``sealed`` period."""
    path = books_file.parent / BREAKS_FILE
    known, resolved = _written(path)
    new = []
    for item in breaks:
        if item.id not in known:
            _check_open(sealed, item.date, f"break {item.id}")
            known.add(item.id)
            new.append(item)
    closing = []
    for resolution in resolutions:
        if resolution.break_id not in resolved:
            _check_open(sealed, resolution.date, f"the resolution of break {resolution.break_id}")
            resolved.add(resolution.break_id)
            closing.append(resolution)
    texts = [render_break(item) for item in new] + [
        render_resolution(r.break_id, r.date, r.text) for r in closing
    ]
    if texts:
        _stage(writer, books_file, "\n".join(texts))
    return new, closing


def _check_open(sealed: SealedPeriods, day: datetime.date, what: str) -> None:
    try:
        sealed.check_not_sealed(day, what)
    except SealedPeriodError as exc:
        raise ResolveError(f"{exc}; nothing was written") from None


def stage_breaks(
    writer: BooksWriter | None,
    books_file: Path,
    breaks: Sequence[Break],
    resolutions: Sequence[Resolution],
    entries: Sequence[data.Directive],
) -> tuple[list[Break], list[Resolution]] | None:
    """What ``match`` and ``recon`` found, staged on ``writer`` (None: a dry run,
    nothing staged); a break dated in a sealed period of ``entries`` is a
    :class:`click.ClickException` (exit 1), nothing written."""
    if writer is None:
        return None
    try:
        return write_breaks(writer, books_file, breaks, resolutions, sealed_periods(entries))
    except ResolveError as exc:
        raise click.ClickException(str(exc)) from None


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


def write_resolution(
    writer: BooksWriter,
    books_file: Path,
    break_id: str,
    date: datetime.date,
    text: str,
    sealed: SealedPeriods = NOTHING_SEALED,
) -> str:
    """Stage a resolution of ``break_id`` (which the caller found open in the
    books); returns the entry staged."""
    if not text.strip():
        raise ResolveError("say what resolved the break: the resolution text is empty")
    path = books_file.parent / BREAKS_FILE
    entry = render_resolution(break_id, date, text.strip())
    _, resolved = _written(path)
    if break_id in resolved:
        raise ResolveError(f"{path}: break {break_id} is already resolved")
    _check_open(sealed, date, f"the resolution of break {break_id}")
    _stage(writer, books_file, entry)
    return entry

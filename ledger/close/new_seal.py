"""The seal ``backoffice close`` writes: its digest over the files as they are, and its manifest."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.close.hashes import PERIOD_CLOSE, FileHashes
from ledger.close.seal import (
    GENESIS,
    PeriodError,
    Seal,
    compute_digest,
    covered_ranges,
    manifest_path,
    period_bounds,
)
from ledger.documents import path_in_books


def manifest_text(
    files: Sequence[FileHashes], start: datetime.date | None, end: datetime.date, books_dir: Path
) -> str:
    """The manifest of the entries dated from ``start`` to ``end``, sorted by hash."""
    lo = start.toordinal() if start else 0
    hi = end.toordinal()
    rows = []
    for file in files:
        shown = path_in_books(file.filename, books_dir)
        for ordinal, lineno, digest in file.records:
            if lo <= ordinal <= hi:
                day = datetime.date.fromordinal(ordinal).isoformat()
                rows.append(f"{digest.hex()}\t{day}\t{shown}:{lineno}")
    rows.sort()
    return "".join(row + "\n" for row in rows)


@dataclass(frozen=True)
class NewSeal:
    """A seal ``backoffice close`` is about to write, with its manifest."""

    period: str
    start: datetime.date | None
    end: datetime.date
    digest: str
    previous: str
    count: int
    manifest_path: str
    manifest: str
    snapshot: str | None = None  # SHA-256 of the snapshot written with it

    def entry_text(self) -> str:
        snapshot = f'  snapshot: "{self.snapshot}"\n' if self.snapshot else ""
        return (
            f'{self.end} custom "{PERIOD_CLOSE}" "{self.period}"\n'
            f'  digest: "{self.digest}"\n'
            f'  previous: "{self.previous}"\n'
            f"  entries: {self.count}\n"
            f'  manifest: "{self.manifest_path}"\n' + snapshot
        )


def prepare_seal(
    period: str, seals: Sequence[Seal], files: Sequence[FileHashes], books_dir: Path
) -> NewSeal:
    """The seal of ``period`` over the files as they are now, chained to ``seals``."""
    _, end = period_bounds(period)
    last = seals[-1] if seals else None
    if last is not None and last.end >= end:
        raise PeriodError(
            f"period {period} is already sealed: the last seal is of {last.period} "
            f"({last.where}); close a later period"
        )
    start = last.end + datetime.timedelta(days=1) if last else None
    previous = last.digest if last else GENESIS
    (digests,) = covered_ranges([*(s.end for s in seals), end], files)[-1:]
    return NewSeal(
        period=period,
        start=start,
        end=end,
        digest=compute_digest(period, previous, digests),
        previous=previous,
        count=len(digests),
        manifest_path=manifest_path(period),
        manifest=manifest_text(files, start, end, books_dir),
    )

"""Seals: ``custom "period-close"`` entries, their chain, and their verification.

A seal closes one month and every unsealed day before it::

    2026-10-31 custom "period-close" "2026-10"
      digest: "9f2c…"           ; SHA-256, see compute_digest
      previous: "none"          ; the previous seal's digest ("none" for the first)
      entries: 37               ; how many entries it covers
      manifest: "closes/2026-10/entries.tsv"

It covers every entry dated after the previous seal's date (from the start of
the books for the first seal) up to and including its own date. Its digest is
the SHA-256 of the period, the previous digest and the sorted SHA-256s of the
canonical text of each covered entry (:mod:`ledger.close.canonical`), so it is
independent of file layout and order and commits to the whole chain before it.

The manifest (written by ``backoffice close``) lists each covered entry's hash
and where it was at the close; it says *which* entry changed when a digest no
longer matches. The digest decides whether the entries match; every other field
is checked against it too (:func:`verify_chain`): ``entries`` must be the number
of entries it covers, ``manifest`` must be ``closes/YYYY-MM/entries.tsv`` inside
the books (no symbolic link), and the manifest's hashes must give the digest.
Writing a seal is :mod:`ledger.close.new_seal`'s; refusing entries dated in a
sealed period, :mod:`ledger.close.sealed_periods`'s.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime
import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.close.hashes import PERIOD_CLOSE, FileHashes, is_seal
from ledger.documents import OutsideBooks, inside_books, path_in_books
from ledger.errors import BooksError

GENESIS = "none"
DIGEST_DOMAIN = b"backoffice period-close v2\n"  # v2: entries as parsed and booked
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
ADJUST_HINT = (
    "revert the change (see 'git diff' of the books), or book the correction in the open "
    "period with original-date (a prior-period adjustment)"
)


class PeriodError(ValueError):
    """A period is not written ``YYYY-MM``."""


def period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``period`` (``YYYY-MM``)."""
    match = _PERIOD_RE.match(period)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"{period!r} is not a period; write it as YYYY-MM, e.g. 2026-10")
    year, month = int(match.group(1)), int(match.group(2))
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Seal:
    """One ``custom "period-close"`` entry, read from the books."""

    period: str
    end: datetime.date
    digest: str
    previous: str
    entries: int | None
    manifest: str | None
    entry: data.Custom = field(repr=False, compare=False)
    snapshot: str | None = None  # SHA-256 of the snapshot the close wrote beside it

    @property
    def meta(self) -> Mapping[str, Any]:
        return self.entry.meta

    @property
    def where(self) -> str:
        filename = str(self.meta.get("filename", "?"))
        return f"{Path(filename).name}:{self.meta.get('lineno', '?')}"


def read_seals(entries: Sequence[data.Directive]) -> tuple[list[Seal], list[BooksError]]:
    """The seals of the books in date order, and an error for each malformed one."""
    seals: list[Seal] = []
    errors: list[BooksError] = []
    for entry in entries:
        if not is_seal(entry):
            continue
        seal, problem = _read_seal(entry)
        if problem is not None:
            errors.append(BooksError(entry.meta, problem, entry))
        elif seal is not None:
            seals.append(seal)
    seals.sort(key=lambda seal: seal.end)
    unique: list[Seal] = []
    for seal in seals:
        if unique and unique[-1].end == seal.end:
            errors.append(
                BooksError(
                    seal.meta,
                    f"period {seal.period} is sealed twice (also at {unique[-1].where}); "
                    "keep one seal per period",
                    seal.entry,
                )
            )
        else:
            unique.append(seal)
    seals = unique
    return seals, errors


def _read_seal(entry: data.Custom) -> tuple[Seal | None, str | None]:
    usage = (
        f'write it as: {entry.date} custom "{PERIOD_CLOSE}" "YYYY-MM" with metadata digest, '
        "previous (and entries, manifest); 'backoffice close' writes it"
    )
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str):
        return None, f"period-close entry names no period; {usage}"
    period = values[0]
    try:
        _, end = period_bounds(period)
    except PeriodError as exc:
        return None, f"period-close: {exc}"
    if entry.date != end:
        return None, f"period-close of {period} is dated {entry.date}; it must be dated {end}"
    digest = entry.meta.get("digest")
    previous = entry.meta.get("previous")
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        return None, f"period-close of {period}: digest {digest!r} is not a SHA-256; {usage}"
    if not isinstance(previous, str) or not (previous == GENESIS or _DIGEST_RE.match(previous)):
        return None, (
            f"period-close of {period}: previous {previous!r} is neither {GENESIS!r} nor a "
            f"SHA-256; {usage}"
        )
    count = entry.meta.get("entries")
    if count is not None and not isinstance(count, Decimal | int):
        return None, f"period-close of {period}: entries {count!r} is not a number; {usage}"
    manifest = entry.meta.get("manifest")
    snapshot = entry.meta.get("snapshot")
    return (
        Seal(
            period=period,
            end=end,
            digest=digest,
            previous=previous,
            entries=int(count) if count is not None else None,
            manifest=manifest if isinstance(manifest, str) else None,
            entry=entry,
            snapshot=snapshot if isinstance(snapshot, str) else None,
        ),
        None,
    )


def compute_digest(period: str, previous: str, digests: Sequence[bytes]) -> str:
    """SHA-256 of the period, the previous seal's digest and the sorted entry hashes."""
    sha = hashlib.sha256(DIGEST_DOMAIN)
    sha.update(f"{period}\n{previous}\n".encode())
    sha.update(b"".join(sorted(digests)))
    return sha.hexdigest()


def covered_ranges(ends: Sequence[datetime.date], files: Sequence[FileHashes]) -> list[list[bytes]]:
    """Bucket every entry hash by the seal whose range holds its date."""
    bounds = [end.toordinal() for end in ends]
    buckets: list[list[bytes]] = [[] for _ in bounds]
    if not bounds:
        return buckets
    last = bounds[-1]
    for file in files:
        for ordinal, _, digest in file.records:
            if ordinal <= last:
                buckets[bisect.bisect_left(bounds, ordinal)].append(digest)
    return buckets


@dataclass(frozen=True)
class SealState:
    """One seal, recomputed: does it still hold, and if not, what changed."""

    seal: Seal
    start: datetime.date | None
    computed: str
    count: int
    problems: list[BooksError]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    seals: Sequence[Seal],
    files: Sequence[FileHashes],
    books_dir: Path,
    after: tuple[str, datetime.date] | None = None,
) -> list[SealState]:
    """Recompute each seal's digest from the files, check the chain, the count and
    the manifest; ``after`` is the digest and end of a seal proven otherwise, which
    the first of ``seals`` follows (the open-period load's snapshot)."""
    buckets = covered_ranges([seal.end for seal in seals], files)
    states = []
    previous_digest = after[0] if after else GENESIS
    previous_end: datetime.date | None = after[1] if after else None
    for seal, digests in zip(seals, buckets, strict=True):
        start = previous_end + datetime.timedelta(days=1) if previous_end else None
        computed = compute_digest(seal.period, seal.previous, digests)
        problems = []
        if seal.previous != previous_digest:
            before = "no earlier seal" if previous_digest == GENESIS else "the previous seal"
            problems.append(
                BooksError(
                    seal.meta,
                    f"period {seal.period}: the seal's chain is broken: previous is "
                    f"{seal.previous!r} but {before} has digest {previous_digest!r}; "
                    "a seal was removed, re-ordered or edited",
                    seal.entry,
                )
            )
        if computed != seal.digest:
            problems.extend(_changes(seal, start, digests, files, books_dir))
        elif seal.entries != len(digests):
            problems.append(
                BooksError(
                    seal.meta,
                    f"period {seal.period}: the seal says entries: {seal.entries} but its "
                    f"digest covers {len(digests)} entries: the seal was edited; "
                    "restore it from git",
                    seal.entry,
                )
            )
        problems.extend(_manifest_problems(seal, books_dir))
        states.append(SealState(seal, start, computed, len(digests), problems))
        previous_digest = seal.digest
        previous_end = seal.end
    return states


def _changes(
    seal: Seal,
    start: datetime.date | None,
    digests: Sequence[bytes],
    files: Sequence[FileHashes],
    books_dir: Path,
) -> list[BooksError]:
    """Name the period, and where the manifest allows it each changed entry."""
    was = f"{seal.entries} entries at the close" if seal.entries is not None else "at the close"
    summary = BooksError(
        seal.meta,
        f"period {seal.period} is sealed ({seal.where}) but its entries changed since the "
        f"close ({was}, {len(digests)} now): an entry dated in the period was edited, "
        f"inserted or deleted; {ADJUST_HINT}",
        seal.entry,
    )
    manifest = None
    if seal.manifest == manifest_path(seal.period):
        with contextlib.suppress(OutsideBooks):  # reported by _manifest_problems
            manifest = read_manifest(inside_books(books_dir, seal.manifest, "manifest"))
    if manifest is None:
        return [summary]
    if compute_digest(seal.period, seal.previous, [row[0] for row in manifest]) != seal.digest:
        return [
            summary._replace(
                message=summary.message + f"; the manifest {seal.manifest} does not match "
                "the seal either, so the changed entries cannot be named"
            )
        ]
    lo = start.toordinal() if start else 0
    hi = seal.end.toordinal()
    now = [
        (digest, file.filename, lineno)
        for file in files
        for ordinal, lineno, digest in file.records
        if lo <= ordinal <= hi
    ]
    extra = Counter(row[0] for row in now) - Counter(row[0] for row in manifest)
    missing = Counter(row[0] for row in manifest) - Counter(row[0] for row in now)
    gone: dict[str, str] = {}
    for digest, day, where in manifest:
        if missing[digest] > 0:
            missing[digest] -= 1
            gone[where] = day
    problems = [summary]
    for digest, filename, lineno in now:
        if extra[digest] > 0:
            extra[digest] -= 1
            where = f"{path_in_books(filename, books_dir)}:{lineno}"
            what = "changed" if gone.pop(where, None) else "changed or inserted"
            problems.append(
                BooksError(
                    {"filename": filename, "lineno": lineno},
                    f"period {seal.period} is sealed ({seal.where}): this entry was {what} "
                    f"after the close; {ADJUST_HINT}",
                    None,
                )
            )
    for where, day in sorted(gone.items()):
        problems.append(
            BooksError(
                seal.meta,
                f"period {seal.period} is sealed: the entry dated {day} that was at {where} "
                f"at the close is gone (deleted, moved or changed); {ADJUST_HINT}",
                seal.entry,
            )
        )
    return problems


ManifestRow = tuple[bytes, str, str]


def manifest_path(period: str) -> str:
    """Where ``backoffice close`` writes the manifest of ``period``."""
    return f"{CLOSES_DIR}/{period}/{MANIFEST_NAME}"


def _manifest_problems(seal: Seal, books_dir: Path) -> list[BooksError]:
    """The seal's manifest is where the close wrote it, inside the books, and lists
    exactly the entries the seal's digest covers."""
    expected = manifest_path(seal.period)

    def problem(message: str) -> list[BooksError]:
        return [
            BooksError(
                seal.meta,
                f"period {seal.period}: {message}; restore the seal and {expected} from git",
                seal.entry,
            )
        ]

    if seal.entries is None or seal.manifest is None:
        return problem("the seal lacks its entries or manifest field")
    if seal.manifest != expected:
        return problem(f"the seal's manifest is {seal.manifest!r}, not {expected!r}")
    try:
        path = inside_books(books_dir, expected, "manifest")
    except OutsideBooks as exc:
        return problem(str(exc))
    rows = read_manifest(path)
    if rows is None:
        return problem(f"the manifest {expected} is missing or not a manifest")
    if compute_digest(seal.period, seal.previous, [row[0] for row in rows]) != seal.digest:
        return problem(f"the manifest {expected} does not match the seal's digest (edited)")
    return []


def read_manifest(path: Path) -> list[ManifestRow] | None:
    """``digest<TAB>date<TAB>file:line`` rows, or None when missing or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not _DIGEST_RE.match(parts[0]):
            return None
        rows.append((bytes.fromhex(parts[0]), parts[1], parts[2]))
    return rows


CLOSES_DIR = "closes"
MANIFEST_NAME = "entries.tsv"
SEALS_FILE = "closes.beancount"  # where the close appends the seals

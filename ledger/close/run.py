"""``backoffice close YYYY-MM``: run the checklist, write the reports, seal the period.

Everything happens under the books' lock (:class:`~ledger.writer.BooksWriter`),
so no import can slip in between the checks and the seal. The books are loaded
once, as of the period end (published to the plugins through
``BACKOFFICE_AS_OF``): the seal's hashes are taken from that load, of the
entries as parsed and booked, before the first plugin, and only of the entries
the seal covers. ``close --through YYYY-MM`` closes every month not yet sealed
up to that one from one load, as of its end, each month as ``close`` would
(:func:`close_month`), and stops at the first refused month.
A refused close writes nothing; an accepted one writes, all or nothing::

    closes/YYYY-MM/trial-balance.txt   .csv
    closes/YYYY-MM/balance-sheet.txt   .csv
    closes/YYYY-MM/income-statement.txt .csv
    closes/YYYY-MM/stock-record.txt .csv, blotter.txt .csv, valuation.txt .csv
                                        the records (ledger/records/close_reports.py)
    closes/YYYY-MM/entries.tsv          the manifest of the sealed entries
    closes/YYYY-MM/snapshot.beancount   the books at the period end (ledger.close.snapshot)
    closes/YYYY-MM/snapshot-files.tsv   the digests the open-period load checks
    closes.beancount                    the seal appended
    revaluations.beancount              with [close] revaluation: the month-end
                                        mark-to-market and its reversal, sealed
                                        with the period (ledger/records/revaluation.py)
    main.beancount                      'include "closes.beancount"' (and
                                        "revaluations.beancount") added once
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.parser import booking, parser

from ledger.as_of import AS_OF_ENV
from ledger.books import Books, load
from ledger.breaks.model import Break, read_breaks
from ledger.close import snapshot as snap
from ledger.close.checklist import Checklist, run_checklist
from ledger.close.hashes import FileHashes, Record, entry_hashes, share_hashes
from ledger.close.new_seal import NewSeal, prepare_seal
from ledger.close.seal import CLOSES_DIR, SEALS_FILE, Seal, period_bounds, period_of, read_seals
from ledger.close.statements import Statement, Totals, period_statements
from ledger.config import Config
from ledger.documents import path_in_books
from ledger.records.close_reports import record_reports
from ledger.records.revaluation import Revaluation, plan_revaluation
from ledger.writer import BooksWriter

SEALS_HEADER = (
    "; Seals of closed periods, written by 'backoffice close'; verified by plugins.period_lock.\n"
)


@contextlib.contextmanager
def plugins_as_of(day: datetime.date) -> Iterator[None]:
    """Publish ``day`` to the plugins for the duration of the block."""
    saved = os.environ.get(AS_OF_ENV)
    os.environ[AS_OF_ENV] = day.isoformat()
    try:
        yield
    finally:
        if saved is None:
            del os.environ[AS_OF_ENV]
        else:
            os.environ[AS_OF_ENV] = saved


@dataclass(frozen=True)
class CloseResult:
    """What ``close`` found and (unless refused or a dry run) wrote."""

    period: str
    as_of: datetime.date
    dry_run: bool
    checklist: Checklist
    seal: NewSeal | None
    statements: list[Statement]
    written: list[Path]

    @property
    def closed(self) -> bool:
        return self.checklist.ok and not self.dry_run

    def to_json(self, books_dir: Path) -> dict[str, Any]:
        seal = self.seal
        return {
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "closed": self.closed,
            "checks": self.checklist.to_json(),
            "seal": None
            if seal is None
            else {
                "period": seal.period,
                "from": seal.start.isoformat() if seal.start else None,
                "to": seal.end.isoformat(),
                "digest": seal.digest,
                "previous": seal.previous,
                "entries": seal.count,
            },
            "written": [path_in_books(path, books_dir) for path in self.written],
        }


def _plan(
    books: Books,
    config: Config,
    period: str,
    seal: NewSeal,
    statements: list[Statement],
    snapshot: dict[str, str],
) -> dict[Path, str]:
    """Every file the close writes (not yet the appends), by absolute path."""
    directory = books.directory.absolute() / CLOSES_DIR / period
    files = {books.directory.absolute() / seal.manifest_path: seal.manifest}
    for statement in statements:
        files[directory / f"{statement.name}.txt"] = statement.text()
        files[directory / f"{statement.name}.csv"] = statement.csv()
    for name, text in record_reports(books, config, period).items():
        files[directory / name] = text
    for name, text in snapshot.items():
        files[books.directory.absolute() / name] = text
    return files


def _snapshot(
    loaded: Loaded,
    config: Config,
    seal: NewSeal,
    seals: Sequence[Seal],
    include: str | None,
    pending: dict[Path, str],
) -> tuple[NewSeal, dict[str, str]]:
    """The seal naming its snapshot, and the snapshot's two files by path in the books
    (:mod:`ledger.close.snapshot`). ``pending`` holds what the months closed before
    it in the same run will write, read as the files they will be."""
    books, booked = loaded.books, loaded.booked
    period, end = seal.period, seal.end
    body = snap.snapshot_body(
        period,
        end,
        booked[0],
        books.entries,
        config.accounts.unsettled,
        config.accounts.suspense,
        books.directory,
    )
    main = str(books.path.absolute())
    directory = books.directory.absolute()
    manifests = [s.manifest for s in seals if s.manifest] + [seal.manifest_path]
    filenames = sorted({*booked[1]["include"], str(directory / SEALS_FILE)})
    # what the months before in the same run will write, read as those files: an
    # included file (revaluations.beancount) by its name as included, a manifest by
    # its path in the books
    contents: dict[str, bytes | None] = {}
    for name, target in [
        *((f, Path(f)) for f in filenames),
        *((m, directory / m) for m in manifests),
    ]:
        if target in pending:
            contents[name] = pending[target].encode()
    contents[str(directory / SEALS_FILE)] = None
    contents[seal.manifest_path] = seal.manifest.encode()
    if include is not None:
        contents[main] = books.path.read_bytes() + include.encode()
    records = snap.file_records(
        booked[0], loaded.files, filenames, end, books.directory, contents, manifests, booked[1]
    )
    previous = next((s for s in reversed(seals) if s.snapshot), None)
    previous_files = directory / snap.files_path(previous.period) if previous else None
    dcontext = snap.skipped_dcontext(
        records,
        books.directory,
        previous_files,
        pending.get(previous_files) if previous_files else None,
    )
    files = snap.files_text(records, dcontext)
    chain = snap.chain_digest(
        [(s.period, s.digest, s.previous, s.entries, s.manifest) for s in seals]
        + [(seal.period, seal.digest, seal.previous, seal.count, seal.manifest_path)]
    )
    sha = hashlib.sha256(files.encode()).hexdigest()
    text = snap.snapshot_text(period, end, seal.digest, chain, sha, body)
    sealed = dataclasses.replace(seal, snapshot=hashlib.sha256(text.encode()).hexdigest())
    return sealed, {snap.snapshot_path(period): text, snap.files_path(period): files}


def _include_line(main: Path, name: str = SEALS_FILE) -> str | None:
    """The include line of ``name`` ``main`` still lacks, or None."""
    line = f'include "{name}"'
    text = main.read_text(encoding="utf-8")
    return None if any(row.strip() == line for row in text.splitlines()) else line + "\n"


@dataclass(frozen=True)
class Loaded:
    """The books loaded for a close, the hashes of the entries its seals cover, and
    what the checklists of its months share."""

    books: Books
    booked: tuple[list[data.Directive], dict[str, Any]]  # before the plugins, and the options
    files: list[FileHashes]  # every entry's hash, by file
    totals: Totals
    breaks: list[Break]

    def covered(self, start: datetime.date | None, end: datetime.date) -> list[FileHashes]:
        """The hashes of the entries dated from ``start`` to ``end`` (each file's
        records are in date order)."""
        lo, hi = (start.toordinal() if start else 0), end.toordinal()
        return [FileHashes(file.filename, _dated(file.records, lo, hi)) for file in self.files]


def _dated(records: list[Record], lo: int, hi: int) -> list[Record]:
    """The records dated from ordinal ``lo`` to ``hi``, of records in date order."""
    first = bisect.bisect_left(records, lo, key=_ordinal)
    return records[first : bisect.bisect_right(records, hi, key=_ordinal)]


def _ordinal(record: Record) -> int:
    return record[0]


def load_for_close(path: Path, end: datetime.date) -> Loaded:
    """The books loaded as of ``end``, with their entries as they reach the first
    plugin (parsed and booked: what a seal covers, what a snapshot starts from) and
    their hashes, once for every month it closes: the close reads and books the
    files once."""
    captured: list[tuple[list[data.Directive], dict[str, Any], list[FileHashes]]] = []

    def keep_booked(entries: list[data.Directive], options: dict[str, Any]) -> None:
        # hashed once: plugins.period_lock takes these hashes in the same load
        captured.append((list(entries), options, share_hashes(entries, options)))

    with plugins_as_of(end):
        books = load(path, before_plugins=keep_booked)
    ((entries, options, files),) = captured
    booked = (entries, options)
    breaks, _ = read_breaks(books.entries)  # malformed: plugins.breaks errors, in books.errors
    return Loaded(books, booked, files, Totals(books.entries), breaks)


def _with_revaluation(loaded: Loaded, revaluation: Revaluation) -> Loaded:
    """``loaded`` as the books will be once ``revaluation`` is written: its entries
    booked and hashed like the file's others, so that the seal covers the month-end
    entry and the snapshot and the statements count it (one load, no re-read)."""
    options = loaded.booked[1]
    new = sorted(revaluation.entries, key=data.entry_sortkey)
    new, _ = booking.book(new, options)  # type: ignore[no-untyped-call]
    name = str(revaluation.path)
    root = os.path.dirname(os.path.abspath(options["filename"]))
    records = {file.filename: list(file.records) for file in loaded.files}
    records.setdefault(name, []).extend(entry_hashes(new, [name], root)[0].records)
    records[name].sort(key=lambda record: record[:2])
    files = [FileHashes(filename, records[filename]) for filename in sorted(records)]
    include = list(options["include"])
    if name not in include:
        include.append(name)
    booked = sorted([*loaded.booked[0], *new], key=data.entry_sortkey)
    entries = sorted([*loaded.books.entries, *new], key=data.entry_sortkey)
    books = replace(loaded.books, entries=entries)
    return Loaded(
        books, (booked, {**options, "include": include}), files, Totals(entries), loaded.breaks
    )


def close_month(
    loaded: Loaded,
    config: Config,
    period: str,
    as_of: datetime.date,
    seals: Sequence[Seal],
    pending: dict[Path, str] | None = None,
) -> tuple[Checklist, NewSeal | None, list[Statement], Loaded, Revaluation | None]:
    """The checklist, the seal (chained to ``seals``) and the reports of ``period``;
    with ``[close] revaluation``, the month-end revaluation and ``loaded`` with it
    (``pending``: what months closed before in the same run will write)."""
    start, end = period_bounds(period)
    checklist = run_checklist(
        loaded.books, config, period, as_of, seals, totals=loaded.totals, found=loaded.breaks
    )
    seal = None
    revaluation = None
    if not any(b.check == "period" for b in checklist.blockers):
        revaluation = plan_revaluation(loaded.books, config, period, pending or {})
        if revaluation is not None:
            loaded = _with_revaluation(loaded, revaluation)
        after = seals[-1].end + datetime.timedelta(days=1) if seals else None
        files = loaded.covered(after, end)
        seal = prepare_seal(period, seals, files, loaded.books.directory)
    statements = period_statements(loaded.totals, start, end, loaded.books.options)
    return checklist, seal, statements, loaded, revaluation


def _written_seal(seal: NewSeal, seals_file: Path) -> Seal:
    """``seal`` as the books will read it once written, to chain the next month to."""
    entries, _, _ = parser.parse_string(seal.entry_text(), report_filename=str(seals_file))
    (read,) = read_seals(entries)[0]
    return read


def _months(first: str, last: str) -> list[str]:
    months = []
    day, end = period_bounds(first)[0], period_bounds(last)[0]
    while day <= end:
        months.append(period_of(day))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def _first_unsealed(books: Books, seals: Sequence[Seal]) -> str | None:
    """The month after the last seal; with no seal, the month of the first
    transaction (a first close seals every entry before it too)."""
    if seals:
        return period_of(seals[-1].end + datetime.timedelta(days=1))
    for entry in books.entries:
        if isinstance(entry, data.Transaction):
            return period_of(entry.date)
    return None


def run_close(
    path: Path, config: Config, period: str, as_of: datetime.date, *, dry_run: bool
) -> CloseResult:
    """Close ``period`` of the books at ``path`` (see the module docstring)."""
    (result,) = _close(path, config, [period], as_of, dry_run=dry_run)
    return result


def run_close_through(
    path: Path, config: Config, through: str, as_of: datetime.date, *, dry_run: bool
) -> list[CloseResult]:
    """Close every month not yet sealed up to ``through`` from one load, each as
    :func:`run_close` would; up to the first refused month, which is the last result."""
    return _close(path, config, None, as_of, dry_run=dry_run, through=through)


def _close(
    path: Path,
    config: Config,
    periods: list[str] | None,
    as_of: datetime.date,
    *,
    dry_run: bool,
    through: str | None = None,
) -> list[CloseResult]:
    """Close ``periods`` in order, or (None) every unsealed month up to ``through``."""
    last = through or (periods or [""])[-1]
    period_bounds(last)
    with contextlib.nullcontext(None) if dry_run else BooksWriter(path.parent) as writer:
        loaded = load_for_close(path, period_bounds(last)[1])
        books = loaded.books
        seals, _ = read_seals(books.entries)
        if periods is None:
            first = _first_unsealed(books, seals)
            periods = _months(first, last) if first and first <= last else [last]
        seals_file = path.parent.absolute() / SEALS_FILE
        include = _include_line(path)
        results: list[CloseResult] = []
        files: dict[Path, str] = {}
        appended: list[str] = []
        for period in periods:
            checklist, seal, statements, loaded, revaluation = close_month(
                loaded, config, period, as_of, seals, files
            )
            if checklist.ok and seal is not None and writer is not None:
                if revaluation is not None:
                    files[revaluation.path] = revaluation.text
                    line = _include_line(path, revaluation.path.name)
                    if line is not None and line not in (include or ""):
                        include = (include or "") + line
                seal, snapshot = _snapshot(loaded, config, seal, seals, include, files)
                files.update(_plan(loaded.books, config, period, seal, statements, snapshot))
            results.append(CloseResult(period, as_of, dry_run, checklist, seal, statements, []))
            if not checklist.ok or seal is None:
                break
            appended.append("\n" + seal.entry_text())
            seals = [*seals, _written_seal(seal, seals_file)]
        if writer is None or not appended:
            return results
        for target, text in files.items():
            writer.write_text(target, text)
        header = "" if seals_file.exists() else SEALS_HEADER
        writer.append_text(seals_file, header + "".join(appended))
        written = [*files, seals_file]
        if include is not None:
            writer.append_text(path.absolute(), include)
            written.append(path.absolute())
    in_books = {target: path_in_books(target, books.directory) for target in written}
    for index, result in enumerate(results):
        if result.closed:
            month = f"{CLOSES_DIR}/{result.period}/"
            own = [
                target
                for target in written
                if target in (seals_file, path.absolute())
                or in_books[target].startswith(month)
                # a file the months share (revaluations.beancount): every month's
                or not in_books[target].startswith(f"{CLOSES_DIR}/")
            ]
            results[index] = replace(result, written=sorted(own))
    return results

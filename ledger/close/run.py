"""``backoffice close YYYY-MM``: run the checklist, write the reports, seal the period.

Everything happens under the books' lock (:class:`~ledger.writer.BooksWriter`),
so no import can slip in between the checks and the seal. The books are loaded
as of the period end (published to the plugins through ``BACKOFFICE_AS_OF``).
A refused close writes nothing; an accepted one writes, all or nothing::

    closes/YYYY-MM/trial-balance.txt   .csv
    closes/YYYY-MM/balance-sheet.txt   .csv
    closes/YYYY-MM/income-statement.txt .csv
    closes/YYYY-MM/entries.tsv          the manifest of the sealed entries
    closes/YYYY-MM/snapshot.beancount   the books at the period end (ledger.close.snapshot)
    closes/YYYY-MM/snapshot-files.tsv   the digests the open-period load checks
    closes.beancount                    the seal appended
    main.beancount                      'include "closes.beancount"' added once
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.as_of import AS_OF_ENV
from ledger.books import Books, load
from ledger.close import snapshot as snap
from ledger.close.checklist import Checklist, run_checklist
from ledger.close.hashes import FileHashes, booked_entries, booked_hashes
from ledger.close.new_seal import NewSeal, prepare_seal
from ledger.close.seal import CLOSES_DIR, SEALS_FILE, Seal, period_bounds, read_seals
from ledger.close.statements import Statement, period_statements
from ledger.config import Config
from ledger.documents import path_in_books
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
    books: Books, period: str, seal: NewSeal, statements: list[Statement], snapshot: dict[str, str]
) -> dict[Path, str]:
    """Every file the close writes (not yet the appends), by absolute path."""
    directory = books.directory.absolute() / CLOSES_DIR / period
    files = {books.directory.absolute() / seal.manifest_path: seal.manifest}
    for statement in statements:
        files[directory / f"{statement.name}.txt"] = statement.text()
        files[directory / f"{statement.name}.csv"] = statement.csv()
    for name, text in snapshot.items():
        files[books.directory.absolute() / name] = text
    return files


@dataclass(frozen=True)
class _Evaluation:
    books: Books
    checklist: Checklist
    seal: NewSeal | None
    statements: list[Statement]
    seals: list[Seal]
    booked: tuple[list[Any], dict[str, Any]] | None
    hashes: list[FileHashes]


def _snapshot(
    evaluation: _Evaluation, config: Config, period: str, include: str | None
) -> tuple[NewSeal, dict[str, str]]:
    """The seal naming its snapshot, and the snapshot's two files by path in the books
    (:mod:`ledger.close.snapshot`)."""
    books, seal, booked = evaluation.books, evaluation.seal, evaluation.booked
    assert seal is not None and booked is not None
    _, end = period_bounds(period)
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
    contents: dict[str, bytes | None] = {
        str(books.directory.absolute() / SEALS_FILE): None,
        seal.manifest_path: seal.manifest.encode(),
    }
    if include is not None:
        contents[main] = books.path.read_bytes() + include.encode()
    manifests = [s.manifest for s in evaluation.seals if s.manifest] + [seal.manifest_path]
    filenames = sorted({*booked[1]["include"], str(books.directory.absolute() / SEALS_FILE)})
    records = snap.file_records(
        booked[0], evaluation.hashes, filenames, end, books.directory, contents, manifests
    )
    previous = next((s for s in reversed(evaluation.seals) if s.snapshot), None)
    dcontext = snap.skipped_dcontext(
        records,
        books.directory,
        books.directory / snap.files_path(previous.period) if previous else None,
    )
    files = snap.files_text(records, dcontext)
    chain = snap.chain_digest(
        [(s.period, s.digest, s.previous, s.entries, s.manifest) for s in evaluation.seals]
        + [(seal.period, seal.digest, seal.previous, seal.count, seal.manifest_path)]
    )
    sha = hashlib.sha256(files.encode()).hexdigest()
    text = snap.snapshot_text(period, end, seal.digest, chain, sha, body)
    sealed = dataclasses.replace(seal, snapshot=hashlib.sha256(text.encode()).hexdigest())
    return sealed, {snap.snapshot_path(period): text, snap.files_path(period): files}


def _include_line(main: Path) -> str | None:
    """The include line ``main`` still lacks, or None."""
    line = f'include "{SEALS_FILE}"'
    text = main.read_text(encoding="utf-8")
    return None if any(row.strip() == line for row in text.splitlines()) else line + "\n"


def _evaluate(path: Path, config: Config, period: str, as_of: datetime.date) -> _Evaluation:
    start, end = period_bounds(period)
    with plugins_as_of(end):
        books = load(path)
    seals, _ = read_seals(books.entries)
    checklist = run_checklist(books, config, period, as_of, seals)
    seal = None
    booked = None
    hashes: list[FileHashes] = []
    if not any(b.check == "period" for b in checklist.blockers):
        booked = booked_entries(path)
        hashes = booked_hashes(path, booked)
        seal = prepare_seal(period, seals, hashes, books.directory)
    statements = period_statements(books.entries, start, end, books.options)
    return _Evaluation(books, checklist, seal, statements, seals, booked, hashes)


def run_close(
    path: Path, config: Config, period: str, as_of: datetime.date, *, dry_run: bool
) -> CloseResult:
    """Close ``period`` of the books at ``path`` (see the module docstring)."""
    period_bounds(period)
    if dry_run:
        found = _evaluate(path, config, period, as_of)
        return CloseResult(period, as_of, True, found.checklist, found.seal, found.statements, [])
    with BooksWriter(path.parent) as writer:
        found = _evaluate(path, config, period, as_of)
        checklist, seal, statements = found.checklist, found.seal, found.statements
        if not checklist.ok or seal is None:
            return CloseResult(period, as_of, False, checklist, seal, statements, [])
        include = _include_line(path)
        seal, snapshot = _snapshot(found, config, period, include)
        files = _plan(found.books, period, seal, statements, snapshot)
        for target, text in files.items():
            writer.write_text(target, text)
        seals_file = path.parent.absolute() / SEALS_FILE
        header = "" if seals_file.exists() else SEALS_HEADER
        writer.append_text(seals_file, header + "\n" + seal.entry_text())
        written = [*files, seals_file]
        if include is not None:
            writer.append_text(path.absolute(), include)
            written.append(path.absolute())
    return CloseResult(period, as_of, False, checklist, seal, statements, sorted(written))

"""``backoffice close YYYY-MM``: run the checklist, write the reports, seal the period.

Everything happens under the books' lock (:class:`~ledger.writer.BooksWriter`),
so no import can slip in between the checks and the seal. The books are loaded
as of the period end (published to the plugins through ``BACKOFFICE_AS_OF``).
A refused close writes nothing; an accepted one writes, all or nothing::

    closes/YYYY-MM/trial-balance.txt   .csv
    closes/YYYY-MM/balance-sheet.txt   .csv
    closes/YYYY-MM/income-statement.txt .csv
    closes/YYYY-MM/stock-record.txt .csv, blotter.txt .csv, valuation.txt .csv
                                        the records (ledger/records/close_reports.py)
    closes/YYYY-MM/entries.tsv          the manifest of the sealed entries
    closes.beancount                    the seal appended
    revaluations.beancount              with [close] revaluation: the month-end
                                        mark-to-market and its reversal, sealed
                                        with the period (ledger/records/revaluation.py)
    main.beancount                      'include "closes.beancount"' (and
                                        "revaluations.beancount") added once
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.as_of import AS_OF_ENV
from ledger.books import Books, load
from ledger.close.checklist import Checklist, run_checklist
from ledger.close.hashes import booked_hashes
from ledger.close.new_seal import NewSeal, prepare_seal
from ledger.close.seal import CLOSES_DIR, SEALS_FILE, period_bounds, read_seals
from ledger.close.statements import Statement, period_statements
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
    books: Books, config: Config, period: str, seal: NewSeal, statements: list[Statement]
) -> dict[Path, str]:
    """Every file the close writes (not yet the appends), by absolute path."""
    directory = books.directory.absolute() / CLOSES_DIR / period
    files = {books.directory.absolute() / seal.manifest_path: seal.manifest}
    for statement in statements:
        files[directory / f"{statement.name}.txt"] = statement.text()
        files[directory / f"{statement.name}.csv"] = statement.csv()
    for name, text in record_reports(books, config, period).items():
        files[directory / name] = text
    return files


def _include_line(main: Path, name: str = SEALS_FILE) -> str | None:
    """The include line of ``name`` ``main`` still lacks, or None."""
    line = f'include "{name}"'
    text = main.read_text(encoding="utf-8")
    return None if any(row.strip() == line for row in text.splitlines()) else line + "\n"


def _evaluate(
    path: Path, config: Config, period: str, as_of: datetime.date
) -> tuple[Books, Checklist, NewSeal | None, list[Statement], Revaluation | None]:
    start, end = period_bounds(period)
    with plugins_as_of(end):
        books = load(path)
    seals, _ = read_seals(books.entries)
    checklist = run_checklist(books, config, period, as_of, seals)
    seal = None
    revaluation = None
    if not any(b.check == "period" for b in checklist.blockers):
        revaluation = plan_revaluation(books, config, period)
        overlay = None if revaluation is None else (revaluation.path, revaluation.text)
        files = booked_hashes(path, overlay)
        seal = prepare_seal(period, seals, files, books.directory)
    entries = books.entries
    if revaluation is not None:  # the statements show the books as sealed
        entries = sorted([*entries, *revaluation.entries], key=data.entry_sortkey)
    statements = period_statements(entries, start, end, books.options)
    return books, checklist, seal, statements, revaluation


def run_close(
    path: Path, config: Config, period: str, as_of: datetime.date, *, dry_run: bool
) -> CloseResult:
    """Close ``period`` of the books at ``path`` (see the module docstring)."""
    period_bounds(period)
    if dry_run:
        _, checklist, seal, statements, _ = _evaluate(path, config, period, as_of)
        return CloseResult(period, as_of, True, checklist, seal, statements, [])
    with BooksWriter(path.parent) as writer:
        books, checklist, seal, statements, revaluation = _evaluate(path, config, period, as_of)
        if not checklist.ok or seal is None:
            return CloseResult(period, as_of, False, checklist, seal, statements, [])
        files = _plan(books, config, period, seal, statements)
        if revaluation is not None:
            files[revaluation.path] = revaluation.text
        for target, text in files.items():
            writer.write_text(target, text)
        seals_file = path.parent.absolute() / SEALS_FILE
        header = "" if seals_file.exists() else SEALS_HEADER
        writer.append_text(seals_file, header + "\n" + seal.entry_text())
        written = [*files, seals_file]
        includes = [_include_line(path)]
        if revaluation is not None:
            includes.append(_include_line(path, revaluation.path.name))
        if any(includes):
            writer.append_text(path.absolute(), "".join(line for line in includes if line))
            written.append(path.absolute())
    return CloseResult(period, as_of, False, checklist, seal, statements, sorted(written))

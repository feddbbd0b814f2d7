"""Fava's own Import page, through the pipeline of ``backoffice import``.

Fava's Import page runs the beangulp importers of the books' ``import-config``
option on the files of its ``import-dirs`` (an upload lands in the first), shows
what each extracts, and on "Save" inserts the entries shown with
``FavaLedger.file.insert_entries``. Backoffice's pipeline does more than an
importer's ``extract``: it maps statement accounts, deduplicates against the
books, checks balances, refuses sealed periods, archives the document with its
SHA-256 and writes month files, all under the books' lock. So:

- :func:`importers_of` gives Fava one :class:`PipelineImporter` per Backoffice
  importer (the books' ``fava_import.py`` calls it); its ``extract`` is the
  pipeline's dry run on the file: exactly the entries ``backoffice import``
  would write, deduplicated, each tagged ``import-file`` (the file shown);
- Fava's form can carry only transactions, balances and notes: the other
  entries the document gives (prices, opens) are announced by one note;
- on "Save", :func:`save_imported` (called by ``serve --edit``'s guarded file,
  :mod:`ledger.fava_edit`, in place of Fava's insert) runs ``backoffice
  import`` on the tagged files, so what is written, archived and deduplicated
  is the CLI's, byte for byte. The pipeline imports a document whole and as its
  importer reads it: entries left out or changed in Fava's form are refused
  (reclassify a suspense line from the Imports page afterwards).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount.core import data
from beangulp import Importer

from importers.registry import importers_for
from ledger.config import ConfigError, load_config
from ledger.imports.pipeline import run_import
from ledger.imports.result import ImportErrors, ImportResult

IMPORT_FILE = "import-file"
SHOWN = (data.Transaction, data.Balance)


class ImportRefused(Exception):
    """The entries saved from Fava's Import page are not what the pipeline imports."""


def _config(books_file: Path) -> Any:
    try:
        return load_config(books_file, required=True)
    except ConfigError as exc:
        raise ImportRefused(str(exc)) from None


class PipelineImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """A Backoffice importer as Fava sees it: identify and name are the importer's,
    ``extract`` is the pipeline's dry run."""

    def __init__(self, books_file: Path, name: str) -> None:
        self.books_file = books_file
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _importer(self) -> Any:
        """The importer of this name under the books' current config."""
        for importer in importers_for(_config(self.books_file)):
            if importer.name == self._name:
                return importer
        raise ImportRefused(f"no importer {self._name} under the current backoffice.toml")

    def identify(self, filepath: str) -> bool:
        return bool(self._importer().identify(filepath))

    def account(self, filepath: str) -> str:
        return str(self._importer().account(filepath))

    def date(self, filepath: str) -> datetime.date | None:
        found: datetime.date | None = self._importer().date(filepath)
        return found

    def filename(self, filepath: str) -> str | None:
        found: str | None = self._importer().filename(filepath)
        return found

    def extract(self, filepath: str, existing: Any = None) -> list[data.Directive]:
        return preview(self.books_file, Path(filepath))

    def deduplicate(self, entries: list[data.Directive], existing: Any) -> None:
        """Nothing: the pipeline deduplicated against the books already."""


def importers_of(books_file: Path) -> list[Importer]:
    """Fava's ``CONFIG``: the books' importers, each through the pipeline."""
    return [PipelineImporter(books_file, imp.name) for imp in importers_for(_config(books_file))]


def _dry_run(books_file: Path, paths: Sequence[Path]) -> ImportResult:
    try:
        return run_import(books_file, _config(books_file), paths, dry_run=True)
    except ImportErrors as exc:
        raise ImportRefused(str(exc)) from None


def preview(books_file: Path, path: Path) -> list[data.Directive]:
    """What ``backoffice import FILE`` would write, as Fava's form can show it."""
    [result] = _dry_run(books_file, [path]).files
    shown: list[data.Directive] = [
        entry._replace(meta={**entry.meta, IMPORT_FILE: str(path)})
        for entry in result.new
        if isinstance(entry, SHOWN)
    ]
    others = Counter(type(e).__name__.lower() for e in result.new if not isinstance(e, SHOWN))
    if others:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(others.items()))
        shown.append(
            data.Note(
                {"filename": str(path), "lineno": 0, IMPORT_FILE: str(path)},
                max(entry.date for entry in result.new),
                result.account,
                f"backoffice import also writes from this document: {kinds}",
                None,
                None,
            )
        )
    return shown


def _key(entry: data.Directive) -> tuple[Any, ...]:
    """What Fava's form must not have changed (its JSON round trip retypes metadata)."""
    if isinstance(entry, data.Transaction):
        postings = sorted(
            (p.account, str(p.units.number), p.units.currency)
            for p in entry.postings
            if p.units is not None
        )
        return ("txn", entry.date, entry.payee or "", entry.narration or "", tuple(postings))
    if isinstance(entry, data.Balance):
        return ("balance", entry.date, entry.account, entry.amount.number, entry.amount.currency)
    return ("other", entry.date)


def from_import_page(entries: Sequence[data.Directive]) -> bool:
    """Whether the entries Fava inserts come from its Import page (a preview's)."""
    return any(IMPORT_FILE in (entry.meta or {}) for entry in entries)


def save_imported(books_file: Path, entries: Sequence[data.Directive]) -> ImportResult:
    """``backoffice import`` of the files the saved entries were previewed from, once
    the entries are found to be that preview, unchanged and whole."""
    files = sorted({str((entry.meta or {}).get(IMPORT_FILE)) for entry in entries})
    if any(IMPORT_FILE not in (entry.meta or {}) for entry in entries):
        raise ImportRefused("entries from the Import page and others cannot be saved together")
    paths = [Path(name) for name in files]
    expected = [
        entry
        for path in paths
        for entry in preview(books_file, path)
        if not isinstance(entry, data.Note)
    ]
    sent = [entry for entry in entries if not isinstance(entry, data.Note)]
    if Counter(map(_key, sent)) != Counter(map(_key, expected)):
        names = ", ".join(path.name for path in paths)
        raise ImportRefused(
            f"{names}: Backoffice imports a document whole and as its importer reads it, "
            "but the entries saved differ from what 'backoffice import' writes (some were "
            "left out or changed in the form, or the books changed meanwhile): extract "
            "the file again and save it unchanged; reclassify suspense lines from the "
            "Imports page afterwards"
        )
    try:
        config = _config(books_file)
        return run_import(books_file, config, paths, reload_config=lambda: _config(books_file))
    except ImportErrors as exc:
        raise ImportRefused(str(exc)) from None

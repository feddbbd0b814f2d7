"""``serve --edit``: Fava's editor writes to the books only as Backoffice would.

Fava writes the books through one object per ledger, ``FavaLedger.file``
(:class:`fava.core.file.FileModule`): ``set_source`` (the editor),
``save_entry_slice`` and ``delete_entry_slice`` (an entry's context page),
``insert_metadata`` (attaching a document) and ``insert_entries`` (the "add
entry" form, imports). :func:`guard_edits` puts a proxy in its place that

- takes the books' lock (:class:`~ledger.writer.BooksWriter`) around each write,
  so an edit never interleaves with an import or a close;
- refuses (a :class:`SealedEdit` Fava shows as the request's error) an edit that
  touches an entry dated in a sealed period, adds one, or changes a sealed file
  (``closes.beancount``, anything under ``closes/``), and an edit of the main
  file that drops ``plugins.period_lock`` from the first plugin line or the
  ``include "closes.beancount"`` line;
- refuses to delete an archived document (``DELETE /api/document``);
- saves the entries of Fava's Import page by ``backoffice import`` of their file
  (:mod:`ledger.fava_import`): deduplicated, archived, in month files.

Every other attribute is Fava's own.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from beancount.core import data
from beancount.parser import parser
from fava.helpers import FavaAPIError
from flask import g, jsonify, request

from ledger.close.canonical import entry_digest
from ledger.close.hashes import PERIOD_LOCK
from ledger.close.seal import CLOSES_DIR, SEALS_FILE, read_seals
from ledger.fava_import import ImportRefused, from_import_page, save_imported
from ledger.writer import BooksWriter, LockTimeout

T = TypeVar("T")
LOCK_TIMEOUT = 10.0  # seconds an edit waits for an import or a close to finish
HINT = "book a correction in the open period with original-date (a prior-period adjustment) instead"


class SealedEdit(FavaAPIError):
    """The edit would change a sealed period of the books."""


class GuardedFile:
    """Fava's ``FileModule`` with the books' lock and the seals enforced."""

    def __init__(self, module: Any, ledger: Any) -> None:
        self._module = module
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    @property
    def _books_dir(self) -> Path:
        return Path(self._ledger.beancount_file_path).parent

    def _last_sealed(self) -> datetime.date | None:
        seals, _ = read_seals(self._ledger.all_entries)
        return seals[-1].end if seals else None

    def _locked(self, write: Callable[[], T]) -> T:
        try:
            with BooksWriter(self._books_dir, timeout=LOCK_TIMEOUT):
                return write()
        except LockTimeout as exc:
            raise FavaAPIError(str(exc)) from None

    def _refuse_sealed_file(self, path: Path) -> None:
        books = self._books_dir.resolve()
        real = path.resolve()
        if real == books / SEALS_FILE or real.is_relative_to(books / CLOSES_DIR):
            raise SealedEdit(
                f"{path.name} is part of the seals of the closed periods and cannot be "
                "edited from Fava"
            )

    def _refuse_sealed_entry(self, entry: data.Directive, what: str) -> None:
        last = self._last_sealed()
        if last is not None and entry.date <= last:
            filename = entry.meta.get("filename")
            where = (
                f" at {os.path.basename(str(filename))}:{entry.meta.get('lineno')}"
                if filename and not str(filename).startswith("<")
                else ""
            )
            raise SealedEdit(
                f"{what}: the entry{where} is dated {entry.date}, in a sealed period "
                f"(the books are sealed up to {last}); {HINT}"
            )

    def _refuse_sealed_text(self, text: str, what: str) -> None:
        last = self._last_sealed()
        if last is None:
            return
        entries, _, _ = parser.parse_string(text)
        for entry in entries:
            if entry.date <= last:
                raise SealedEdit(
                    f"{what}: the new text holds an entry dated {entry.date}, in a sealed "
                    f"period (the books are sealed up to {last}); {HINT}"
                )

    def set_source(self, path: Path, source: str, sha256sum: str) -> str:
        self._refuse_sealed_file(path)
        last = self._last_sealed()
        if last is not None:
            old = path.read_text(encoding="utf-8")
            if _sealed_digests(old, last) != _sealed_digests(source, last):
                raise SealedEdit(
                    f"{path.name}: this change edits, adds or removes an entry dated in a "
                    f"sealed period (the books are sealed up to {last}); {HINT}"
                )
            if path.resolve() == Path(self._ledger.beancount_file_path).resolve():
                _refuse_unsealing(source, path.name)
        result: str = self._locked(lambda: self._module.set_source(path, source, sha256sum))
        return result

    def save_entry_slice(self, entry_hash: str, source_slice: str, sha256sum: str) -> str:
        entry = self._ledger.get_entry(entry_hash)
        self._refuse_sealed_file(Path(entry.meta.get("filename", "")))
        self._refuse_sealed_entry(entry, "editing this entry")
        self._refuse_sealed_text(source_slice, "editing this entry")
        result: str = self._locked(
            lambda: self._module.save_entry_slice(entry_hash, source_slice, sha256sum)
        )
        return result

    def delete_entry_slice(self, entry_hash: str, sha256sum: str) -> None:
        entry = self._ledger.get_entry(entry_hash)
        self._refuse_sealed_file(Path(entry.meta.get("filename", "")))
        self._refuse_sealed_entry(entry, "deleting this entry")
        self._locked(lambda: self._module.delete_entry_slice(entry_hash, sha256sum))

    def insert_metadata(self, entry_hash: str, basekey: str, value: str) -> None:
        entry = self._ledger.get_entry(entry_hash)
        self._refuse_sealed_entry(entry, "adding metadata to this entry")
        self._locked(lambda: self._module.insert_metadata(entry_hash, basekey, value))

    def insert_entries(self, entries: Sequence[data.Directive]) -> None:
        if from_import_page(entries):
            self._import(entries)
            return
        for entry in entries:
            self._refuse_sealed_entry(entry, "adding an entry")
        self._locked(lambda: self._module.insert_entries(entries))

    def _import(self, entries: Sequence[data.Directive]) -> None:
        """Entries saved from Fava's Import page: ``backoffice import`` of their files
        (:mod:`ledger.fava_import`), under the books' lock as the CLI takes it."""
        books_file = Path(self._ledger.beancount_file_path)
        try:
            result = save_imported(books_file, entries)
        except (ImportRefused, LockTimeout) as exc:
            raise FavaAPIError(str(exc)) from None
        for name in result.written:
            self._ledger.watcher.notify(books_file.parent / name)


def _sealed_digests(text: str, last: datetime.date) -> list[bytes]:
    """The digests of the entries of ``text`` dated on or before ``last``, as parsed."""
    entries, _, _ = parser.parse_string(text)
    return sorted(entry_digest(entry) for entry in entries if entry.date <= last)


def _refuse_unsealing(source: str, name: str) -> None:
    _, _, options = parser.parse_string(source)
    plugins = [plugin for plugin, _ in options.get("plugin") or ()]
    if not plugins or plugins[0] != PERIOD_LOCK:
        raise SealedEdit(
            f'{name}: plugin "{PERIOD_LOCK}" must stay the first plugin line of books that '
            "hold sealed periods"
        )
    if SEALS_FILE not in [os.path.basename(include) for include in options.get("include") or ()]:
        raise SealedEdit(f'{name}: the line include "{SEALS_FILE}" must stay')


def guard_edits(app: Any) -> None:
    """Put :class:`GuardedFile` in place of every served ledger's ``file``, and refuse
    Fava's deletion of an archived document (one an entry cites as its ``source``)."""
    for ledger in app.config["LEDGERS"].ledgers:
        if not isinstance(ledger.file, GuardedFile):
            ledger.file = GuardedFile(ledger.file, ledger)

    def keep_archived_documents() -> Any:
        if request.endpoint != "json_api.delete_document":
            return None
        books = Path(g.ledger.beancount_file_path).parent.resolve()
        target = Path(request.args.get("filename", "")).resolve()
        cited = {
            (books / str(entry.meta["source"])).resolve()
            for entry in g.ledger.all_entries
            if isinstance(entry.meta.get("source"), str)
        }
        if target in cited:
            message = (
                f"{target.name} is an archived source document cited by entries of the "
                "books; it cannot be deleted from Fava"
            )
            return jsonify({"error": message}), 403
        return None

    app.before_request(keep_archived_documents)

"""What keeps the seals verified, checked by every command that reads the books.

``plugins.period_lock`` verifies the seals only when the books load it, first,
and include the seals; and it sees the entries before any other plugin, so a
later plugin could change a sealed entry after it looked. Whenever the books
hold a seal (a ``custom "period-close"`` entry, or a manifest under
``closes/``), :func:`seal_guard` reports:

- ``plugins.period_lock`` not loaded, or not the first plugin;
- ``closes.beancount`` no longer included (or a seal removed) while ``closes/``
  holds the manifest of a sealed period;
- a plugin other than Backoffice's and Beancount's own that changes, removes or
  adds an entry dated in a sealed period: the plugins are run again, in order,
  on the entries as parsed and booked, and each such plugin's output is compared
  with its input over the sealed days (only when the books list such a plugin).

``check`` prints these with the other errors; the report commands and ``serve``
refuse to run (:func:`ledger.context.AppContext.open_books`).
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.parser import booking

from ledger.books import Books
from ledger.close.canonical import entry_digest
from ledger.close.hashes import PERIOD_LOCK, is_seal, plugin_order_error
from ledger.close.seal import CLOSES_DIR, MANIFEST_NAME, SEALS_FILE, read_seals
from ledger.errors import BooksError
from ledger.plugin_env import plugin_line

# Plugins whose changes are part of the design (settlement re-dates trades and
# adds settlements; period_lock hashes the entries before any of them; noduplicates
# only reports) or Beancount's own: run again only to hand the next plugin its
# input, not compared. Books listing none other are not parsed a second time.
TRUSTED = frozenset(
    {PERIOD_LOCK, "plugins.settlement", "plugins.cash", "plugins.breaks", "plugins.noduplicates"}
)
TRUSTED_PREFIXES = ("beancount.",)


def sealed_periods_on_disk(books_dir: Path) -> list[str]:
    """The periods whose manifest ``close`` wrote under ``closes/``."""
    return sorted(p.parent.name for p in (books_dir / CLOSES_DIR).glob(f"*/{MANIFEST_NAME}"))


def seal_guard(books: Books) -> list[BooksError]:
    """The problems that leave the seals of ``books`` unverified (none when the
    books hold no seal)."""
    seals, _ = read_seals(books.entries)
    on_disk = sealed_periods_on_disk(books.directory)
    if not seals and not on_disk:
        return []
    main = str(books.path.absolute())
    names = [name for name, _ in books.options.get("plugin") or ()]
    errors = []
    if PERIOD_LOCK not in names:
        errors.append(
            BooksError(
                {"filename": main, "lineno": 1},
                f"the books hold sealed periods ({', '.join(on_disk) or seals[-1].period}) but do "
                f'not load {PERIOD_LOCK}, so nothing verifies them: add the line plugin "'
                f'{PERIOD_LOCK}" to {books.path.name}, above every other plugin line',
                None,
            )
        )
    else:
        order = plugin_order_error(books.options)
        if order is not None:
            errors.append(order)
    sealed = {seal.period for seal in seals}
    included = {os.path.abspath(name) for name in books.options.get("include") or ()}
    seals_file = os.path.abspath(books.directory / SEALS_FILE)
    for period in on_disk:
        if period in sealed:
            continue
        missing = (
            f"{SEALS_FILE} is no longer included by {books.path.name}"
            if seals_file not in included
            else "the books hold no seal of it: the seal was removed"
        )
        errors.append(
            BooksError(
                {"filename": str(books.directory / CLOSES_DIR / period / MANIFEST_NAME)},
                f"period {period} was closed ({CLOSES_DIR}/{period}/{MANIFEST_NAME} exists) but "
                f"{missing}; restore it from git",
                None,
            )
        )
    if seals:
        errors.extend(_rewriting_plugins(books, seals[-1].end))
    return errors


def _sealed_records(
    entries: Sequence[data.Directive], files: set[str], last: datetime.date, root: str
) -> dict[tuple[str, int], bytes]:
    """(file, line) -> digest of each books entry dated on or before ``last``."""
    out = {}
    for entry in entries:
        filename = entry.meta.get("filename")
        if entry.date <= last and filename in files and not is_seal(entry):
            out[(filename, entry.meta.get("lineno") or 0)] = entry_digest(entry, root)
    return out


def _rewriting_plugins(books: Books, last: datetime.date) -> list[BooksError]:
    plugins = books.options.get("plugin") or ()
    untrusted = [
        name for name, _ in plugins if name not in TRUSTED and not name.startswith(TRUSTED_PREFIXES)
    ]
    if not untrusted:
        return []
    main = os.path.abspath(books.path)
    root = os.path.dirname(main)
    entries, _, options = loader._parse_recursive([(main, True)], None)
    entries.sort(key=data.entry_sortkey)
    entries, _ = booking.book(entries, options)  # type: ignore[no-untyped-call]
    files = set(options["include"])
    errors = []
    for name, config in plugins:
        before = entries
        entries = _run_plugin(name, config, entries, options)
        if name not in untrusted:
            continue
        was = _sealed_records(before, files, last, root)
        now = _sealed_records(entries, files, last, root)
        changed = sorted(
            {where for where in was.keys() | now.keys() if was.get(where) != now.get(where)}
        )
        if changed:
            filename, lineno = changed[0]
            errors.append(
                BooksError(
                    {"filename": main, "lineno": plugin_line(main, name)},
                    f'plugin "{name}" changes {len(changed)} entry(ies) dated in a sealed '
                    f"period (first: {os.path.relpath(filename, root)}:{lineno}); a plugin "
                    "must not rewrite the sealed record: remove the plugin line or fix the "
                    "plugin",
                    None,
                )
            )
    return errors


def _run_plugin(
    name: str, config: str | None, entries: list[data.Directive], options: dict[str, Any]
) -> list[data.Directive]:
    """The entries after plugin ``name``, as Beancount's loader runs it; a plugin
    that cannot be run leaves them as they were (the load reports it)."""
    try:
        module = importlib.import_module(name)
        for function in getattr(module, "__plugins__", ()):
            if isinstance(function, str):
                function = getattr(module, function)
            result = function(entries, options, config) if config else function(entries, options)
            entries = list(result[0])
    except Exception:  # the load itself reports a plugin that fails
        return entries
    return entries

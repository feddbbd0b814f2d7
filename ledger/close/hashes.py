"""The per-entry hashes of the sealed record: the entries as parsed and booked.

Which entries are hashed, and why: the entries *as Beancount hands them to the
first plugin*, parsed from the files and booked (an elided amount filled in, a
cost spec resolved to the lot it reduces), before any plugin transforms them. A
plugin such as ``plugins.settlement`` re-dates a trade from T to S under
settlement-date accounting and generates settlement entries whose flag depends
on the as-of date; ``beancount.ops.pad`` adds entries of its own. Hashing what
the plugins hand on would make a seal depend on the policy, the as-of date and
the code of every other plugin (a bug fix there would break every seal).

So ``plugins.period_lock`` must be the first plugin of ``main.beancount``
(:func:`plugin_order_error`), and hashes the entries it is handed: no second
parse. Entries that no books file holds (``beancount.ops.documents`` runs
before any plugin and adds the files it finds under ``option "documents"``) and
the seals themselves are left out. ``backoffice verify`` does the same from the
files (:func:`booked_hashes`: Beancount's own parse and booking, no plugin), and
``backoffice close`` from its one load, on the entries booked and not yet handed
to any plugin (``ledger.books.load``'s ``before_plugins``), so neither depends on
the plugin list at all. The close hashes them once: its hook leaves the hashes in
the load's options (:func:`share_hashes`), and the plugin, handed the same list
of entries in the same load, takes them (:func:`shared_hashes`) instead of
hashing every entry a second time. Under ``bean-check`` or Fava no hook runs and
the plugin hashes, as before.

There is no cache: booking makes an entry's canonical form depend on the
entries before it in other files (the lot a ``{}`` reduction takes), so a
per-file cache keyed by the file's bytes could not stay honest, and the hashing
is a small share of a ``check`` (``bench/period_lock_overhead.py`` measures it;
docs/performance.md).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from beancount import loader
from beancount.core import data
from beancount.parser import booking

from ledger.close.canonical import entry_digest
from ledger.errors import BooksError
from ledger.plugin_env import plugin_line

PERIOD_CLOSE = "period-close"
PERIOD_LOCK = "plugins.period_lock"
# Set in the options by the open-period load (ledger.close.snapshot_load): the
# sealed history up to the snapshot is proven, only the later seals are left.
OPEN_PERIOD = "backoffice_open_period"
# Set in the options by a load's before-plugins hook that hashed the entries
# (ledger.close.run): plugins.period_lock takes the hashes from it.
BOOKED_HASHES = "backoffice_booked_hashes"


@dataclass(frozen=True)
class OpenPeriod:
    """The snapshot an open-period load started from."""

    period: str
    end: datetime.date
    digest: str  # the seal's


# (date ordinal, line number, SHA-256 of the canonical text): plain tuples, as
# a 100k-entry book makes this many of them on every load.
Record = tuple[int, int, bytes]


@dataclass(frozen=True)
class FileHashes:
    """The records of the entries read from one file, in date order."""

    filename: str
    records: list[Record]


def is_seal(entry: data.Directive) -> TypeGuard[data.Custom]:
    return isinstance(entry, data.Custom) and entry.type == PERIOD_CLOSE


def entry_hashes(
    entries: Sequence[data.Directive], filenames: Iterable[str], root: str
) -> list[FileHashes]:
    """The records of ``entries`` (parsed and booked) read from ``filenames``,
    grouped by file in path order; ``root`` is the books' directory."""
    by_file: dict[str, list[Record]] = {name: [] for name in sorted(filenames)}
    get = by_file.get
    for entry in entries:
        meta = entry.meta
        records = get(meta.get("filename"))  # type: ignore[arg-type]
        if records is not None and not is_seal(entry):
            records.append(
                (entry.date.toordinal(), meta.get("lineno") or 0, entry_digest(entry, root))
            )
    return [FileHashes(name, records) for name, records in by_file.items()]


@dataclass(frozen=True)
class BookedHashes:
    """The hashes of one load's entries, as the hook before the first plugin took them."""

    entries: list[data.Directive]  # the very list, which the first plugin is handed
    length: int  # its length then: beancount.ops.documents may add to it in place
    files: list[FileHashes]


def share_hashes(entries: list[data.Directive], options: dict[str, Any]) -> list[FileHashes]:
    """The records of ``entries`` (parsed and booked, before the first plugin), left
    in ``options`` for ``plugins.period_lock`` in the same load."""
    root = os.path.dirname(os.path.abspath(options["filename"]))
    files = entry_hashes(entries, options["include"], root)
    options[BOOKED_HASHES] = BookedHashes(entries, len(entries), files)
    return files


def shared_hashes(
    entries: list[data.Directive], options: Mapping[str, Any]
) -> list[FileHashes] | None:
    """The records :func:`share_hashes` left for exactly ``entries``, else None (the
    list changed since, or no hook hashed it)."""
    found = options.get(BOOKED_HASHES)
    if not isinstance(found, BookedHashes) or found.entries is not entries:
        return None
    return found.files if found.length == len(entries) else None


def booked_entries(path: Path) -> tuple[list[data.Directive], dict[str, Any]]:
    """The entries of the books at ``path`` and their options, parsed and booked by
    Beancount as its loader does before the first plugin (no plugin runs)."""
    main = os.path.abspath(path)
    entries, _, options = loader._parse_recursive([(main, True)], None)
    entries.sort(key=data.entry_sortkey)
    entries, _ = booking.book(entries, options)  # type: ignore[no-untyped-call]
    return entries, options


def booked_hashes(
    path: Path, booked: tuple[list[data.Directive], dict[str, Any]] | None = None
) -> list[FileHashes]:
    """The records of the books at ``path``, parsed and booked (:func:`booked_entries`,
    or ``booked`` when the caller has them already)."""
    entries, options = booked or booked_entries(path)
    return entry_hashes(entries, options["include"], os.path.dirname(os.path.abspath(path)))


def plugin_order_error(options_map: Mapping[str, Any]) -> BooksError | None:
    """The configuration error when ``plugins.period_lock`` is loaded but not first."""
    names = [name for name, _ in options_map.get("plugin") or ()]
    if PERIOD_LOCK not in names or names[0] == PERIOD_LOCK:
        return None
    filename = str(options_map.get("filename") or "<string>")
    return BooksError(
        data.new_metadata(filename, plugin_line(filename, PERIOD_LOCK)),
        f'configuration error: plugin "{PERIOD_LOCK}" is listed after plugin "{names[0]}"; '
        "it seals the entries as parsed and booked, before any other plugin changes them, "
        f'so it must run first: move the line plugin "{PERIOD_LOCK}" above every other '
        "plugin line. The seals were not verified.",
        None,
    )

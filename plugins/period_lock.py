"""Sealed periods: any edit, insertion or deletion in a closed month is an error.

``backoffice close 2026-10`` writes a seal::

    2026-10-31 custom "period-close" "2026-10"
      digest: "3b1f…"
      previous: "none"
      entries: 12
      manifest: "closes/2026-10/entries.tsv"

This plugin recomputes every seal from the entries it is handed and checks the
chain. Change ``12.50 USD`` to ``12.60 USD`` in an October entry and the books
come out the same, plus errors::

    closes.beancount:3: period 2026-10 is sealed (closes.beancount:3) but its entries
        changed since the close (12 entries at the close, 12 now): ...
    imported/2026-10.beancount:41: period 2026-10 is sealed (closes.beancount:3): this
        entry was changed after the close; revert the change ... or book the correction
        in the open period with original-date (a prior-period adjustment)

A seal whose ``entries`` count, ``manifest`` path (``closes/YYYY-MM/entries.tsv``,
inside the books) or manifest content disagrees with its digest is an error too.
Reordering, reformatting or splitting the files changes nothing. The hashes are
of the entries as parsed and booked, before any other plugin changes them (see
:mod:`ledger.close.hashes`), so this plugin must be listed first; listed after
another plugin it reports a configuration error and verifies nothing.

In ``backoffice close``'s load the hashes are already taken (the close's hook,
:func:`ledger.close.hashes.share_hashes`): the plugin verifies with them rather
than hashing every entry again.

Loaded from a snapshot (:mod:`ledger.close.snapshot_load`), the books hold only
the entries after it: the loader has proven the seals up to the snapshot from
the files' bytes, and this plugin verifies the seals after it, chained from the
snapshot's seal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.close.hashes import (
    OPEN_PERIOD,
    OpenPeriod,
    entry_hashes,
    plugin_order_error,
    shared_hashes,
)
from ledger.close.seal import read_seals, verify_chain
from ledger.errors import BooksError

__plugins__ = ["period_lock"]


def period_lock(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[BooksError]]:
    """Verify every seal of the books; entries pass through unchanged."""
    order = plugin_order_error(options_map)
    if order is not None:
        return entries, [order]
    seals, errors = read_seals(entries)
    if not seals:
        return entries, errors
    filenames = options_map.get("include") or []
    if not filenames:
        errors.append(
            BooksError(
                seals[0].meta,
                "the books were not loaded from files, so their seals cannot be verified; "
                "load them with 'backoffice check'",
                seals[0].entry,
            )
        )
        return entries, errors
    root = os.path.dirname(os.path.abspath(options_map["filename"]))
    hashed = entries
    start = options_map.get(OPEN_PERIOD)
    if isinstance(start, OpenPeriod):
        # An open-period load proved the seals up to its snapshot from the files'
        # bytes; the later ones cover entries it holds in full.
        seals = [seal for seal in seals if seal.end > start.end]
        hashed = [entry for entry in entries if entry.date > start.end]
    # A close's load hashed these very entries before the first plugin: the same hashes.
    files = shared_hashes(entries, options_map) if hashed is entries else None
    if files is None:
        files = entry_hashes(hashed, filenames, root)
    first = (start.digest, start.end) if isinstance(start, OpenPeriod) else None
    for state in verify_chain(seals, files, Path(root), first):
        errors.extend(state.problems)
    return entries, errors

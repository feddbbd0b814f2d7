"""Sealed periods: any edit, insertion or deletion in a closed month is an error.

``backoffice close 2026-10`` writes a seal::

    2026-10-31 custom "period-close" "2026-10"
      digest: "3b1f…"
      previous: "none"
      entries: 12
      manifest: "closes/2026-10/entries.tsv"

This plugin recomputes every seal from the files the loader read and checks the
chain. Change ``12.50 USD`` to ``12.60 USD`` in an October entry and the books
come out the same, plus errors::

    closes.beancount:3: period 2026-10 is sealed (closes.beancount:3) but its entries
        changed since the close (12 entries at the close, 12 now): ...
    imported/2026-10.beancount:41: period 2026-10 is sealed (closes.beancount:3): this
        entry was changed after the close; revert the change ... or book the correction
        in the open period with original-date (a prior-period adjustment)

Reordering, reformatting or splitting the files changes nothing. The hashes are
of the entries as parsed from the files, before any plugin (see
:mod:`ledger.close.hashes`), so the plugin's position does not change the
result; it is loaded last so that it reads the books after everything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.close.hashes import books_hashes, default_cache_dir
from ledger.close.seal import read_seals, verify_chain
from ledger.errors import BooksError

__plugins__ = ["period_lock"]


def period_lock(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[BooksError]]:
    """Verify every seal of the books; entries pass through unchanged."""
    seals, errors = read_seals(entries)
    if not seals:
        return entries, errors
    filenames = [name for name in options_map.get("include") or [] if Path(name).is_file()]
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
    books_dir = Path(options_map["filename"]).parent
    try:
        files = books_hashes(filenames, cache_dir=default_cache_dir())
    except (OSError, UnicodeDecodeError, TypeError) as exc:
        errors.append(
            BooksError(
                seals[0].meta,
                f"cannot re-read the books to verify the seals: {exc}",
                seals[0].entry,
            )
        )
        return entries, errors
    for state in verify_chain(seals, files, books_dir):
        errors.extend(state.problems)
    return entries, errors

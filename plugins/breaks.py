"""Breaks left open too long: an error on each open break older than its kind's tolerance.

A break (``custom "break"``, written by ``backoffice match`` and ``recon``) is
open until a ``custom "break-resolved"`` names its id. Its age is counted in
business days of ``[matching] calendars`` from the day it was found to the
as-of date; ``[matching.break-tolerance]`` says how many days each kind may
stay open. As of 2026-11-27, with ``confirmation-mismatch = 1``::

    2026-11-24 custom "break" "B-4f0c2a9e1d7b" "confirmation-mismatch"
      link: "trade-GA-20261124-001"
      description: "price theirs 61.30, ours 61.25"
      amount: 50.00 USD

passes through unchanged, with the error (11-25 and 11-27 are business days,
11-26 is Thanksgiving)::

    breaks.beancount:1: break B-4f0c2a9e1d7b (confirmation-mismatch, 50.00 USD) has
        been open 2 business days since 2026-11-24, past its tolerance of 1
        ([matching.break-tolerance] confirmation-mismatch): price theirs 61.30, ours
        61.25; resolve it with backoffice breaks resolve B-4f0c2a9e1d7b "what was done"

Resolving it (``backoffice breaks resolve B-4f0c2a9e1d7b "broker corrected"``)
clears the error. Malformed break entries, a second break with the same id,
and resolutions of no break, resolved twice or dated before the break are
errors too. The plugin never raises and never changes its input entries.
"""

from __future__ import annotations

from typing import Any

from beancount.core import data

from ledger.breaks.model import age, overdue, read_breaks
from ledger.errors import BooksError
from ledger.plugin_env import plugin_settings

__plugins__ = ("breaks",)


def breaks(
    entries: list[data.Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[data.Directive], list[BooksError]]:
    """Report open breaks past their tolerance; entries pass through unchanged."""
    found, errors = read_breaks(entries)
    if not found:
        return entries, errors
    loaded = plugin_settings(options_map, "plugins.breaks: cannot age the breaks")
    if isinstance(loaded, BooksError):
        errors.append(BooksError(found[0].meta, loaded.message, None))
        return entries, errors
    settings, as_of = loaded
    for item in found:
        if not overdue(item, as_of, settings):
            continue
        days = age(item, as_of, settings)
        tolerance = settings.matching.break_days(item.kind)
        amount = f", {item.amount}" if item.amount is not None else ""
        errors.append(
            BooksError(
                item.meta,
                f"break {item.id} ({item.kind}{amount}) has been open {days} business days "
                f"since {item.date}, past its tolerance of {tolerance} "
                f"([matching.break-tolerance] {item.kind}): {item.description}; resolve it "
                f'with backoffice breaks resolve {item.id} "what was done"',
                None,
            )
        )
    return entries, errors

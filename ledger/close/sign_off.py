"""Sign-off of a period before its close: who signed, when, recorded in the books.

When ``[close] sign-off = true``, the checklist of a period wants someone's
sign-off before the period is sealed. ``backoffice sign-off PERIOD --by NAME``
(or the Fava Close page in ``serve --edit``) writes it, under the books' lock,
to ``sign-offs.beancount`` beside the main file (included from it)::

    2026-11-27 custom "close-sign-off" "2026-10"
      by: "Jane Doe"

The entry's date is the day of the sign-off (the as-of date): on or after the
period's last day, so always in the open period. A sealed period, a period not
yet ended, an empty name, or a second sign-off of a period by the same person
is refused, and nothing is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from beancount.core import data

from ledger.close.seal import PeriodError, period_bounds
from ledger.close.sealed_periods import sealed_periods
from ledger.writer import BooksWriter, append_included

SIGN_OFF = "close-sign-off"
SIGN_OFFS_FILE = "sign-offs.beancount"
BY = "by"
_HEADER = (
    "; Sign-offs of periods before their close, written by `backoffice sign-off`\n"
    "; (or the Fava Close page): who signed each period, and when.\n"
)


class SignOffError(Exception):
    """The period cannot be signed off (sealed, not ended, signed already, no name)."""


@dataclass(frozen=True)
class SignOff:
    period: str
    date: datetime.date
    by: str


def read_sign_offs(entries: Sequence[data.Directive]) -> dict[str, list[SignOff]]:
    """The sign-offs of the books by period, in date order (malformed ones skipped)."""
    found: dict[str, list[SignOff]] = defaultdict(list)
    for entry in entries:
        if not isinstance(entry, data.Custom) or entry.type != SIGN_OFF:
            continue
        values = [value.value for value in entry.values]
        by = entry.meta.get(BY)
        if len(values) == 1 and isinstance(values[0], str) and isinstance(by, str):
            found[values[0]].append(SignOff(values[0], entry.date, by))
    return dict(found)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_sign_off(period: str, day: datetime.date, by: str) -> str:
    return f"{day} custom {_quote(SIGN_OFF)} {_quote(period)}\n  {BY}: {_quote(by)}\n"


def write_sign_off(
    writer: BooksWriter,
    books_file: Path,
    entries: Sequence[data.Directive],
    period: str,
    by: str,
    day: datetime.date,
) -> str:
    """Stage ``by``'s sign-off of ``period`` dated ``day``; returns the entry's text.
    The caller holds the lock from before it read ``entries``."""
    by = " ".join(by.split())
    if not by:
        raise SignOffError("say who signs off: the name is empty")
    try:
        _, end = period_bounds(period)
    except PeriodError as exc:
        raise SignOffError(str(exc)) from None
    seal = sealed_periods(entries).seal_for(end)
    if seal is not None:
        raise SignOffError(
            f"period {period} is sealed already ({seal.where}); a sign-off comes before the close"
        )
    if day < end:
        raise SignOffError(
            f"period {period} ends on {end}; sign it off on or after that day (--as-of)"
        )
    if any(signed.by == by for signed in read_sign_offs(entries).get(period, [])):
        raise SignOffError(f"{by} has signed off period {period} already")
    text = render_sign_off(period, day, by)
    append_included(writer, books_file, SIGN_OFFS_FILE, _HEADER, text)
    return text

"""Fava on books loaded from a snapshot: a time filter inside the sealed history.

``backoffice serve`` loads the books from the latest close's snapshot on
(:mod:`ledger.close.snapshot_load`): the entries up to its date are summed up, so
Fava's balance sheet, income statement and journal are exact from the day after
it on, and not before. A time filter that starts on or before the snapshot's date
gets a page saying so rather than figures that would be wrong.
"""

from __future__ import annotations

import datetime
from typing import Any

from fava.helpers import FavaAPIError
from fava.util.date import parse_date

from ledger.close.hashes import OPEN_PERIOD, OpenPeriod


class NeedsFullLoad(FavaAPIError):
    """The time filter starts inside the history the snapshot sums up."""


def check_time_filter(ledger: Any, time: str | None) -> None:
    """Raise :class:`NeedsFullLoad` when ``time`` (Fava's time filter) starts on or
    before the date of the snapshot ``ledger`` was loaded from."""
    start = ledger.options.get(OPEN_PERIOD)
    if not isinstance(start, OpenPeriod) or not time:
        return
    try:
        begin, _ = parse_date(time, ledger.fava_options.fiscal_year_end)
    except ValueError:  # Fava reports a filter it cannot read itself
        return
    if begin is not None and begin <= start.end:
        raise NeedsFullLoad(
            f"These books are served from the snapshot of {start.period} (the close of "
            f"{start.end}): the entries up to that day are summed up in it, so the time "
            f"filter '{time}', which starts on {begin}, cannot be shown. Choose a time "
            f"from {start.end + datetime.timedelta(days=1)} "
            "on, or serve the whole history: backoffice --full serve (or BACKOFFICE_FULL=1)."
        )

"""What the reports that read the whole history need of the months a snapshot sums up.

Books loaded from a snapshot (:mod:`ledger.close.snapshot_load`) hold the sealed
months summed up in one transaction. Two reports read every entry ever booked: the
valuation (each cash posting at the rate of its day: the FX revaluation) and the
imports (every document with the entries written from it). The close writes what
they need of the sealed months into the snapshot
(:mod:`ledger.close.snapshot_history`), and the load hands it to them in the
options (:func:`sealed_history`); each report then adds the entries after the
snapshot's day to it, and gives the full load's answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.imports.documents import Document

# The options key the open-period load sets.
HISTORY = "backoffice_sealed_history"


@dataclass(frozen=True)
class SealedHistory:
    """Up to ``end``: each balance held without cost (account, currency) with its value
    in the base currency, each posting at the rate of its day (None: a rate missing);
    each imported document's entries added up."""

    end: datetime.date
    base_currency: str
    historical: Mapping[tuple[str, str], Decimal | None]
    documents: Mapping[str, Document]


def sealed_history(options: Mapping[str, Any]) -> SealedHistory | None:
    """What the snapshot the books were loaded from holds of the sealed months (None
    for a full load)."""
    found = options.get(HISTORY)
    return found if isinstance(found, SealedHistory) else None

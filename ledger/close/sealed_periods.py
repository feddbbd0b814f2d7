"""The sealed periods, as the writers of entries see them: refuse or adjust.

An import (or a break written by hand) may not add an entry dated in a sealed
period; with ``--adjust`` it is booked on the first open day with
``original-date`` instead (a prior-period adjustment).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from beancount.core import data

from ledger.close.seal import Seal, read_seals
from ledger.meta import ORIGINAL_DATE


class SealedPeriodError(Exception):
    """A date falls in a sealed period."""


@dataclass(frozen=True)
class SealedPeriods:
    """What the import pipeline needs to know about the seals of the books."""

    seals: tuple[Seal, ...]

    @property
    def last_end(self) -> datetime.date | None:
        """The last sealed day, or None when nothing is sealed."""
        return self.seals[-1].end if self.seals else None

    @property
    def open_from(self) -> datetime.date | None:
        """The first day of the open period (None: everything is open)."""
        end = self.last_end
        return end + datetime.timedelta(days=1) if end else None

    def seal_for(self, day: datetime.date) -> Seal | None:
        """The seal whose range holds ``day``, or None when ``day`` is open."""
        for seal in self.seals:
            if day <= seal.end:
                return seal
        return None

    def check_not_sealed(self, day: datetime.date, what: str = "an entry") -> None:
        """Raise :class:`SealedPeriodError` when ``day`` falls in a sealed period."""
        seal = self.seal_for(day)
        if seal is not None:
            raise SealedPeriodError(
                f"{what} dated {day} falls in period {seal.period}, sealed by "
                f"{seal.where}; the books are open from {self.open_from}: import it with "
                "--adjust to book it there with original-date (a prior-period adjustment)"
            )

    def adjust(self, entry: data.Directive) -> data.Directive:
        """``entry`` moved into the open period with ``original-date`` when it is sealed."""
        open_from = self.open_from
        if open_from is None or entry.date >= open_from:
            return entry
        meta = dict(entry.meta)
        meta[ORIGINAL_DATE] = entry.date
        return entry._replace(date=open_from, meta=meta)

    def admit(
        self, entries: Sequence[data.Directive], *, adjust: bool
    ) -> tuple[list[data.Directive], list[tuple[data.Directive, str]]]:
        """Entries an import may write, and (entry, why not) for the others.

        Without ``adjust`` every entry dated in a sealed period is refused. With it,
        each is moved to the first open day with ``original-date``, except balance
        assertions: a sealed period's balances were reconciled at its close and the
        same figure is no assertion about a later day, so they are left out.
        """
        admitted: list[data.Directive] = []
        refused: list[tuple[data.Directive, str]] = []
        for entry in entries:
            seal = self.seal_for(entry.date)
            if seal is None:
                admitted.append(entry)
            elif not adjust:
                try:
                    self.check_not_sealed(entry.date, f"{type(entry).__name__.lower()}")
                except SealedPeriodError as exc:
                    refused.append((entry, str(exc)))
            elif isinstance(entry, data.Balance):
                refused.append(
                    (
                        entry,
                        f"balance assertion dated {entry.date} in sealed period {seal.period} "
                        "left out (the period was reconciled at its close)",
                    )
                )
            else:
                admitted.append(self.adjust(entry))
        return admitted, refused


def sealed_periods(entries: Sequence[data.Directive]) -> SealedPeriods:
    """The seals of ``entries`` (malformed ones ignored: ``check`` reports those)."""
    seals, _ = read_seals(entries)
    return SealedPeriods(tuple(seals))

"""Reclassify a statement line booked to suspense: a correcting entry, never an edit.

The imported entry stays as the document gave it (its ``source-sha256`` and the
seals commit to it); the correction moves the amount out of suspense to the
account someone chose, and says which line it reclassifies::

    2026-11-20 ! "Bank fee" "Unknown debit"                  ; imported
      source-ref: "FH-77"
      Assets:Bank:FirstHarbor:USD  -25.00 USD
      Assets:Suspense               25.00 USD

    2026-11-20 * "Bank fee" "Reclassified from suspense: Unknown debit"
      reclassifies: "FH-77"
      reclassifies-source: "documents/Assets/Bank/FirstHarbor/USD/2026-11-26.fh.xml"
      Assets:Suspense          -25.00 USD
      Expenses:Fees:Bank        25.00 USD

It is dated the line's date, or, when that day is sealed, the first open day
with ``original-date`` (a prior-period adjustment). It goes to
``reclassified.beancount`` beside the main file, included from it. A line is
reclassified once: a second request for it is refused, and the imports report
no longer lists it as waiting in suspense.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount

from importers.printing import format_entry
from ledger import meta as keys
from ledger.close.sealed_periods import sealed_periods
from ledger.writer import BooksWriter, append_included

RECLASSIFIED_FILE = "reclassified.beancount"
RECLASSIFIES = "reclassifies"
RECLASSIFIES_SOURCE = "reclassifies-source"
_HEADER = (
    "; Lines moved out of suspense by `backoffice reclassify` (or the Fava Imports page):\n"
    "; each a correcting entry naming the imported line (its source-ref), never an edit of it.\n"
)


class ReclassifyError(Exception):
    """The line cannot be reclassified: none or several match, done already, bad account."""


@dataclass(frozen=True)
class SuspenseLine:
    """An imported entry with a posting to the suspense account."""

    entry: data.Transaction
    source: str
    source_ref: str
    amount: Amount  # the suspense posting's units


def reclassified(entries: Sequence[data.Directive]) -> set[tuple[str, str]]:
    """``(source, source-ref)`` of every line a correcting entry reclassifies."""
    done = set()
    for entry in entries:
        if isinstance(entry, data.Transaction) and RECLASSIFIES in entry.meta:
            done.add((str(entry.meta.get(RECLASSIFIES_SOURCE)), str(entry.meta[RECLASSIFIES])))
    return done


def suspense_lines(entries: Sequence[data.Directive], suspense: str) -> list[SuspenseLine]:
    """The imported lines booked to ``suspense`` that no correcting entry reclassifies."""
    done = reclassified(entries)
    lines = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        source = keys.get_source(entry.meta)
        source_ref = keys.get_source_ref(entry.meta)
        if source is None or source_ref is None or (source, source_ref) in done:
            continue
        for posting in entry.postings[1:]:
            units = posting.units
            if (
                posting.account == suspense
                and units is not None
                and isinstance(units.number, Decimal)
            ):
                lines.append(SuspenseLine(entry, source, source_ref, units))
    return lines


def _find(
    entries: Sequence[data.Directive], suspense: str, source_ref: str, source: str | None
) -> SuspenseLine:
    found = [
        line
        for line in suspense_lines(entries, suspense)
        if line.source_ref == source_ref and (source is None or line.source == source)
    ]
    if len(found) == 1:
        return found[0]
    if found:
        documents = ", ".join(sorted(line.source for line in found))
        raise ReclassifyError(
            f"source-ref {source_ref!r} is in suspense in several documents ({documents}); "
            "name the document with --source"
        )
    if any(ref == source_ref and source in (None, done) for done, ref in reclassified(entries)):
        raise ReclassifyError(f"the line {source_ref!r} is reclassified already")
    raise ReclassifyError(
        f"no line with source-ref {source_ref!r} waits in {suspense}; "
        "'backoffice imports' lists those that do"
    )


def correcting_entry(
    line: SuspenseLine, account: str, entries: Sequence[data.Directive], suspense: str
) -> data.Transaction:
    """The entry moving ``line``'s amount out of suspense to ``account``."""
    units = line.amount
    assert units.number is not None  # suspense_lines keeps only numbers
    meta: dict[str, object] = {
        "filename": "<reclassify>",
        "lineno": 0,
        RECLASSIFIES: line.source_ref,
        RECLASSIFIES_SOURCE: line.source,
    }
    entry = data.Transaction(
        meta,
        line.entry.date,
        "*",
        line.entry.payee,
        f"Reclassified from suspense: {line.entry.narration}".rstrip(": "),
        data.EMPTY_SET,
        data.EMPTY_SET,
        [
            data.Posting(suspense, -units, None, None, None, None),
            data.Posting(account, units, None, None, None, None),
        ],
    )
    adjusted = sealed_periods(entries).adjust(entry)
    assert isinstance(adjusted, data.Transaction)
    return adjusted


def write_reclassification(
    writer: BooksWriter,
    books_file: Path,
    entries: Sequence[data.Directive],
    suspense: str,
    source_ref: str,
    account: str,
    source: str | None = None,
) -> str:
    """Stage the correcting entry of the suspense line ``source_ref`` (of ``source``
    when given) to ``account`` on ``writer``; returns its text. The caller holds
    the lock from before it read ``entries`` (the books as they are)."""
    opened = {e.account for e in entries if isinstance(e, data.Open)}
    closed = {e.account for e in entries if isinstance(e, data.Close)}
    if account == suspense:
        raise ReclassifyError(f"{account} is the suspense account; name where the line belongs")
    if account not in opened or account in closed:
        raise ReclassifyError(
            f"{account} is not an open account of the books; open it first "
            "(YYYY-MM-DD open ACCOUNT) or pick one of the chart of accounts"
        )
    line = _find(entries, suspense, source_ref, source)
    entry = correcting_entry(line, account, entries, suspense)
    text = format_entry(entry)
    append_included(writer, books_file, RECLASSIFIED_FILE, _HEADER, text)
    return text

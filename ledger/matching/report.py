"""``match_report``: pair, compare and describe; the breaks it would write.

Which of our trades are expected in the files: those a confirmation quotes
by reference, and those of a counterparty on a trade date for which the files
hold any confirmation of that counterparty (a day's confirmation file covers
that day's trades with that broker). Trades and confirmations dated after the
as-of date are left out.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core.amount import Amount

from ledger.books import Books
from ledger.breaks.model import Break, Findings, Resolution, new_break, read_breaks
from ledger.config import Config
from ledger.errors import error_to_json
from ledger.gcpause import gc_paused
from ledger.matching import compare as cmp
from ledger.matching.model import TradeRecord
from ledger.matching.ours import our_trades
from ledger.matching.pairing import Pair, pair
from ledger.matching.theirs import read_theirs
from ledger.meta import trade_link

KIND_OF_STATUS = {
    cmp.MISMATCHED: "confirmation-mismatch",
    cmp.UNMATCHED_OURS: "unmatched-ours",
    cmp.UNMATCHED_THEIRS: "unmatched-theirs",
}


def _text(value: Decimal | datetime.date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _in_scope(
    ours: Sequence[TradeRecord], theirs: Sequence[TradeRecord], as_of: datetime.date
) -> list[TradeRecord]:
    covered = {(t.counterparty, t.trade_date) for t in theirs if t.counterparty is not None}
    quoted = {t.reference for t in theirs if t.reference is not None}
    return [
        o
        for o in ours
        if o.trade_date <= as_of and (o.ref in quoted or (o.counterparty, o.trade_date) in covered)
    ]


def _what(record: TradeRecord) -> str:
    name = record.security or record.isin or "?"
    return f"{record.side} {record.quantity} {name} on {record.trade_date}"


def _impact(diffs: Sequence[cmp.FieldResult], ours: TradeRecord) -> Amount | None:
    """The money at stake: the net difference, else gross, else price times quantity."""
    if ours.currency is None:
        return None
    by_field = {d.field: d for d in diffs}
    for field, scale in (("net", Decimal(1)), ("gross", Decimal(1)), ("price", ours.quantity)):
        found = by_field.get(field)
        if found is not None and found.difference is not None:
            return Amount(abs(found.difference * scale), ours.currency)
    return None


def _break(p: Pair, state: str, diffs: Sequence[cmp.FieldResult], as_of: datetime.date) -> Break:
    kind = KIND_OF_STATUS[state]
    if p.ours is not None and p.theirs is not None:
        wrong = [d for d in diffs if not d.within]
        detail = "; ".join(
            f"{d.field} theirs {_text(d.theirs)}, ours {_text(d.ours)}" for d in wrong
        )
        return new_break(
            kind,
            [p.ours.ref, p.theirs.ref, *(f"{d.field}={_text(d.theirs)}" for d in wrong)],
            as_of,
            f"{p.theirs.counterparty or 'the counterparty'} confirmation {p.theirs.ref} of "
            f"trade {p.ours.ref} ({_what(p.ours)}) differs: {detail}",
            link=trade_link(p.ours.ref),
            amount=_impact(wrong, p.ours),
            source=p.theirs.source,
        )
    if p.ours is not None:
        return new_break(
            kind,
            [p.ours.ref],
            as_of,
            f"no confirmation from {p.ours.counterparty} for trade {p.ours.ref} ({_what(p.ours)})",
            link=trade_link(p.ours.ref),
            amount=None
            if p.ours.net is None or p.ours.currency is None
            else Amount(p.ours.net, p.ours.currency),
        )
    assert p.theirs is not None
    theirs = p.theirs
    amount = theirs.net if theirs.net is not None else theirs.gross
    return new_break(
        kind,
        [
            theirs.counterparty or "",
            theirs.ref,
            theirs.isin or "",
            theirs.side,
            theirs.trade_date.isoformat(),
            f"{theirs.quantity.normalize():f}",
        ],
        as_of,
        f"{theirs.counterparty or 'the counterparty'} confirms {theirs.ref} "
        f"({_what(theirs)}), which pairs with no trade in the books",
        amount=None
        if amount is None or theirs.currency is None
        else Amount(amount, theirs.currency),
        source=theirs.source,
    )


class _Known:
    """The breaks in the books, indexed for the rows: by id, and the open ones
    a match can settle, by trade link (mismatches, unmatched ours) or by id
    (unmatched theirs, which have no link)."""

    def __init__(self, breaks: Sequence[Break], as_of: datetime.date) -> None:
        self.by_id = {item.id: item for item in breaks}
        self.by_link: dict[str, list[Break]] = {}
        self.theirs: set[str] = set()
        for item in breaks:
            if not item.open_on(as_of):
                continue
            if item.kind == "unmatched-theirs":
                self.theirs.add(item.id)
            elif item.kind in ("confirmation-mismatch", "unmatched-ours") and item.link:
                self.by_link.setdefault(item.link, []).append(item)

    def gone(self, p: Pair, as_of: datetime.date) -> list[str]:
        """Ids of the open breaks a match of ``p`` settles: the trade's mismatches and
        its "unmatched ours", the confirmation's earlier "unmatched theirs"."""
        assert p.ours is not None and p.theirs is not None
        ids = [item.id for item in self.by_link.get(trade_link(p.ours.ref), [])]
        if self.theirs:
            earlier = _break(Pair(None, p.theirs), cmp.UNMATCHED_THEIRS, [], as_of).id
            if earlier in self.theirs:
                ids.append(earlier)
        return ids


def _row(p: Pair, known: _Known, as_of: datetime.date, config: Config) -> dict[str, Any]:
    diffs: list[cmp.FieldResult] = []
    if p.ours is not None and p.theirs is not None:
        diffs = cmp.compare(p.ours, p.theirs, config.matching.tolerances)
        state = cmp.status(diffs)
    else:
        state = cmp.UNMATCHED_THEIRS if p.ours is None else cmp.UNMATCHED_OURS
    main = p.ours or p.theirs
    assert main is not None
    row: dict[str, Any] = {
        "status": state,
        "paired_on": p.paired_on,
        "trade_id": p.ours.ref if p.ours else None,
        "link": trade_link(p.ours.ref) if p.ours else None,
        "confirmation": p.theirs.ref if p.theirs else None,
        "counterparty": main.counterparty,
        "isin": main.isin,
        "security": p.ours.security if p.ours else None,
        "side": main.side,
        "trade_date": main.trade_date.isoformat(),
        "quantity": str(main.quantity),
        "ours": None if p.ours is None else {"file": p.ours.source, "line": p.ours.line},
        "theirs": None if p.theirs is None else {"file": p.theirs.source, "line": p.theirs.line},
        "differences": [
            {
                "field": d.field,
                "ours": _text(d.ours),
                "theirs": _text(d.theirs),
                "difference": _text(d.difference),
                "rule": d.rule,
                "within": d.within,
            }
            for d in diffs
        ],
        "break": None,
        "resolves": [],
    }
    if state not in KIND_OF_STATUS:
        row["resolves"] = known.gone(p, as_of)
    else:
        item = _break(p, state, diffs, as_of)
        existing = known.by_id.get(item.id)
        row["break"] = {
            "id": item.id,
            "kind": item.kind,
            "description": item.description,
            "status": "new" if existing is None else "open" if existing.is_open else "resolved",
            "resolved": _text(existing.resolved) if existing else None,
            "resolution": existing.resolution if existing else None,
        }
        row["_break"] = item
    return row


def run_match(
    books: Books, config: Config, as_of: datetime.date, files: Sequence[Path]
) -> Findings:
    """The report, the breaks it found that are not yet in the books, and the
    resolutions of open breaks whose trade now matches.

    Raises :class:`importers.common.ImportFailure` when a file cannot be read.
    """
    # Millions of small acyclic objects: the cyclic GC would only walk them.
    with gc_paused():
        ours, errors = our_trades(books.entries, config)
        theirs_all = read_theirs(files, config, books.directory, books.entries)
        theirs = [t for t in theirs_all if t.trade_date <= as_of]
        known = _Known(read_breaks(books.entries)[0], as_of)
        pairs = pair(_in_scope(ours, theirs, as_of), theirs)
        rows = [_row(p, known, as_of, config) for p in pairs]
    found = [row.pop("_break") for row in rows if "_break" in row]
    resolutions = [
        Resolution(
            break_id,
            as_of,
            f"{row['counterparty'] or 'the counterparty'} confirmation {row['confirmation']} "
            f"({row['theirs']['file']}) pairs with trade {row['trade_id']}: {row['status']}",
        )
        for row in rows
        for break_id in row["resolves"]
    ]
    summary = {status: 0 for status in cmp.STATUSES}
    for row in rows:
        summary[row["status"]] += 1
    report = {
        "as_of": as_of.isoformat(),
        "files": [str(path) for path in files],
        "rows": rows,
        "summary": {**summary, "after_as_of": len(theirs_all) - len(theirs)},
        "errors": [error_to_json(error) for error in errors],
    }
    return Findings(report, [item for item in found if item.id not in known.by_id], resolutions)


def reaches_back(report: dict[str, Any], sealed_end: datetime.date) -> str | None:
    """Why a match made on the entries after ``sealed_end`` (a load from the snapshot
    of that day) may be wrong, or None: a confirmation of a trade dated up to that
    day (the trade, or a trade of that day it might pair with, is summed up), or a
    confirmation that pairs with no trade loaded (it may quote a trade summed up)."""
    sealed = [row for row in report["rows"] if row["trade_date"] <= sealed_end.isoformat()]
    if sealed:
        return f"match: {len(sealed)} trade(s) or confirmation(s) dated up to {sealed_end}"
    strays = [
        row["confirmation"] for row in report["rows"] if row["status"] == cmp.UNMATCHED_THEIRS
    ]
    if strays:
        return f"match: confirmation(s) {', '.join(strays)} pair with no trade of the open period"
    return None


def match_report(
    books: Books, config: Config, as_of: datetime.date, files: Sequence[Path] = ()
) -> dict[str, Any]:
    """Our trades in ``books`` against the confirmations in ``files``."""
    return run_match(books, config, as_of, files).report

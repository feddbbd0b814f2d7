"""The Close page and ``close --json``'s shared view: seals and the next period's checklist."""

from __future__ import annotations

import datetime
from typing import Any

from ledger.books import Books
from ledger.close.checklist import run_checklist
from ledger.close.seal import CLOSES_DIR, SealState, period_bounds, period_of, read_seals
from ledger.close.sign_off import SignOff, read_sign_offs
from ledger.close.snapshot import files_path
from ledger.close.snapshot_load import loaded_from
from ledger.close.verify import loaded_seal_states, seal_json, verify_seals
from ledger.config import Config
from ledger.documents import path_in_books


def next_period(books: Books, as_of: datetime.date) -> str:
    """The month after the last seal; with no seal, the month before ``as_of``'s."""
    seals, _ = read_seals(books.entries)
    if seals:
        return period_of(seals[-1].end + datetime.timedelta(days=1))
    return period_of(as_of.replace(day=1) - datetime.timedelta(days=1))


def _seal_row(
    state: SealState,
    books: Books,
    signed: dict[str, list[SignOff]],
    proof: dict[str, str] | None,
) -> dict[str, Any]:
    """A seal as ``verify --json`` gives it, with what the Close page links: the files
    the close wrote (``closes/YYYY-MM/``), where the seal entry is, who signed it off,
    how it was verified (``proven``: ``snapshot``, by the load from the snapshot,
    else ``recomputed``); the first seal's ``from`` is the books' first day (it
    covers everything before)."""
    row = seal_json(state)
    proven = proof is not None and state.seal.end.isoformat() <= proof["to"]
    row["proven"] = "snapshot" if proven else "recomputed"
    if row["from"] is None and books.entries:
        row["from"] = books.entries[0].date.isoformat()
    folder = books.directory / CLOSES_DIR / state.seal.period
    row["reports"] = (
        sorted(path_in_books(path, books.directory) for path in folder.iterdir() if path.is_file())
        if folder.is_dir()
        else []
    )
    meta = state.seal.meta
    row["seal_file"] = path_in_books(str(meta.get("filename", "")), books.directory)
    row["seal_line"] = meta.get("lineno")
    row["sign_offs"] = [_signed(s) for s in signed.get(state.seal.period, [])]
    return row


def _signed(sign_off: SignOff) -> dict[str, str]:
    return {"by": sign_off.by, "date": sign_off.date.isoformat()}


def _proof(books: Books, recompute: bool) -> dict[str, str] | None:
    """How the seals up to the snapshot were proven when ``books`` were loaded from
    one (and the page does not ``recompute`` them): the snapshot's file list."""
    start = loaded_from(books.options)
    if recompute or start is None:
        return None
    return {
        "snapshot": start.period,
        "to": start.end.isoformat(),
        "files": files_path(start.period),
    }


def close_report(
    books: Books,
    config: Config,
    as_of: datetime.date,
    period: str | None = None,
    verify: bool = False,
) -> dict[str, Any]:
    """Every seal with its reports, and the checklist of ``period`` (default: the next
    to close) over ``books`` as loaded; ``backoffice close`` reloads them as of the
    period end, so a fail or break can differ there. Books loaded in full, or
    ``verify``: each seal recomputed from the files as ``backoffice verify`` does
    (a parse of the whole history). Books loaded from a snapshot: the seals up to it
    as the load proved them from the sealed files' bytes (``proof``), the later
    ones recomputed from the entries loaded (:func:`loaded_seal_states`)."""
    period = period or next_period(books, as_of)
    period_bounds(period)
    proof = _proof(books, verify)
    loaded = loaded_seal_states(books) if proof is not None else None
    states, errors = loaded if loaded is not None else verify_seals(books)
    seals = [state.seal for state in states]  # read from the books, one state each
    checklist = run_checklist(books, config, period, as_of, seals)
    signed = read_sign_offs(books.entries)
    return {
        "as_of": as_of.isoformat(),
        "seals": [_seal_row(state, books, signed, proof) for state in states],
        "proof": proof,
        "seal_errors": [str(error.message) for error in errors],
        "period": period,
        "checks": checklist.to_json(),
        "ready": checklist.ok,
        "sign_off_required": config.close.sign_off,
        "sign_offs": [_signed(s) for s in signed.get(period, [])],
    }

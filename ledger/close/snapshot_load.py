"""The open-period load: the static files, the latest snapshot and the entries after it.

Once a month is sealed with a snapshot (:mod:`ledger.close.snapshot`), a command
that reads the books need not parse and book their whole history. This load:

1. finds the latest seal that names a snapshot whose bytes hash to it, and the
   snapshot's file list (``snapshot-files.tsv``, whose hash the snapshot holds);
   what the plugins read of ``backoffice.toml`` must have the digest the list
   records (:mod:`ledger.close.plugin_config`; a change is said on stderr);
2. walks the includes from ``main.beancount`` as Beancount's loader does. A file
   the list marks ``skip`` (all its entries sealed, none kept) is read and hashed,
   not parsed; any other file is parsed, and when its bytes changed since the
   close, its entries dated in sealed periods must still have the digest the list
   records; a new file may hold no entry dated in a sealed period; no listed file
   may be gone; each sealed period's manifest must hash as it did; the plugin
   lines and the options that shape the entries must have the digest the list
   records (a change is said on stderr);
3. checks the seals up to the snapshot against the chain digest it records;
4. keeps from the parsed files what declares (``open``, ``commodity``, the seals,
   Fava's options: :func:`~ledger.close.snapshot.kept_before`) and everything
   dated after the snapshot, adds the snapshot's entries (each carried entry
   back at the file and line it came from), and books, runs the plugins and
   validates them as Beancount's loader does. ``plugins.period_lock`` is told
   (``options_map[OPEN_PERIOD]``) to verify only the seals after the snapshot.

Any difference anywhere, and the caller falls back to the full load
(:func:`ledger.books.load`), whose ``plugins.period_lock`` names what changed.
The cost is reading the sealed files' bytes and parsing the open period.

What the valuation and the imports need of the months summed up, the snapshot's
last section, is handed to them in the options
(:func:`ledger.close.sealed_history.sealed_history`). Whoever needs more of the
history asks :func:`loaded_from` which snapshot books were loaded from, and loads
them in full (``match`` and ``breaks open`` when what they are given reaches
back, a Fava page as of a sealed day); the Close page reports the seals from this
load's proof (:func:`ledger.close.verify.loaded_seal_states`), the later ones from
the entries it booked (``options_map[BOOKED_AFTER]``).
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data, display_context
from beancount.ops import validation
from beancount.parser import booking, parser
from beancount.utils import misc_utils

from ledger.books import BeforePlugins, Books, hardcore_errors, load
from ledger.cache import StampCache
from ledger.close import snapshot as snap
from ledger.close.hashes import OPEN_PERIOD, OpenPeriod, is_seal
from ledger.close.plugin_config import PLUGIN_SECTIONS, options_digest, plugin_config_digest
from ledger.close.seal import SEALS_FILE, Seal, read_seals
from ledger.close.sealed_history import HISTORY
from ledger.close.snapshot_history import take_history
from ledger.config import CONFIG_NAME, ConfigError
from ledger.documents import OutsideBooks, inside_books
from ledger.gcpause import gc_paused
from ledger.writer import complete_interrupted

FULL_ENV = "BACKOFFICE_FULL"
# In the options of an open-period load whose books hold seals after the snapshot:
# the entries after it as parsed and booked, which those seals cover (the Close
# page recomputes them as plugins.period_lock does, not from a second parse).
BOOKED_AFTER = "backoffice_open_period_booked"
_ORDER = "__snapshot_order__"  # the summary's postings in written order, until booked


class Fallback(Exception):
    """The open-period load cannot prove the sealed history unchanged (the message
    says why); the full load decides what changed."""


class ConfigChanged(Fallback):
    """What the plugins read of ``backoffice.toml`` changed since the close: the full
    load applies it to the sealed months too (said on stderr, not only with --timings)."""


@dataclass(frozen=True)
class _Snapshot:
    seal: Seal
    seals: list[Seal]
    entries: list[data.Directive]
    records: dict[str, snap.FileRecord]
    dcontext: display_context.DisplayContext


def _sha256(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _latest_snapshot(books_dir: Path) -> _Snapshot:
    seals_file = books_dir / SEALS_FILE
    if not seals_file.is_file():
        raise Fallback("no seals")
    seal_entries, _, _ = parser.parse_file(str(seals_file))
    seals, problems = read_seals(seal_entries)
    if problems:
        raise Fallback("a malformed seal")
    for seal in reversed(seals):
        path = books_dir / snap.snapshot_path(seal.period)
        if seal.snapshot and path.is_file():
            break
    else:
        raise Fallback("no seal names a snapshot")
    text = path.read_bytes()
    if hashlib.sha256(text).hexdigest() != seal.snapshot:
        raise Fallback(f"{snap.snapshot_path(seal.period)} is not the snapshot its seal names")
    entries, errors, _ = parser.parse_string(text.decode("utf-8"), str(path))
    header = [e for e in entries if isinstance(e, data.Custom) and e.type == snap.SNAPSHOT]
    if errors or len(header) != 1 or header[0].meta.get("seal") != seal.digest:
        raise Fallback("the snapshot's header does not name its seal")
    files = (books_dir / snap.files_path(seal.period)).read_bytes()
    if hashlib.sha256(files).hexdigest() != header[0].meta.get("files"):
        raise Fallback(f"{snap.files_path(seal.period)} is not the list its snapshot names")
    records, dcontext = snap.read_files(files.decode("utf-8"))
    sealed = [s for s in seals if s.end <= seal.end]
    chain = snap.chain_digest(
        (s.period, s.digest, s.previous, s.entries, s.manifest) for s in sealed
    )
    if chain != header[0].meta.get("chain"):
        raise Fallback("the seals up to the snapshot changed")
    return _Snapshot(seal, sealed, [e for e in entries if e not in header], records, dcontext)


def _carried(entries: list[data.Directive], books_dir: Path) -> list[data.Directive]:
    """The snapshot's entries, each carried one back at the file and line it came from;
    the summary gets line 0, so that it books before a carried entry of its day."""
    out = []
    for entry in entries:
        meta = dict(entry.meta)
        origin = meta.pop(snap.FROM_KEY, None)
        if isinstance(origin, str):
            where, _, line = origin.rpartition(":")
            meta["filename"] = os.path.normpath(books_dir / where)
            meta["lineno"] = int(line)
        else:
            meta["lineno"] = 0
            if isinstance(entry, data.Transaction):
                meta[_ORDER] = _report_order(entry.postings)
        out.append(entry._replace(meta=meta))
    return out


def _report_order(postings: list[data.Posting]) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Each summary posting's place: its account's first line, then its rank."""
    first: dict[str, int] = {}
    order = {}
    for i, posting in enumerate(postings):
        rank = (posting.meta or {}).get(snap.RANK_KEY)
        start = first.setdefault(posting.account, i)
        order[_key(posting)] = (start, int(rank) if rank is not None else i)
    return order


def _walk(
    main: str, books_dir: Path, found: _Snapshot
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """The kept entries of the books' files, the parse errors and the options, as
    Beancount's ``_parse_recursive`` gives them for the files it parses."""
    end = found.seal.end
    root = str(books_dir)
    entries: list[data.Directive] = []
    errors: list[Any] = []
    options: dict[str, Any] | None = None
    others: list[dict[str, Any]] = []
    seen: set[str] = set()
    stack = [main]
    while stack:
        filename = os.path.normpath(stack.pop(0))
        if filename in seen or not os.path.exists(filename):
            raise Fallback(f"{filename}: included twice or missing")
        seen.add(filename)
        record = found.records.get(os.path.relpath(filename, root).replace(os.sep, "/"))
        if record is not None and record.mode == snap.SKIP:
            if _sha256(filename) != record.sha256:
                raise Fallback(f"{filename} changed since the close")
            continue
        src_entries, src_errors, src_options = parser.parse_file(filename)
        sealed = [e for e in src_entries if e.date <= end]
        if record is None and any(not is_seal(e) for e in sealed):
            raise Fallback(f"{filename} is new and holds entries dated in a sealed period")
        changed = record is not None and _sha256(filename) != record.sha256
        if changed and snap.sealed_entries_digest(sealed, end, root) != record.sealed:  # type: ignore[union-attr]
            raise Fallback(f"{filename}: an entry dated in a sealed period changed")
        entries += [e for e in src_entries if e.date > end or snap.kept_before(e)]
        errors += src_errors
        if options is None:
            options = src_options
        else:
            others.append(src_options)
        cwd = os.path.dirname(filename)
        for name in src_options["include"]:
            pattern = name if os.path.isabs(name) else os.path.join(cwd, name)
            matched = glob.glob(pattern, recursive=True)
            if not matched:
                raise Fallback(f"include {name} matches no file")
            stack += [os.path.join(cwd, match) for match in matched]
    assert options is not None
    # Manifests and archived documents: hashed again only when their stamp changed,
    # as check does (ledger.cache.StampCache); verify hashes every one.
    stamps = StampCache(books_dir, "documents")
    for path, record in found.records.items():
        full = os.path.normpath(books_dir / path)
        if record.mode in (snap.CONFIG, snap.OPTIONS):
            continue
        if record.mode == snap.BYTES:
            try:  # inside the books, reached through no symbolic link, as check wants
                where = inside_books(books_dir, path, "file")
            except OutsideBooks as exc:
                raise Fallback(str(exc)) from None
            if stamps.value(where, _sha256) != record.sha256:
                raise Fallback(f"{path} changed since the close")
        elif full not in seen:
            raise Fallback(f"{path} is no longer included")
    stamps.save()
    options["include"] = sorted(seen)
    options = loader.aggregate_options_map(options, others)
    options["dcontext"].update_from(found.dcontext)
    return entries, errors, options


def _check_config(books_dir: Path, found: _Snapshot) -> None:
    """What the plugins read of ``backoffice.toml`` is as it was at the close."""
    recorded = [r for r in found.records.values() if r.mode == snap.CONFIG]
    if not recorded:
        raise Fallback(
            f"{snap.files_path(found.seal.period)} records no digest of {CONFIG_NAME} "
            "(written before it did): the next close records it"
        )
    try:
        now = plugin_config_digest(books_dir)
    except ConfigError as exc:
        raise Fallback(str(exc)) from None
    if now != recorded[0].sha256:
        sections = ", ".join(f"[{name}]" for name in sorted(PLUGIN_SECTIONS))
        raise ConfigChanged(
            f"{CONFIG_NAME} changed since the close of {found.seal.period} in what the "
            f"plugins read ({sections}): loading the full books, whose plugins apply it "
            "to the sealed months too; the next close records it"
        )


def _check_options(options: Mapping[str, Any], found: _Snapshot) -> None:
    """The books' plugin list and the options that shape their entries are as they
    were at the close."""
    recorded = [r for r in found.records.values() if r.mode == snap.OPTIONS]
    if not recorded:
        raise Fallback(
            f"{snap.files_path(found.seal.period)} records no digest of the books' options "
            "(written before it did): the next close records it"
        )
    if options_digest(options) != recorded[0].sha256:
        raise ConfigChanged(
            f"the books' plugin lines or options changed since the close of "
            f"{found.seal.period}: loading the full books, which apply them to the sealed "
            "months too; the next close records them"
        )


def loaded_from(options: Mapping[str, Any]) -> OpenPeriod | None:
    """The snapshot books were loaded from (their ``options``), None for a full load."""
    start = options.get(OPEN_PERIOD)
    return start if isinstance(start, OpenPeriod) else None


def _to_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


def full_load_forced() -> bool:
    """``BACKOFFICE_FULL=1``: every command loads the whole history."""
    return os.environ.get(FULL_ENV, "").strip() not in ("", "0")


def load_books(
    path: Path,
    *,
    full: bool = False,
    since: datetime.date | None = None,
    hardcore: bool = True,
    log_timings: Callable[[str], None] | None = None,
    before_plugins: BeforePlugins | None = None,
    warn: Callable[[str], None] = _to_stderr,
) -> Books:
    """The open-period load (:func:`load_open_period`) unless ``full`` or
    ``BACKOFFICE_FULL`` asks for the whole history, the caller reads entries from
    ``since`` on and that day is sealed, or the sealed history cannot be proven
    unchanged; then the full load (:func:`ledger.books.load`; ``before_plugins`` is
    called there, with the entries parsed and booked, and asks for it). ``warn``
    (stderr by default) is told when a changed ``backoffice.toml`` is the reason:
    unlike a tamper, which ``plugins.period_lock`` reports, nothing else says it."""
    if not full and before_plugins is None and not full_load_forced():
        try:
            return load_open_period(path, since=since, hardcore=hardcore, log_timings=log_timings)
        except (Fallback, OSError, UnicodeDecodeError, ValueError) as why:
            if isinstance(why, ConfigChanged):
                warn(str(why))
            if log_timings is not None:
                log_timings(f"open-period load not possible ({why}): loading the full books")
    return load(path, hardcore=hardcore, log_timings=log_timings, before_plugins=before_plugins)


def _key(posting: data.Posting) -> tuple[Any, ...]:
    cost = posting.cost
    number = getattr(cost, "number", None) or getattr(cost, "number_per", None)
    return (posting.account, posting.units, number, getattr(cost, "date", None))


def _in_report_order(entry: data.Directive) -> data.Directive:
    """The snapshot's summary, booked, with its postings in the order of the full
    load's inventory after the plugins (which reports show): booking grouped them
    by currency, and each ``snapshot-rank`` says a lot's place in its account."""
    if entry.meta.get("lineno") != 0 or not isinstance(entry, data.Transaction):
        return entry
    written = entry.meta.get(_ORDER)
    if not isinstance(written, dict):
        return entry
    postings = sorted(entry.postings, key=lambda p: written.get(_key(p), (len(written), 0)))
    postings = [p._replace(meta=None) if p.meta else p for p in postings]
    meta = {k: v for k, v in entry.meta.items() if k != _ORDER}
    return entry._replace(postings=postings, meta=meta)


def load_open_period(
    path: Path,
    *,
    since: datetime.date | None = None,
    hardcore: bool = True,
    log_timings: Callable[[str], None] | None = None,
) -> Books:
    """The books at ``path`` from their latest snapshot (see the module docstring);
    raises :class:`Fallback` when the sealed history cannot be proven unchanged."""
    books_dir = path.parent.absolute()
    complete_interrupted(books_dir)
    main = os.path.abspath(path)
    with gc_paused(freeze=True):
        with misc_utils.log_time("prove the sealed history", log_timings, indent=1):
            found = _latest_snapshot(books_dir)
            if since is not None and since <= found.seal.end:
                raise Fallback(f"{since} is in the history sealed up to {found.seal.end}")
            _check_config(books_dir, found)
            entries, parse_errors, options = _walk(main, books_dir, found)
            _check_options(options, found)
        history, kept = take_history(found.entries, found.seal.end)
        if history is None:
            raise Fallback(
                f"{snap.snapshot_path(found.seal.period)} holds no valuation and imports "
                "section (written before it did): the next close writes it"
            )
        entries += _carried(kept, books_dir)
        entries.sort(key=data.entry_sortkey)
        options[OPEN_PERIOD] = OpenPeriod(found.seal.period, found.seal.end, found.seal.digest)
        options[HISTORY] = history
        with misc_utils.log_time("booking", log_timings, indent=1):
            entries, booking_errors = booking.book(entries, options)  # type: ignore[no-untyped-call]
            entries = [_in_report_order(entry) for entry in entries]
        if any(is_seal(entry) and entry.date > found.seal.end for entry in entries):
            options[BOOKED_AFTER] = [entry for entry in entries if entry.date > found.seal.end]
        with misc_utils.log_time("run_transformations", log_timings, indent=1):
            entries, errors = loader.run_transformations(
                entries, parse_errors + booking_errors, options, log_timings
            )
        with misc_utils.log_time("beancount.ops.validate", log_timings, indent=1):
            errors += validation.validate(entries, options, log_timings)  # type: ignore[no-untyped-call]
            if hardcore:
                errors += hardcore_errors(entries, options, log_timings)
    # The summary is a trial balance: it sums to the conversions' residual, which
    # Beancount reports as a transaction that does not balance.
    errors = [e for e in errors if e.entry is None or e.entry.meta.get("lineno") != 0]
    options["input_hash"] = loader.compute_input_hash(options["include"])  # type: ignore[no-untyped-call]
    return Books(path=path, entries=entries, errors=errors, options=options)

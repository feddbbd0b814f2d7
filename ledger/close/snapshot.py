"""The snapshot a close writes beside its seal: the books' state at the period end.

``backoffice close 2026-10`` writes ``closes/2026-10/snapshot.beancount``, plain
Beancount text that ``main.beancount`` does not include::

    2026-10-31 custom "snapshot" "2026-10"
      seal: "3b1f…"                 ; the digest of the seal it belongs to
      files: "9a0c…"                ; SHA-256 of snapshot-files.tsv beside it

    2026-10-28 S "Snapshot 2026-10: balances at 2026-10-31 less the entries carried below"
      Assets:Bank:Rheinbank:USD            1200000.00 USD
      Assets:Custody:Custodia:Securities        300 XYZ {52.10 USD, 2026-10-05}
      Income:Trading:Realized                -1500.00 USD
      ...

    2026-10-30 price XYZ 53.00 USD          ; the last price of each pair
      snapshot-from: "prices.beancount:41"

    2026-10-30 * "AlphaSec" "Buy 100 XYZ" ^trade-A9   ; alive across the boundary
      snapshot-from: "2026/10/trades.beancount:12"
      ...

The summary transaction holds every account's balance by lot (units, cost, date,
label: FIFO keeps booking after it), as the plugins left the books, less what
the entries *carried* below contribute: the entries still alive across the
boundary (a trade not settled by the period end with its partial settlements, a
fail, an open break and what it links, an entry whose value or settle date is
later, the suspense lines while the suspense account is not empty), carried as
parsed and booked so that the plugins see them as the full load does. It is
dated on the earliest carried entry (at latest the period end) so that it books
first. The last balance assertion of each account and currency is carried too
when nothing summed up moves that account on or after its day (the close's
``balances`` check makes that the rule for reconciled accounts), so that the
reconciliation still finds the latest statement. Income and expense accounts
keep their balance since the first entry (not since the fiscal year, as
``beancount.ops.summarize.clamp`` would): moving
earlier years to ``Equity:Earnings:Previous`` adds an account the books never
open and changes every balance sheet against the full load's.

``snapshot-files.tsv`` lists each file the books include with the SHA-256 of
its bytes at the close and the digest of its entries dated in sealed periods,
so that the open-period load (:mod:`ledger.close.snapshot_load`) proves the
sealed history unchanged by reading bytes. The seal records the snapshot's
SHA-256 (``snapshot:``); the snapshot records the seal's digest: each is bound
to the other. :func:`snapshot_body` rebuilds the entries from a full load, which
``backoffice verify`` compares with the file.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data, display_context, flags, inventory
from beancount.core import prices as price_ops
from beancount.core.position import Position
from beancount.parser import parser, printer

from ledger import meta as keys
from ledger.close.canonical import entry_digest
from ledger.close.hashes import FileHashes, is_seal
from ledger.close.plugin_config import plugin_config_digest
from ledger.close.seal import CLOSES_DIR, Seal
from ledger.close.snapshot_history import history_text
from ledger.config import CONFIG_NAME
from ledger.documents import path_in_books
from ledger.meta import get_source, get_source_sha256

SNAPSHOT = "snapshot"
SNAPSHOT_NAME = "snapshot.beancount"
FILES_NAME = "snapshot-files.tsv"
FROM_KEY = "snapshot-from"  # where a carried entry was read, restored by the load
RANK_KEY = "snapshot-rank"  # a summary posting's place in the account's inventory
# Data a Custom entry carries: alive ones are in the snapshot, the rest are summed up.
# ledger.breaks.model's BREAK and RESOLVED, spelled here: importing the model pulls in
# the holiday calendars, and every command imports this module to load the books.
BREAK, RESOLVED = "break", "break-resolved"
DATA_CUSTOMS = frozenset({BREAK, RESOLVED})
_DIRECTIVE_RE = re.compile(rb"^\s*(include|option|plugin)\s", re.MULTILINE)


def snapshot_path(period: str) -> str:
    return f"{CLOSES_DIR}/{period}/{SNAPSHOT_NAME}"


def files_path(period: str) -> str:
    return f"{CLOSES_DIR}/{period}/{FILES_NAME}"


def kept_before(entry: data.Directive) -> bool:
    """Whether the open-period load keeps ``entry`` although it is dated in a
    sealed period: what declares (accounts, commodities, seals, Fava's
    extension), not what happened (its effect is in the snapshot)."""
    if isinstance(entry, data.Custom):
        return entry.type not in DATA_CUSTOMS and entry.type != SNAPSHOT
    return isinstance(entry, data.Open | data.Close | data.Commodity | data.Query)


def _keys(entry: data.Directive) -> list[str]:
    """What ties ``entry`` to others: links, a cancelled trade, a break's id and link."""
    found = list(getattr(entry, "links", None) or ())
    meta = entry.meta
    cancels = meta.get(keys.CANCELS)
    if isinstance(cancels, str):
        found.append(keys.trade_link(cancels))
    if isinstance(entry, data.Custom) and entry.type in DATA_CUSTOMS and entry.values:
        found.append(f"break:{entry.values[0].value}")
        link = meta.get(keys.BREAK_LINK)
        if isinstance(link, str):
            found.append(link.removeprefix("^"))
    return found


def _empty(inv: inventory.Inventory) -> bool:
    return bool(inv.is_empty())  # type: ignore[no-untyped-call]


def _later(meta: Mapping[str, Any], key: str, end: datetime.date) -> bool:
    value = meta.get(key)
    return isinstance(value, datetime.date) and value > end


class _Groups:
    """Union-find over keys: entries sharing a key live and die together."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent.setdefault(key, key)
        while parent != key:
            self.parent[key] = self.parent.setdefault(parent, parent)
            key, parent = parent, self.parent[parent]
        return key

    def union(self, found: Sequence[str]) -> None:
        if found:
            root = self.find(found[0])
            for key in found[1:]:
                self.parent[self.find(key)] = root


def _location(entry: data.Directive) -> tuple[Any, Any]:
    return entry.meta.get("filename"), entry.meta.get("lineno")


@dataclass(frozen=True)
class Alive:
    """The entries carried across the period end, and how to know their kin."""

    entries: list[data.Directive]
    roots: frozenset[str]
    locations: frozenset[tuple[Any, Any]]
    groups: _Groups

    def holds(self, entry: data.Directive) -> bool:
        """Whether ``entry`` (as parsed, or as a plugin made it) belongs to a carried group."""
        if _location(entry) in self.locations:
            return True
        return any(self.groups.find(key) in self.roots for key in _keys(entry))


def alive_entries(
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    end: datetime.date,
    unsettled: str,
    suspense: str,
) -> Alive:
    """The entries of ``booked`` (as parsed and booked) dated up to ``end`` that are
    still alive after it; ``processed`` are the same books after the plugins."""
    groups = _Groups()
    for entry in [*booked, *processed]:
        groups.union(_keys(entry))
    seeds: set[str] = set()
    direct: set[tuple[Any, Any]] = set()
    resolved = {
        entry.values[0].value
        for entry in booked
        if isinstance(entry, data.Custom) and entry.type == RESOLVED and entry.date <= end
    }
    for entry in booked:
        found = _keys(entry)
        if entry.date > end:
            seeds.update(found)
            continue
        is_break = isinstance(entry, data.Custom) and entry.type == BREAK and entry.values
        if is_break and entry.values[0].value not in resolved:  # type: ignore[union-attr]
            seeds.update(found)
        if _later(entry.meta, keys.SETTLE_DATE, end) or _later(entry.meta, keys.VALUE_DATE, end):
            seeds.update(found)
            direct.add(_location(entry))
    # A group whose clearing account does not net to zero by the end has not settled.
    clearing: dict[str, inventory.Inventory] = defaultdict(inventory.Inventory)
    suspense_balance = inventory.Inventory()
    prefix = unsettled + ":"
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account.startswith(prefix):
                for key in _keys(entry):
                    clearing[groups.find(key)].add_amount(posting.units)  # type: ignore[arg-type]
            if posting.account == suspense:
                suspense_balance.add_amount(posting.units)  # type: ignore[arg-type]
    seeds.update(root for root, balance in clearing.items() if not _empty(balance))
    roots = frozenset(groups.find(key) for key in seeds)
    alive = Alive([], roots, frozenset(direct), groups)
    carried = []
    for entry in booked:
        if entry.date > end or is_seal(entry) or kept_before(entry):
            continue
        on_suspense = not _empty(suspense_balance) and any(
            posting.account == suspense for posting in getattr(entry, "postings", ())
        )
        if on_suspense or alive.holds(entry):
            carried.append(entry)
    return Alive(carried, roots, frozenset(direct | {_location(e) for e in carried}), groups)


def balances(
    processed: Iterable[data.Directive], end: datetime.date, alive: Alive
) -> dict[str, inventory.Inventory]:
    """Each account's balance by lot at ``end`` after the plugins, less the carried groups."""
    found: dict[str, inventory.Inventory] = defaultdict(inventory.Inventory)
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            found[posting.account].add_position(posting)
    return {account: inv for account, inv in sorted(found.items()) if not _empty(inv)}


def booking_order(
    booked: Iterable[data.Directive], end: datetime.date, alive: Alive
) -> dict[str, dict[tuple[Any, ...], int]]:
    """Where each lot of each account stands in the inventory Beancount books with (the
    entries as parsed, before the plugins re-date them): FIFO takes lots of the same
    date in that order."""
    found: dict[str, dict[tuple[Any, ...], int]] = defaultdict(dict)
    for entry in booked:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            if posting.cost is not None and posting.units is not None:
                lots = found[posting.account]
                lots.setdefault((posting.units.currency, posting.cost), len(lots))
    return found


def summary_entry(
    period: str,
    end: datetime.date,
    day: datetime.date,
    by_account: Mapping[str, inventory.Inventory],
    order: Mapping[str, Mapping[tuple[Any, ...], int]],
) -> data.Transaction:
    """The summary: each account's positions in the order Beancount books with
    (``order``); where the plugins' order differs (the one reports show), each
    posting says its place there (``snapshot-rank``), which the load restores."""
    meta = data.new_metadata("<snapshot>", 0)
    postings = []
    for account, inv in by_account.items():
        positions: list[Position] = inv.get_positions()  # type: ignore[no-untyped-call]
        lots = order.get(account, {})
        written = sorted(
            range(len(positions)),
            key=lambda i: lots.get((positions[i].units.currency, positions[i].cost), len(lots)),
        )
        ranked = written != sorted(written)
        for i in written:
            position = positions[i]
            rank = {RANK_KEY: Decimal(i)} if ranked else None
            postings.append(data.Posting(account, position.units, position.cost, None, None, rank))
    narration = f"Snapshot {period}: balances at {end} less the entries carried below"
    return data.Transaction(
        meta, day, flags.FLAG_SUMMARIZE, None, narration, frozenset(), frozenset(), postings
    )


def _with_origin(entry: data.Directive, books_dir: Path) -> data.Directive:
    meta = {k: v for k, v in entry.meta.items() if k not in ("filename", "lineno")}
    where = (
        f"{path_in_books(str(entry.meta.get('filename')), books_dir)}:{entry.meta.get('lineno')}"
    )
    meta[FROM_KEY] = where
    return entry._replace(meta=meta)


def last_balances(
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    end: datetime.date,
    alive: Alive,
) -> list[data.Balance]:
    """The last balance assertion of each account and currency up to ``end``, when no
    entry summed up in the snapshot moves that account and currency on or after its
    day: the snapshot's balance is then the balance it asserts, so it still holds
    (and the reconciliation still finds the latest statement)."""
    latest: dict[tuple[str, str], data.Balance] = {}
    for entry in booked:
        if isinstance(entry, data.Balance) and entry.date <= end:
            latest[entry.account, entry.amount.currency] = entry
    for entry in processed:
        if entry.date > end or not isinstance(entry, data.Transaction) or alive.holds(entry):
            continue
        for posting in entry.postings:
            found = latest.get((posting.account, posting.units.currency))  # type: ignore[union-attr]
            if found is not None and found.date <= entry.date:
                del latest[posting.account, posting.units.currency]  # type: ignore[union-attr]
    return sorted(latest.values(), key=data.entry_sortkey)


def snapshot_body(
    period: str,
    end: datetime.date,
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    unsettled: str,
    suspense: str,
    books_dir: Path,
) -> str:
    """The snapshot's entries (everything but its header) from a full load."""
    alive = alive_entries(booked, processed, end, unsettled, suspense)
    asserted = last_balances(booked, processed, end, alive)
    day = min(
        [
            end,
            *(entry.date for entry in alive.entries),
            *(entry.date - datetime.timedelta(days=1) for entry in asserted),
        ]
    )
    order = booking_order(booked, end, alive)
    summary = summary_entry(period, end, day, balances(processed, end, alive), order)
    last_prices = price_ops.get_last_price_entries(  # type: ignore[no-untyped-call]
        list(booked), end + datetime.timedelta(days=1)
    )
    parts = [printer.format_entry(summary)]
    parts.append("; the last price of each pair\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in last_prices]
    parts.append("; the last balance assertion of each account and currency that still holds\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in asserted]
    parts.append(f"; the entries alive after {end}, as parsed and booked\n")
    parts += [printer.format_entry(_with_origin(e, books_dir)) for e in alive.entries]
    parts.append(f"; for the valuation and the imports: every entry up to {end} added up\n")
    parts.append(history_text(processed, end, books_dir))
    return "\n".join(parts)


def snapshot_text(
    period: str, end: datetime.date, seal: str, chain: str, files_sha256: str, body: str
) -> str:
    return (
        f"; The books at the end of {period}, written by 'backoffice close' beside its seal.\n"
        "; Derived and bound to the seal by digest: main.beancount does not include it, and\n"
        "; deleting it only makes commands slower (they load the whole history instead).\n"
        f'{end} custom "{SNAPSHOT}" "{period}"\n'
        f'  seal: "{seal}"\n'
        f'  chain: "{chain}"\n'
        f'  files: "{files_sha256}"\n'
        "\n" + body
    )


SKIP, PARSE, BYTES = "skip", "parse", "bytes"
CONFIG = "config"  # the digest of what the plugins read of backoffice.toml
DCONTEXT = "dcontext"
UNSTABLE = "-"  # the seals file: its bytes hold the seal that names the snapshot


@dataclass(frozen=True)
class FileRecord:
    """One file of the books at the close. ``skip``: the open-period load need not
    parse it (every entry dated in a sealed period, none it keeps, no include);
    ``parse``: it must (its entries up to the period end have digest ``sealed``);
    ``bytes``: not a books file but a sealed period's manifest or an archived document;
    ``config``: ``backoffice.toml``, its ``sha256`` the digest of what the plugins read
    (:mod:`ledger.close.plugin_config`)."""

    path: str
    sha256: str
    mode: str
    sealed: str  # digest of the canonical hashes of its entries up to the period end

    def line(self) -> str:
        return f"{self.sha256}\t{self.mode}\t{self.sealed}\t{self.path}\n"


def sealed_digest(digests: Iterable[bytes]) -> str:
    """Order-free digest of a file's sealed entries (their canonical hashes)."""
    return hashlib.sha256(b"".join(sorted(digests))).hexdigest()


def sealed_entries_digest(entries: Iterable[data.Directive], end: datetime.date, root: str) -> str:
    """:func:`sealed_digest` of the entries dated up to ``end``, seals left out (a seal
    names the snapshot, which names this digest)."""
    return sealed_digest(
        entry_digest(entry, root) for entry in entries if entry.date <= end and not is_seal(entry)
    )


def file_records(
    booked: Sequence[data.Directive],
    hashes: Sequence[FileHashes],
    filenames: Sequence[str],
    end: datetime.date,
    books_dir: Path,
    contents: Mapping[str, bytes | None],
    manifests: Sequence[str],
) -> list[FileRecord]:
    """The record of each file the books include, of each manifest and of each
    archived document an entry up to ``end`` cites (paths in the books); ``contents``
    gives a file's bytes as the close leaves them (the main file may get a line
    appended), None for the seals file, whose bytes are not recorded; ``hashes``: the
    canonical hashes of ``booked`` by file, as the seal was computed from them."""
    digests = {
        file.filename: [digest for day, _, digest in file.records if day <= end.toordinal()]
        for file in hashes
    }
    by_file: dict[str, list[data.Directive]] = {name: [] for name in filenames}
    for entry in booked:
        found = by_file.get(entry.meta.get("filename"))  # type: ignore[arg-type]
        if found is not None:
            found.append(entry)
    records = []
    for name, entries in sorted(by_file.items()):
        text = contents[name] if name in contents else Path(name).read_bytes()
        sealed = [e for e in entries if e.date <= end]
        skip = (
            text is not None
            and len(sealed) == len(entries)
            and not any(kept_before(e) or is_seal(e) for e in sealed)
            and not _DIRECTIVE_RE.search(text)
        )
        records.append(
            FileRecord(
                path=path_in_books(name, books_dir),
                sha256=hashlib.sha256(text).hexdigest() if text is not None else UNSTABLE,
                mode=SKIP if skip else PARSE,
                sealed=sealed_digest(digests.get(name, ())),
            )
        )
    for manifest in manifests:
        sha = hashlib.sha256(contents.get(manifest) or (books_dir / manifest).read_bytes())
        records.append(FileRecord(manifest, sha.hexdigest(), BYTES, UNSTABLE))
    cited = {}
    for entry in booked:
        source, sha256 = get_source(entry.meta), get_source_sha256(entry.meta)
        if entry.date <= end and source and sha256:
            cited[source] = sha256
    records += [FileRecord(path, sha, BYTES, UNSTABLE) for path, sha in sorted(cited.items())]
    records.append(FileRecord(CONFIG_NAME, plugin_config_digest(books_dir), CONFIG, UNSTABLE))
    return records


def files_text(records: Sequence[FileRecord], dcontext: display_context.DisplayContext) -> str:
    """``snapshot-files.tsv``: a line per file, then the display precision the skipped
    files give each currency (Beancount's ``dcontext``, which Fava renders with)."""
    lines = [record.line() for record in records]
    for currency, context in sorted(dcontext.ccontexts.items()):
        hist = getattr(getattr(context, "fractional_dist", None), "hist", None)
        if hist is None:  # a fixed precision is an option, not learnt from the files
            continue
        counts = ",".join(f"{digits}:{count}" for digits, count in sorted(hist.items()))
        sign = int(context.has_sign)
        lines.append(f"{DCONTEXT}\t{currency}\t{sign}\t{context.integer_max}\t{counts}\n")
    return "".join(lines)


def read_files(text: str) -> tuple[dict[str, FileRecord], display_context.DisplayContext]:
    """The records and display precision of ``snapshot-files.tsv``."""
    records = {}
    dcontext = display_context.DisplayContext()
    for line in text.splitlines():
        parts = line.split("\t")
        if parts[0] == DCONTEXT and len(parts) == 5:
            context = dcontext.ccontexts[parts[1]]
            context.has_sign = parts[2] == "1"
            context.integer_max = int(parts[3])
            for pair in filter(None, parts[4].split(",")):
                digits, count = pair.split(":")
                context.fractional_dist.hist[int(digits)] += int(count)  # type: ignore[attr-defined]
        elif len(parts) == 4 and parts[1] in (SKIP, PARSE, BYTES, CONFIG):
            records[parts[3]] = FileRecord(parts[3], parts[0], parts[1], parts[2])
        else:
            raise ValueError(f"not a line of {FILES_NAME}: {line!r}")
    return records, dcontext


def skipped_dcontext(
    records: Sequence[FileRecord],
    books_dir: Path,
    previous: Path | None,
    pending: str | None = None,
) -> display_context.DisplayContext:
    """The display precision of the files marked ``skip``: the previous snapshot's
    (``previous``, its ``snapshot-files.tsv``, or its text ``pending`` when the same
    ``close --through`` has not written it yet) plus the files skipped since, parsed."""
    done: set[str] = set()
    dcontext = display_context.DisplayContext()
    if pending is None and previous is not None and previous.is_file():
        pending = previous.read_text(encoding="utf-8")
    if pending is not None:
        try:
            before, dcontext = read_files(pending)
        except ValueError:
            before = {}
        done = {r.path for r in before.values() if r.mode == SKIP}
        if any(r.path in done and r.mode != SKIP for r in records):
            done, dcontext = set(), display_context.DisplayContext()
    for record in records:
        if record.mode == SKIP and record.path not in done:
            _, _, options = parser.parse_file(str(books_dir.absolute() / record.path))
            dcontext.update_from(options["dcontext"])
    return dcontext


def chain_digest(seals: Iterable[tuple[str, str, str, int | None, str | None]]) -> str:
    """SHA-256 of the seals up to a snapshot (period, digest, previous, entries,
    manifest): the open-period load compares it instead of recomputing the seals."""
    sha = hashlib.sha256(b"backoffice snapshot chain v1\n")
    for seal in seals:
        sha.update(("\t".join(map(str, seal)) + "\n").encode())
    return sha.hexdigest()


def snapshot_problems(
    seal: Seal,
    books_dir: Path,
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    unsettled: str,
    suspense: str,
) -> list[str] | None:
    """What is wrong with the snapshot of ``seal`` against a full load of the books
    (``booked``: parsed and booked; ``processed``: after the plugins); None when the
    seal has none or it was deleted (that only makes commands slower)."""
    path = books_dir / snapshot_path(seal.period)
    if seal.snapshot is None or not path.is_file():
        return None
    text = path.read_bytes()
    hint = "delete it (commands then load the whole history) or restore it from git"
    if hashlib.sha256(text).hexdigest() != seal.snapshot:
        return [f"{snapshot_path(seal.period)} is not the snapshot its seal names; {hint}"]
    header, _, body = text.decode("utf-8").partition("\n\n")
    problems = []
    if f'  seal: "{seal.digest}"' not in header.splitlines():
        problems.append(f"{snapshot_path(seal.period)} does not name its seal; {hint}")
    files = books_dir / files_path(seal.period)
    if not files.is_file() or (
        f'  files: "{hashlib.sha256(files.read_bytes()).hexdigest()}"' not in header.splitlines()
    ):
        problems.append(f"{files_path(seal.period)} is not the list its snapshot names; {hint}")
    expected = snapshot_body(
        seal.period, seal.end, booked, processed, unsettled, suspense, books_dir
    )
    if body != expected:
        problems.append(
            f"{snapshot_path(seal.period)} differs from the books' state at {seal.end} "
            f"rebuilt from the whole history: the books (see the seals) or the snapshot "
            f"changed since the close; {hint}"
        )
    return problems

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
``backoffice verify`` compares with the file. It builds each period end's state
from the previous end's (:class:`History`): ``close --through`` and ``verify``
cost one pass over the entries, plus each month's own, not one pass per month.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import heapq
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data, display_context, flags, inventory
from beancount.core.position import Position
from beancount.parser import parser, printer

from ledger import meta as keys
from ledger.close.canonical import entry_digest
from ledger.close.hashes import FileHashes, Record, is_seal
from ledger.close.plugin_config import options_digest, plugin_config_digest
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


def _later(meta: Mapping[str, Any]) -> datetime.date | None:
    """The latest of an entry's settle and value dates, if any."""
    found = [meta.get(keys.SETTLE_DATE), meta.get(keys.VALUE_DATE)]
    dates = [value for value in found if isinstance(value, datetime.date)]
    return max(dates) if dates else None


class _Sweep:
    """Items each alive from a start date to a stop date (excluded), asked for at
    rising dates: each item enters and leaves once, so a run of months costs a
    pass over the items, not one per month. An earlier date starts again."""

    def __init__(self, spans: Iterable[tuple[datetime.date, datetime.date, Any]]) -> None:
        self.spans = sorted((span for span in spans if span[0] < span[1]), key=_span_start)
        self.reset()

    def reset(self) -> None:
        self.next = 0
        self.stops: list[tuple[datetime.date, int, Any]] = []
        self.live: set[Any] = set()
        self.day = datetime.date.min

    def at(self, day: datetime.date) -> set[Any]:
        if day < self.day:
            self.reset()
        self.day = day
        spans = self.spans
        while self.next < len(spans) and spans[self.next][0] <= day:
            _, stop, item = spans[self.next]
            if stop > day:
                heapq.heappush(self.stops, (stop, self.next, item))
                self.live.add(item)
            self.next += 1
        while self.stops and self.stops[0][0] <= day:
            self.live.discard(heapq.heappop(self.stops)[2])
        return self.live


def _span_start(span: tuple[datetime.date, datetime.date, Any]) -> datetime.date:
    return span[0]


@dataclass
class _Account:
    """One account's postings after the plugins, in the books' order, and its
    balance over the first ``saved`` of them (none held at the last period end)."""

    index: list[int]  # of the entry in the processed entries
    day: list[int]  # the entry's date ordinal
    postings: list[data.Posting]
    saved: int = 0
    balance: inventory.Inventory | None = None


class History:
    """The entries of one load indexed for its snapshots at rising period ends.

    A snapshot at a period end sums every entry up to it except those alive across
    it. Alive entries are few and recent, so each account keeps its balance over
    its postings up to the first one alive at the last end asked, and the next
    end adds only the postings after it; what decides which entries are alive
    (the groups spanning the end, the settle and value dates after it, the open
    breaks, the clearing and suspense balances) is kept up to date the same way.
    Closing every month of the books in one run so costs one pass over the entries,
    plus, each month, the month's entries and the entries alive at its end. An
    entry alive across many month ends (a break left open for a year) makes each of
    those months add the postings of its accounts since it again.
    """

    def __init__(
        self,
        booked: Sequence[data.Directive],
        processed: Sequence[data.Directive],
        unsettled: str,
        suspense: str,
    ) -> None:
        self.booked, self.processed = booked, processed
        self.length_booked, self.length_processed = len(booked), len(processed)
        self.prefix, self.suspense = unsettled + ":", suspense
        groups = _Groups()
        booked_keys = [_keys(entry) for entry in booked]
        processed_keys = [_keys(entry) for entry in processed]
        for found in itertools.chain(booked_keys, processed_keys):
            groups.union(found)
        self.find = groups.find
        self.booked_root = [groups.find(found[0]) if found else None for found in booked_keys]
        self.processed_keys = processed_keys
        self.processed_root = [groups.find(k[0]) if k else None for k in processed_keys]
        self.booked_by = _index(booked, self.booked_root)
        self.processed_by = _index(processed, self.processed_root)
        spanning: dict[str, list[datetime.date]] = {}
        for entries, roots, last in (
            (booked, self.booked_root, True),
            (processed, self.processed_root, False),
        ):
            for entry, root in zip(entries, roots, strict=True):
                if root is None:
                    continue
                span = spanning.setdefault(root, [entry.date, datetime.date.min])
                span[0] = min(span[0], entry.date)
                if last:
                    span[1] = max(span[1], entry.date)
        self.spanning = _Sweep((first, last, root) for root, (first, last) in spanning.items())
        resolved: dict[Any, datetime.date] = {}
        for entry in booked:
            if isinstance(entry, data.Custom) and entry.type == RESOLVED and entry.values:
                value = entry.values[0].value
                resolved[value] = min(resolved.get(value, entry.date), entry.date)
        self.breaks = _Sweep(
            (entry.date, resolved.get(entry.values[0].value, datetime.date.max), i)
            for i, entry in enumerate(booked)
            if isinstance(entry, data.Custom) and entry.type == BREAK and entry.values
        )
        later = ((i, _later(entry.meta)) for i, entry in enumerate(booked))
        self.pending = _Sweep((booked[i].date, day, i) for i, day in later if day is not None)
        self.on_suspense = [
            i
            for i, entry in enumerate(booked)
            if any(posting.account == suspense for posting in getattr(entry, "postings", ()))
        ]
        self.accounts: dict[str, _Account] = {}
        for i, entry in enumerate(processed):
            if isinstance(entry, data.Transaction):
                day = entry.date.toordinal()
                for posting in entry.postings:
                    account = self.accounts.get(posting.account)
                    if account is None:
                        account = self.accounts[posting.account] = _Account([], [], [])
                    account.index.append(i)
                    account.day.append(day)
                    account.postings.append(posting)
        self.lots: dict[tuple[str, str, Any], list[int]] = defaultdict(list)
        for i, entry in enumerate(booked):
            if isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    if posting.cost is not None and posting.units is not None:
                        self.lots[posting.account, posting.units.currency, posting.cost].append(i)
        self._start()

    def _start(self) -> None:
        """Back to before the first entry."""
        self.end = datetime.date.min
        self.read_booked = self.read_processed = 0
        self.clearing: dict[str, inventory.Inventory] = defaultdict(inventory.Inventory)
        self.unbalanced: set[str] = set()
        self.suspense_balance = inventory.Inventory()
        self.asserted: dict[tuple[str, str], data.Balance] = {}
        self.prices: dict[tuple[str, str], data.Price] = {}
        for account in self.accounts.values():
            account.saved, account.balance = 0, None
        for sweep in (self.spanning, self.breaks, self.pending):
            sweep.reset()

    def _advance(self, end: datetime.date) -> None:
        """The running balances and the last assertions and prices, up to ``end``."""
        if end < self.end:
            self._start()
        self.end = end
        booked, processed = self.booked, self.processed
        i = self.read_booked
        while i < len(booked) and booked[i].date <= end:
            entry = booked[i]
            if isinstance(entry, data.Balance):
                self.asserted[entry.account, entry.amount.currency] = entry
            elif isinstance(entry, data.Price):
                self.prices[entry.currency, entry.amount.currency] = entry
            i += 1
        self.read_booked = i
        i = self.read_processed
        while i < len(processed) and processed[i].date <= end:
            entry = processed[i]
            if isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    if posting.account.startswith(self.prefix):
                        for key in self.processed_keys[i]:
                            root = self.find(key)
                            balance = self.clearing[root]
                            balance.add_amount(posting.units)  # type: ignore[arg-type]
                            if _empty(balance):
                                self.unbalanced.discard(root)
                            else:
                                self.unbalanced.add(root)
                    if posting.account == self.suspense:
                        self.suspense_balance.add_amount(posting.units)  # type: ignore[arg-type]
            i += 1
        self.read_processed = i

    def body(self, period: str, end: datetime.date, books_dir: Path) -> str:
        """The snapshot's entries (everything but its header) at ``end``."""
        self._advance(end)
        booked, processed = self.booked, self.processed
        pending = self.pending.at(end)
        roots = set(self.spanning.at(end)) | self.unbalanced
        for i in itertools.chain(self.breaks.at(end), pending):
            if self.booked_root[i] is not None:
                roots.add(self.booked_root[i])
        direct = {_location(booked[i]) for i in pending}
        candidates = _up_to(booked, self.booked_by, roots, direct, end)
        if not _empty(self.suspense_balance):
            candidates.update(i for i in self.on_suspense if booked[i].date <= end)
        carried = [
            i for i in sorted(candidates) if not is_seal(booked[i]) and not kept_before(booked[i])
        ]
        locations = direct | {_location(booked[i]) for i in carried}
        held = _up_to(processed, self.processed_by, roots, locations, end)
        held_booked = _up_to(booked, self.booked_by, roots, locations, end)
        by_account = self._balances(end, held)
        asserted = self._last_balances(end, held)
        alive = [booked[i] for i in carried]
        day = min(
            [
                end,
                *(entry.date for entry in alive),
                *(entry.date - datetime.timedelta(days=1) for entry in asserted),
            ]
        )
        order = self._booking_order(end, by_account, held_booked)
        summary = summary_entry(period, end, day, by_account, order)
        last_prices = sorted(self.prices.values(), key=data.entry_sortkey)
        parts = [printer.format_entry(summary)]
        parts.append("; the last price of each pair\n")
        parts += [printer.format_entry(_with_origin(e, books_dir)) for e in last_prices]
        parts.append("; the last balance assertion of each account and currency that still holds\n")
        parts += [printer.format_entry(_with_origin(e, books_dir)) for e in asserted]
        parts.append(f"; the entries alive after {end}, as parsed and booked\n")
        parts += [printer.format_entry(_with_origin(e, books_dir)) for e in alive]
        return "\n".join(parts)

    def _balances(self, end: datetime.date, held: set[int]) -> dict[str, inventory.Inventory]:
        """Each account's balance by lot at ``end`` after the plugins, less the ``held``
        entries; each account's balance up to its first held posting is kept."""
        first_held: dict[str, int] = {}
        for i in held:
            entry = self.processed[i]
            if isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    first_held[posting.account] = min(first_held.get(posting.account, i), i)
        stop_day = end.toordinal()
        found = {}
        for name in sorted(self.accounts):
            account = self.accounts[name]
            stop = bisect.bisect_right(account.day, stop_day)
            first = first_held.get(name)
            keep = stop if first is None else min(stop, bisect.bisect_left(account.index, first))
            if account.saved > keep or account.balance is None:
                account.saved, account.balance = 0, inventory.Inventory()
            if account.saved < keep:
                account.balance = inventory.Inventory(account.balance)
                for posting in account.postings[account.saved : keep]:
                    account.balance.add_position(posting)
                account.saved = keep
            balance = account.balance
            if keep < stop:
                balance = inventory.Inventory(balance)
                for k in range(keep, stop):
                    if account.index[k] not in held:
                        balance.add_position(account.postings[k])
            if not _empty(balance):
                found[name] = balance
        return found

    def _last_balances(self, end: datetime.date, held: set[int]) -> list[data.Balance]:
        """The last balance assertion of each account and currency up to ``end``, when no
        entry summed up in the snapshot moves that account and currency on or after its
        day: the snapshot's balance is then the balance it asserts, so it still holds
        (and the reconciliation still finds the latest statement)."""
        kept = []
        stop_day = end.toordinal()
        for (name, currency), entry in self.asserted.items():
            account = self.accounts.get(name)
            if account is not None:
                start = bisect.bisect_left(account.day, entry.date.toordinal())
                stop = bisect.bisect_right(account.day, stop_day)
                if any(
                    account.postings[k].units.currency == currency  # type: ignore[union-attr]
                    and account.index[k] not in held
                    for k in range(start, stop)
                ):
                    continue
            kept.append(entry)
        return sorted(kept, key=data.entry_sortkey)

    def _booking_order(
        self,
        end: datetime.date,
        by_account: Mapping[str, inventory.Inventory],
        held: set[int],
    ) -> dict[str, dict[tuple[Any, ...], int]]:
        """Where each lot of each account stands in the inventory Beancount books with (the
        entries as parsed, before the plugins re-date them): FIFO takes lots of the same
        date in that order. Only the lots of the balances are ranked."""
        found: dict[str, dict[tuple[Any, ...], int]] = {}
        for name, balance in by_account.items():
            first: dict[tuple[Any, ...], int] = {}
            for position in balance.get_positions():  # type: ignore[no-untyped-call]
                key = (position.units.currency, position.cost)
                for i in self.lots.get((name, *key), ()):
                    if self.booked[i].date > end:
                        break
                    if i not in held:
                        first[key] = i
                        break
            found[name] = {
                key: rank for rank, key in enumerate(sorted(first, key=first.__getitem__))
            }
        return found


def _index(entries: Sequence[data.Directive], roots: Sequence[str | None]) -> dict[Any, list[int]]:
    """Each group's entries, and each place's (file and line), by their index."""
    found: dict[Any, list[int]] = defaultdict(list)
    for i, (entry, root) in enumerate(zip(entries, roots, strict=True)):
        if root is not None:
            found[root].append(i)
        found[_location(entry)].append(i)
    return found


def _up_to(
    entries: Sequence[data.Directive],
    by: Mapping[Any, list[int]],
    roots: Iterable[str],
    locations: Iterable[tuple[Any, Any]],
    end: datetime.date,
) -> set[int]:
    """The indices of the entries up to ``end`` of the groups ``roots`` and at ``locations``."""
    found = set()
    for key in itertools.chain(roots, locations):
        for i in by.get(key, ()):
            if entries[i].date > end:
                break
            found.add(i)
    return found


_MEMO: list[History] = []  # the last load's, for the next period end of the same books


def history(
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    unsettled: str,
    suspense: str,
) -> History:
    """The :class:`History` of these very lists of entries: the last one asked for when
    it is theirs (a close of several months, or a verify of several seals, asks
    at each period end in turn), else a new one."""
    for found in _MEMO:
        if (
            found.booked is booked
            and found.processed is processed
            and (found.length_booked, found.length_processed) == (len(booked), len(processed))
            and (found.prefix, found.suspense) == (unsettled + ":", suspense)
        ):
            return found
    made = History(booked, processed, unsettled, suspense)
    _MEMO[:] = [made]
    return made


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


def snapshot_body(
    period: str,
    end: datetime.date,
    booked: Sequence[data.Directive],
    processed: Sequence[data.Directive],
    unsettled: str,
    suspense: str,
    books_dir: Path,
) -> str:
    """The snapshot's entries (everything but its header) from a full load:
    ``booked`` as parsed and booked, ``processed`` after the plugins; then what the
    valuation and the imports need of the months it sums up."""
    return "\n".join(
        [
            history(booked, processed, unsettled, suspense).body(period, end, books_dir),
            f"; for the valuation and the imports: every entry up to {end} added up\n",
            history_text(processed, end, books_dir),
        ]
    )


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
OPTIONS = "options"  # the digest of the books' options that shape their entries
OPTIONS_PATH = "(options)"  # the record's name: no file of the books
DCONTEXT = "dcontext"
UNSTABLE = "-"  # the seals file: its bytes hold the seal that names the snapshot


@dataclass(frozen=True)
class FileRecord:
    """One file of the books at the close. ``skip``: the open-period load need not
    parse it (every entry dated in a sealed period, none it keeps, no include);
    ``parse``: it must (its entries up to the period end have digest ``sealed``);
    ``bytes``: not a books file but a sealed period's manifest or an archived document;
    ``config``: ``backoffice.toml``, its ``sha256`` the digest of what the plugins read;
    ``options``: named :data:`OPTIONS_PATH`, the digest of the books' plugin list and
    the options that shape their entries (both :mod:`ledger.close.plugin_config`)."""

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


class _Files:
    """The books' files as one load read them, for the records at rising period ends:
    each file's entries and hashes in date order, the bytes of the files on disk and
    the documents cited, each read once; a period end reads what changed since the
    last (the month's file, the files the months share)."""

    def __init__(self, booked: Sequence[data.Directive], hashes: Sequence[FileHashes]) -> None:
        self.booked, self.hashes = booked, hashes
        self.length = len(booked)
        self.days: dict[str, list[int]] = defaultdict(list)
        self.first_kept: dict[str, int] = {}  # the first entry the open-period load keeps
        for entry in booked:
            name = entry.meta.get("filename")
            if isinstance(name, str):
                days = self.days[name]
                if name not in self.first_kept and (kept_before(entry) or is_seal(entry)):
                    self.first_kept[name] = len(days)
                days.append(entry.date.toordinal())
        self.records = {file.filename: file.records for file in hashes}
        self.digests: dict[tuple[str, int], str] = {}
        self.on_disk: dict[str, tuple[bytes, str, bool]] = {}
        self.cited_from = [
            (entry.date, source, sha256)
            for entry in booked
            if (source := get_source(entry.meta)) and (sha256 := get_source_sha256(entry.meta))
        ]
        self.cited: dict[str, str] = {}
        self.read = 0
        self.end = datetime.date.min

    def sealed(self, name: str, end: datetime.date) -> str:
        """:func:`sealed_digest` of the file's records up to ``end``."""
        records = self.records.get(name, [])
        count = bisect.bisect_right(records, end.toordinal(), key=_day)
        found = self.digests.get((name, count))
        if found is None:
            found = self.digests[name, count] = sealed_digest(r[2] for r in records[:count])
        return found

    def text(self, name: str) -> tuple[bytes, str, bool]:
        """A file's bytes on disk, their SHA-256 and whether they hold a directive
        the open-period load must parse (read once: the books are locked)."""
        found = self.on_disk.get(name)
        if found is None:
            text = Path(name).read_bytes()
            found = (text, hashlib.sha256(text).hexdigest(), bool(_DIRECTIVE_RE.search(text)))
            self.on_disk[name] = found
        return found

    def cited_up_to(self, end: datetime.date) -> dict[str, str]:
        """The documents the entries up to ``end`` cite, with their SHA-256."""
        if end < self.end:
            self.cited, self.read = {}, 0
        self.end = end
        while self.read < len(self.cited_from) and self.cited_from[self.read][0] <= end:
            _, source, sha256 = self.cited_from[self.read]
            self.cited[source] = sha256
            self.read += 1
        return self.cited


def _day(record: Record) -> int:
    return record[0]


_FILES: list[_Files] = []  # the last load's, for the next period end of the same books


def _files(booked: Sequence[data.Directive], hashes: Sequence[FileHashes]) -> _Files:
    for found in _FILES:
        if found.booked is booked and found.hashes is hashes and found.length == len(booked):
            return found
    made = _Files(booked, hashes)
    _FILES[:] = [made]
    return made


def file_records(
    booked: Sequence[data.Directive],
    hashes: Sequence[FileHashes],
    filenames: Sequence[str],
    end: datetime.date,
    books_dir: Path,
    contents: Mapping[str, bytes | None],
    manifests: Sequence[str],
    options: Mapping[str, Any],
) -> list[FileRecord]:
    """The record of each file the books include, of each manifest and of each
    archived document an entry up to ``end`` cites (paths in the books); ``contents``
    gives a file's bytes as the close leaves them (the main file may get a line
    appended), None for the seals file, whose bytes are not recorded; ``hashes``: the
    canonical hashes of ``booked`` by file, as the seal was computed from them;
    ``options``: the options of that load, before any plugin."""
    files = _files(booked, hashes)
    records = []
    for name in sorted(set(filenames)):
        if name in contents:
            text = contents[name]
            sha = UNSTABLE if text is None else hashlib.sha256(text).hexdigest()
            directive = text is None or bool(_DIRECTIVE_RE.search(text))
        else:
            _, sha, directive = files.text(name)
        days = files.days.get(name, [])
        count = bisect.bisect_right(days, end.toordinal())
        skip = (
            sha != UNSTABLE
            and count == len(days)
            and files.first_kept.get(name, count) >= count
            and not directive
        )
        records.append(
            FileRecord(
                path=path_in_books(name, books_dir),
                sha256=sha,
                mode=SKIP if skip else PARSE,
                sealed=files.sealed(name, end),
            )
        )
    for manifest in manifests:
        written = contents.get(manifest)
        if written is None:  # an earlier close's, read once
            sha = files.text(str(books_dir / manifest))[1]
        else:
            sha = hashlib.sha256(written).hexdigest()
        records.append(FileRecord(manifest, sha, BYTES, UNSTABLE))
    cited = files.cited_up_to(end)
    records += [FileRecord(path, sha, BYTES, UNSTABLE) for path, sha in sorted(cited.items())]
    records.append(FileRecord(CONFIG_NAME, plugin_config_digest(books_dir), CONFIG, UNSTABLE))
    records.append(FileRecord(OPTIONS_PATH, options_digest(options), OPTIONS, UNSTABLE))
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
        elif len(parts) == 4 and parts[1] in (SKIP, PARSE, BYTES, CONFIG, OPTIONS):
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

"""What a bank statement import needs from the books, read from their text.

Loading large books in full (parse, book, plugins, validate) is slow; a bank
statement needs only a little of them: the identities of the entries already
imported (:mod:`ledger.imports.dedupe`), the balance of its own accounts, the
trades its lines may settle, the accounts opened and the period seals.
:func:`scan_books` reads those from the files the main file includes, entry
by entry (one regex match each). Each file's scan is cached as JSON by the
SHA-256 of its bytes (and the accounts and policy asked about) in
``$BACKOFFICE_CACHE_DIR`` (else ``$XDG_CACHE_HOME/backoffice``, else
``~/.cache/backoffice``; empty: no cache), so the next import scans only the
files that changed. A scan depends on nothing but its file's text and those,
so a cached one is what a new scan would give; entries no import has used for
30 days are dropped whenever one is written.

The contract with the text (what the importers and Beancount's printer write;
``tests/test_import_index_contract.py`` checks it against the loader on every
golden file and on the demo books before and after importing their inbox):

What it reads:
- an entry is a line that starts at column 0 with an ISO date and a word (a
  flag, ``txn`` or a directive), with the indented lines below it (metadata
  and postings, one per line);
- ``include "glob"`` lines at column 0, relative to their file, followed once each;
- of every entry, ``source-ref:`` (a quoted string or a bare word), and of a
  transaction the first posting's account: the identities of
  :mod:`ledger.imports.dedupe`; ``open ACCOUNT``; ``balance ACCOUNT NUMBER CURRENCY``;
- of a transaction with ``trade-id:``, its first posting to an account under
  the unsettled account (``Assets:Unsettled:<Counterparty>``) and its date;
- postings to the watched accounts written ``ACCOUNT NUMBER CURRENCY`` (a plain
  decimal number, commas allowed as thousands separators), moved on the entry's
  date, or under the ``settlement-date`` policy on its ``settle-date:`` as
  ``plugins.settlement`` re-dates it;
- each ``custom "period-close"`` entry, whole, parsed again by Beancount's parser.

What it assumes, and what happens when it does not hold:
- metadata values sit on their key's line, and no ``pushmeta``/``pushtag``,
  ``option`` or plugin changes the facts above (the importers write none);
- a posting to a watched account without an explicit plain amount
  (interpolated, an arithmetic expression) or a ``pad`` makes that account
  *inexact*; so are the accounts a plugin posts to, which the text does not
  show (``auto-settle`` cash accounts, added by :mod:`ledger.imports.view`).
  An inexact balance makes the pipeline load the books in full instead.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import itertools
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.parser import parser

from ledger import meta as keys
from ledger.cache import default_cache_dir, write_atomic
from ledger.close.hashes import PERIOD_CLOSE
from ledger.imports.dedupe import Key
from ledger.posting import posting

_ENTRY = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ \t]+(\S+)([^\n]*)\n?((?:[ \t][^\n]*(?:\n|$)|[ \t]*\n(?=[ \t]+\S))*)",
    re.M,
)
_INCLUDE = re.compile(r'^include[ \t]+"([^"]+)"', re.M)
_SOURCE_REF = re.compile(r'^[ \t]+source-ref:[ \t]*("(?:[^"\\]|\\.)*"|[^\s;]+)', re.M)
_SETTLE_DATE = re.compile(r"^[ \t]+settle-date:[ \t]*(\d{4}-\d{2}-\d{2})", re.M)
_TRADE_ID = re.compile(r'^[ \t]+trade-id:[ \t]*("(?:[^"\\]|\\.)*"|[^\s;]+)', re.M)
_FIRST_POSTING = re.compile(r"^[ \t]+(?:[!*][ \t]+)?([A-Z][^\s;]*)", re.M)
_CURRENCY = re.compile(r"^[A-Z][A-Z0-9'._-]*$")
_BALANCE = re.compile(r"^(\S+)\s+(-?[\d,.]+)\s+([A-Z][A-Z0-9'._-]*)")
CACHE_DIR = "import-index-v2"  # bump when what a file's scan holds changes
PRUNE_DAYS = 30
_SCAN_KEYS = frozenset(
    ("txn", "balances", "keys", "moves", "inexact", "trades", "opened", "seals", "includes")
)
_TYPES = {
    "custom": "Custom",
    "document": "Document",
    "note": "Note",
    "event": "Event",
    "price": "Price",
    "query": "Query",
    "commodity": "Commodity",
    "close": "Close",
}


@dataclass
class BooksIndex:
    """The books as a statement import sees them."""

    keys: set[Key] = field(default_factory=set)
    moves: dict[tuple[str, str], list[tuple[datetime.date, Decimal]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    inexact: set[str] = field(default_factory=set)
    trades: dict[str, tuple[datetime.date, str]] = field(default_factory=dict)
    opened: set[str] = field(default_factory=set)
    seals: list[str] = field(default_factory=list)

    def before(self, account: str, currency: str, day: datetime.date) -> Decimal:
        """The balance of ``account`` in ``currency`` at the start of ``day``."""
        return sum(
            (number for date, number in self.moves.get((account, currency), ()) if date < day),
            Decimal(0),
        )

    def stand_ins(self) -> list[data.Directive]:
        """Entries for the importers' ``existing``: each trade (its ``trade-id`` and
        clearing posting) and each period seal, parsed from its text."""
        entries: list[data.Directive] = []
        postings: dict[str, list[data.Posting]] = {}  # shared: a few clearing accounts
        for trade_id, (day, clearing) in sorted(self.trades.items()):
            if clearing not in postings:
                postings[clearing] = [posting(clearing, None, None)]
            entries.append(
                data.Transaction(
                    {keys.TRADE_ID: trade_id},
                    day,
                    "*",
                    None,
                    "",
                    data.EMPTY_SET,
                    data.EMPTY_SET,
                    postings[clearing],
                )
            )
        if self.seals:
            parsed, _, _ = parser.parse_string("\n".join(self.seals))
            entries.extend(parsed)
        return entries


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _posting(account: str) -> re.Pattern[str]:
    """Postings to ``account`` (a prefix when it ends with ``:``): account, amount text."""
    name = re.escape(account) + (r"[^\s;]+" if account.endswith(":") else r"(?=[\s;])")
    return re.compile(rf"^[ \t]+(?:[!*][ \t]+)?({name})([^\n;]*)", re.M)


class _FileScan:
    """What one file contributes to the index, in plain values (ordinals for days,
    text for numbers) so that it can be cached as JSON; includes not followed."""

    def __init__(
        self,
        watched: dict[str, re.Pattern[str]],
        clearing: re.Pattern[str],
        unsettled: str,
        settlement_date: bool,
    ) -> None:
        self.watched = watched
        self.settlement_date = settlement_date
        self.clearing = clearing
        self.clearing_text = unsettled + ":"
        self.txn_accounts: list[str] = []  # the identities of transactions, as columns
        self.txn_refs: list[str] = []
        self.balances: list[tuple[str, int, str]] = []
        self.keys: list[tuple[str, ...]] = []  # the other identities
        self.moves: dict[tuple[str, str], dict[int, Decimal]] = defaultdict(dict)
        self.inexact: list[str] = []
        self.trades: list[tuple[str, int, str]] = []
        self.opened: list[str] = []
        self.seals: list[str] = []

    def scan(self, text: str) -> dict[str, Any]:
        for match in _ENTRY.finditer(text):
            self.entry(match)
        return {
            "txn": [self.txn_accounts, self.txn_refs],
            "balances": self.balances,
            "keys": self.keys,
            "moves": [
                [account, currency, [[day, str(number)] for day, number in days.items()]]
                for (account, currency), days in self.moves.items()
            ],
            "inexact": self.inexact,
            "trades": self.trades,
            "opened": self.opened,
            "seals": self.seals,
            "includes": [include.group(1) for include in _INCLUDE.finditer(text)],
        }

    def entry(self, match: re.Match[str]) -> None:
        try:
            day = datetime.date.fromisoformat(match.group(1)).toordinal()
        except ValueError:
            return
        kind, rest, body = match.group(2), match.group(3).split(";")[0].strip(), match.group(4)
        ref = None
        if "source-ref:" in body:
            found = _SOURCE_REF.search(body)
            ref = _unquote(found.group(1)) if found else None
        if len(kind) == 1 or kind == "txn":
            if ref is not None:
                first = _FIRST_POSTING.search(body)
                self.txn_accounts.append(first.group(1) if first else "")
                self.txn_refs.append(ref)
            if "trade-id:" in body and self.clearing_text in body:
                trade = _TRADE_ID.search(body)
                clearing = self.clearing.search(body)
                if trade is not None and clearing is not None:
                    self.trades.append((_unquote(trade.group(1)), day, clearing.group(1)))
            moved = self.settle_day(body) or day
            for account, pattern in self.watched.items():
                if account in body:
                    for posting in pattern.finditer(body):
                        self.move(moved, account, posting.group(2).split())
        elif kind == "balance":
            balance = _BALANCE.match(rest)
            if balance is not None:
                self.balances.append((balance.group(1), day, balance.group(3)))
        elif kind == "open":
            account = rest.split()[0] if rest else ""
            self.opened.append(account)
            self.keys.append(("open", account))
        elif kind == "pad":
            self.inexact.extend(rest.split()[:1])
        elif kind == "custom" and rest.startswith(f'"{PERIOD_CLOSE}"'):
            self.seals.append(match.group(0))
        if ref is not None and kind in _TYPES:
            self.keys.append((_TYPES[kind], ref))

    def settle_day(self, body: str) -> int | None:
        """A trade's settle date under the settlement-date policy, else None."""
        if not self.settlement_date or "settle-date:" not in body:
            return None
        found = _SETTLE_DATE.search(body)
        try:
            return datetime.date.fromisoformat(found.group(1)).toordinal() if found else None
        except ValueError:
            return None

    def move(self, day: int, account: str, parts: list[str]) -> None:
        """A posting to a watched account: its amount, or the account is inexact."""
        number = _number(parts[0]) if parts else None
        if number is None or len(parts) < 2 or not _CURRENCY.match(parts[1]):
            self.inexact.append(account)
        else:
            days = self.moves[(account, parts[1])]
            days[day] = days.get(day, Decimal(0)) + number


class _Scanner:
    """Reads each file as a sequence of entries: a dated header line and the
    indented lines below it, one regex match each; inside an entry only plain
    substring tests decide whether a closer look is needed.

    A file's contribution is cached (:data:`CACHE_DIR` under
    :func:`default_cache_dir`) by the SHA-256 of its bytes, the watched
    accounts and the settlement policy: unchanged files of large books are not
    scanned again. A scan depends on nothing but the file's own text and these,
    so the key is the whole truth.
    """

    def __init__(
        self, watched: set[str], unsettled: str, settlement_date: bool, cache_dir: Path | None
    ) -> None:
        self.index = BooksIndex()
        self.unsettled = unsettled
        self.settlement_date = settlement_date
        self.watched = {account: _posting(account) for account in sorted(watched)}
        self.clearing = _posting(unsettled + ":")
        self.seen: set[str] = set()
        self.cache = None
        if cache_dir is not None:
            question = json.dumps([sorted(watched), unsettled, settlement_date]).encode("utf-8")
            self.cache = (cache_dir / CACHE_DIR, hashlib.sha256(question).hexdigest()[:16])

    def file(self, path: Path) -> None:
        real = os.path.realpath(path)
        if real in self.seen:
            return
        self.seen.add(real)
        content = path.read_bytes()
        cached, scan = None, None
        if self.cache is not None:
            folder, question = self.cache
            cached = folder / f"{hashlib.sha256(content).hexdigest()}-{question}.json"
            scan = _read_cached(cached)
        merge = None
        if scan is not None:
            try:
                merge = self.read(scan)
            except (TypeError, ValueError, ArithmeticError, KeyError):
                # A cache file that is JSON but not a scan (edited by hand, or
                # damaged): it is scanned again, and the cache file replaced.
                scan = None
        if scan is None:
            scan = _FileScan(
                self.watched, self.clearing, self.unsettled, self.settlement_date
            ).scan(content.decode("utf-8"))
            if cached is not None:
                _write_cached(cached, scan)
            merge = self.read(scan)
        assert merge is not None
        merge()
        for include in scan["includes"]:
            for name in sorted(glob.glob(str(path.parent / include), recursive=True)):
                self.file(Path(name))

    def read(self, scan: dict[str, Any]) -> Callable[[], None]:
        """One file's scan, converted, and the merge of it into the index (in file
        order). Converting first leaves the index as it was when a cached scan holds
        values of the wrong type: a conversion or a type check raises before anything
        is merged (the checks map ``type`` in C: a warm import reads every entry of the books)."""
        day = datetime.date.fromordinal
        accounts, refs = scan["txn"]
        _texts(accounts, refs, scan["inexact"], scan["opened"], scan["seals"])
        _texts(scan["includes"])
        if len(accounts) != len(refs):
            raise ValueError("a cached scan's transaction columns differ in length")
        balances = [
            ("balance", account, day(ordinal), currency)
            for account, ordinal, currency in scan["balances"]
        ]
        keys = scan["keys"]
        _texts(*keys, [key[1] for key in balances], [key[3] for key in balances])
        moves = []
        for account, currency, days in scan["moves"]:
            _texts([account, currency])
            moves.append(((account, currency), [(day(n), Decimal(v)) for n, v in days]))
        trades = [
            (trade_id, day(ordinal), clearing) for trade_id, ordinal, clearing in scan["trades"]
        ]
        _texts([trade[0] for trade in trades], [trade[2] for trade in trades])

        def merge() -> None:
            index = self.index
            # The checks above leave nothing here that can raise.
            index.keys.update(zip(itertools.repeat("txn"), accounts, refs))
            index.keys.update(balances)
            index.keys.update(map(tuple, keys))
            for account_currency, days in moves:
                index.moves[account_currency].extend(days)
            index.inexact.update(scan["inexact"])
            for trade_id, settle, clearing in trades:
                index.trades.setdefault(trade_id, (settle, clearing))
            index.opened.update(scan["opened"])
            index.seals.extend(scan["seals"])

        return merge


def _texts(*groups: Iterable[object]) -> None:
    """Raise TypeError unless every item of every group is a ``str``."""
    for group in groups:
        if not set(map(type, group)) <= {str}:
            raise TypeError("a cached scan holds a value that is not text")


def _read_cached(path: Path) -> dict[str, Any] | None:
    try:
        scan = json.loads(path.read_bytes())
        os.utime(path)  # in use: keep it past the next pruning
    except (OSError, ValueError):
        return None
    return scan if isinstance(scan, dict) and set(scan) == _SCAN_KEYS else None


def _write_cached(path: Path, scan: dict[str, Any]) -> None:
    """Best effort, as the hash cache: atomic rename, then drop what no import
    has used for ``PRUNE_DAYS`` (earlier versions of the files)."""
    if not write_atomic(path, json.dumps(scan, separators=(",", ":"))):  # dump(): pure Python
        return
    try:
        cutoff = time.time() - PRUNE_DAYS * 86400
        for old in path.parent.glob("*.json"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    except OSError:
        return


def scan_books(
    main: Path,
    watched: Iterable[str],
    unsettled: str,
    cache_dir: Path | None = None,
    *,
    settlement_date: bool = False,
) -> BooksIndex:
    """Read the index from ``main`` and every file it includes; each file's scan
    is kept in ``cache_dir`` (default :func:`default_cache_dir`).
    ``settlement_date``: trades move their accounts on their settle date."""
    if cache_dir is None:
        cache_dir = default_cache_dir()
    scanner = _Scanner(set(watched), unsettled, settlement_date, cache_dir)
    scanner.file(main)
    return scanner.index

"""What a bank statement import needs from the books, read from their text.

Loading large books in full (parse, book, plugins, validate) takes tens of
seconds; a bank statement needs only a little of them: the identities of the
entries already imported (:mod:`ledger.imports.dedupe`), the balance of its
own accounts, the trades its lines may settle, the accounts opened and the
period seals. :func:`scan_books` reads those from the files the main file
includes, line by line, in a fraction of a second.

It is exact only where the text is: a posting to a watched account without an
explicit plain amount (interpolated, an arithmetic expression) or a ``pad``
makes that account *inexact*, and accounts a plugin may post to
(``auto-settle`` cash accounts) are inexact from the start; the pipeline then
loads the books in full instead.
"""

from __future__ import annotations

import datetime
import glob
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from ledger import meta as keys
from ledger.close.hashes import PERIOD_CLOSE
from ledger.imports.dedupe import Key

_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\S+)\s*(.*)$")
_INCLUDE = re.compile(r'^include\s+"([^"]+)"')
_META = re.compile(r"^\s+([a-z][A-Za-z0-9_-]*):\s*(.*?)\s*(;.*)?$")
_CURRENCY = re.compile(r"^[A-Z][A-Z0-9'._-]*$")
_BALANCE = re.compile(r"^(\S+)\s+(-?[\d,.]+)\s+([A-Z][A-Z0-9'._-]*)")
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
                postings[clearing] = [data.Posting(clearing, None, None, None, None, None)]
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


@dataclass
class _Entry:
    """The entry being read: its header and what was seen of it so far."""

    date: datetime.date
    kind: str
    rest: str
    lines: list[str] = field(default_factory=list)
    first_account: str | None = None
    ref: str | None = None
    trade_id: str | None = None
    clearing: str | None = None


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _Scanner:
    def __init__(self, watched: set[str], unsettled: str) -> None:
        self.index = BooksIndex()
        self.index.inexact = set()
        self.watched = watched
        self.clearing_prefix = unsettled + ":"
        self.seen: set[str] = set()

    def file(self, path: Path) -> None:
        real = os.path.realpath(path)
        if real in self.seen:
            return
        self.seen.add(real)
        entry: _Entry | None = None
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                first = line[0]
                if first == " " or first == "\t":
                    if entry is not None:
                        self.body(entry, line)
                elif first.isdigit():
                    self.finish(entry)
                    entry = self.header(line)
                elif first != "\n" and first != "\r":
                    self.finish(entry)
                    entry = None
                    include = _INCLUDE.match(line)
                    if include:
                        pattern = str(path.parent / include.group(1))
                        for name in sorted(glob.glob(pattern, recursive=True)):
                            self.file(Path(name))
        self.finish(entry)

    def header(self, line: str) -> _Entry | None:
        match = _HEADER.match(line.rstrip("\n"))
        if match is None:
            return None
        try:
            day = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return None
        entry = _Entry(day, match.group(2), match.group(3))
        if entry.kind == "custom" and entry.rest.startswith(f'"{PERIOD_CLOSE}"'):
            entry.lines.append(line)
        return entry

    def body(self, entry: _Entry, line: str) -> None:
        """A line inside an entry: a posting or metadata (plain string tests,
        no regex: this runs for every line of the books)."""
        if entry.lines:
            entry.lines.append(line)
        text = line.lstrip()
        if text[:1] in ("!", "*") and text[1:2].isspace():
            text = text[1:].lstrip()
        if "A" <= text[:1] <= "Z":
            parts = text.split(None, 2)
            account = parts[0]
            if entry.first_account is None:
                entry.first_account = account
            if entry.clearing is None and account.startswith(self.clearing_prefix):
                entry.clearing = account
            if account in self.watched:
                self.move(entry, account, parts)
        elif text.startswith((keys.SOURCE_REF + ":", keys.TRADE_ID + ":")):
            meta = _META.match(line)
            if meta is not None and meta.group(1) == keys.SOURCE_REF:
                entry.ref = _unquote(meta.group(2))
            elif meta is not None and meta.group(1) == keys.TRADE_ID:
                entry.trade_id = _unquote(meta.group(2))

    def move(self, entry: _Entry, account: str, parts: list[str]) -> None:
        """A posting to a watched account: its amount, or the account is inexact."""
        number = _number(parts[1]) if len(parts) > 1 else None
        currency = parts[2].split(None, 1)[0] if len(parts) > 2 else ""
        if number is None or not _CURRENCY.match(currency):
            self.index.inexact.add(account)
        else:
            self.index.moves[(account, currency)].append((entry.date, number))

    def finish(self, entry: _Entry | None) -> None:
        if entry is None:
            return
        index = self.index
        kind, rest = entry.kind, entry.rest.split(";")[0].strip()
        if kind in ("*", "!", "txn") or (len(kind) == 1 and not kind.isalnum()):
            if entry.ref is not None:
                index.keys.add(("txn", entry.first_account or "", entry.ref))
            if entry.trade_id is not None and entry.clearing is not None:
                index.trades.setdefault(entry.trade_id, (entry.date, entry.clearing))
        elif kind == "balance":
            balance = _BALANCE.match(rest)
            if balance is not None:
                index.keys.add(("balance", balance.group(1), entry.date, balance.group(3)))
        elif kind == "open":
            account = rest.split()[0] if rest else ""
            index.opened.add(account)
            index.keys.add(("open", account))
        elif kind == "pad":
            index.inexact.update(rest.split()[:1])
        elif entry.ref is not None and kind in _TYPES:
            index.keys.add((_TYPES[kind], entry.ref))
        if entry.lines:
            index.seals.append("".join(entry.lines))


def scan_books(main: Path, watched: Iterable[str], unsettled: str) -> BooksIndex:
    """Read the index from ``main`` and every file it includes."""
    scanner = _Scanner(set(watched), unsettled)
    scanner.file(main)
    return scanner.index

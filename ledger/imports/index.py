"""What a bank statement import needs from the books, read from their text.

Loading large books in full (parse, book, plugins, validate) takes tens of
seconds; a bank statement needs only a little of them: the identities of the
entries already imported (:mod:`ledger.imports.dedupe`), the balance of its
own accounts, the trades its lines may settle, the accounts opened and the
period seals. :func:`scan_books` reads those from the files the main file
includes, entry by entry (one regex match each), in about a second for 300,000
transactions.

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

_ENTRY = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ \t]+(\S+)([^\n]*)\n?((?:[ \t][^\n]*(?:\n|$)|[ \t]*\n(?=[ \t]+\S))*)",
    re.M,
)
_INCLUDE = re.compile(r'^include[ \t]+"([^"]+)"', re.M)
_SOURCE_REF = re.compile(r'^[ \t]+source-ref:[ \t]*("(?:[^"\\]|\\.)*"|[^\s;]+)', re.M)
_TRADE_ID = re.compile(r'^[ \t]+trade-id:[ \t]*("(?:[^"\\]|\\.)*"|[^\s;]+)', re.M)
_FIRST_POSTING = re.compile(r"^[ \t]+(?:[!*][ \t]+)?([A-Z][^\s;]*)", re.M)
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


class _Scanner:
    """Reads each file as a sequence of entries: a dated header line and the
    indented lines below it, one regex match each; inside an entry only plain
    substring tests decide whether a closer look is needed."""

    def __init__(self, watched: set[str], unsettled: str) -> None:
        self.index = BooksIndex()
        self.watched = {account: _posting(account) for account in sorted(watched)}
        self.clearing = _posting(unsettled + ":")
        self.clearing_text = unsettled + ":"
        self.seen: set[str] = set()

    def file(self, path: Path) -> None:
        real = os.path.realpath(path)
        if real in self.seen:
            return
        self.seen.add(real)
        text = path.read_text(encoding="utf-8")
        for match in _ENTRY.finditer(text):
            self.entry(match)
        for include in _INCLUDE.finditer(text):
            for name in sorted(glob.glob(str(path.parent / include.group(1)), recursive=True)):
                self.file(Path(name))

    def entry(self, match: re.Match[str]) -> None:
        try:
            day = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return
        kind, rest, body = match.group(2), match.group(3).split(";")[0].strip(), match.group(4)
        index = self.index
        ref = None
        if "source-ref:" in body:
            found = _SOURCE_REF.search(body)
            ref = _unquote(found.group(1)) if found else None
        if len(kind) == 1 or kind == "txn":
            if ref is not None:
                first = _FIRST_POSTING.search(body)
                index.keys.add(("txn", first.group(1) if first else "", ref))
            if "trade-id:" in body and self.clearing_text in body:
                trade = _TRADE_ID.search(body)
                clearing = self.clearing.search(body)
                if trade is not None and clearing is not None:
                    index.trades.setdefault(_unquote(trade.group(1)), (day, clearing.group(1)))
            for account, pattern in self.watched.items():
                if account in body:
                    for posting in pattern.finditer(body):
                        self.move(day, account, posting.group(2).split())
        elif kind == "balance":
            balance = _BALANCE.match(rest)
            if balance is not None:
                index.keys.add(("balance", balance.group(1), day, balance.group(3)))
        elif kind == "open":
            account = rest.split()[0] if rest else ""
            index.opened.add(account)
            index.keys.add(("open", account))
        elif kind == "pad":
            index.inexact.update(rest.split()[:1])
        elif kind == "custom" and rest.startswith(f'"{PERIOD_CLOSE}"'):
            index.seals.append(match.group(0))
        if ref is not None and kind in _TYPES:
            index.keys.add((_TYPES[kind], ref))

    def move(self, day: datetime.date, account: str, parts: list[str]) -> None:
        """A posting to a watched account: its amount, or the account is inexact."""
        number = _number(parts[0]) if parts else None
        if number is None or len(parts) < 2 or not _CURRENCY.match(parts[1]):
            self.index.inexact.add(account)
        else:
            self.index.moves[(account, parts[1])].append((day, number))


def scan_books(main: Path, watched: Iterable[str], unsettled: str) -> BooksIndex:
    """Read the index from ``main`` and every file it includes."""
    scanner = _Scanner(set(watched), unsettled)
    scanner.file(main)
    return scanner.index

"""The other posting of a statement line: a trade's clearing account, a rule's
account, or suspense.

In order: a line whose references or text name a known trade id settles that
trade (its clearing account, with the trade's link); else the first
``[[imports.rules]]`` whose patterns all match; else ``Assets:Suspense`` with
flag ``!`` for review.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from beancount.core import data

from importers.bank.statement import StatementLine
from ledger import meta as keys
from ledger.config import Config
from ledger.imports.config import Rule

_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Counterpart:
    """Where the other side of a line goes."""

    account: str
    flag: str = "*"
    link: str | None = None
    trade_id: str | None = None


def trade_clearing(entries: Iterable[data.Directive], unsettled_prefix: str) -> dict[str, str]:
    """Trade id → its clearing account, from the trades in ``entries``."""
    prefix = unsettled_prefix + ":"
    trades: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        trade_id = entry.meta.get(keys.TRADE_ID)
        if trade_id is None or str(trade_id) in trades:
            continue
        for posting in entry.postings:
            if posting.account.startswith(prefix):
                trades[str(trade_id)] = posting.account
                break
    return trades


def _texts(line: StatementLine) -> list[str]:
    return [*line.references, line.narration, line.payee or ""]


def _matches(rule: Rule, line: StatementLine, account: str) -> bool:
    if rule.statement_account is not None and rule.statement_account != account:
        return False
    if rule.direction is not None and rule.direction != ("in" if line.amount > 0 else "out"):
        return False
    # in this order, each tested only when the rule has it (runs once per line and rule)
    if rule.payee and not _pattern(rule.payee).search(line.payee or ""):
        return False
    if rule.narration and not _pattern(rule.narration).search(line.narration):
        return False
    if rule.reference and not _pattern(rule.reference).search(" ".join(line.references)):
        return False
    return not rule.code or _pattern(rule.code).search(line.code or "") is not None


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    """A rule's pattern, compiled once: searched case-insensitively."""
    return re.compile(pattern, re.IGNORECASE)


def classify(
    line: StatementLine, account: str, config: Config, trades: Mapping[str, str]
) -> Counterpart:
    """The other posting's account for ``line`` on ledger ``account``."""
    if trades:
        for text in _texts(line):
            for token in _TOKEN_SPLIT.split(text):
                clearing = trades.get(token)
                if clearing is not None:
                    return Counterpart(clearing, link=keys.trade_link(token), trade_id=token)
    for rule in config.imports.rules:
        if _matches(rule, line, account):
            return _counterpart(rule.account, "*")
    return _counterpart(config.accounts.suspense, "!")


@functools.lru_cache(maxsize=256)
def _counterpart(account: str, flag: str) -> Counterpart:
    """A rule's (or suspense's) counterpart: immutable, so one per account serves every line."""
    return Counterpart(account, flag)

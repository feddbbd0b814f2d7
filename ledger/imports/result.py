"""What an import batch gives: each document's part, the batch's result, its refusal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beancount.core import data

from importers.common import UnknownBroker
from importers.trades.settle_dates import UnknownCycle
from ledger import meta as keys
from ledger.config import StatementAccount
from ledger.imports import output
from ledger.imports.opening import is_opening


class ImportErrors(Exception):
    """The batch was refused; nothing was written. ``failures`` says why."""

    def __init__(self, failures: Sequence[BaseException]) -> None:
        super().__init__("\n".join(str(failure) for failure in failures))
        self.failures = list(failures)


@dataclass(frozen=True)
class FileImport:
    """One document's part of the batch."""

    path: Path
    importer: str
    sha256: str
    archive: str  # relative to the books directory
    accounts: tuple[str, ...]
    new: list[data.Directive]
    duplicates: int
    warnings: tuple[str, ...] = ()  # bad input accepted on request (--lenient)
    account: str = ""  # the importer's account for the document
    statement_accounts: frozenset[str] = frozenset()  # the mapped statement accounts

    def count(self, kind: type) -> int:
        return sum(1 for entry in self.new if isinstance(entry, kind))

    def openings(self) -> list[data.Transaction]:
        """The opening balances booked from a new account's first statement."""
        return [
            entry for entry in self.new if isinstance(entry, data.Transaction) and is_opening(entry)
        ]

    def placed(self) -> list[tuple[str, data.Directive]]:
        """Each new entry with the account whose month file holds it: a balance's
        or first posting's account when it is a statement account (one file may
        hold several statements), else the document's account."""
        out = []
        for entry in self.new:
            home = self.account
            if isinstance(entry, data.Balance):
                home = entry.account if entry.account in self.statement_accounts else home
            elif isinstance(entry, data.Transaction) and entry.postings:
                first = entry.postings[0].account
                home = first if first in self.statement_accounts else home
            out.append((home, entry))
        return out

    def written(self) -> list[str]:
        """The archived document and the month files this document's entries go to."""
        if not self.new:
            return []
        return [self.archive, *output.by_month(self.placed())]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "importer": self.importer,
            "sha256": self.sha256,
            "archive": self.archive,
            "accounts": list(self.accounts),
            "transactions": self.count(data.Transaction),
            "balances": self.count(data.Balance),
            "prices": self.count(data.Price),
            "suspense": sum(
                1 for entry in self.new if isinstance(entry, data.Transaction) and entry.flag == "!"
            ),
            "duplicates": self.duplicates,
            "openings": [
                {
                    "account": entry.postings[0].account,
                    "date": entry.date.isoformat(),
                    "amount": str(entry.postings[0].units),
                }
                for entry in self.openings()
            ],
            "warnings": list(self.warnings),
            "written": self.written(),
        }


@dataclass(frozen=True)
class ImportResult:
    """What a batch added (or, with ``dry_run``, would add)."""

    files: list[FileImport]
    written: list[str]
    created: list[StatementAccount] = field(default_factory=list)
    dry_run: bool = False
    commodities: list[data.Commodity] = field(default_factory=list)
    brokers: list[UnknownBroker] = field(default_factory=list)  # counterparties made
    cycles: list[UnknownCycle] = field(default_factory=list)  # settlement cycles added

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "files": [item.to_json() for item in self.files],
            "written": self.written,
            "created_accounts": [
                {"id": made.id, "account": made.account, "currency": made.currency}
                for made in self.created
            ],
            "created_commodities": [
                {"symbol": made.currency, "isin": made.meta.get(keys.COMMODITY_ISIN)}
                for made in self.commodities
            ],
            "created_counterparties": [
                {"broker": made.broker_id, "counterparty": made.counterparty}
                for made in self.brokers
            ],
            "created_cycles": [
                {"markets": [made.market], "asset_classes": [made.asset_class], "days": made.days}
                for made in self.cycles
            ],
        }

"""What the entries written from each imported document add up to: the Imports
report's rows (:mod:`ledger.imports.report`), and what a snapshot carries of the
sealed months for them (:mod:`ledger.close.snapshot_history`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from beancount.core import data

from ledger import meta as keys


@dataclass
class Document:
    """The entries written from one document: its hash (the first entry's
    ``source-sha256``), their first and last day, the accounts they are for, how many
    transactions, balances and prices."""

    sha256: str | None
    first: datetime.date
    last: datetime.date
    accounts: set[str] = field(default_factory=set)
    transactions: int = 0
    balances: int = 0
    prices: int = 0

    def add(self, entry: data.Directive) -> None:
        """``entry`` (of this document, in date order) counted in."""
        self.first = min(self.first, entry.date)
        self.last = max(self.last, entry.date)
        if isinstance(entry, data.Transaction):
            self.transactions += 1
            if entry.postings:
                self.accounts.add(entry.postings[0].account)
        elif isinstance(entry, data.Balance):
            self.balances += 1
            self.accounts.add(entry.account)
        elif isinstance(entry, data.Price):
            self.prices += 1
        elif isinstance(entry, data.Custom):
            # a corporate action's entitlement names its account in its metadata
            account = entry.meta.get(keys.CA_ACCOUNT)
            if isinstance(account, str):
                self.accounts.add(account)


def add_documents(documents: dict[str, Document], entries: Iterable[data.Directive]) -> None:
    """Count each imported entry of ``entries`` (one with ``source`` and ``source-ref``)
    in its document's row, in date order."""
    for entry in entries:
        source = keys.get_source(entry.meta)
        if source is None or keys.get_source_ref(entry.meta) is None:
            continue
        found = documents.get(source)
        if found is None:
            found = documents[source] = Document(
                keys.get_source_sha256(entry.meta), entry.date, entry.date
            )
        found.add(entry)

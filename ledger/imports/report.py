"""What was imported, from which document, and what still needs review.

``imports_report`` serves the Fava "Imports" page (and any ``--json`` caller):
per archived document, its hash, the accounts and the entries written from it
(transactions, balance assertions, prices);
and every line booked to suspense, oldest first, for someone to classify.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import Any

from beancount.core import data

from ledger import meta as keys
from ledger.books import Books
from ledger.config import Config
from ledger.imports.reclassify import suspense_lines


def _archived_under(source: str, documents: str) -> set[str]:
    """The account whose folder holds the archived ``source``
    (``<documents>/Assets/Custody/Custodia/Securities/<file>``), if it is one."""
    root = documents.strip("/").split("/")
    parts = source.split("/")
    if parts[: len(root)] != root or len(parts) < len(root) + 2:
        return set()
    return {":".join(parts[len(root) : -1])}


def _document_row(
    source: str, entries: list[data.Directive], books: Books, config: Config, suspense: int
) -> dict[str, Any]:
    """One document's row; ``suspense``: its lines still waiting in suspense."""
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    prices = sum(1 for e in entries if isinstance(e, data.Price))
    # A custom entry (a corporate action's entitlement) names its account in its metadata;
    # a price names none: a price file's is the one it is archived under.
    accounts = sorted(
        {e.postings[0].account for e in transactions if e.postings}
        | {e.account for e in entries if isinstance(e, data.Balance)}
        | {
            e.meta[keys.CA_ACCOUNT]
            for e in entries
            if isinstance(e, data.Custom) and isinstance(e.meta.get(keys.CA_ACCOUNT), str)
        }
    ) or sorted(_archived_under(source, config.documents) if prices else set())
    archived = books.directory / source
    return {
        "source": source,
        "sha256": keys.get_source_sha256(entries[0].meta),
        "accounts": accounts,
        "first_date": min(e.date for e in entries),
        "last_date": max(e.date for e in entries),
        "transactions": len(transactions),
        "balances": sum(1 for e in entries if isinstance(e, data.Balance)),
        "prices": prices,
        "suspense": suspense,
        "archived": archived.is_file(),
    }


def imports_report(books: Books, config: Config, as_of: datetime.date) -> dict[str, Any]:
    """Documents imported up to ``as_of`` and the suspense lines awaiting review (those
    no correcting entry reclassifies, :mod:`ledger.imports.reclassify`)."""
    by_source: dict[str, list[data.Directive]] = defaultdict(list)
    for entry in books.entries:
        if entry.date > as_of:
            continue
        source = keys.get_source(entry.meta)
        if source is not None and keys.get_source_ref(entry.meta) is not None:
            by_source[source].append(entry)
    suspense = [
        {
            "date": line.entry.date,
            "account": line.entry.postings[0].account,
            "amount": -line.amount.number,
            "currency": line.amount.currency,
            "payee": line.entry.payee,
            "narration": line.entry.narration,
            "source": line.source,
            "source_ref": line.source_ref,
            "age_days": (as_of - line.entry.date).days,
        }
        for line in suspense_lines(books.entries, config.accounts.suspense)
        if line.entry.date <= as_of and line.amount.number is not None
    ]
    # a document's count is of the same lines as the list: a reclassified line is done
    waiting = Counter(row["source"] for row in suspense)
    documents = [
        _document_row(source, entries, books, config, waiting[source])
        for source, entries in sorted(by_source.items())
    ]
    suspense.sort(key=lambda row: (row["date"], row["account"], row["source_ref"]))
    return {
        "as_of": as_of,
        "documents": documents,
        "suspense": suspense,
        "totals": {
            "documents": len(documents),
            "transactions": sum(row["transactions"] for row in documents),
            "suspense": len(suspense),
        },
    }

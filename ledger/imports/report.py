"""What was imported, from which document, and what still needs review.

``imports_report`` serves the Fava "Imports" page (and any ``--json`` caller):
per archived document, its hash, the accounts and the entries written from it
(transactions, balance assertions, prices);
and every line booked to suspense, oldest first, for someone to classify.
"""

from __future__ import annotations

import copy
import datetime
from collections import Counter
from typing import Any

from ledger.books import Books
from ledger.close.sealed_history import sealed_history
from ledger.config import Config
from ledger.imports.documents import Document, add_documents
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
    source: str, document: Document, books: Books, config: Config, suspense: int
) -> dict[str, Any]:
    """One document's row; ``suspense``: its lines still waiting in suspense."""
    # a price names no account: a price file's is the one it is archived under
    accounts = document.accounts or (
        _archived_under(source, config.documents) if document.prices else set()
    )
    return {
        "source": source,
        "sha256": document.sha256,
        "accounts": sorted(accounts),
        "first_date": document.first,
        "last_date": document.last,
        "transactions": document.transactions,
        "balances": document.balances,
        "prices": document.prices,
        "suspense": suspense,
        "archived": (books.directory / source).is_file(),
    }


def imports_report(books: Books, config: Config, as_of: datetime.date) -> dict[str, Any]:
    """Documents imported up to ``as_of`` and the suspense lines awaiting review (those
    no correcting entry reclassifies, :mod:`ledger.imports.reclassify`)."""
    # Loaded from a snapshot, the documents of the sealed months as it sums them up
    # (their entries up to its day are summed up too), then the later entries.
    sealed = sealed_history(books.options)
    by_source = copy.deepcopy(dict(sealed.documents)) if sealed else {}
    after = sealed.end if sealed else datetime.date.min
    add_documents(by_source, (e for e in books.entries if after < e.date <= as_of))
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
        _document_row(source, found, books, config, waiting[source])
        for source, found in sorted(by_source.items())
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

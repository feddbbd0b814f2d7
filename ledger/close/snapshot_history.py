"""The snapshot's section for the reports that read the whole history.

``backoffice close`` appends to the snapshot (:mod:`ledger.close.snapshot`), for
the months it sums up (:mod:`ledger.close.sealed_history` says why)::

    2026-10-31 custom "snapshot-history" "USD"
    2026-10-31 custom "snapshot-historical" Assets:Custody:Custodia:Cash:EUR "EUR"
      "1220.0000"
    2026-10-31 custom "snapshot-document" "documents/…/2026-10-21.custodia-eur.csv"
      "9f2c…" 2026-10-21 2026-10-21 1 0 0 "Assets:Custody:Custodia:Cash:EUR"

(each on one line): the base currency, then one line per asset or liability
account and currency held without cost (its value in the base currency, each
posting at the rate of its day, or ``"none"`` when a rate is missing), and one per
imported document (its ``source-sha256``, first and last day, transactions,
balances, prices, accounts), each over every entry up to the period end, as the plugins
leave them. The open-period load takes them out of the entries
(:func:`take_history`) into the options.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import account as account_type
from beancount.core import data
from beancount.parser import printer
from beancount.parser.grammar import ValueType

from ledger.close.plugin_config import books_config
from ledger.close.sealed_history import SealedHistory
from ledger.config import Config
from ledger.imports.documents import Document, add_documents
from ledger.records.valuation import historical_walk

HISTORY = "snapshot-history"
HISTORICAL = "snapshot-historical"
DOCUMENT = "snapshot-document"
NONE = "none"


Values = list[tuple[Any, Any]]  # (value, its type) as Beancount's grammar gives them


def _custom(end: datetime.date, kind: str, values: Values) -> data.Custom:
    meta = data.new_metadata("<snapshot>", 0)
    return data.Custom(meta, end, kind, [ValueType(v, t) for v, t in values])


class _Running:
    """The walk over the books' entries up to the last period end asked: ``close
    --through`` asks for each month in turn, and each adds only its month."""

    def __init__(self, entries: Sequence[data.Directive], config: Config) -> None:
        self.entries = entries
        self.config = config
        self.walk = historical_walk(entries, config)
        self.documents: dict[str, Document] = {}
        self.end = datetime.date.min

    def advance(self, end: datetime.date) -> None:
        start = self.walk.index
        self.walk.advance(self.entries, end)
        add_documents(self.documents, self.entries[start : self.walk.index])
        self.end = end


_LAST: list[_Running] = []  # the walk of the last close's entries, to go on from


def _running(entries: Sequence[data.Directive], end: datetime.date, config: Config) -> _Running:
    """The walk of ``entries`` up to ``end``: the last one went on, when it is of the
    same list (the same object), with the same configuration, not past ``end``."""
    found = _LAST[0] if _LAST else None
    if (
        found is None
        or found.entries is not entries
        or found.config is not config
        or (found.end > end)
    ):
        found = _Running(entries, config)
        _LAST[:] = [found]
    found.advance(end)
    return found


def history_text(processed: Sequence[data.Directive], end: datetime.date, books_dir: Path) -> str:
    """The section's text: the entries of ``processed`` (the books after the plugins,
    in date order) up to ``end`` added up for the valuation and the imports."""
    config = books_config(books_dir)
    running = _running(processed, end, config)
    lines = [_custom(end, HISTORY, [(config.firm.base_currency, str)])]
    for (account, currency), value in sorted(running.walk.historical.items()):
        number = NONE if value is None else str(value)
        values: Values = [(account, account_type.TYPE), (currency, str), (number, str)]
        lines.append(_custom(end, HISTORICAL, values))
    for source, found in sorted(running.documents.items()):
        values = [
            (source, str),
            (found.sha256 or NONE, str),
            (found.first, datetime.date),
            (found.last, datetime.date),
            (Decimal(found.transactions), Decimal),
            (Decimal(found.balances), Decimal),
            (Decimal(found.prices), Decimal),
            (" ".join(sorted(found.accounts)), str),
        ]
        lines.append(_custom(end, DOCUMENT, values))
    return "".join(printer.format_entry(entry) for entry in lines)


def take_history(
    entries: Sequence[data.Directive], end: datetime.date
) -> tuple[SealedHistory | None, list[data.Directive]]:
    """The section read back from a snapshot's ``entries`` (None when it has none:
    written before it), and the other entries."""
    historical: dict[tuple[str, str], Decimal | None] = {}
    documents: dict[str, Document] = {}
    base = None
    rest = []
    for entry in entries:
        if not isinstance(entry, data.Custom) or entry.type not in (HISTORY, HISTORICAL, DOCUMENT):
            rest.append(entry)
            continue
        values = [value.value for value in entry.values]
        if entry.type == HISTORY:
            [base] = values
        elif entry.type == HISTORICAL:
            account, currency, number = values
            historical[account, currency] = None if number == NONE else Decimal(number)
        else:
            source, sha256, first, last, transactions, balances, prices, accounts = values
            documents[source] = Document(
                None if sha256 == NONE else sha256,
                first,
                last,
                set(accounts.split()),
                int(transactions),
                int(balances),
                int(prices),
            )
    if base is None:
        return None, rest
    return SealedHistory(end, base, historical, documents), rest

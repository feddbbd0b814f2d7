"""Normalised rows: what every bank format reader produces.

A reader (MT940, camt, OFX, CSV) turns its file into :class:`Statement`\\ s;
one builder (:mod:`importers.bank.builder`) turns those into entries. The
vocabulary is the statement's, not the ledger's: an account *id* as the bank
writes it, amounts signed from the account holder's view (positive = money
in), every reference the line carries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Kind = Literal["statement", "intraday", "notification"]


@dataclass(frozen=True)
class StatementBalance:
    """A booked balance the statement reports (MT940 ``:60F:``/``:62F:``,
    camt ``Bal`` ``OPBD``/``CLBD``, OFX ``LEDGERBAL``)."""

    date: datetime.date
    amount: Decimal
    lineno: int


@dataclass(frozen=True)
class StatementLine:
    """One booked movement (MT940 ``:61:`` + ``:86:``, camt ``Ntry`` or its
    ``TxDtls``, OFX ``STMTTRN``, a CSV row)."""

    lineno: int
    booking_date: datetime.date
    amount: Decimal
    narration: str
    value_date: datetime.date | None = None
    payee: str | None = None
    ref: str | None = None  # the id the bank gives the line, None: derive one
    references: tuple[str, ...] = ()  # every reference, for rules and trade ids
    code: str | None = None  # bank transaction code


@dataclass(frozen=True)
class Statement:
    """One account's statement (or intraday report, or notification) in a file."""

    account_id: str
    currency: str
    lineno: int
    statement_id: str = ""
    kind: Kind = "statement"
    institution: str | None = None  # BIC or bank name, to suggest an account name
    card: bool = False  # a credit card's: money owed, not cash the firm holds
    opening: StatementBalance | None = None
    closing: StatementBalance | None = None
    lines: list[StatementLine] = field(default_factory=list)

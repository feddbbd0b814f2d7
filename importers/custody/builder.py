"""What the custody importers share: settlement entries and holdings assertions.

A custodian's settlement confirmation (MT545/MT547, a custody CSV row) clears
the trade's clearing account against the custody cash account, dated on the
effective settlement date and linked to the trade::

    2026-11-25 * "Custodia" "MT545 receive 1000 XYZ against 61275.00 USD" ^trade-GA-20261124-001
      source: "inbox/mt545.txt"
      source-ref: "CUS545-0001"
      source-sha256: "..."
      Assets:Unsettled:AlphaSec          61275.00 USD
      Assets:Custody:Custodia:Cash:USD  -61275.00 USD

The trade is found by its id in the books (or earlier in the batch); its
``counterparty`` names the clearing account, the counterparty's
``cash-account`` the cash side. A cancellation reverses the entry it names.
A holding becomes a ``balance`` assertion of the settled quantity on the
safekeeping account's ledger account, the day after the statement date (a
Beancount balance holds at the start of its day); pending and blocked
quantities ride along as metadata.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import CostSpec
from beangulp import Importer

from importers.common import ImportFailure, entry_meta
from importers.custody import iso15022
from importers.securities import SecurityResolver
from ledger import meta as keys
from ledger.config import Config
from ledger.documents import document_sha256
from ledger.posting import posting

Direction = Literal["receive", "deliver"]
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """``value`` with at least two decimals (ISO 15022 writes ``61275,``)."""
    exponent = value.as_tuple().exponent
    return value.quantize(CENT) if isinstance(exponent, int) and exponent > -2 else value


@dataclass(frozen=True)
class SettlementRow:
    """One settlement against payment, as the custodian reports it."""

    line: int
    source_ref: str
    label: str
    trade_id: str
    settle_date: datetime.date
    direction: Direction
    security: str
    quantity: Decimal
    amount: Decimal
    currency: str
    counterparty_bic: str | None = None


@dataclass(frozen=True)
class HoldingRow:
    """One security's position in a safekeeping account on a statement date."""

    line: int
    source_ref: str
    account: str
    statement_date: datetime.date
    security: str
    settled: Decimal
    pending: Decimal | None = None
    blocked: Decimal | None = None


def broker_bic(sequence: iso15022.Sequence) -> str | None:
    """The BIC of the delivering or receiving agent (``:95P::DEAG//``,
    ``:95P::REAG//`` in SETPRTY), 8 characters: the broker's side."""
    bic = None
    for party in sequence.sequences("SETPRTY"):
        found = party.get("95P", "DEAG") or party.get("95P", "REAG")
        if found:
            bic = found.value[:8]
    return bic


def _trades_by_id(existing: Iterable[data.Directive]) -> dict[str, data.Transaction]:
    found = {}
    for entry in existing:
        if isinstance(entry, data.Transaction) and keys.TRADE_ID in entry.meta:
            trade_id = keys.get_trade_id(entry.meta)
            if trade_id:
                found[trade_id] = entry
    return found


class SettlementBuilder:
    """Turns :class:`SettlementRow` into entries against the books so far."""

    def __init__(
        self, config: Config, existing: Iterable[data.Directive], filename: str, sha256: str
    ) -> None:
        self.config = config
        self.existing = list(existing)
        self.trades = _trades_by_id(self.existing)
        self.filename = filename
        self.sha256 = sha256

    def meta(self, line: int, source_ref: str) -> dict[str, Any]:
        meta: dict[str, Any] = data.new_metadata(self.filename, line)
        meta[keys.SOURCE] = self.filename
        meta[keys.SOURCE_REF] = source_ref
        meta[keys.SOURCE_SHA256] = self.sha256
        return meta

    def counterparty(self, row: SettlementRow) -> str:
        trade = self.trades.get(row.trade_id)
        name = keys.get_counterparty(trade.meta) if trade is not None else None
        if name is None and row.counterparty_bic:
            name = self.config.trades.bics.get(row.counterparty_bic)
        if name is None:
            bic = row.counterparty_bic or "none given"
            raise ImportFailure(
                self.filename,
                row.line,
                f"{row.label} {row.source_ref}: settles trade {row.trade_id!r}, which is not in "
                f"the books, and its counterparty BIC ({bic}) is not mapped",
                hint="import the trade first (or in the same batch), or map the BIC under "
                "[trades.bics] in backoffice.toml",
            )
        return name

    def cash_account(self, row: SettlementRow, counterparty: str) -> str:
        settings = self.config.counterparties.get(counterparty)
        account = settings.cash_account if settings else None
        if account is None:
            raise ImportFailure(
                self.filename,
                row.line,
                f"{row.label} {row.source_ref}: counterparty {counterparty!r} has no cash-account",
                hint=f"set cash-account under [counterparties.{counterparty}] in backoffice.toml",
            )
        return account

    def settlement(self, row: SettlementRow) -> data.Transaction:
        counterparty = self.counterparty(row)
        clearing = self.config.unsettled_account(counterparty)
        cash = self.cash_account(row, counterparty)
        # Receiving securities we pay: the clearing account (credited by the
        # buy) is debited and cash leaves; delivering, the reverse.
        sign = Decimal(1) if row.direction == "receive" else Decimal(-1)
        verb = "receive" if row.direction == "receive" else "deliver"
        narration = (
            f"{row.label} {verb} {row.quantity:f} {row.security} against "
            f"{row.amount:f} {row.currency}"
        )
        postings = [
            posting(clearing, sign * row.amount, row.currency),
            posting(cash, -sign * row.amount, row.currency),
        ]
        return data.Transaction(
            self.meta(row.line, row.source_ref),
            row.settle_date,
            "*",
            self.config.trades.custodian,
            narration,
            data.EMPTY_SET,
            frozenset({keys.trade_link(row.trade_id)}),
            postings,
        )

    def reversal(
        self, line: int, source_ref: str, label: str, cancelled_ref: str, day: datetime.date
    ) -> data.Transaction:
        """The entry reversing the settlement whose ``source-ref`` is ``cancelled_ref``."""
        for entry in self.existing:
            if (
                isinstance(entry, data.Transaction)
                and keys.get_source_ref(entry.meta) == cancelled_ref
                and keys.TRADE_ID not in entry.meta
            ):
                postings = [
                    posting._replace(units=-posting.units) if posting.units else posting
                    for posting in entry.postings
                ]
                return data.Transaction(
                    self.meta(line, source_ref),
                    day,
                    "*",
                    entry.payee,
                    f"{label} cancels {cancelled_ref}: {entry.narration}",
                    data.EMPTY_SET,
                    entry.links,
                    postings,
                )
        raise ImportFailure(
            self.filename,
            line,
            f"{label} {source_ref}: cancels {cancelled_ref!r}, which is not in the books",
            hint="import the cancelled confirmation first; a cancellation of a message "
            "never booked adds nothing to cancel",
        )


@dataclass(frozen=True)
class FreeMovement:
    """Securities received or delivered free of payment, tied to no trade."""

    line: int
    source_ref: str
    label: str
    settle_date: datetime.date
    direction: Direction
    security: str
    quantity: Decimal
    price: Decimal | None
    currency: str | None


def free_movement_entry(
    row: FreeMovement, config: Config, filename: str, sha256: str, lot_currency: str
) -> data.Transaction:
    """The movement on the securities account, flagged ``!`` against the
    suspense account: where the securities came from or went to is for a
    person to say (a transfer between custodians, a gift, a correction)."""
    meta = entry_meta(filename, row.line, filename, row.source_ref, sha256)
    account = config.trades.securities_account
    if row.direction == "receive" and row.price is not None and row.currency is not None:
        securities = posting(
            account,
            row.quantity,
            row.security,
            CostSpec(row.price, None, row.currency, None, None, False),
        )
        amount = -(row.quantity * row.price).quantize(CENT)
        other = posting(config.accounts.suspense, amount, row.currency)
    else:
        empty = CostSpec(None, None, None, None, None, False)
        securities = posting(account, -row.quantity, row.security, empty)
        # An incomplete amount (currency only): Beancount fills in the lots' cost.
        other = posting(config.accounts.suspense, None, lot_currency)
    verb = "received" if row.direction == "receive" else "delivered"
    return data.Transaction(
        meta,
        row.settle_date,
        "!",
        config.trades.custodian,
        f"{row.label} {verb} free of payment: {row.quantity:f} {row.security}; "
        "review the other side",
        data.EMPTY_SET,
        data.EMPTY_SET,
        [securities, other],
    )


def holding_balance(row: HoldingRow, filename: str, sha256: str) -> data.Balance:
    """The ``balance`` assertion of a settled position (pending/blocked as meta)."""
    meta: dict[str, Any] = data.new_metadata(filename, row.line)
    meta[keys.SOURCE] = filename
    meta[keys.SOURCE_REF] = row.source_ref
    meta[keys.SOURCE_SHA256] = sha256
    if row.pending:
        meta[keys.PENDING_QUANTITY] = row.pending
    if row.blocked:
        meta[keys.BLOCKED_QUANTITY] = row.blocked
    return data.Balance(
        meta,
        row.statement_date + datetime.timedelta(days=1),
        row.account,
        Amount(row.settled, row.security),
        None,
        None,
    )


def safekeeping_account(config: Config, filename: str, line: int, safe_id: str) -> str:
    """The ledger account ``[[statement-accounts]]`` maps ``safe_id`` to."""
    for mapping in config.statement_accounts:
        if mapping.id == safe_id and mapping.currency is None:
            return mapping.account
    raise ImportFailure(
        filename,
        line,
        f"safekeeping account {safe_id!r} is not in backoffice.toml",
        hint=(
            "add to backoffice.toml:\n[[statement-accounts]]\n"
            f'id = "{safe_id}"\naccount = "{config.trades.securities_account}"'
        ),
    )


class CustodyMessageImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """What the MT5xx importers share: identify a file by the message types
    of its headers, parse it with the one ISO 15022 reader, resolve securities
    against the master, and turn each message into entries."""

    message_types: frozenset[str] = frozenset()

    def __init__(self, config: Config) -> None:
        self.config = config

    def identify(self, filepath: str) -> bool:
        return bool(iso15022.message_types(filepath) & self.message_types)

    def account(self, filepath: str) -> str:
        return self.config.trades.securities_account

    def message_entries(
        self, message: iso15022.Message, builder: SettlementBuilder, resolver: SecurityResolver
    ) -> list[data.Directive]:
        raise NotImplementedError

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        with open(filepath, encoding="latin-1") as handle:
            messages = iso15022.parse(handle.read(), filepath)
        builder = SettlementBuilder(self.config, existing, filepath, document_sha256(filepath))
        resolver = SecurityResolver(existing, filepath)
        entries: data.Entries = []
        for message in messages:
            if message.message_type not in self.message_types:
                kinds = "/".join(f"MT{kind}" for kind in sorted(self.message_types))
                raise message.error(message.line, f"this file should hold {kinds} messages only")
            new = self.message_entries(message, builder, resolver)
            builder.existing.extend(new)
            for entry in new:
                if isinstance(entry, data.Transaction):
                    resolver.record(entry)
            entries.extend(new)
        if entries:
            resolver.check(min(entry.date for entry in entries))
        return entries

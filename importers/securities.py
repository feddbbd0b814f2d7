"""Each importer's securities, resolved against the books' securities master.

A trade or custody row names its security by ISIN (and the source's ticker);
:class:`SecurityResolver` gives the books' commodity symbol, collects the ISINs
the master lacks (one :class:`UnknownSecurities` for the file, with the
``commodity`` directives to add) and checks what a delivery takes from the
lots held.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from beancount.core import data

from importers.common import ImportFailure
from ledger import meta as keys
from ledger.securities import (
    InvalidIsin,
    SecuritiesMaster,
    Security,
    UnknownSecurity,
    commodity_text,
)


class UnknownSecurities(ImportFailure):
    """ISINs the securities master lacks; carries the directives to add."""

    def __init__(self, path: str, securities: list[Security], day: datetime.date) -> None:
        self.securities = securities
        self.day = day
        directives = "".join(commodity_text(security, day) for security in securities)
        super().__init__(
            path,
            None,
            "securities not in the books: " + ", ".join(str(s.isin) for s in securities),
            hint="add these directives to commodities.beancount (check asset-class and "
            "market, which the settlement rules use):\n" + directives,
        )


def _trade_date(entry: data.Transaction) -> datetime.date:
    """The entry's ``trade-date`` (Beancount books a trade's lots on it), else its date."""
    try:
        return keys.get_date(entry.meta, keys.TRADE_DATE) or entry.date
    except keys.MetaError:  # the settlement plugin reports it
        return entry.date


class SecurityResolver:
    """Resolves each row's ISIN against the master, collecting the unknown."""

    def __init__(self, existing: Iterable[data.Directive], filename: str) -> None:
        entries = list(existing)
        self.master = SecuritiesMaster.from_entries(entries)
        self.filename = filename
        self.missing: dict[str, Security] = {}
        # The currency of each security's lots: a delivery from the lots with
        # no price (a free delivery, a transfer out) needs it for its other leg.
        self.cost_currencies: dict[str, str] = {}
        # Each account's and security's movements, (date, units), for the quantity
        # held before a sale or delivery (dated by trade date, as Beancount books them).
        self.movements: dict[tuple[str, str], list[tuple[datetime.date, Decimal]]] = {}
        # The source references in the books: a row seen again is a re-import, which
        # the pipeline's dedupe drops; it neither counts twice nor is checked again.
        self.booked: set[str] = set()
        for entry in entries:
            if isinstance(entry, data.Transaction):
                self._count(entry)
                ref = keys.get_source_ref(entry.meta)
                if ref is not None:
                    self.booked.add(ref)

    def record(self, entry: data.Transaction) -> None:
        """Count a new entry of the file being read in the positions."""
        if keys.get_source_ref(entry.meta) not in self.booked:
            self._count(entry)

    def _count(self, entry: data.Transaction) -> None:
        day = _trade_date(entry) if keys.TRADE_DATE in entry.meta else entry.date
        for leg in entry.postings:
            currency = getattr(leg.cost, "currency", None)
            units = leg.units
            if units is None or leg.cost is None or not isinstance(units.number, Decimal):
                continue
            if isinstance(currency, str):
                self.cost_currencies[units.currency] = currency
            moves = self.movements.setdefault((leg.account, units.currency), [])
            moves.append((day, units.number))

    def held(self, account: str, symbol: str, day: datetime.date) -> Decimal:
        """The quantity of ``symbol`` in ``account`` at the end of ``day``."""
        moves = self.movements.get((account, symbol), ())
        return sum((units for date, units in moves if date <= day), Decimal(0))

    def check_held(
        self,
        line: int,
        what: str,
        account: str,
        symbol: str,
        quantity: Decimal,
        day: datetime.date,
        *,
        source_ref: str,
        allow_short: bool = False,
    ) -> Decimal:
        """The quantity held before ``what`` (the source's ``source_ref``) takes ``quantity``
        of ``symbol`` out of ``account`` on ``day``: an error when it is less, unless short
        positions are allowed or the books hold ``what`` already."""
        held = self.held(account, symbol, day)
        if quantity <= held or allow_short or source_ref in self.booked:
            return held
        raise ImportFailure(
            self.filename,
            line,
            f"{what} takes {quantity:f} {symbol} out of {account} on {day}, which holds "
            f"{held:f} {symbol} then",
            hint="import the buy or the opening position (opening.beancount) first, check the "
            "side and the quantity, or, if the firm sells short, set allow-short = true "
            "under [settlement] in backoffice.toml",
        )

    def symbol(
        self,
        line: int,
        isin: str | None,
        ticker: str | None,
        *,
        name: str | None = None,
        market: str | None = None,
        asset_class: str | None = None,
    ) -> str:
        try:
            return self.master.resolve(
                isin, ticker=ticker, name=name, market=market, asset_class=asset_class
            ).symbol
        except InvalidIsin as exc:
            raise ImportFailure(
                self.filename, line, str(exc), hint="check the security identifier in the source"
            ) from None
        except UnknownSecurity as exc:
            found = self.missing.setdefault(exc.security.isin or "", exc.security)
            return found.symbol

    def security(self, symbol: str) -> Security | None:
        """The security of ``symbol``: the books' or one the file brings (to be created)."""
        known = self.master.by_symbol(symbol)
        if known is not None:
            return known
        return next((s for s in self.missing.values() if s.symbol == symbol), None)

    def lot_currency(self, line: int, symbol: str) -> str:
        """The cost currency of the lots of ``symbol``; an error when there are none."""
        currency = self.cost_currencies.get(symbol)
        if currency is None:
            raise ImportFailure(
                self.filename,
                line,
                f"delivers {symbol}, of which the books hold no lots",
                hint="import the trades or the opening position first",
            )
        return currency

    def check(self, day: datetime.date) -> None:
        """Raise :class:`UnknownSecurities` when any ISIN was unknown."""
        if self.missing:
            raise UnknownSecurities(
                self.filename, [self.missing[isin] for isin in sorted(self.missing)], day
            )

"""The securities master: the books' ``commodity`` directives keyed by ISIN.

Importers name a security by ISIN (and often a ticker); the master maps it to
the commodity the books use. An ISIN the books do not know is reported with
the exact ``commodity`` directive to add (``--create-accounts`` adds it). The
symbol of a new security is derived deterministically: the source's ticker
when it is a valid commodity name not already taken, else the ISIN itself
(an ISIN is always a valid Beancount commodity name).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from beancount.core import data
from beancount.parser import printer

from ledger import meta as keys
from ledger.isin import isin_error

_COMMODITY_RE = re.compile(r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$|^[A-Z]$")


@dataclass(frozen=True)
class Security:
    """One security of the master (a ``commodity`` directive)."""

    symbol: str
    isin: str | None
    name: str | None = None
    asset_class: str | None = None
    market: str | None = None


class UnknownSecurity(Exception):
    """An ISIN the books have no ``commodity`` for; carries the one to add."""

    def __init__(self, security: Security) -> None:
        super().__init__(f"ISIN {security.isin} is not in the securities master")
        self.security = security


class InvalidIsin(ValueError):
    """The ISIN's format or check digit is wrong."""


def ticker_symbol(ticker: str | None) -> str | None:
    """``ticker`` as a commodity name (upper case, ``/`` and spaces as ``.``),
    or None when it cannot be one."""
    if not ticker:
        return None
    symbol = re.sub(r"[ /]+", ".", ticker.strip().upper())
    return symbol if _COMMODITY_RE.match(symbol) else None


class SecuritiesMaster:
    """ISIN → security, from the books' ``commodity`` directives."""

    def __init__(self, securities: Iterable[Security]) -> None:
        self._by_isin: dict[str, Security] = {}
        self._by_symbol: dict[str, Security] = {}
        for security in securities:
            self._by_symbol[security.symbol] = security
            if security.isin:
                self._by_isin[security.isin] = security

    @classmethod
    def from_entries(cls, entries: Iterable[data.Directive]) -> SecuritiesMaster:
        securities = []
        for entry in entries:
            if not isinstance(entry, data.Commodity):
                continue
            meta = entry.meta or {}
            securities.append(
                Security(
                    symbol=entry.currency,
                    isin=keys.get_str(meta, keys.COMMODITY_ISIN),
                    name=keys.get_str(meta, keys.COMMODITY_NAME),
                    asset_class=keys.get_str(meta, keys.ASSET_CLASS),
                    market=keys.get_str(meta, keys.MARKET),
                )
            )
        return cls(securities)

    def by_isin(self, isin: str) -> Security | None:
        return self._by_isin.get(isin)

    def by_symbol(self, symbol: str) -> Security | None:
        return self._by_symbol.get(symbol)

    def resolve(
        self,
        isin: str | None,
        *,
        ticker: str | None = None,
        name: str | None = None,
        asset_class: str | None = None,
        market: str | None = None,
    ) -> Security:
        """The security for ``isin`` (or, without an ISIN, for ``ticker``).

        Raises :class:`InvalidIsin` for a malformed ISIN and
        :class:`UnknownSecurity` (carrying the derived security) for a valid
        ISIN the master lacks.
        """
        if isin is None:
            symbol = ticker_symbol(ticker)
            known = self.by_symbol(symbol) if symbol else None
            if known is None:
                raise InvalidIsin(
                    f"the security {ticker!r} has no ISIN and is not a commodity of the books"
                )
            return known
        problem = isin_error(isin)
        if problem:
            raise InvalidIsin(problem)
        known = self.by_isin(isin)
        if known is not None:
            return known
        raise UnknownSecurity(
            Security(
                symbol=self.derive_symbol(isin, ticker),
                isin=isin,
                name=name,
                asset_class=asset_class,
                market=market,
            )
        )

    def derive_symbol(self, isin: str, ticker: str | None) -> str:
        """The ticker when usable and free, else the ISIN."""
        symbol = ticker_symbol(ticker)
        if symbol and symbol not in self._by_symbol:
            return symbol
        return isin


def commodity_entry(security: Security, date: datetime.date, filename: str) -> data.Commodity:
    """The ``commodity`` directive for a new security."""
    meta = data.new_metadata(filename, 0)
    if security.isin:
        meta[keys.COMMODITY_ISIN] = security.isin
    if security.name:
        meta[keys.COMMODITY_NAME] = security.name
    meta[keys.ASSET_CLASS] = security.asset_class or "equity"
    if security.market:
        meta[keys.MARKET] = security.market
    return data.Commodity(meta, date, security.symbol)


def commodity_text(security: Security, date: datetime.date) -> str:
    """The directive as it should be added to ``commodities.beancount``."""
    return printer.format_entry(commodity_entry(security, date, "<new>"))

"""Broker OFX investment statements (``<INVSTMTRS>``), read with ofxtools.

ofxtools parses OFX 1.x (SGML) and 2.x (XML) with its own tokenizer into
``xml.etree`` elements: no DTD, no entity expansion, no network. Per the OFX
2.1.1 specification, chapter 13 (Investments):

- BUYSTOCK, BUYMF, BUYDEBT, SELLSTOCK, SELLMF, SELLDEBT (``<INVBUY>`` /
  ``<INVSELL>``): trades through the one trade builder, dated ``<DTTRADE>``
  and settling on the broker's ``<DTSETTLE>``, or without one (it is optional) on the
  security's standard cycle (:mod:`importers.trades.settle_dates`, ``settle-date-from``);
  ``<FITID>`` is the trade id
  and the ``source-ref``; ``<COMMISSION>`` to commissions, ``<FEES>`` +
  ``<TAXES>`` (+ ``<LOAD>``) to ``[accounts] fees:<[trades.ofx] fee-kind>``.
  The computed cash leg must equal ``<TOTAL>``. A bond's ``<UNITS>`` are its
  face value and ``<UNITPRICE>`` a percent of par (as the specification
  says): it is held in face value, each unit at ``UNITPRICE / 100``, as
  custodians report bonds (``FAMT``). A bond's accrued interest
  (``<ACCRDINT>``, which the specification leaves out of ``<TOTAL>``) is paid
  on a buy and received on a sale whatever its sign, on its own posting to
  ``[accounts] interest``, and the cash leg includes it.
- INCOME: dividends (``DIV``) and interest (``INTEREST``) paid into the
  counterparty's ``cash-account``; capital gains distributions
  (``CGLONG``/``CGSHORT``) to realized P&L.
- REINVEST: the income bought more of the security (no cash moves).
- TRANSFER: securities moved in or out with no trade; booked ``!`` against
  the suspense account for review (the other side is another custodian).

Prices: each ``<INVPOS>`` of ``<INVPOSLIST>`` (13.9.2.6.1: ``<UNITPRICE>`` as of
``<DTPRICEASOF>``) and each ``<SECINFO>`` of ``<SECLIST>`` with a
``<UNITPRICE>`` (13.8.5.1, as of its ``<DTASOF>``, else the statement's) becomes
a ``price`` directive of a security the books know, in the aggregate's
``<CURRENCY>`` or the statement's ``<CURDEF>``; a bond's price is a percent of
par, written per unit of face value. The position's price wins over the list's
for the same day. Each carries ``source-ref`` ``<BROKERID>/<date>/<symbol>/price``:
a re-import, or another statement's price of the same day, adds nothing.

Securities are named by ``<SECID>``: an ISIN, or a CUSIP turned into its US
ISIN (``US`` + CUSIP + check digit); the ticker and name come from
``<SECLIST>``. The counterparty is ``[trades.ofx] brokers`` keyed by
``<BROKERID>``. Bank lines inside the statement (``<INVBANKTRAN>``) are cash
movements the bank statements carry and are not booked from here. A first
statement starts the securities account from its position list
(``<INVPOSLIST>``, :meth:`_Statement.openings`).
"""

from __future__ import annotations

import datetime
import io
import re
import warnings
from dataclasses import replace
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import CostSpec
from beancount.parser import printer

from importers.common import (
    OPENING_NARRATION,
    OPENING_REF_SUFFIX,
    ImportFailure,
    InputWarning,
    UnknownBroker,
    entry_meta,
)
from importers.securities import SecurityResolver
from importers.trades.builder import SourcedTrade, Trade, TradeImporter
from importers.trades.settle_dates import check_cycle, derived_settle_date
from ledger import meta as keys
from ledger.isin import check_digit
from ledger.meta import Side
from ledger.posting import posting
from ledger.securities import InvalidIsin, Security, UnknownSecurity, ticker_symbol
from ledger.settlement.cycles import CycleBook

BUYS = {"BUYSTOCK", "BUYMF", "BUYDEBT"}
SELLS = {"SELLSTOCK", "SELLMF", "SELLDEBT"}
DEBTS = {"BUYDEBT", "SELLDEBT"}
ASSET_CLASSES = {"STOCKINFO": "equity", "MFINFO": "fund"}
# DEBTINFO's DEBTCLASS (OFX 2.1.1, 13.8.5.2); OTHER and a missing class are corporate bonds.
DEBT_CLASSES = {"TREASURY": "government-bond", "MUNICIPAL": "municipal-bond"}
CENT = Decimal("0.01")
# The most a sale's TOTAL may fall short of units x price and costs and be taken as an
# unlisted regulatory fee (the SEC's Section 31 rate has stayed under 0.01 %).
REGULATORY_FEE_CAP = Decimal("0.0001")


COMMENT = re.compile(rb"<!--(.*?)-->", re.S)


def _without_comments(content: bytes) -> bytes:
    """The document without its XML comments, which ofxtools does not read: the OFX
    specification annotates its examples with them, its header too (kept, uncommented)."""

    def replace(match: re.Match[bytes]) -> bytes:
        body = match.group(1)
        return body.strip() + b"\n" if body.strip().startswith(b"OFXHEADER") else b""

    return COMMENT.sub(replace, content) if b"<!--" in content else content


def _in_specification_order(element: Any) -> list[str]:
    """Each aggregate's elements in the order its ofxtools model (the specification's
    order) lists them, which ofxtools requires and producers do not always keep: the
    specification's own example puts SECLIST first and BUYTYPE before INVBUY. Returns
    the aggregates reordered."""
    from ofxtools import models  # lazy: ofxtools loads its whole schema (see _parse)

    moved: list[str] = []
    model = getattr(models, str(element.tag), None)
    spec = getattr(model, "spec", None)
    children = list(element)
    if spec and len(children) > 1:
        # the items of a list (the transactions of INVTRANLIST) keep their own order
        listed = [
            i for i, kind in enumerate(spec.values()) if type(kind).__name__.startswith("List")
        ]
        order = {
            name.upper(): listed[0] if index in listed else index for index, name in enumerate(spec)
        }
        # an element the spec names otherwise (YIELD is ``yld``) or not at all (a private
        # tag) stays after the one before it
        keys, last = [], 0
        for child in children:
            last = order.get(str(child.tag), last)
            keys.append(last)
        ranked = sorted(range(len(children)), key=lambda position: (keys[position], position))
        ordered = [children[position] for position in ranked]
        if ordered != children:
            for child in children:
                element.remove(child)
            element.extend(ordered)
            moved.append(str(element.tag))
    for child in children:
        moved += _in_specification_order(child)
    return moved


def _isin(secid: Any) -> str | None:
    kind = str(secid.uniqueidtype).upper()
    if kind == "ISIN":
        return str(secid.uniqueid)
    cusip = str(secid.uniqueid).upper()
    if kind == "CUSIP" and re.fullmatch(r"[0-9A-Z]{9}", cusip):
        body = "US" + cusip
        return body + str(check_digit(body))
    return None


def _day(value: datetime.datetime | datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _asset_class(info: Any) -> str | None:
    """The asset class a SECLIST entry gives (a bond's by its DEBTTYPE), else None."""
    kind = type(info).__name__
    if kind == "DEBTINFO":
        debt = str(getattr(info, "debtclass", "") or "").upper()
        return DEBT_CLASSES.get(debt, "corporate-bond")
    return ASSET_CLASSES.get(kind)


def _first_day(statement: Any) -> datetime.date:
    """The statement's first day: its transaction list's start, else its date."""
    tranlist = statement.invtranlist
    start = tranlist.dtstart if tranlist is not None else None
    return _day(start or statement.dtasof)


def _dec(value: Decimal | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _money(value: Decimal | None) -> Decimal:
    """An amount of money in cents when it has no more (brokers pad to 4 decimals:
    ``7.9500``), so Beancount's tolerance follows the cents the cash leg is in."""
    number = _dec(value)
    cents = number.quantize(CENT)
    return cents if cents == number else number


def _opening_lots(
    end: list[tuple[Decimal, Decimal, str]], moved: Decimal
) -> list[tuple[Decimal, Decimal, str]]:
    """The lots held before a statement that ends with ``end`` and moved ``moved`` units
    in: what it sold came out of the first lot (FIFO), what it bought is in the last."""
    units = [lot[0] for lot in end]
    if moved < 0:
        units[0] -= moved
    for position in reversed(range(len(units))):
        taken = min(max(moved, Decimal(0)), units[position])
        units[position] -= taken
        moved -= taken
    if moved > 0:
        return []  # it bought more than it ends with: no opening to derive
    return [
        (held, price, currency)
        for held, (_, price, currency) in zip(units, end, strict=True)
        if held > 0
    ]


def _movement(transaction: Any) -> tuple[Any, Decimal, Decimal]:
    """The security, the signed units a transaction moves into the account and its
    unit price (OFX gives a bond's in percent of par)."""
    kind = type(transaction).__name__
    if kind in BUYS or kind in SELLS:
        detail = transaction.invbuy if kind in BUYS else transaction.invsell
        units = abs(_dec(detail.units))
        price = _dec(detail.unitprice) / (100 if kind in DEBTS else 1)
        return detail.secid, units if kind in BUYS else -units, price
    if kind == "REINVEST":
        return transaction.secid, _dec(transaction.units), _dec(transaction.unitprice)
    if kind == "TRANSFER":
        incoming = str(transaction.tferaction).upper() == "IN"
        units = abs(_dec(transaction.units))
        return transaction.secid, units if incoming else -units, _dec(transaction.unitprice)
    return None, Decimal(0), Decimal(0)


class BrokerOfxImporter(TradeImporter):
    """``<INVSTMTRS>`` statements."""

    source_label = "broker OFX"

    @property
    def name(self) -> str:
        return "trades.ofx"

    def identify(self, filepath: str) -> bool:
        try:
            with open(filepath, "rb") as handle:
                head = handle.read(1 << 16).upper()
        except OSError:
            return False
        ofx = b"OFXHEADER" in head or b"<OFX>" in head
        return ofx and b"<INVSTMTRS>" in head

    def _parse(self, filepath: str) -> Any:
        # lazy: ofxtools loads its whole OFX schema; only broker OFX files need it
        from ofxtools.Parser import OFXTree

        tree = OFXTree()
        hint = "check the file is the broker's OFX export, complete and unedited"
        with open(filepath, "rb") as handle:
            text_bytes = handle.read()
        text = text_bytes.upper()
        # ofxtools reads a file cut after its first trade as a shorter statement
        if text.count(b"<INVSTMTRS>") != text.count(b"</INVSTMTRS>") or b"</OFX>" not in text:
            raise ImportFailure(
                filepath,
                None,
                "the OFX document does not end (no </INVSTMTRS> or </OFX>): trades may be missing",
                hint="the file is truncated; ask the broker to resend it",
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                tree.parse(io.BytesIO(_without_comments(text_bytes)))
                reordered = _in_specification_order(tree.getroot())
                ofx = tree.convert()
            except Exception as exc:  # ofxtools raises many types for bad input
                raise ImportFailure(
                    filepath, None, f"not a readable OFX investment statement: {exc}", hint=hint
                ) from None
        if reordered:
            warnings.warn(
                InputWarning(
                    f"{filepath}: OFX: elements read in the specification's order in "
                    + ", ".join(sorted(set(reordered)))
                ),
                stacklevel=2,
            )
        # ofxtools skips an element it does not expect, with a warning: in a
        # damaged file that element can hold the transactions that follow. Private
        # tags (OFX 2.7.1: a name with a period) and text longer than the
        # specification's limit (kept whole) are how real brokers write: accepted,
        # each named in a warning. (Imported here, lazily, as the parser is.)
        from ofxtools.models.base import PrivateTagWarning
        from ofxtools.Types import OFXTypeWarning

        for warning in caught:
            message = str(warning.message)
            if issubclass(warning.category, PrivateTagWarning) or (
                issubclass(warning.category, OFXTypeWarning) and "exceeds max length" in message
            ):
                warnings.warn(InputWarning(f"{filepath}: OFX: {message}"), stacklevel=2)
                continue
            raise ImportFailure(filepath, None, f"OFX: {message}", hint=hint)
        return ofx

    def entries(
        self, filepath: str, resolver: SecurityResolver, sha256: str
    ) -> list[data.Directive]:
        ofx = self._parse(filepath)
        securities = {
            (str(sec.secinfo.secid.uniqueidtype), str(sec.secinfo.secid.uniqueid)): sec
            for sec in (ofx.securities or [])
        }
        entries: list[data.Directive] = []
        for statement in ofx.statements:
            if type(statement).__name__ != "INVSTMTRS":
                continue
            broker = str(statement.invacctfrom.brokerid)
            name = self.config.trades.ofx.brokers.get(broker)
            if name is None:
                raise UnknownBroker(
                    filepath,
                    "INVACCTFROM/BROKERID",
                    broker,
                    str(statement.curdef),
                    _first_day(statement),
                    section="trades.ofx.brokers",
                    custody=":".join(self.config.trades.securities_account.split(":")[:2]),
                )
            counterparty = self.counterparty(filepath, 0, name)
            reader = _Statement(
                self, filepath, sha256, resolver, counterparty, str(statement.curdef), securities
            )
            openings = reader.openings(statement)
            if not self.config.imports.opening_from_statement:
                reader.refuse_needed(statement, openings)
            for opening in openings:
                resolver.record(opening)
                entries.append(opening)
            for index, transaction in enumerate(statement.transactions or [], start=1):
                entry = reader.entry(index, transaction)
                if entry is not None:
                    resolver.record(entry)
                    entries.append(entry)
            entries.extend(reader.prices(broker, statement))
        return entries


class _Statement:
    """One ``<INVSTMTRS>``: its counterparty, currency and securities list."""

    def __init__(
        self,
        importer: BrokerOfxImporter,
        filepath: str,
        sha256: str,
        resolver: SecurityResolver,
        counterparty: str,
        currency: str,
        securities: dict[tuple[str, str], Any],
    ) -> None:
        self.importer = importer
        self.config = importer.config
        self.filepath = filepath
        self.sha256 = sha256
        self.resolver = resolver
        self.counterparty = counterparty
        self.currency = currency
        self.securities = securities
        self.cycles: CycleBook | None = None

    def fail(
        self, index: int, kind: str, problem: str, hint: str, where: str = "INVTRANLIST"
    ) -> ImportFailure:
        return ImportFailure(self.filepath, f"{where}/{kind}[{index}]", problem, hint=hint)

    def symbol(self, index: int, secid: Any, where: str = "INVTRANLIST") -> tuple[str, str | None]:
        info = self.securities.get((str(secid.uniqueidtype), str(secid.uniqueid)))
        ticker = str(info.secinfo.ticker) if info is not None and info.secinfo.ticker else None
        name = str(info.secinfo.secname) if info is not None else None
        isin = _isin(secid)
        if isin is None and ticker is None:
            raise self.fail(
                index,
                "SECID",
                f"security {secid.uniqueidtype} {secid.uniqueid} has no ISIN, CUSIP or ticker",
                "the statement's SECLIST should describe every security it names",
                where,
            )
        asset_class = _asset_class(info)
        if isin is None and self.resolver.master.by_symbol(ticker_symbol(ticker) or "") is None:
            # the books key securities on their ISIN; the file does not give it
            raise self.fail(
                index,
                "SECID",
                f"security {name or ticker} ({secid.uniqueidtype} {secid.uniqueid}) has no "
                "ISIN or CUSIP and is not a commodity of the books",
                "add it to commodities.beancount, then import again:\n"
                f"1970-01-01 commodity {ticker_symbol(ticker)}\n"
                '  isin: "<ISIN>"\n'
                f'  name: "{name or ticker}"\n'
                f'  asset-class: "{asset_class or "<asset class>"}"\n'
                '  market: "<MIC>"',
                where,
            )
        if asset_class is None and isin is not None and self.resolver.master.by_isin(isin) is None:
            kind = type(info).__name__ if info is not None else "no SECLIST entry"
            raise self.fail(
                index,
                "SECID",
                f"the asset class of {name or isin} (ISIN {isin}, {kind}) cannot be derived "
                "from the statement",
                "add the security to commodities.beancount with isin, name, asset-class (one "
                "of equity, etf, fund, corporate-bond, municipal-bond, government-bond) and "
                "market, then import again",
                where,
            )
        symbol = self.resolver.symbol(index, isin, ticker, name=name, asset_class=asset_class)
        return symbol, isin

    def _known_symbol(self, secid: Any) -> str | None:
        """The books' symbol of ``secid``, or None for a security they do not carry
        (a price of it would value nothing)."""
        info = self.securities.get((str(secid.uniqueidtype), str(secid.uniqueid)))
        ticker = str(info.secinfo.ticker) if info is not None and info.secinfo.ticker else None
        isin = _isin(secid)
        if isin is not None and isin in self.resolver.missing:
            return self.resolver.missing[isin].symbol  # a new security a trade here brings
        try:
            return self.resolver.master.resolve(isin, ticker=ticker).symbol
        except (UnknownSecurity, InvalidIsin):
            return None

    def prices(self, broker: str, statement: Any) -> list[data.Price]:
        """The prices of the statement's positions, then of its securities list."""
        quotes: list[tuple[Any, Any, Any, bool]] = []
        for position in statement.invposlist or []:
            pos = position.invpos
            bond = type(position).__name__ == "POSDEBT"
            quotes.append((pos, pos.unitprice, pos.dtpriceasof, bond))
        for info in self.securities.values():
            sec = info.secinfo
            bond = type(info).__name__ == "DEBTINFO"
            day = sec.dtasof or statement.dtasof
            quotes.append((sec, sec.unitprice, day, bond))
        out: dict[tuple[str, datetime.date], data.Price] = {}
        for aggregate, unitprice, when, bond in quotes:
            if unitprice is None or when is None or Decimal(unitprice) <= 0:
                continue
            symbol = self._known_symbol(aggregate.secid)
            day = _day(when)
            if symbol is None or (symbol, day) in out:
                continue
            number = Decimal(unitprice) / 100 if bond else Decimal(unitprice)
            ref = f"{broker}/{day.isoformat()}/{symbol}/price"
            meta = entry_meta(self.filepath, 0, self.filepath, ref, self.sha256)
            price = Amount(number, self.currency_of(aggregate))
            out[(symbol, day)] = data.Price(meta, day, symbol, price)
        return list(out.values())

    def currency_of(self, aggregate: Any) -> str:
        currency = getattr(aggregate, "currency", None)
        return str(currency.cursym) if currency is not None else self.currency

    def meta(self, index: int, fitid: str, **extra: Any) -> dict[str, Any]:
        return entry_meta(self.filepath, index, self.filepath, fitid, self.sha256, **extra)

    def entry(self, index: int, transaction: Any) -> data.Transaction | None:
        kind = type(transaction).__name__
        if kind in BUYS or kind in SELLS:
            return self.trade(index, kind, transaction)
        if kind == "INCOME":
            return self.income(index, transaction)
        if kind == "REINVEST":
            return self.reinvest(index, transaction)
        if kind == "TRANSFER" and not _dec(transaction.units):
            # a transfer of no units moves nothing (TIAA reports a balance update so)
            warnings.warn(
                InputWarning(
                    f"{self.filepath}: INVTRANLIST/TRANSFER[{index}]: FITID "
                    f"{transaction.invtran.fitid} transfers 0 units: nothing to book"
                ),
                stacklevel=2,
            )
            return None
        if kind == "TRANSFER":
            return self.transfer(index, transaction)
        if kind == "INVBANKTRAN":
            return None
        raise self.fail(
            index,
            kind,
            f"{kind} is not booked from a broker statement",
            "book it by hand, or ask for the trades in a blotter or FIX drop copy",
        )

    def trade(self, index: int, kind: str, transaction: Any) -> data.Transaction:
        detail = transaction.invbuy if kind in BUYS else transaction.invsell
        invtran = detail.invtran
        accrued = abs(
            _dec(getattr(transaction, "accrdint", None) or getattr(detail, "accrdint", None))
        )
        symbol, isin = self.symbol(index, detail.secid)
        trade_date = _day(invtran.dttrade)
        currency = self.currency_of(detail)
        settle_date_from = None
        if invtran.dtsettle is not None:
            settle_date = _day(invtran.dtsettle)
            check_cycle(
                self.cycle_book(),
                self.security(symbol),
                currency,
                trade_date,
                settle_date,
                path=self.filepath,
                where=f"INVTRANLIST/{kind}[{index}]",
            )
        else:
            settle_date, settle_date_from = self.derived_settle_date(
                index, kind, symbol, currency, trade_date
            )
        fees = _money(detail.fees) + _money(detail.taxes) + _money(getattr(detail, "load", None))
        side: Side = "buy" if kind in BUYS else "sell"
        price = _dec(detail.unitprice)
        if kind in DEBTS:
            # OFX gives a bond's UNITS as face value and UNITPRICE in percent of par: the
            # position is held in face value (as custodians report it, FAMT), each unit of
            # face at UNITPRICE / 100.
            price = price / 100
        trade = Trade(
            trade_id=str(invtran.fitid),
            trade_date=trade_date,
            settle_date=settle_date,
            settle_date_from=settle_date_from,
            counterparty=self.counterparty,
            side=side,
            security=symbol,
            isin=isin,
            quantity=abs(_dec(detail.units)),
            price=price,
            currency=currency,
            commission=_money(detail.commission),
            fees=((self.config.trades.ofx.fee_kind, fees),) if fees else (),
            accrued_interest=accrued,
        )
        total = _money(detail.total)
        # TOTAL leaves the accrued interest out (OFX 2.1.1, 13.9.2.4.4).
        before_interest = trade.cash + (accrued if side == "buy" else -accrued)
        unlisted = before_interest - total
        if side == "sell" and CENT < unlisted <= trade.gross * REGULATORY_FEE_CAP:
            # A US sale pays the SEC's Section 31 fee, which brokers such as Fidelity
            # take out of TOTAL without listing it in FEES: booked as a fee, and said.
            warnings.warn(
                InputWarning(
                    f"{self.filepath}: INVTRANLIST/{kind}[{index}]: FITID {invtran.fitid}: "
                    f"TOTAL is {unlisted} {trade.currency} less than units x price and costs; "
                    f"booked as an unlisted fee (a sale's regulatory fee)"
                ),
                stacklevel=2,
            )
            trade = replace(trade, fees=((self.config.trades.ofx.fee_kind, fees + unlisted),))
            before_interest -= unlisted
        if abs(before_interest - total) > CENT:
            raise self.fail(
                index,
                kind,
                f"FITID {invtran.fitid}: units x price and costs give {before_interest} "
                f"{trade.currency} but TOTAL is {total}",
                "the statement does not add up; ask the broker for a corrected file",
            )
        row = SourcedTrade(trade, index, str(invtran.fitid))
        return self.importer.trade(row, self.resolver, self.filepath, self.sha256)

    def openings(self, statement: Any) -> list[data.Transaction]:
        """A first statement's opening positions (OFX 2.1.1, 13.9.3, ``<INVPOSLIST>``).

        The position list holds the account at the statement's end (a security the
        statement moves but the list leaves out is held no more); less what the
        statement's transactions moved, it held that at its start. A security the
        securities account holds none of before the statement starts from that
        quantity, booked against ``[accounts] opening`` the day before the statement's
        first day, as a bank account starts from its first statement's opening balance.
        The file gives no cost: the lot is at the list's ``<UNITPRICE>``, or for a
        security no longer listed at the price of its first transaction."""
        if statement.invposlist is None:
            return []
        moved: dict[tuple[str, str], Decimal] = {}
        first_price: dict[tuple[str, str], Decimal] = {}
        first = _first_day(statement)
        for transaction in statement.transactions or []:
            secid, units, price = _movement(transaction)
            if secid is not None and units:
                key = (str(secid.uniqueidtype), str(secid.uniqueid))
                moved[key] = moved.get(key, Decimal(0)) + units
                first_price.setdefault(key, price)
                first = min(first, _day(transaction.invtran.dttrade))
        # each security's lots at the end, one per position: (units, price, currency)
        lots: dict[tuple[str, str], list[tuple[Decimal, Decimal, str]]] = {}
        secids: dict[tuple[str, str], Any] = {}
        for position in statement.invposlist:
            invpos = position.invpos
            key = (str(invpos.secid.uniqueidtype), str(invpos.secid.uniqueid))
            sign = -1 if str(invpos.postype).upper() == "SHORT" else 1
            price = _dec(invpos.unitprice)
            if type(position).__name__ == "POSDEBT":
                price = price / 100  # a percent of par, as in a trade
            units = sign * abs(_dec(invpos.units))
            lots.setdefault(key, []).append((units, price, self.currency_of(invpos)))
            secids.setdefault(key, invpos.secid)
        for transaction in statement.transactions or []:
            secid, _, _ = _movement(transaction)
            if secid is not None:
                key = (str(secid.uniqueidtype), str(secid.uniqueid))
                if key in first_price:
                    lots.setdefault(key, [(Decimal(0), first_price[key], self.currency)])
                secids.setdefault(key, secid)
        day = first - datetime.timedelta(days=1)
        account = self.config.trades.securities_account
        acctid = str(statement.invacctfrom.acctid)
        out = []
        for index, (key, end) in enumerate(lots.items(), start=1):
            opening = _opening_lots(end, moved.get(key, Decimal(0)))
            if not opening:
                continue
            try:
                symbol, _ = self.symbol(index, secids[key], where="INVPOSLIST")
            except ImportFailure as failure:
                if key in moved:
                    raise
                # a position the statement does not trade: the rest imports without it
                warnings.warn(
                    InputWarning(f"{failure}; the position is not booked as an opening"),
                    stacklevel=2,
                )
                continue
            if self.resolver.held(account, symbol, day) != 0:
                continue  # the account has history: the statement must continue it
            legs = [
                posting(account, units, symbol, CostSpec(price, None, currency, None, None, False))
                for units, price, currency in opening
            ]
            value = sum((units * price for units, price, _ in opening), Decimal(0))
            legs.append(posting(self.config.accounts.opening, -value.quantize(CENT), opening[0][2]))
            ref = f"{acctid}/{key[1]}/opening{OPENING_REF_SUFFIX}"
            out.append(
                data.Transaction(
                    self.meta(index, ref),
                    day,
                    "*",
                    self.counterparty,
                    OPENING_NARRATION,
                    data.EMPTY_SET,
                    data.EMPTY_SET,
                    legs,
                )
            )
        return out

    def refuse_needed(self, statement: Any, openings: list[data.Transaction]) -> None:
        """With ``[imports] opening-from-statement = false``: the openings this statement
        needs (of a security it sells or transfers out) are refused, each printed for the
        user to add by hand; the others are not booked."""
        taken_out = {
            str(secid.uniqueid)
            for secid, units, _ in map(_movement, statement.transactions or [])
            if secid is not None and units < 0
        }
        # an opening's source-ref is <account>/<security id>/opening/booked
        needed = [
            entry
            for entry in openings
            if str(keys.get_source_ref(entry.meta)).rsplit("/", 3)[1] in taken_out
        ]
        if needed:
            raise ImportFailure(
                self.filepath,
                "INVPOSLIST",
                "the securities account holds none of "
                + ", ".join(str(getattr(e.postings[0].units, "currency", "")) for e in needed)
                + " before this statement, which takes some out; [imports] "
                "opening-from-statement is false",
                hint="add these entries to the books (opening.beancount), then retry:\n"
                + "\n".join(printer.format_entry(entry) for entry in needed),
            )
        openings.clear()

    def security(self, symbol: str) -> Security:
        found = self.resolver.security(symbol)
        return found if found is not None else Security(symbol, None)

    def cycle_book(self) -> CycleBook:
        if self.cycles is None:
            self.cycles = CycleBook(self.config.settlement)
        return self.cycles

    def derived_settle_date(
        self, index: int, kind: str, symbol: str, currency: str, trade_date: datetime.date
    ) -> tuple[datetime.date, str]:
        """S from the security's cycle, for a trade without ``<DTSETTLE>`` (optional in OFX)."""
        return derived_settle_date(
            self.cycle_book(),
            self.security(symbol),
            currency,
            trade_date,
            path=self.filepath,
            where=f"INVTRANLIST/{kind}[{index}]",
        )

    def cash_account(self, index: int, kind: str) -> str:
        settings = self.config.counterparties.get(self.counterparty)
        if settings is None or settings.cash_account is None:
            raise self.fail(
                index,
                kind,
                f"counterparty {self.counterparty!r} has no cash-account for its income",
                f"set cash-account under [counterparties.{self.counterparty}]",
            )
        return settings.cash_account

    def income_account(self, index: int, income_type: str) -> str:
        accounts = self.config.accounts
        by_type = {
            "DIV": accounts.dividends,
            "INTEREST": accounts.interest,
            "CGLONG": accounts.realized,
            "CGSHORT": accounts.realized,
        }
        if income_type not in by_type:
            raise self.fail(
                index, "INCOME", f"INCOMETYPE {income_type!r}", "known: DIV, INTEREST, CG*"
            )
        return by_type[income_type]

    def income(self, index: int, transaction: Any) -> data.Transaction:
        invtran = transaction.invtran
        symbol, _ = self.symbol(index, transaction.secid)
        currency = self.currency_of(transaction)
        total = _dec(transaction.total)
        withholding = _dec(transaction.withholding)
        postings = [
            posting(self.cash_account(index, "INCOME"), total, currency),
            posting(
                self.income_account(index, str(transaction.incometype)),
                -(total + withholding),
                currency,
            ),
        ]
        if withholding:
            postings.append(posting(f"{self.config.accounts.fees}:Tax", withholding, currency))
        paid = invtran.dtsettle or invtran.dttrade
        return data.Transaction(
            self.meta(index, str(invtran.fitid)),
            _day(paid),
            "*",
            self.counterparty,
            f"{transaction.incometype} {symbol} ({invtran.memo or 'broker OFX'})",
            data.EMPTY_SET,
            data.EMPTY_SET,
            postings,
        )

    def reinvest(self, index: int, transaction: Any) -> data.Transaction:
        invtran = transaction.invtran
        symbol, _ = self.symbol(index, transaction.secid)
        currency = self.currency_of(transaction)
        units = _dec(transaction.units)
        price = _dec(transaction.unitprice)
        costs = _dec(transaction.commission) + _dec(transaction.fees) + _dec(transaction.taxes)
        cost = CostSpec(price, None, currency, None, None, False)
        postings = [
            posting(self.config.trades.securities_account, units, symbol, cost),
            posting(
                self.income_account(index, str(transaction.incometype)),
                _dec(transaction.total),
                currency,
            ),
        ]
        if costs:
            postings.append(posting(self.config.accounts.commissions, costs, currency))
        return data.Transaction(
            self.meta(index, str(invtran.fitid)),
            _day(invtran.dttrade),
            "*",
            self.counterparty,
            f"Reinvest {transaction.incometype} in {units:f} {symbol}",
            data.EMPTY_SET,
            data.EMPTY_SET,
            postings,
        )

    def transfer(self, index: int, transaction: Any) -> data.Transaction:
        invtran = transaction.invtran
        symbol, _ = self.symbol(index, transaction.secid)
        units = abs(_dec(transaction.units))
        incoming = str(transaction.tferaction).upper() == "IN"
        currency = self.currency
        if incoming:
            price = _dec(transaction.unitprice) or (
                _dec(transaction.avgcostbasis) / units if units else Decimal(0)
            )
            securities = posting(
                self.config.trades.securities_account,
                units,
                symbol,
                CostSpec(price, None, currency, None, None, False),
            )
            other = posting(
                self.config.accounts.suspense, -(units * price).quantize(CENT), currency
            )
        else:
            securities = posting(
                self.config.trades.securities_account,
                -units,
                symbol,
                CostSpec(None, None, None, None, None, False),
            )
            lots = self.resolver.lot_currency(index, symbol)
            self.resolver.check_held(
                index,
                f"transfer out {invtran.fitid}",
                self.config.trades.securities_account,
                symbol,
                units,
                _day(invtran.dttrade),
                source_ref=str(invtran.fitid),
            )
            # An incomplete amount (currency only): Beancount fills in the lots' cost.
            other = posting(self.config.accounts.suspense, None, lots)
        direction = "in" if incoming else "out"
        return data.Transaction(
            self.meta(index, str(invtran.fitid)),
            _day(invtran.dttrade),
            "!",
            self.counterparty,
            f"Transfer {direction} {units:f} {symbol}: review the other side",
            data.EMPTY_SET,
            data.EMPTY_SET,
            [securities, other],
        )

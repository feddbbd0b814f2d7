"""Central banks' FX reference rate files → ``price`` directives.

Four published formats, told apart by their content:

- ECB euro foreign exchange reference rates, CSV (``eurofxref.csv``: a header
  ``Date, USD, JPY, ...`` and one row dated ``27 November 2026``;
  ``eurofxref-hist.csv``: ISO dates, one row a day, ``N/A`` where a currency has
  no rate) and XML (``eurofxref-daily.xml``, ``-hist.xml``, ``-hist-90d.xml``:
  ``<Cube time="2026-11-27"><Cube currency="USD" rate="1.0560"/>``). A rate is
  units of the currency per euro: ``price EUR 1.0560 USD``.
- Federal Reserve H.10 (foreign exchange rates, noon buying rates in New York):
  the Data Download Program's CSV (six header rows: ``Series Description``,
  ``Unit:`` ``Currency:_Per_EUR``, ``Multiplier:``, ``Currency:`` ``USD``,
  ``Unique Identifier:``, ``Time Period``; ``ND`` where there is no rate) and
  the release's SDMX XML (``FRB_H10.xml``: ``<kf:Series SERIES_NAME="RXI$US_N.B.EU"
  CURRENCY="EUR">`` with ``<frb:Obs TIME_PERIOD=... OBS_VALUE=...>``; a
  ``$US`` series is US dollars per unit of the currency, any other the
  currency per US dollar; ``OBS_STATUS="ND"`` or ``-9999`` is no rate).

Only the rates of currencies the books use (a currency an account is opened
in, a ``commodity`` directive, the base currency) are written; the ECB's euro
rates are kept as published (``price EUR 0.8512 GBP``), and the valuation
converts through them. Each price carries ``source-ref``
``<ecb|fed-h10>/<date>/<currency>/<quote>``: importing the file again, or the
day's rate from another of the publisher's files, adds nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beangulp import Importer
from lxml import etree

from importers.common import ImportFailure, head
from ledger import meta as keys
from ledger.config import Config
from ledger.documents import document_sha256

_CODE = re.compile(r"^[A-Z]{3}$")
_NO_RATE = {"", "N/A", "ND", "NA", "-9999"}
ECB_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
FED_DOMAIN = b"federalreserve.gov"


@dataclass(frozen=True)
class Rate:
    """One published rate: ``number`` units of ``quote`` per unit of ``base``."""

    publisher: str
    day: datetime.date
    base: str
    quote: str
    number: Decimal
    where: str | int


def _number(path: str, where: str | int, text: str, multiplier: Decimal = Decimal(1)) -> Decimal:
    try:
        number = Decimal(text.strip()) * multiplier
    except InvalidOperation:
        number = Decimal(0)
    if not number.is_finite() or number <= 0:
        raise ImportFailure(
            path, where, "a rate must be a positive number", value=text, hint="check the file"
        )
    return number


def _date(path: str, where: str | int, text: str, formats: Iterable[str]) -> datetime.date:
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ImportFailure(path, where, "not a date", value=text, hint="check the file")


def _code(path: str, where: str | int, text: str) -> str:
    code = text.strip().upper()
    if not _CODE.match(code):
        raise ImportFailure(path, where, "not a currency code", value=text)
    return code


def _rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig", errors="replace")
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def read_ecb_csv(path: str, content: bytes) -> list[Rate]:
    """``eurofxref.csv`` and ``eurofxref-hist.csv``."""
    rows = _rows(content)
    header = [cell.strip() for cell in rows[0]]
    codes = [(i, _code(path, 1, cell)) for i, cell in enumerate(header) if i and cell]
    rates = []
    for line, row in enumerate(rows[1:], start=2):
        day = _date(path, line, row[0], ("%d %B %Y", "%Y-%m-%d"))
        for index, code in codes:
            cell = row[index].strip() if index < len(row) else ""
            if cell.upper() in _NO_RATE:
                continue
            rates.append(Rate("ecb", day, "EUR", code, _number(path, line, cell), line))
    return rates


def _xml(path: str, content: bytes) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFailure(path, None, f"not well-formed XML: {exc}") from None


def read_ecb_xml(path: str, content: bytes) -> list[Rate]:
    """``eurofxref-daily.xml`` and the history files: ``Cube time`` of ``Cube currency``."""
    root = _xml(path, content)
    rates = []
    for day_cube in root.iter(f"{{{ECB_NS}}}Cube"):
        when = day_cube.get("time")
        if when is None:
            continue
        where = f"Cube[@time='{when}']"
        day = _date(path, where, when, ("%Y-%m-%d",))
        for cube in day_cube.findall(f"{{{ECB_NS}}}Cube"):
            code = _code(path, where, cube.get("currency", ""))
            text = cube.get("rate", "")
            if text.strip().upper() in _NO_RATE:
                continue
            at = f"{where}/Cube[@currency='{code}']"
            rates.append(Rate("ecb", day, "EUR", code, _number(path, at, text), at))
    return rates


def _unit(path: str, column: int, text: str) -> str:
    match = re.match(r"^Currency:_Per_([A-Z]{3})$", text.strip())
    if not match:
        raise ImportFailure(
            path,
            2,
            f"column {column + 1}: the Unit row names no currency",
            value=text,
            hint="download the H.10 series of exchange rates (Currency:_Per_XXX), not an index",
        )
    return match.group(1)


def read_fed_csv(path: str, content: bytes) -> list[Rate]:
    """The H.10 Data Download Program's CSV: each column's ``Unit:`` is the currency
    priced, its ``Currency:`` the quote (``Currency:_Per_EUR`` in ``USD``: USD per EUR)."""
    rows = _rows(content)
    label = {row[0].strip().rstrip(":").lower(): (line, row) for line, row in enumerate(rows, 1)}
    needed = ("unit", "multiplier", "currency", "time period")
    for name in needed:
        if name not in label:
            raise ImportFailure(path, None, f"no {name!r} header row", hint="an H.10 CSV has six")
    units = label["unit"][1]
    currencies = label["currency"][1]
    multipliers = label["multiplier"][1]
    start = label["time period"][0]
    columns = []
    for index in range(1, len(units)):
        if not units[index].strip():
            continue
        base = _unit(path, index, units[index])
        quote = _code(path, label["currency"][0], currencies[index])
        multiplier = _number(path, label["multiplier"][0], multipliers[index])
        columns.append((index, base, quote, multiplier))
    rates = []
    for line, row in enumerate(rows[start:], start=start + 1):
        day = _date(path, line, row[0], ("%Y-%m-%d",))
        for index, base, quote, multiplier in columns:
            cell = row[index].strip() if index < len(row) else ""
            if cell.upper() in _NO_RATE:
                continue
            number = _number(path, line, cell, multiplier)
            rates.append(Rate("fed-h10", day, base, quote, number, line))
    return rates


def read_fed_xml(path: str, content: bytes) -> list[Rate]:
    """The H.10 release's SDMX XML: ``RXI$US_`` series are USD per unit of the
    currency, other ``RXI_`` series the currency per USD; indexes are skipped."""
    root = _xml(path, content)
    rates = []
    # by local name: the release has changed its namespaces over the years
    for series in root.iter("{*}Series"):
        name = series.get("SERIES_NAME", "")
        if not name.startswith("RXI") or ".B." not in name:
            continue  # an index, or a monthly average: not a day's rate
        where = f"Series[@SERIES_NAME='{name}']"
        currency = _code(path, where, series.get("CURRENCY", ""))
        base, quote = (currency, "USD") if name.startswith("RXI$US_") else ("USD", currency)
        # the Fed writes the CSV's "Multiplier:" here (1 for every rate series)
        multiplier = _number(path, where, series.get("UNIT_MULT") or "1")
        for obs in series.iter("{*}Obs"):
            text = obs.get("OBS_VALUE", "")
            if obs.get("OBS_STATUS") == "ND" or text.strip() in _NO_RATE:
                continue
            when = obs.get("TIME_PERIOD", "")
            at = f"{where}/Obs[@TIME_PERIOD='{when}']"
            day = _date(path, at, when, ("%Y-%m-%d",))
            rates.append(Rate("fed-h10", day, base, quote, _number(path, at, text, multiplier), at))
    return rates


def reader_of(filepath: str) -> Any:
    """The reader for the file's format, or None."""
    start = head(filepath)
    if ECB_NS.encode() in start:
        return read_ecb_xml
    if FED_DOMAIN in start and b"SERIES_NAME=" in start:
        return read_fed_xml
    first = start.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if first.startswith(b'"Series Description"') and b"H10/H10/" in start:
        return read_fed_csv
    cells = [cell.strip() for cell in first.decode("ascii", errors="replace").split(",")]
    if cells[0] == "Date" and len(cells) > 2 and all(_CODE.match(c) for c in cells[1:] if c):
        return read_ecb_csv
    return None


def books_currencies(entries: Iterable[data.Directive], base: str) -> set[str]:
    """The currencies the books use: opened accounts' and ``commodity`` directives'."""
    found = {base}
    for entry in entries:
        if isinstance(entry, data.Open) and entry.currencies:
            found.update(entry.currencies)
        elif isinstance(entry, data.Commodity):
            found.add(entry.currency)
    return found


class FxRatesImporter(Importer):  # type: ignore[misc]  # beangulp is untyped
    """ECB and Federal Reserve H.10 reference rate files."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def name(self) -> str:
        return "prices.fx-rates"

    def account(self, filepath: str) -> str:
        return self.config.prices.rates_account or self.config.trades.securities_account

    def identify(self, filepath: str) -> bool:
        try:
            return reader_of(filepath) is not None
        except OSError:
            return False

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        reader = reader_of(filepath)
        content = Path(filepath).read_bytes()
        sha256 = document_sha256(filepath)
        wanted = books_currencies(existing, self.config.firm.base_currency)
        out: dict[str, data.Price] = {}
        for rate in reader(filepath, content):
            fed_usd = rate.publisher == "fed-h10" and rate.quote == "USD"
            foreign = rate.base if fed_usd else rate.quote
            if foreign not in wanted:
                continue
            ref = f"{rate.publisher}/{rate.day.isoformat()}/{rate.base}/{rate.quote}"
            if ref in out:
                raise ImportFailure(
                    filepath,
                    rate.where,
                    f"a second {rate.base} rate in {rate.quote} on {rate.day}",
                    hint="keep one rate per currency and day",
                )
            line = rate.where if isinstance(rate.where, int) else 0
            meta: dict[str, Any] = data.new_metadata(filepath, line)
            meta[keys.SOURCE] = filepath
            meta[keys.SOURCE_REF] = ref
            meta[keys.SOURCE_SHA256] = sha256
            out[ref] = data.Price(meta, rate.day, rate.base, Amount(rate.number, rate.quote))
        prices = sorted(out.values(), key=lambda p: (p.date, p.currency, p.amount.currency))
        return list(prices)

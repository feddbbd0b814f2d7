"""The records ``backoffice close`` writes beside the statements, as of the period end.

``closes/YYYY-MM/``: ``stock-record.txt``/``.csv`` (every security's locations
on the last day), ``blotter.txt``/``.csv`` (every trade dated in the period,
with its status on the last day) and ``valuation.txt``/``.csv`` (the positions
at the last prices known on the last day). They are read from the books the
close loads, so they show what the seal covers.
"""

from __future__ import annotations

from ledger.books import Books
from ledger.close.seal import period_bounds
from ledger.config import Config
from ledger.records.blotter import COLUMNS, blotter_report
from ledger.records.stock_record import STOCK_RECORD_COLUMNS, stock_record_report, stock_record_rows
from ledger.records.text import (
    VALUATION_COLUMNS,
    blotter_text,
    csv_text,
    stock_record_text,
    valuation_rows,
    valuation_text,
)
from ledger.records.valuation import valuation_report


def record_reports(books: Books, config: Config, period: str) -> dict[str, str]:
    """The records of ``period``, by file name under ``closes/YYYY-MM/``."""
    start, end = period_bounds(period)
    firm = config.firm.name
    stock = stock_record_report(books, config, end)
    trades = blotter_report(books, config, start, end, end)
    value = valuation_report(books, config, end)
    return {
        "stock-record.txt": stock_record_text(stock, firm),
        "stock-record.csv": csv_text(stock_record_rows(stock), STOCK_RECORD_COLUMNS),
        "blotter.txt": blotter_text(trades, firm),
        "blotter.csv": csv_text(trades["trades"], COLUMNS),
        "valuation.txt": valuation_text(value, firm),
        "valuation.csv": csv_text(valuation_rows(value), VALUATION_COLUMNS),
    }

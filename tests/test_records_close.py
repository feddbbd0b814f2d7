"""``backoffice close`` writes the month's stock record, blotter and valuation beside
the statements, as of the period end, from the books it seals."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ledger.books import load
from ledger.close.run import plugins_as_of
from ledger.config import load_config
from ledger.records.close_reports import record_reports
from tests.conftest import write_books
from tests.records_books import records_books


@pytest.fixture(autouse=True)
def _no_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def test_november_records(tmp_path: Path) -> None:
    """On 2026-11-30 the MSFT sale is 5 business days late (Thanksgiving is not one),
    still at the custodian; T5 is due that day; the cancelled T2 and its correction T3
    are in the blotter as such."""
    path = write_books(tmp_path, records_books())
    with plugins_as_of(datetime.date(2026, 11, 30)):
        books = load(path, hardcore=False)
    reports = record_reports(books, load_config(path), "2026-11")
    assert sorted(reports) == [
        "blotter.csv",
        "blotter.txt",
        "stock-record.csv",
        "stock-record.txt",
        "valuation.csv",
        "valuation.txt",
    ]
    assert reports["stock-record.csv"] == (
        "security,isin,side,kind,location,safekeeping,quantity,trade_id,settle_date,age\n"
        "MSFT,US5949181045,long,position,firm,,300,,,\n"
        "MSFT,US5949181045,long,fail-to-deliver,AlphaSec,,200,T4,2026-11-20,5\n"
        "MSFT,US5949181045,short,custody,Assets:Custody:Custodia:Securities,,500,,,\n"
        "XYZ,US8522341036,long,position,firm,,180,,,\n"
        "XYZ,US8522341036,short,custody,Assets:Custody:Custodia:Securities,,150,,,\n"
        "XYZ,US8522341036,short,unsettled-purchase,AlphaSec,,30,T5,2026-11-30,\n"
    )
    blotter = reports["blotter.csv"].splitlines()
    assert blotter[0].startswith("trade_date,time,kind,trade_id,side,quantity,security,")
    assert [row.split(",")[:4] + row.split(",")[13:15] for row in blotter[1:]] == [
        ["2026-11-16", "14:30:01", "trade", "T1", "settled", ""],
        ["2026-11-18", "", "trade", "T2", "cancelled", ""],
        ["2026-11-18", "", "cancel", "T2", "cancelled", ""],
        ["2026-11-18", "", "correction", "T3", "settled", "T2"],
        ["2026-11-19", "", "trade", "T4", "failed", ""],
        ["2026-11-27", "", "trade", "T5", "pending", ""],
    ]
    assert reports["stock-record.txt"].startswith("Stock record of Backoffice as of 2026-11-30\n")
    assert reports["blotter.txt"].startswith(
        "Trade blotter of Backoffice, trade dates 2026-11-01 to 2026-11-30"
    )

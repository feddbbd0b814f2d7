"""A blotter's execution time (``[trades.blotter.columns] trade-time``) rides on the
trade entry as ``trade-time``, which the trade blotter report shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.common import ImportFailure
from importers.printing import format_entry
from importers.trades.blotter import BlotterImporter
from ledger.config import parse_config
from tests.importers.trade_books import CONFIG_PATH, base_books

CONFIG = CONFIG_PATH.read_text(encoding="utf-8").replace(
    'trade-date = "TradeDate"\n', 'trade-date = "TradeDate"\ntrade-time = "Time"\n'
)
HEADER = "TradeRef;TradeDate;Time;SettleDate;Broker;B/S;Qty;Ticker;ISIN;Name;Px;Ccy;Comm;SEC fee\n"


def extract(tmp_path: Path, rows: str) -> list[str]:
    books = base_books(tmp_path)
    (tmp_path / "times.csv").write_text(HEADER + rows, encoding="utf-8")
    importer = BlotterImporter(parse_config(CONFIG, CONFIG_PATH))
    return [format_entry(e) for e in importer.extract("times.csv", books.entries)]


def test_the_time_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    entries = extract(
        tmp_path,
        "T1;24.11.2026;14:30;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;61.25;USD;;\n"
        "T2;24.11.2026;;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;61.30;USD;;\n",
    )
    sha = entries[0].split('source-sha256: "')[1].split('"')[0]
    assert [e.replace(sha, "<sha256>") for e in entries] == [
        '2026-11-24 * "AlphaSec" "Buy 10 XYZ @ 61.25 USD (blotter)" ^trade-T1\n'
        '  trade-id: "T1"\n'
        "  trade-date: 2026-11-24\n"
        '  trade-time: "14:30:00"\n'
        "  settle-date: 2026-11-25\n"
        '  isin: "US8522341036"\n'
        '  side: "buy"\n'
        '  counterparty: "AlphaSec"\n'
        '  source: "times.csv"\n'
        '  source-ref: "T1"\n'
        '  source-sha256: "<sha256>"\n'
        "  Assets:Custody:Custodia:Securities       10 XYZ {61.25 USD}\n"
        "  Assets:Unsettled:AlphaSec           -612.50 USD\n",
        '2026-11-24 * "AlphaSec" "Buy 10 XYZ @ 61.30 USD (blotter)" ^trade-T2\n'
        '  trade-id: "T2"\n'
        "  trade-date: 2026-11-24\n"
        "  settle-date: 2026-11-25\n"
        '  isin: "US8522341036"\n'
        '  side: "buy"\n'
        '  counterparty: "AlphaSec"\n'
        '  source: "times.csv"\n'
        '  source-ref: "T2"\n'
        '  source-sha256: "<sha256>"\n'
        "  Assets:Custody:Custodia:Securities       10 XYZ {61.30 USD}\n"
        "  Assets:Unsettled:AlphaSec           -613.00 USD\n",
    ]


def test_a_bad_time_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImportFailure) as caught:
        extract(
            tmp_path, "T1;24.11.2026;25:00;25.11.2026;AlphaSec;B;10;XYZ;US8522341036;;1;USD;;\n"
        )
    assert str(caught.value).startswith(
        "times.csv:2: column 'Time' is not a time HH:MM or HH:MM:SS (got '25:00')"
    )

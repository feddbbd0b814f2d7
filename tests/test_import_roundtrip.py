"""The throughput benchmark's round trip, small: what the bank importers print
parses back to the same dates, narrations and amounts (bench/bank_throughput.py)."""

from __future__ import annotations

from pathlib import Path

from bench.bank_throughput import Minimal, amounts, config, timed, write_csv, write_mt940
from importers.bank_csv import CsvImporter
from importers.swift_mt940 import Mt940Importer

ROWS = 400


def test_csv_and_mt940_output_parses_back(tmp_path: Path) -> None:
    rows = amounts(ROWS)
    csv_path, mt940_path = tmp_path / "bench.csv", tmp_path / "bench.sta"
    write_csv(csv_path, rows)
    write_mt940(mt940_path, rows)
    cfg = config()
    for extract in (
        lambda: Minimal("Assets:Bank:Bench:EUR", "EUR").extract(str(csv_path), []),
        lambda: CsvImporter(cfg, "bench").extract(str(csv_path), []),
        lambda: Mt940Importer(cfg).extract(str(mt940_path), []),
    ):
        seconds, summary = timed(extract, ROWS)
        assert seconds > 0 and summary.endswith(" s)")

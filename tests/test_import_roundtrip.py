"""The throughput benchmark's round trip, small: what the bank importers print (with
``importers.printing``, as ``backoffice import`` writes) and what csvbase prints (with
Beancount's printer) parses back to the same entries, every field (bench/bank_throughput.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from beancount.parser import printer

from bench.bank_throughput import (
    Minimal,
    amounts,
    config,
    round_trip,
    run,
    write_csv,
    write_mt940,
)
from importers.bank.csv import CsvImporter
from importers.bank.mt940 import Mt940Importer
from importers.printing import format_entry

ROWS = 400


def test_csv_and_mt940_output_parses_back(tmp_path: Path) -> None:
    rows = amounts(ROWS)
    csv_path, mt940_path = tmp_path / "bench.csv", tmp_path / "bench.sta"
    write_csv(csv_path, rows)
    write_mt940(mt940_path, rows)
    cfg = config()
    for extract, fmt in (
        (
            lambda: Minimal("Assets:Bank:Bench:EUR", "EUR").extract(str(csv_path), []),
            printer.format_entry,
        ),
        (lambda: CsvImporter(cfg, "bench").extract(str(csv_path), []), format_entry),
        (lambda: Mt940Importer(cfg).extract(str(mt940_path), []), format_entry),
    ):
        cpu, wall, entries, text = run(extract, fmt)
        assert cpu > 0 and wall > 0
        round_trip(entries, text, ROWS)
        with pytest.raises(AssertionError):  # the check sees a changed field
            round_trip(entries, text.replace('"Card fee 0"', '"Card fee O"', 1), ROWS)

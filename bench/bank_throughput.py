"""Rows per second of the bank importers against beangulp's ``csvbase``.

    python bench/bank_throughput.py --rows 100000

writes one CSV export and one MT940 statement of ``--rows`` lines each, then
times, in this one process: beangulp's ``csvbase.Importer`` (a minimal
subclass: date, narration, amount) extracting the CSV; ``bank.csv`` and
``bank.mt940`` extracting the same rows through the shared builder (rules,
generated references, provenance, balance assertions). Each timing includes
printing the entries as Beancount text, and the printed text is parsed back
and compared with the entries (dates, narrations, amounts) so that speed is
not bought with wrong output. Prints rows/s and the ratios.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import parser, printer
from beangulp.importers import csvbase

from importers.bank_csv import CsvImporter
from importers.swift_mt940 import Mt940Importer
from ledger.config import Config
from ledger.imports.config import CsvFormat, ImportsConfig, Rule

ACCOUNT = "Assets:Bank:Bench:EUR"
START = datetime.date(2026, 1, 1)


def amounts(rows: int) -> list[tuple[datetime.date, Decimal, str]]:
    out = []
    for i in range(rows):
        cents = (i * 7919) % 250000 - 125000
        out.append(
            (
                START + datetime.timedelta(days=i * 300 // rows),
                Decimal(cents) / 100,
                f"Payment {i} invoice {i % 977}" if i % 3 else f"Card fee {i}",
            )
        )
    return out


def write_csv(path: Path, rows: list[tuple[datetime.date, Decimal, str]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Date,Narration,Amount\n")
        for day, amount, text in rows:
            out.write(f"{day.isoformat()},{text},{amount}\n")


def write_mt940(path: Path, rows: list[tuple[datetime.date, Decimal, str]]) -> None:
    total = sum((amount for _, amount, _ in rows), Decimal(0))
    opening = Decimal(1000000)
    lines = [":20:BENCH", ":25:DE89370400440532013000", ":28C:1/1", ":60F:C251231EUR1000000,00"]
    for i, (day, amount, text) in enumerate(rows):
        mark = "C" if amount >= 0 else "D"
        value = f"{abs(amount):.2f}".replace(".", ",")
        lines.append(f":61:{day:%y%m%d}{day:%m%d}{mark}{value}NTRFNONREF//B{i:010d}")
        lines.append(f":86:/REMI/{text}")
    closing = opening + total
    mark = "C" if closing >= 0 else "D"
    last = rows[-1][0]
    lines.append(f":62F:{mark}{last:%y%m%d}EUR{abs(closing):.2f}".replace(".", ","))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")


class Minimal(csvbase.Importer):  # type: ignore[misc]
    date = csvbase.Date("Date", "%Y-%m-%d")
    narration = csvbase.Column("Narration")
    amount = csvbase.Amount("Amount")

    def identify(self, filepath: str) -> bool:
        return filepath.endswith(".csv")


def config() -> Config:
    return Config.model_validate(
        {
            "statement-accounts": [{"id": "DE89370400440532013000", "account": ACCOUNT}],
            "imports": ImportsConfig(
                rules=[
                    Rule(narration="fee", direction="out", account="Expenses:Fees:Bank"),
                    Rule(narration="^payment", account="Expenses:Payments"),
                ],
                csv={
                    "bench": CsvFormat.model_validate(
                        {
                            "filename": "*.csv",
                            "account-id": "DE89370400440532013000",
                            "currency": "EUR",
                            "date": "Date",
                            "narration": ["Narration"],
                            "amount": "Amount",
                        }
                    )
                },
            ),
        }
    )


def timed(extract: Callable[[], list[data.Directive]], rows: int) -> tuple[float, str]:
    start = time.perf_counter()
    entries = extract()
    text = "\n".join(printer.format_entry(entry) for entry in entries)
    seconds = time.perf_counter() - start
    parsed, errors, _ = parser.parse_string(text)
    assert not errors, errors[:3]
    mine = [e for e in entries if isinstance(e, data.Transaction)]
    back = [e for e in parsed if isinstance(e, data.Transaction)]
    assert len(mine) == len(back) == rows
    assert all(
        (a.date, a.narration, a.postings[0].units) == (b.date, b.narration, b.postings[0].units)
        for a, b in zip(mine, back, strict=True)
    )
    return seconds, f"{rows / seconds:,.0f} rows/s ({seconds:.2f} s)"


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--rows", type=int, default=100_000)
    rows = args.parse_args().rows
    cfg = config()
    with tempfile.TemporaryDirectory() as tmp:
        data_rows = amounts(rows)
        csv_path, mt940_path = Path(tmp) / "bench.csv", Path(tmp) / "bench.sta"
        write_csv(csv_path, data_rows)
        write_mt940(mt940_path, data_rows)
        base, base_text = timed(lambda: Minimal(ACCOUNT, "EUR").extract(str(csv_path), []), rows)
        ours_csv, csv_text = timed(
            lambda: CsvImporter(cfg, "bench").extract(str(csv_path), []), rows
        )
        ours_940, mt940_text = timed(lambda: Mt940Importer(cfg).extract(str(mt940_path), []), rows)
    print(f"{rows} rows")
    print(f"beangulp csvbase:  {base_text}")
    print(f"bank.csv:          {csv_text}  = {base / ours_csv:.2f}x csvbase")
    print(f"bank.mt940:        {mt940_text}  = {base / ours_940:.2f}x csvbase")


if __name__ == "__main__":
    main()

"""Rows per second of the bank importers against beangulp's ``csvbase``.

    python bench/bank_throughput.py --rows 100000 --repeat 3

writes one CSV export and one MT940 statement of ``--rows`` lines each, then
times, in this one process, alternating ``--repeat`` rounds: beangulp's
``csvbase.Importer`` (a minimal subclass: date, narration, amount) extracting
the CSV, its entries printed by Beancount's printer as ``beangulp extract``
prints them; ``bank.csv`` and ``bank.mt940`` extracting the same rows through
the shared builder (rules, generated references, provenance, balance
assertions), their entries printed as ``backoffice import`` writes them
(:mod:`importers.printing`). Each printed text is parsed back and must give
the same entries (every field but the source location), so that speed is
not bought with wrong output. Prints the median CPU time (``process_time``,
which other jobs on a shared machine disturb less) and wall time, rows/s and
the ratios.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import parser, printer
from beangulp.importers import csvbase

from importers.bank.csv import CsvImporter
from importers.bank.mt940 import Mt940Importer
from importers.printing import format_entry
from ledger.config import Config
from ledger.imports.config import BankCsvFormat, ImportsConfig, Rule

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
                    "bench": BankCsvFormat.model_validate(
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


def _comparable(entry: data.Directive) -> tuple[object, ...]:
    """Every field but where it was read (``filename``/``lineno``)."""
    meta = {k: v for k, v in entry.meta.items() if k not in ("filename", "lineno")}
    if isinstance(entry, data.Transaction):
        postings = [(p.account, p.units, p.cost, p.price, p.flag) for p in entry.postings]
        return (
            type(entry).__name__,
            entry.date,
            entry.flag,
            entry.payee,
            entry.narration,
            entry.tags,
            entry.links,
            postings,
            meta,
        )
    return (type(entry).__name__, entry.date, entry._replace(meta={}), meta)


def round_trip(entries: list[data.Directive], text: str, rows: int) -> None:
    """The printed text parses back to the same entries (the parser sorts them
    by date, balances first)."""
    parsed, errors, _ = parser.parse_string(text)
    assert not errors, errors[:3]
    assert sum(isinstance(e, data.Transaction) for e in entries) == rows
    in_order = sorted(entries, key=lambda e: (e.date, data.SORT_ORDER.get(type(e), 0)))
    assert [_comparable(e) for e in parsed] == [_comparable(e) for e in in_order]


def run(
    extract: Callable[[], list[data.Directive]], fmt: Callable[[data.Directive], str]
) -> tuple[float, float, list[data.Directive], str]:
    """CPU and wall seconds of extracting and printing, the entries and the text."""
    cpu, wall = time.process_time(), time.perf_counter()
    entries = extract()
    text = "\n".join(fmt(entry) for entry in entries)
    return time.process_time() - cpu, time.perf_counter() - wall, entries, text


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--rows", type=int, default=100_000)
    args.add_argument("--repeat", type=int, default=3)
    options = args.parse_args()
    rows = options.rows
    cfg = config()
    with tempfile.TemporaryDirectory() as tmp:
        data_rows = amounts(rows)
        csv_path, mt940_path = Path(tmp) / "bench.csv", Path(tmp) / "bench.sta"
        write_csv(csv_path, data_rows)
        write_mt940(mt940_path, data_rows)
        runs: dict[
            str, tuple[Callable[[], list[data.Directive]], Callable[[data.Directive], str]]
        ] = {
            "beangulp csvbase": (
                lambda: Minimal(ACCOUNT, "EUR").extract(str(csv_path), []),
                printer.format_entry,
            ),
            "bank.csv": (
                lambda: CsvImporter(cfg, "bench").extract(str(csv_path), []),
                format_entry,
            ),
            "bank.mt940": (lambda: Mt940Importer(cfg).extract(str(mt940_path), []), format_entry),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for round_ in range(options.repeat):
            names = list(runs) if round_ % 2 == 0 else list(reversed(runs))
            for name in names:
                cpu, wall, entries, text = run(*runs[name])
                if round_ == 0:
                    round_trip(entries, text, rows)
                del entries, text
                times[name].append((cpu, wall))
    print(f"{rows} rows, median of {options.repeat} alternating rounds")
    base = statistics.median(cpu for cpu, _ in times["beangulp csvbase"])
    for name, measured in times.items():
        cpu = statistics.median(c for c, _ in measured)
        wall = statistics.median(w for _, w in measured)
        ratio = "" if name.startswith("beangulp") else f"  = {base / cpu:.2f}x csvbase (CPU)"
        print(
            f"{name:17} {rows / cpu:9,.0f} rows/s CPU ({cpu:.2f} s CPU, {wall:.2f} s wall){ratio}"
        )


if __name__ == "__main__":
    main()

"""Time confirmation matching: N broker confirmations against N trades.

    python bench/bench_match.py --size 100000 --repeat 3

builds N trade entries in memory (as the loader would hand them over: the
books' load is timed by bench/check_vs_bean_check.py, not here) and writes a
confirmation CSV of N rows for them: half quote our trade id (paired on the
reference), half do not (paired on ISIN + side + trade date + quantity), one
in a hundred at another price (a mismatch) and one in a thousand for no trade
of ours. Then it times ``ledger.matching.report.run_match`` end to end --
reading our trades from the entries, reading and parsing the CSV, the hash
joins, the per-field comparison, the report rows -- and prints the median of
``--repeat`` runs (wall and CPU time: the CPU time says more on a busy
machine) with the status counts, which it checks against what it generated.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

from ledger.books import Books
from ledger.config import Config
from ledger.matching.config import ConfirmationFormat, MatchingConfig
from ledger.matching.report import run_match

ISINS = ["US8522341036", "US0378331005", "US5949181045", "US78462F1030", "DE0007164600"]
SYMBOLS = ["XYZ", "AAPL", "MSFT", "SPY", "SAP"]
HEADER = "Confirm No,Client Ref,ISIN,B/S,Trade Date,Settle Date,Quantity,Price,Commission,Net,Ccy"
FORMAT = ConfirmationFormat.model_validate(
    {
        "name": "bench",
        "counterparty": "AlphaSec",
        "columns": dict(
            zip(
                [
                    "confirmation-id",
                    "reference",
                    "isin",
                    "side",
                    "trade-date",
                    "settle-date",
                    "quantity",
                    "price",
                    "commission",
                    "net",
                    "currency",
                ],
                HEADER.split(","),
                strict=True,
            )
        ),
    }
)


def trade(i: int, day: datetime.date) -> tuple[data.Transaction, str]:
    """Trade ``i`` and its confirmation row (price off for every 100th)."""
    k = i % len(ISINS)
    side = "buy" if i % 2 == 0 else "sell"
    quantity = Decimal(100 + i % 997)
    price = Decimal(50 + i % 300) + Decimal(i % 100) / 100
    commission = Decimal("5.00")
    gross = quantity * price
    net = gross + commission if side == "buy" else gross - commission
    trade_id = f"T{i:07d}"
    meta = {
        "filename": "<bench>",
        "lineno": i,
        "trade-id": trade_id,
        "trade-date": day,
        "settle-date": day + datetime.timedelta(days=1),
        "isin": ISINS[k],
        "side": side,
        "counterparty": "AlphaSec",
    }
    sign = 1 if side == "buy" else -1
    postings = [
        data.Posting(
            "Assets:Custody:Custodia:Securities",
            Amount(sign * quantity, SYMBOLS[k]),
            Cost(price, "USD", day, None),
            None if side == "buy" else Amount(price, "USD"),
            None,
            None,
        ),
        data.Posting("Expenses:Commissions", Amount(commission, "USD"), None, None, None, None),
        data.Posting(
            "Assets:Unsettled:AlphaSec", Amount(-sign * net, "USD"), None, None, None, None
        ),
    ]
    entry = data.Transaction(
        meta,
        day,
        "*",
        "AlphaSec",
        f"{side} {quantity}",
        frozenset(),
        frozenset({trade_id}),
        postings,
    )
    theirs_price = price + Decimal("0.05") if i % 100 == 7 else price
    theirs_net = quantity * theirs_price + (commission if side == "buy" else -commission)
    reference = trade_id if i % 2 == 0 else ""
    row = (
        f"C{i:07d},{reference},{ISINS[k]},{'B' if side == 'buy' else 'S'},{day},"
        f"{day + datetime.timedelta(days=1)},{quantity},{theirs_price},{commission},"
        f"{theirs_net},USD"
    )
    return entry, row


def build(size: int, directory: Path) -> tuple[Books, Path, int, int]:
    entries: list[data.Directive] = []
    rows = [HEADER]
    start = datetime.date(2026, 1, 2)
    for i in range(size):
        entry, row = trade(i, start + datetime.timedelta(days=i % 200))
        entries.append(entry)
        rows.append(row)
    strays = size // 1000
    for j in range(strays):
        rows.append(f"X{j:07d},,US9999999999,B,{start},{start},1,1.00,0,1.00,USD")
    csv = directory / "confirmations.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    books = Books(directory / "main.beancount", entries, [], {})
    mismatches = sum(1 for i in range(size) if i % 100 == 7)
    return books, csv, mismatches, strays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config = Config(matching=MatchingConfig(confirmations=(FORMAT,)))
    as_of = datetime.date(2026, 12, 31)
    with tempfile.TemporaryDirectory() as tmp:
        books, csv, mismatches, strays = build(args.size, Path(tmp))
        times, cpu = [], []
        for _ in range(args.repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            report, new, _ = run_match(books, config, as_of, [csv])
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    summary = report["summary"]
    expected = {
        "matched": args.size - mismatches,
        "mismatched": mismatches,
        "unmatched-theirs": strays,
        "unmatched-ours": 0,
    }
    if any(summary[key] != value for key, value in expected.items()):
        print(f"wrong result: {summary}, expected {expected}", file=sys.stderr)
        return 1
    print(
        f"match: {args.size:,} confirmations (+{strays} strays) against {args.size:,} trades: "
        f"median {statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU "
        f"over {args.repeat} runs (min {min(times):.2f} s wall); {summary['matched']:,} matched, "
        f"{summary['mismatched']:,} mismatched, {summary['unmatched-theirs']} unmatched theirs, "
        f"{len(new):,} breaks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

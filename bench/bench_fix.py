"""Time a FIX drop-copy log of N execution reports, and its memory.

    python bench/bench_fix.py --reports 1000000 --open 1000

writes a QuickFIX-style log (one junk line in fifty) of ``--reports``
execution reports (35=8, FIX 4.4): orders of ten partial fills each, about
``--open`` orders open at any time, every fill with a valid BodyLength and
CheckSum; then reads it with ``importers.trades.fix.read_order_days`` (validation,
aggregation per order and day, average prices) and prints the seconds, the
trades and the peak resident memory of the reading process. Run it twice with
``--reports`` 100000 and 1000000: the memory stays flat while the file grows
tenfold, because only open orders hold their fills.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILLS_PER_ORDER = 10
SOH = "\x01"


def message(body_fields: list[tuple[int, str]]) -> bytes:
    body = "".join(f"{tag}={value}{SOH}" for tag, value in body_fields)
    head = f"8=FIX.4.4{SOH}9={len(body)}{SOH}"
    text = (head + body).encode("latin-1")
    return text + f"10={sum(text) % 256:03d}{SOH}".encode("latin-1")


def write_log(path: Path, reports: int, open_orders: int) -> None:
    """Orders are interleaved: fill k of order o is written after fill k-1 of
    the next ``open_orders`` orders, so about ``open_orders`` are open."""
    orders = reports // FILLS_PER_ORDER
    with path.open("wb") as out:
        written = 0
        for start in range(0, orders, open_orders):
            batch = range(start, min(start + open_orders, orders))
            for fill in range(FILLS_PER_ORDER):
                for order in batch:
                    written += 1
                    if written % 50 == 0:
                        out.write(b"20261124-14:30:00.000 : heartbeat timer fired\n")
                    status = "2" if fill == FILLS_PER_ORDER - 1 else "1"
                    fields = [
                        (35, "8"),
                        (49, "ALPHASEC"),
                        (56, "GAI-DROPCOPY"),
                        (34, str(written)),
                        (37, f"O{order}"),
                        (11, f"C{order}"),
                        (17, f"E{order}-{fill}"),
                        (150, "F"),
                        (39, status),
                        (55, "XYZ"),
                        (48, "US8522341036"),
                        (22, "4"),
                        (54, "1" if order % 2 else "2"),
                        (32, "100"),
                        (31, f"61.{(order + fill) % 100:02d}"),
                        (15, "USD"),
                        (75, "20261124"),
                        (64, "20261125"),
                    ]
                    out.write(b"20261124-14:30:00.000 : " + message(fields) + b"\n")


def read(path: Path) -> None:
    from importers.trades.fix import read_order_days

    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        days = read_order_days(handle, str(path))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.1f} s wall, {cpu:.1f} s CPU, {len(days)} trades, peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=1000)
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read(args.read)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dropcopy.fix.log"
        write_log(path, args.reports, args.open)
        size = path.stat().st_size / 2**20
        print(f"{args.reports} execution reports, {size:.0f} MiB, ~{args.open} open orders")
        # A fresh process, so the peak memory is the reader's alone.
        subprocess.run([sys.executable, __file__, "--read", str(path)], check=True)


if __name__ == "__main__":
    main()

"""How close ``plugins.settlement`` is to the least any settlement plugin costs.

    python bench/settlement_floor.py --size 100k

The target is that the plugin adds at most 8% to ``backoffice check``
(``bench/settlement_overhead.py`` measures that; docs/performance.md). This script splits what it
adds into parts, on the same books without the plugin (as that script makes
them), and sets the plugin's own run beside the least a pure-Python plugin
must do on these entries:

- the plugin in this process, run again and again (warm), and what its first
  run costs more (cold: the calendars are read from the cache directory, or,
  the first time on a machine, asked of the ``holidays`` library, which
  imports every financial market's module and every country's; with
  ``BACKOFFICE_CACHE_DIR=""`` they are asked of the library every time);
- the least pass: one pass that tells trades and settlements apart, reads
  each trade's dates and cash leg, re-dates it to S, and indexes the
  settlements by their trade link. No check, no error, no report: any
  plugin doing the issue's job reads at least this and builds at least this;
- importing the plugin's modules, in a fresh process that has imported the CLI;
- Beancount's re-sort after every plugin (``loader.run_transformations``);
- the later phases (pad, balance, the transaction-balance validation) on the
  re-dated entries against the T-dated ones: re-dating moves entries, so they
  are read in a different order.

The parts are medians of CPU time (``time.process_time``) with the cyclic
garbage collector paused, as ``backoffice check`` runs. ``floor`` is the
least pass plus everything no plugin can avoid; it is printed as a share of
the check without the plugin (median of ``--repeat`` fresh processes).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.ops import balance, pad, validation

from ledger.books import load
from ledger.config import load_config
from ledger.gcpause import gc_paused
from ledger.meta import TRADE_LINK_PREFIX

try:  # imported as bench.settlement_floor (the tests)
    from bench.settlement_overhead import check, generated, this_checkout, variant
except ImportError:  # run as a script: bench/ is first on the path
    from settlement_overhead import check, generated, this_checkout, variant


def median_cpu(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def least_pass(entries: list[data.Directive], prefix: str) -> list[data.Directive]:
    """The least a settlement plugin does: find the trades and settlements, read
    each trade's T, S and cash leg, re-date it to S, index the settlements by link."""
    transaction, date_type = data.Transaction, datetime.date
    result = list(entries)
    trades: dict[str, tuple[Any, ...]] = {}
    settlements: dict[str, list[tuple[Any, ...]]] = {}
    for position, entry in enumerate(entries):
        if type(entry) is not transaction:
            continue
        meta = entry.meta
        trade_id = meta.get("trade-id")
        if trade_id is not None and meta.get("side") is not None:
            settle_date = meta.get("settle-date")
            if type(meta.get("trade-date")) is not date_type or type(settle_date) is not date_type:
                continue
            for posting in entry.postings:
                if posting.account.startswith(prefix):
                    units = posting.units
                    trades[trade_id] = (entry, units.number, units.currency, position)
            result[position] = entry._replace(date=settle_date)
            continue
        for posting in entry.postings:
            if posting.account.startswith(prefix):
                for link in entry.links:
                    if link.startswith(TRADE_LINK_PREFIX):
                        trade_id = link[len(TRADE_LINK_PREFIX) :]
                        settlements.setdefault(trade_id, []).append((entry, posting.units))
                break
    return result


IMPORT = (
    "import time\n"
    "import beancount.loader, ledger.cli\n"
    "start = time.process_time()\n"
    "import plugins.settlement\n"
    "print(time.process_time() - start)\n"
)


def import_cost(repeat: int) -> float:
    """CPU seconds to import the plugin's modules once the CLI is imported."""
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", IMPORT],
            capture_output=True,
            text=True,
            check=True,
            env=this_checkout(),
        )
        times.append(float(done.stdout))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k, 300k or a number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="fresh checks without the plugin")
    args = parser.parse_args()
    source = generated(args.size, args.seed)
    config = load_config(source / "main.beancount")
    if config.as_of is not None:
        os.environ["BACKOFFICE_AS_OF"] = config.as_of.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        main_file = variant(source, Path(tmp) / "without", with_plugin=False)
        whole = statistics.median(check(main_file).cpu for _ in range(args.repeat))
        books = load(main_file)
    import plugins.settlement as plugin  # after the load: its first run is the cold one

    entries, options = books.entries, books.options
    prefix = config.accounts.unsettled + ":"
    parts: dict[str, float] = {}
    with gc_paused():
        start = time.process_time()
        redated, _ = plugin.settlement(entries, options)
        cold = time.process_time() - start
        warm = median_cpu(lambda: plugin.settlement(entries, options), 7)
        least = median_cpu(lambda: least_pass(entries, prefix), 7)
        redated = sorted(redated, key=data.entry_sortkey)
        parts["first run's extra (the calendars)"] = cold - warm
        parts["importing the plugin"] = import_cost(5)
        parts["the loader's re-sort after it"] = median_cpu(
            lambda: sorted(redated, key=data.entry_sortkey), 7
        )
        later = 0.0
        for phase in (pad.pad, balance.check, validation.validate_check_transaction_balances):
            after = median_cpu(lambda phase=phase: phase(redated, options), 5)
            later += after - median_cpu(lambda phase=phase: phase(entries, options), 5)
        parts["later phases on re-dated entries"] = later

    def share(seconds: float) -> str:
        return f"{seconds:6.3f}s {100 * seconds / whole:5.1f}%"

    print(f"books: {source}; check without plugins.settlement: {whole:.2f}s CPU")
    print(f"the plugin, warm, in process:            {share(warm)}")
    print(f"the least pass, pure Python, no checks:  {share(least)}")
    for name, seconds in parts.items():
        print(f"{name + ':':41s}{share(seconds)}")
    unavoidable = sum(parts.values())
    print(f"what the plugin adds, parts summed:      {share(warm + unavoidable)}")
    print(f"floor (the least pass + the rest):       {share(least + unavoidable)}")


if __name__ == "__main__":
    main()

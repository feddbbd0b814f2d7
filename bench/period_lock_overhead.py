"""What sealing every month costs ``backoffice check``.

    python bench/period_lock_overhead.py --size 100k --repeat 3

generates the synthetic books with ``bench/generate.py`` (once, kept under
``bench/out/books-<size>-seed<seed>``), copies them twice into a temporary
directory, seals every month of one copy (a chain of ``custom "period-close"``
entries in ``closes.beancount`` with their manifests, as ``backoffice close``
writes them, without running the checklist), and times ``backoffice check``:

- ``unsealed``: the books as generated (``plugins.period_lock`` loaded, no seal);
- ``sealed, warm cache``: every month sealed, the hash cache filled by an earlier
  run (the everyday case: only files that changed are re-parsed);
- ``sealed, no cache``: every month sealed, ``BACKOFFICE_CACHE_DIR=""`` so every
  file is re-parsed and hashed (a fresh clone, or ``backoffice verify``).

Each command runs once to warm the file cache, then ``--repeat`` times in
rotation, each in a fresh process; the medians of their CPU time (user +
system, steadier than wall time on a shared machine) and the overhead over
``unsealed`` are printed. The checks must exit 0 (every seal holds). Whole-
process times move with the machine's load, so the plugin's own CPU time is also
measured in this process, on the loaded sealed books, warm and without cache.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from beancount.parser import parser

from ledger.books import gc_paused, load
from ledger.close.closing import SEALS_FILE
from ledger.close.hashes import books_hashes
from ledger.close.seal import Seal, period_of, prepare_seal, read_seals

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def generated(size: str, seed: int) -> Path:
    target = BENCH / "out" / f"books-{size}-seed{seed}"
    if not (target / "main.beancount").exists():
        command = [sys.executable, str(BENCH / "generate.py"), "--size", size, "--seed", str(seed)]
        subprocess.run([*command, "-o", str(target)], check=True)
    return target


def months(first: datetime.date, last: datetime.date) -> list[str]:
    periods = []
    day = first.replace(day=1)
    while day <= last:
        periods.append(period_of(day))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return periods


def seal_every_month(main: Path) -> int:
    """Seal each month that has ended by the last entry; the number of seals."""
    books = load(main)
    files = books_hashes(books.options["include"], cache_dir=None)
    dates = [entry.date for entry in books.entries]
    last_full = max(dates).replace(day=1) - datetime.timedelta(days=1)
    seals: list[Seal] = []
    text = []
    for period in months(min(dates), last_full):
        new = prepare_seal(period, seals, files, main.parent)
        manifest = main.parent / new.manifest_path
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(new.manifest, encoding="utf-8")
        text.append(new.entry_text())
        parsed, _, _ = parser.parse_string(new.entry_text(), report_filename=str(main))
        seals += read_seals(parsed)[0]
    (main.parent / SEALS_FILE).write_text("\n".join(text), encoding="utf-8")
    with main.open("a", encoding="utf-8") as handle:
        handle.write(f'include "{SEALS_FILE}"\n')
    return len(seals)


def plugin_times(main: Path, cache: Path, repeat: int) -> dict[str, list[float]]:
    """CPU seconds ``period_lock`` takes on the loaded books, warm cache and no cache."""
    from plugins.period_lock import period_lock

    books = load(main)
    times: dict[str, list[float]] = {"warm cache": [], "no cache": []}
    for name, directory in (("warm cache", str(cache)), ("no cache", "")):
        os.environ["BACKOFFICE_CACHE_DIR"] = directory
        for _ in range(repeat):
            start = time.process_time()
            with gc_paused():  # as inside ``backoffice check``, whose load pauses the GC
                _, errors = period_lock(books.entries, books.options)
            times[name].append(time.process_time() - start)
            if errors:
                raise SystemExit(f"period_lock reported {len(errors)} error(s)")
    return times


def run_timed(command: Sequence[str], env: Mapping[str, str]) -> float:
    """CPU seconds (user + system) of the command: on a shared machine its wall time
    moves with the other processes' load far more than its CPU time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, env=dict(env))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-10:]
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n" + "\n".join(tail))
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--size", default="100k", help="10k, 100k, 300k or a number")
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--repeat", type=int, default=3)
    opts = options.parse_args(argv)

    source = generated(opts.size, opts.seed)
    with tempfile.TemporaryDirectory(prefix="period-lock-bench-") as tmp:
        work = Path(tmp)
        plain = work / "unsealed"
        sealed = work / "sealed"
        shutil.copytree(source, plain)
        shutil.copytree(source, sealed)
        count = seal_every_month(sealed / "main.beancount")
        base = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
        warm = {**base, "BACKOFFICE_CACHE_DIR": str(work / "cache")}
        cold = {**base, "BACKOFFICE_CACHE_DIR": ""}
        check = str(BIN / "backoffice")
        runs = {
            "unsealed": ([check, "--books", str(plain / "main.beancount"), "check"], warm),
            "sealed, warm cache": (
                [check, "--books", str(sealed / "main.beancount"), "check"],
                warm,
            ),
            "sealed, no cache": ([check, "--books", str(sealed / "main.beancount"), "check"], cold),
        }
        for command, env in runs.values():  # warm the file cache, the .pyc and the hash cache
            run_timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for i in range(opts.repeat):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                times[name].append(run_timed(*runs[name]))
        plugin = plugin_times(sealed / "main.beancount", work / "cache", opts.repeat)
    base_time = statistics.median(times["unsealed"])
    print(f"books: {source} ({opts.size} transactions, seed {opts.seed}), {count} months sealed")
    for name, runs_of in times.items():
        median = statistics.median(runs_of)
        shown = " ".join(f"{t:.2f}" for t in runs_of)
        print(
            f"  backoffice check, {name:<20} {median:7.2f} s CPU  {median / base_time - 1:+6.1%}"
            f"   (runs: {shown})"
        )
    for name, runs_of in plugin.items():
        median = statistics.median(runs_of)
        shown = " ".join(f"{t:.3f}" for t in runs_of)
        print(
            f"  period_lock alone, {name:<19} {median:7.3f} s CPU  {median / base_time:+6.1%} "
            f"of unsealed check   (runs: {shown})"
        )
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

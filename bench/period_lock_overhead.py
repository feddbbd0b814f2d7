"""What sealing every month costs ``backoffice check``.

    python bench/period_lock_overhead.py --size 100k --repeat 5

generates the synthetic books with ``bench/generate.py`` (once, kept under
``bench/out/books-<size>-seed<seed>``), copies them twice into a temporary
directory, seals every month of one copy (a chain of ``custom "period-close"``
entries in ``closes.beancount`` with their manifests, as ``backoffice close``
writes them, without running the checklist), and times ``backoffice check``:

- ``unsealed``: the books as generated (``plugins.period_lock`` loaded first, no
  seal, so it returns at once);
- ``sealed``: every month sealed: the plugin hashes every entry it is handed and
  recomputes every seal (there is no cache: every ``check`` pays this).

Both copies get ``plugins.period_lock`` as their first plugin (books generated
before it moved there list it last). Each command runs once to warm the file
cache, then ``--repeat`` times in rotation, each in a fresh process; the medians
of their CPU time (user + system, steadier than wall time on a shared machine)
and wall time, and the overhead over ``unsealed``, are printed. The checks must
exit 0 (every seal holds). Whole-process times move with the machine's load, so
the plugin's own CPU time is also measured in this process, on the sealed books
parsed and booked as the loader hands them to it.
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

from beancount import loader
from beancount.core import data
from beancount.parser import booking, parser

from ledger.books import load
from ledger.close.hashes import PERIOD_LOCK, booked_hashes
from ledger.close.new_seal import prepare_seal
from ledger.close.seal import SEALS_FILE, Seal, period_of, read_seals
from ledger.gcpause import gc_paused

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


def lock_first(main: Path) -> None:
    """Make ``plugins.period_lock`` the first plugin of ``main``."""
    line = f'plugin "{PERIOD_LOCK}"\n'
    text = main.read_text(encoding="utf-8").replace(line, "")
    first = text.index("plugin ")
    main.write_text(text[:first] + line + text[first:], encoding="utf-8")


def seal_every_month(main: Path) -> int:
    """Seal each month that has ended by the last entry; the number of seals."""
    books = load(main)
    files = booked_hashes(main)
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


def plugin_times(main: Path, repeat: int) -> list[float]:
    """CPU seconds ``period_lock`` takes on the sealed books as the loader hands them
    to it (parsed and booked)."""
    from plugins.period_lock import period_lock

    with gc_paused():  # as inside ``backoffice check``, whose load pauses the GC
        entries, _, options = loader._parse_recursive([(str(main), True)], None)
        entries.sort(key=data.entry_sortkey)
        entries, _ = booking.book(entries, options)
    times = []
    for _ in range(repeat):
        start = time.process_time()
        with gc_paused():
            _, errors = period_lock(entries, options)
        times.append(time.process_time() - start)
        if errors:
            raise SystemExit(f"period_lock reported {len(errors)} error(s)")
    return times


def run_timed(command: Sequence[str], env: Mapping[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of the command: on a shared machine
    its wall time moves with the other processes' load far more than its CPU time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=dict(env))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-10:]
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n" + "\n".join(tail))
    return cpu, wall


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--size", default="100k", help="10k, 100k, 300k or a number")
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--repeat", type=int, default=5)
    opts = options.parse_args(argv)

    source = generated(opts.size, opts.seed)
    with tempfile.TemporaryDirectory(prefix="period-lock-bench-") as tmp:
        work = Path(tmp)
        plain = work / "unsealed"
        sealed = work / "sealed"
        shutil.copytree(source, plain)
        shutil.copytree(source, sealed)
        lock_first(plain / "main.beancount")
        lock_first(sealed / "main.beancount")
        count = seal_every_month(sealed / "main.beancount")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
        check = str(BIN / "backoffice")
        runs = {
            name: [check, "--books", str(books / "main.beancount"), "check"]
            for name, books in (("unsealed", plain), ("sealed", sealed))
        }
        for command in runs.values():  # warm the file cache and the .pyc
            run_timed(command, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        names = list(runs)
        for i in range(opts.repeat):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                times[name].append(run_timed(runs[name], env))
        plugin = plugin_times(sealed / "main.beancount", opts.repeat)
    base_cpu = statistics.median(cpu for cpu, _ in times["unsealed"])
    base_wall = statistics.median(wall for _, wall in times["unsealed"])
    print(f"books: {source} ({opts.size} transactions, seed {opts.seed}), {count} months sealed")
    for name, runs_of in times.items():
        cpu = statistics.median(c for c, _ in runs_of)
        wall = statistics.median(w for _, w in runs_of)
        shown = " ".join(f"{c:.2f}/{w:.2f}" for c, w in runs_of)
        print(
            f"  backoffice check, {name:<9} {cpu:6.2f} s CPU {cpu / base_cpu - 1:+6.1%}  "
            f"{wall:6.2f} s wall {wall / base_wall - 1:+6.1%}   (runs, CPU/wall: {shown})"
        )
    median = statistics.median(plugin)
    shown = " ".join(f"{t:.3f}" for t in plugin)
    print(
        f"  period_lock alone, sealed {median:6.3f} s CPU {median / base_cpu:+6.1%} of the "
        f"unsealed check's CPU   (runs: {shown})"
    )
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time ``backoffice check`` against ``bean-check --no-cache`` on the same books.

    python bench/check_vs_bean_check.py --size 100k --repeat 3

generates the synthetic books of that size and seed with ``bench/generate.py``
(cached under ``bench/out/``, keyed by a digest of the generator and the demo
books it reads), runs each command once to warm the file cache, then runs
them ``--repeat`` times, alternating which goes first, each in a fresh
process, and prints the median wall times and their ratio. Both must exit 0
(the books load clean), else the timing would compare different work.

It then times the loader alone, ``ledger.books.load(path, pause_gc=...)`` with
the garbage collector paused and running, alternating, each in a fresh
process, and prints what pausing it saves. The load average before and after
is printed: the numbers mean little on a busy machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
BIN = Path(sys.executable).parent
# Inputs of the generator: a change to any of them means new books.
INPUTS = (
    BENCH / "generate.py",
    *(REPO / "books" / name for name in ("main.beancount", "accounts.beancount")),
    *(REPO / "books" / name for name in ("commodities.beancount", "backoffice.toml")),
)
GC_MODES = ("paused", "running")
LOAD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from ledger.books import load\n"
    "from ledger.errors import format_error\n"
    "wall, cpu = time.perf_counter(), time.process_time()\n"
    "books = load(Path(sys.argv[1]), pause_gc=sys.argv[2] == 'paused')\n"
    "print(time.perf_counter() - wall, time.process_time() - cpu, len(books.errors))\n"
    "print(*map(format_error, books.errors), sep='\\n', file=sys.stderr)\n"
)


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of user + system time: what a busy machine disturbs least


def books_for(size: str, seed: int) -> Path:
    """The cached books of ``size`` and ``seed``, generated when missing."""
    digest = hashlib.sha256()
    for path in INPUTS:
        digest.update(path.read_bytes())
    prefix = f"books-{size}-seed{seed}-"
    target = OUT / f"{prefix}{digest.hexdigest()[:12]}"
    if not (target / "main.beancount").exists():
        OUT.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="generating-", dir=OUT))
        command = [sys.executable, str(BENCH / "generate.py"), "--size", size]
        command += ["--seed", str(seed), "-o", str(staging)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        try:
            staging.rename(target)
        except OSError:  # another run generated them meanwhile
            shutil.rmtree(staging)
        for stale in OUT.glob(f"{prefix}*"):  # books from an older generator or demo
            if stale != target and re.fullmatch(r"[0-9a-f]{12}", stale.name[len(prefix) :]):
                shutil.rmtree(stale, ignore_errors=True)
    return target / "main.beancount"


def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command``; both read the as-of date from the books' config, not the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-10:]
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n" + "\n".join(tail))
    return result


def run_timed(command: Sequence[str]) -> Timing:
    """The whole process: start-up, imports, load, checks, output, exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(command)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu)


def run_load(command: Sequence[str]) -> Timing:
    """``ledger.books.load`` alone, as the ``LOAD`` script measures it."""
    result = run(command)
    wall, cpu, errors = result.stdout.split()
    if errors != "0":
        raise SystemExit(f"ledger.books.load reported {errors} error(s):\n{result.stderr}")
    return Timing(float(wall), float(cpu))


def alternate(
    runs: Mapping[str, Sequence[str]], repeat: int, timer: Callable[[Sequence[str]], Timing]
) -> dict[str, list[Timing]]:
    """Each command ``repeat`` times, the order flipped every round."""
    times: dict[str, list[Timing]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(repeat):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(timer(runs[name]))
    return times


def medians(runs: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in runs), statistics.median(t.cpu for t in runs))


def line(label: str, runs: list[Timing]) -> str:
    median = medians(runs)
    shown = " ".join(f"{t.wall:.2f}" for t in runs)
    return (
        f"  {label:<26} {median.wall:6.2f} s wall {median.cpu:6.2f} s CPU"
        f"   (wall of each run: {shown})"
    )


def ratio(label: str, part: list[Timing], whole: list[Timing], note: str = "") -> str:
    a, b = medians(part), medians(whole)
    return f"  {label:<26} {a.wall / b.wall:6.2f}   wall {a.cpu / b.cpu:6.2f}   CPU{note}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k, 300k or a number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--no-gc", action="store_true", help="skip the GC-pause measurement")
    opts = parser.parse_args(argv)

    books = books_for(opts.size, opts.seed)
    size_mb = sum(p.stat().st_size for p in books.parent.rglob("*.beancount")) / 1e6
    check = [str(BIN / "backoffice"), "--books", str(books), "check"]
    bean_check = [str(BIN / "bean-check"), "--no-cache", str(books)]
    load_before = os.getloadavg()[0]
    for command in (check, bean_check):  # warm the file cache and the .pyc files
        run(command)
    times = alternate({"check": check, "bean-check": bean_check}, opts.repeat, run_timed)
    report = [
        f"books: {books} ({opts.size} transactions, seed {opts.seed}, {size_mb:.0f} MB)",
        f"python {platform.python_version()}, beancount {version('beancount')}, "
        f"{os.cpu_count()} CPUs, median of {opts.repeat}",
        line("backoffice check", times["check"]),
        line("bean-check --no-cache", times["bean-check"]),
        ratio("check / bean-check", times["check"], times["bean-check"], "  (target <= 0.80)"),
    ]
    if not opts.no_gc:
        loads = {mode: [sys.executable, "-c", LOAD, str(books), mode] for mode in GC_MODES}
        load_times = alternate(loads, opts.repeat, run_load)
        report += [
            line("load(pause_gc=True)", load_times["paused"]),
            line("load(pause_gc=False)", load_times["running"]),
            ratio("paused / running", load_times["paused"], load_times["running"]),
        ]
    report.append(f"load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

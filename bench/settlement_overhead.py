"""What ``plugins.settlement`` adds to ``backoffice check``.

    python bench/settlement_overhead.py --size 100k --repeat 3

generates the synthetic books with ``bench/generate.py`` (once, kept under
``bench/out/books-<size>-seed<seed>``), copies them into a temporary directory
twice, with only Beancount's own plugins (``without``) and with
``plugin "plugins.settlement"`` added (``with``), and runs ``backoffice check``
on each ``--repeat`` times in rotation, each in a fresh process. It prints the
median CPU time of the child (user + system, which other processes on the
machine move far less than wall time) and wall time of each, the overhead of
``with`` over ``without`` (of the medians, within each round, where the two
checks ran back to back, and of the fastest of each, the least disturbed by
other processes), and the plugin's own step in the ``with`` checks.

The overhead is the difference of two medians of the whole check, so it moves
by a point or two from run to run on a shared machine (21 rounds settle it better than
11). The plugin's own step is measured inside each ``with`` check (``backoffice
check --timings``: Beancount's loader times each plugin, from the call to the
re-sort it does after it), so other processes move it far less; it is printed
as a share of the ``without`` check. It also prints the system time of each
and how far the ``without`` checks themselves spread, which bound how much of
the difference is the machine's.

Last, in this process, on the ``without`` books as loaded: the scan the plugin
is built on (:func:`ledger.settlement.scan.scan`) per entry over all the
entries and over 2,000 of them read again and again (which stay in the
processor's cache: the difference is time spent waiting on memory), and the
re-sort of the entries that Beancount's loader does after every plugin.

Each check runs in its own process because Beancount's ``validate`` appends
the extra (``bean-check``-strict) validations to its module-level list on
every call, so each load in a long-lived process validates once more than the
one before, which would bias a same-process comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from beancount.core import data

from ledger.books import load
from ledger.config import load_config
from ledger.gcpause import gc_paused
from ledger.settlement.scan import scan

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SIZES = {"10k": 10_000, "100k": 100_000, "300k": 300_000}


def generated(size: str, seed: int) -> Path:
    target = BENCH / "out" / f"books-{size}-seed{seed}"
    if not (target / "main.beancount").exists():
        command = [sys.executable, str(BENCH / "generate.py"), "--size", size]
        subprocess.run([*command, "--seed", str(seed), "-o", str(target)], check=True)
    return target


def variant(source: Path, target: Path, with_plugin: bool) -> Path:
    """A copy of the books with no Backoffice plugin, or with plugins.settlement only."""
    shutil.copytree(source, target)
    main = target / "main.beancount"
    text = re.sub(r'^plugin "plugins\.[a-z_]+"\n', "", main.read_text(), flags=re.M)
    if with_plugin:
        text = text.replace(
            'plugin "plugins.noduplicates"\n',
            'plugin "plugins.noduplicates"\nplugin "plugins.settlement"\n',
        )
    main.write_text(text)
    return main


def this_checkout() -> dict[str, str]:
    """The environment, with this checkout first on the path: the child runs this code
    whatever the environment's editable install points at."""
    path = [str(BENCH.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


class Run(NamedTuple):
    cpu: float  # user + system seconds of the child
    system: float
    wall: float
    step: float | None  # seconds of its plugins.settlement step, None without the plugin


def check(main: Path) -> Run:
    """``backoffice check --timings`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "backoffice"), "--books", str(main), "check", "--timings"],
        capture_output=True,
        text=True,
        env=this_checkout(),
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{main}: backoffice check failed:\n{done.stdout}{done.stderr}")
    system = after.ru_stime - before.ru_stime
    cpu = (after.ru_utime - before.ru_utime) + system
    step = re.search(r"^Operation: 'plugins\.settlement'\s+Time:\s+(\d+) ms", done.stderr, re.M)
    return Run(cpu, system, wall, int(step.group(1)) / 1000 if step else None)


def per_entry(action: Callable[[], object], count: int, repeat: int) -> float:
    """Median CPU microseconds per entry of ``action`` over ``count`` entries."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return 1e6 * statistics.median(times) / count


def in_process(main: Path) -> None:
    """The scan per entry, in memory and in cache, and the loader's re-sort."""
    loaded = load(main)
    entries = loaded.entries
    config = load_config(main)
    middle = len(entries) // 2
    some = entries[middle - 1_000 : middle + 1_000]
    with gc_paused():
        whole = per_entry(lambda: scan(entries, config), len(entries), 5)
        cached = per_entry(lambda: [scan(some, config) for _ in range(50)], 50 * len(some), 5)
        resort = per_entry(lambda: sorted(entries, key=data.entry_sortkey), len(entries), 5)
    print(
        f"scan per entry: {whole:.2f} us over all {len(entries)} entries, {cached:.2f} us over "
        f"{len(some)} read again and again (in cache)"
    )
    print(f"the loader's re-sort after a plugin: {resort * len(entries) / 1e6:.3f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k, 300k or a number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = generated(args.size, args.seed)
    as_of = load_config(source / "main.beancount").as_of
    if as_of is not None:
        os.environ["BACKOFFICE_AS_OF"] = as_of.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        books = {
            "without": variant(source, Path(tmp) / "without", with_plugin=False),
            "with": variant(source, Path(tmp) / "with", with_plugin=True),
        }
        runs: dict[str, list[Run]] = {name: [] for name in books}
        for _ in range(args.repeat):
            for name, path in books.items():
                runs[name].append(check(path))
        print(f"books: {source}, repeat {args.repeat}")
        cpu = {name: statistics.median(r.cpu for r in done) for name, done in runs.items()}
        for name, done in runs.items():
            print(
                f"check {name:>7} plugins.settlement: cpu {cpu[name]:7.2f}s  "
                f"wall {statistics.median(r.wall for r in done):7.2f}s  "
                f"system {statistics.median(r.system for r in done):5.2f}s  "
                f"(cpu of each from {min(r.cpu for r in done):.2f} to "
                f"{max(r.cpu for r in done):.2f}s)"
            )
        print(f"overhead: cpu {100 * (cpu['with'] / cpu['without'] - 1):+.1f}%")
        # Each round runs both checks back to back: the overhead within each round drifts
        # less with the machine's load than the medians taken apart.
        rounds = sorted(
            100 * (with_run.cpu / without_run.cpu - 1)
            for without_run, with_run in zip(runs["without"], runs["with"], strict=True)
        )
        print(
            f"overhead within each round: median {statistics.median(rounds):+.1f}%, "
            f"from {rounds[0]:+.1f}% to {rounds[-1]:+.1f}%"
        )
        # Other processes only ever slow a check down: the fastest of each is the
        # least disturbed (as timeit takes the minimum).
        fastest = {name: min(r.cpu for r in done) for name, done in runs.items()}
        least = 100 * (fastest["with"] / fastest["without"] - 1)
        print(f"overhead of the fastest of each: {least:+.1f}%")
        steps = [r.step for r in runs["with"] if r.step is not None]
        if len(steps) != len(runs["with"]):
            raise SystemExit("backoffice check --timings printed no plugins.settlement step")
        own = statistics.median(steps)
        print(
            f"the plugin's own step in the check (its run and the loader's re-sort after "
            f"it): {own:.2f}s = {100 * own / cpu['without']:.1f}% of the check without it "
            f"(each run: {', '.join(f'{step:.2f}' for step in steps)})"
        )
        in_process(books["without"])


if __name__ == "__main__":
    main()

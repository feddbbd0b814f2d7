"""What ``plugins.settlement`` adds to ``backoffice check``.

    python bench/settlement_overhead.py --size 100k --repeat 3

generates the synthetic books with ``bench/generate.py`` (once, kept under
``bench/out/books-<size>-seed<seed>``), copies them into a temporary directory
twice, with only Beancount's own plugins (``without``) and with
``plugin "plugins.settlement"`` added (``with``), and runs ``backoffice check``
on each ``--repeat`` times in rotation, each in a fresh process. It prints the
median CPU time of the child (user + system, which other processes on the
machine move far less than wall time) and wall time of each, the overhead of
``with`` over ``without``, and the plugin's own step in the ``with`` checks.

The overhead is the difference of two 11-12 s medians, so it moves by a point
or so from run to run on a shared machine. The plugin's own step is measured
inside each ``with`` check (``backoffice check --timings``: Beancount's loader
times each plugin, from the call to the re-sort it does after it), so other
processes move it far less; it is printed as a share of the ``without`` check.

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
from pathlib import Path

from ledger.books import load
from ledger.config import load_config

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
            'plugin "beancount.plugins.noduplicates"\n',
            'plugin "beancount.plugins.noduplicates"\nplugin "plugins.settlement"\n',
        )
    main.write_text(text)
    return main


def this_checkout() -> dict[str, str]:
    """The environment, with this checkout first on the path: the child runs this code
    whatever the environment's editable install points at."""
    path = [str(BENCH.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def check(main: Path) -> tuple[float, float, float | None]:
    """CPU (user + system) and wall seconds of ``backoffice check`` in a child process,
    and the seconds of its plugins.settlement step (None without the plugin)."""
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
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    step = re.search(r"^Operation: 'plugins\.settlement'\s+Time:\s+(\d+) ms", done.stderr, re.M)
    return cpu, wall, int(step.group(1)) / 1000 if step else None


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
        times: dict[str, list[tuple[float, float, float | None]]] = {name: [] for name in books}
        for _ in range(args.repeat):
            for name, path in books.items():
                times[name].append(check(path))
        loaded = load(books["without"])
    cpu = {name: statistics.median(t[0] for t in runs) for name, runs in times.items()}
    wall = {name: statistics.median(t[1] for t in runs) for name, runs in times.items()}
    steps = [t[2] for t in times["with"] if t[2] is not None]
    if len(steps) != len(times["with"]):
        raise SystemExit("backoffice check --timings printed no plugins.settlement step")
    print(f"books: {source} ({len(loaded.entries)} entries), repeat {args.repeat}")
    for name in books:
        print(f"check {name:>7} plugins.settlement: cpu {cpu[name]:7.2f}s  wall {wall[name]:7.2f}s")
    print(
        f"overhead: cpu {100 * (cpu['with'] / cpu['without'] - 1):+.1f}%  "
        f"wall {100 * (wall['with'] / wall['without'] - 1):+.1f}%"
    )
    own = statistics.median(steps)
    print(
        f"the plugin's own step in the check (its run and the loader's re-sort after it): "
        f"{own:.2f}s = {100 * own / cpu['without']:.1f}% of the check without it "
        f"(each run: {', '.join(f'{step:.2f}' for step in steps)})"
    )


if __name__ == "__main__":
    main()

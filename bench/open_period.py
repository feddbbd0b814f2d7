"""What daily work costs once every month but the last is sealed, at 30k, 100k and 300k.

    python bench/open_period.py --sizes 30k,100k,300k

For each size, the synthetic books of ``bench/generate.py`` (cached under
``bench/out/``), with the review pages' ``fava-extension`` line, are sealed by one
``backoffice close --through`` up to the month before the last two (timed once,
when the sealed books are made; cached beside the books, keyed by the generator,
the demo books and the close's code). Then, side by side in one run (the commands
alternate, each in a fresh process, ``--repeat`` rounds):

- ``close`` of one more month (the one before the last, on a fresh copy), after
  which every month but the last is sealed; the rest runs on those books:
- ``bean-check --no-cache``;
- ``backoffice check``: the default (from the latest snapshot on) and the full load
  (``BACKOFFICE_FULL=1``);
- ``backoffice serve``: from starting the process to Fava's income statement, then
  each review page's first visit (the pages' reports are computed on the load).

Each process's wall time, CPU time (user + system, from ``wait4``, or ``/proc`` for
the server) and peak memory (``ru_maxrss``, or ``VmHWM`` for the server) are
printed, the medians per size, then the ratios the targets are set on: the fast
check against ``bean-check`` on the largest books, each size's fast figures against
the smallest's (the cost should not grow with history), ``close`` against the full
check, fast against full. The machine's load average is printed: on a shared
machine compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench_fava import EXTENSION_LINE, PAGES, free_port, get, process_cpu, server
from check_vs_bean_check import BIN, INPUTS, OUT, REPO, books_for

from ledger.close.seal import period_bounds, period_of
from ledger.config import load_config

# The code a sealed copy depends on: a change to any of it means sealing again.
CLOSE_CODE = (
    *sorted((REPO / "ledger" / "close").glob("*.py")),
    REPO / "ledger" / "books.py",
    REPO / "plugins" / "period_lock.py",
    # what the snapshot's history section sums up for the valuation and the imports
    REPO / "ledger" / "records" / "valuation.py",
    REPO / "ledger" / "imports" / "documents.py",
)
FULL_ENV = "BACKOFFICE_FULL"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    peak_mb: float  # peak resident memory


@dataclass(frozen=True)
class Sealed:
    books: Path  # main.beancount, sealed up to the month before the last two
    next_month: str  # the month ``close`` is timed on
    months: int  # how many months the one close --through sealed
    through: Run  # that close --through


def clean_env(full: bool = False) -> dict[str, str]:
    """This checkout's code; the books' own as-of; the fast load unless ``full``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    if full:
        env[FULL_ENV] = "1"
    return env


def run(command: Sequence[str], env: dict[str, str]) -> Run:
    """Run ``command`` to its end; its own wall, CPU and peak memory (exit 0 required)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-10:])
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def month_before(period: str) -> str:
    return period_of(period_bounds(period)[0] - datetime.timedelta(days=1))


def sealed_books(size: str, seed: int) -> Sealed:
    """The books of ``size`` sealed up to the month before the last two (cached)."""
    source = books_for(size, seed).parent
    digest = hashlib.sha256()
    for path in (*INPUTS, *CLOSE_CODE):
        digest.update(path.read_bytes())
    prefix = f"sealed-{size}-seed{seed}-"
    target = OUT / f"{prefix}{digest.hexdigest()[:12]}"
    record = target / "bench-sealed.json"
    if not record.exists():
        staging = Path(tempfile.mkdtemp(prefix="sealing-", dir=OUT))
        books = staging / "books"
        shutil.copytree(source, books)
        with (books / "main.beancount").open("a", encoding="utf-8") as main:
            main.write(EXTENSION_LINE)
        as_of = load_config(books / "main.beancount").as_of
        assert as_of is not None, "the generated books set as-of"
        next_month = month_before(period_of(as_of))
        through = month_before(next_month)
        command = [str(BIN / "backoffice"), "--books", str(books / "main.beancount")]
        timing = run([*command, "close", "--through", through], clean_env())
        months = (books / "closes.beancount").read_text(encoding="utf-8").count("period-close")
        (staging / "bench-sealed.json").write_text(
            json.dumps({"next": next_month, "months": months, "through": timing.__dict__}),
            encoding="utf-8",
        )
        for stale in OUT.glob(f"{prefix}*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging.rename(target)
    saved = json.loads(record.read_text(encoding="utf-8"))
    return Sealed(
        target / "books" / "main.beancount", saved["next"], saved["months"], Run(**saved["through"])
    )


@contextmanager
def fresh_copy(books: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="open-period-", dir=OUT) as tmp:
        shutil.copytree(books.parent, Path(tmp) / "books")
        yield Path(tmp) / "books" / "main.beancount"


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(books: Path) -> tuple[Run, dict[str, Run]]:
    """``backoffice serve``'s first page, then each review page's first visit."""
    port = free_port()
    command = [str(BIN / "backoffice"), "--books", str(books), "serve", "--port", str(port)]
    pages = {}
    with server(command, port) as (base, wall, cpu, pid):
        first = Run(wall, cpu, peak_mb(pid))
        for page in PAGES:
            before, start = process_cpu(pid), time.perf_counter()
            status, _ = get(f"{base}/extension/{page}/")
            if status != 200:
                raise SystemExit(f"{page}: HTTP {status}")
            pages[page] = Run(time.perf_counter() - start, process_cpu(pid) - before, peak_mb(pid))
    return first, pages


def measure(sealed: Sealed, repeat: int) -> dict[str, list[Run]]:
    """Every row of one size, the commands alternating, ``repeat`` rounds."""
    backoffice = [str(BIN / "backoffice"), "--books"]
    runs: dict[str, list[Run]] = {}
    with fresh_copy(sealed.books) as books:  # every month but the last sealed
        closing = [*backoffice, str(books), "close", sealed.next_month]
        runs["close one more month"] = [run(closing, clean_env())]
        commands = {
            "bean-check": ([str(BIN / "bean-check"), "--no-cache", str(books)], clean_env()),
            "check, fast": ([*backoffice, str(books), "check"], clean_env()),
            "check, full": ([*backoffice, str(books), "check"], clean_env(full=True)),
        }
        for command, env in commands.values():  # warm the file cache and the .pyc files
            run(command, env)
        for round_ in range(repeat):
            names = list(commands)
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                runs.setdefault(name, []).append(run(*commands[name]))
            first, pages = serve(books)
            runs.setdefault("serve, first page", []).append(first)
            for page, timing in pages.items():
                runs.setdefault(f"serve, {page}", []).append(timing)
            if round_ + 1 < repeat:
                with fresh_copy(sealed.books) as again:
                    closing = [*backoffice, str(again), "close", sealed.next_month]
                    runs["close one more month"].append(run(closing, clean_env()))
    return runs


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.peak_mb for r in runs),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="30k,100k,300k", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of each command")
    args = parser.parse_args(argv)
    sizes = args.sizes.split(",")
    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, Run]] = {}
    for size in sizes:
        sealed = sealed_books(size, args.seed)
        print(
            f"{size}: {sealed.books.parent.parent.name}, {sealed.months} months sealed by one "
            f"close --through in {sealed.through.wall:.1f} s wall, {sealed.through.cpu:.1f} s "
            f"CPU, {sealed.through.peak_mb:.0f} MB; timing close {sealed.next_month}",
            flush=True,
        )
        results[size] = {name: median(runs) for name, runs in measure(sealed, args.repeat).items()}
        for name, found in results[size].items():  # as it goes: a long run may be cut short
            print(f"  {name:<26} {found.wall:8.2f} s wall {found.cpu:8.2f} s CPU "
                  f"{found.peak_mb:6.0f} MB", flush=True)  # fmt: skip
    print()
    print("| what | " + " | ".join(f"{size}: wall / CPU s, peak MB" for size in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in results[sizes[0]]:
        cells = [results[size][name] for size in sizes]
        shown = " | ".join(f"{r.wall:.2f} / {r.cpu:.2f}, {r.peak_mb:.0f}" for r in cells)
        print(f"| {name} | {shown} |")
    print()
    print("Ratios (CPU time; wall in brackets):")
    small, large = results[sizes[0]], results[sizes[-1]]

    def ratio(label: str, a: Run, b: Run, target: str) -> None:
        print(f"  {label:<58} {a.cpu / b.cpu:6.2f}  ({a.wall / b.wall:.2f})   target {target}")

    ratio(
        f"bean-check / check fast, {sizes[-1]}", large["bean-check"], large["check, fast"], ">= 20"
    )
    for size in sizes[1:]:
        for name in ("check, fast", "serve, first page", *(f"serve, {p}" for p in PAGES)):
            ratio(f"{name}, {size} / {sizes[0]}", results[size][name], small[name], "<= 1.3")
        peak = results[size]["check, fast"].peak_mb / small["check, fast"].peak_mb
        print(f"  {'check fast peak memory, ' + size + ' / ' + sizes[0]:<58} {peak:6.2f}"
              "            target <= 1.3")  # fmt: skip
    for size in sizes:
        found = results[size]
        ratio(f"close one more month / check full, {size}", found["close one more month"],
              found["check, full"], "<= 1.2")  # fmt: skip
        ratio(f"check fast / check full, {size}", found["check, fast"], found["check, full"], "-")
    print(f"load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the Fava review pages on synthetic books, against Fava's own first load.

    python bench/bench_fava.py --size 100k

generates the books with ``bench/generate.py`` (once; they are kept under
``bench/out/``), then, alternating, ``--runs`` times each:

- Fava's own first load: ``fava main.beancount``, from starting the process to
  the income statement's HTML;
- ours: ``backoffice serve`` on the same books with the review pages enabled
  (``review.beancount``: the same file plus the ``fava-extension`` line), from
  starting the process to the same page;

and prints the medians and their ratio (target: at most 1.1), in wall time and
in the server process's CPU time (user + system, from ``/proc``: the machine is
shared, and other processes move wall time far more than CPU time). Then, on the
running ``backoffice serve``, each review page, wall and the server's CPU time:

- first visit: the first request after the load, which computes the page's report;
- warm: the median of ``--repeat`` more requests (the report is cached per load);
- cold: a request for the day before the as-of date, whose report nothing has
  computed yet: the area's report function plus the page;
- JSON: the ``report`` endpoint (cached);

and each page with its filters applied (:data:`FILTERED`: the selects, Fava's
account filter and time filter), first request and warm median. ``--pages-only``
skips the comparison of first loads (one load of ours, the pages timed on it).

Target: every page under 1 s warm, filters applied.
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = ("Settlements", "Cash", "Breaks", "Reconciliation", "Close", "Imports")
PAGES += ("Valuation", "StockRecord", "Blotter")
# Each page's filtered views ({month}: the month of the books' as-of date).
FILTERED = {
    "Settlements": (
        "status=failed&currency=USD",
        "age=3-5+days",
        "account=Assets:Unsettled",
        "time={month}",
    ),
    "Cash": ("without_failed=1", "currency=USD", "account=Assets:Bank"),
    "Breaks": ("status=open", "kind=settlement-fail", "age=0+days"),
    "Reconciliation": ("age=stale", "kind=statement", "account=Assets:Bank"),
    "Imports": ("account=Assets:Bank",),
    "Valuation": ("currency=USD", "price=ok", "account=Assets:Custody"),
    "StockRecord": ("kind=custody", "side=long"),
    "Blotter": ("side=sell", "status=settled", "time={month}"),
}
EXTENSION_LINE = '\n1970-01-01 custom "fava-extension" "ledger.fava_ext"\n'
START_TIMEOUT = 600.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def process_cpu(pid: int) -> float:
    """The CPU seconds (user + system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(command: list[str], port: int) -> Iterator[tuple[str, float, float, int]]:
    """Start ``command``; yield the books' base URL, the wall and CPU seconds to its first
    page, and the server's process id."""
    env = {k: v for k, v in os.environ.items() if k != "BACKOFFICE_AS_OF"}
    # This checkout's code, whatever the environment's editable install points at.
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    root = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(NoRedirect)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            if time.perf_counter() - start > START_TIMEOUT:
                raise RuntimeError(f"{command[0]} did not answer in {START_TIMEOUT}s")
            try:
                opener.open(root + "/", timeout=300)
            except urllib.error.HTTPError as exc:
                location = str(exc.headers["Location"])
                break
            except OSError:
                time.sleep(0.05)
        slug = location.strip("/").split("/")[0]
        base = f"{root}/{slug}"
        status, _ = get(f"{base}/income_statement/")
        elapsed = time.perf_counter() - start
        cpu = process_cpu(process.pid)
        if status != 200:
            raise RuntimeError(f"income statement: HTTP {status}")
        yield base, elapsed, cpu, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


class Timing(NamedTuple):
    wall: float
    cpu: float  # the server's
    status: int


def timed(url: str, pid: int) -> Timing:
    cpu, start = process_cpu(pid), time.perf_counter()
    status, _ = get(url)
    return Timing(time.perf_counter() - start, process_cpu(pid) - cpu, status)


def as_of_of(books: Path) -> datetime.date:
    from ledger.config import load_config

    as_of = load_config(books / "main.beancount").as_of
    if as_of is None:
        raise RuntimeError(f"{books}/backoffice.toml sets no as-of")
    return as_of


def ensure_books(size: str, seed: int) -> Path:
    books = REPO / "bench" / "out" / f"fava-{size}-seed{seed}"
    main = books / "main.beancount"
    if not main.exists():
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "generate.py"), "--size", size,
             "--seed", str(seed), "-o", str(books)],
            check=True,
        )  # fmt: skip
    review = books / "review.beancount"
    review.write_text(main.read_text(encoding="utf-8") + EXTENSION_LINE, encoding="utf-8")
    return books


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k, 300k (default 100k)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="first loads of each (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument(
        "--pages-only", action="store_true", help="time the pages on one load of ours only"
    )
    args = parser.parse_args(argv)

    books = ensure_books(args.size, args.seed)
    loads: dict[str, list[tuple[float, float]]] = {"fava": [], "ours": []}
    runs = 1 if args.pages_only else args.runs
    for run in range(runs):
        port = free_port()
        fava = [str(BIN / "fava"), "--host", "127.0.0.1", "--port", str(port)]
        if not args.pages_only:
            with server([*fava, str(books / "main.beancount")], port) as (_, wall, cpu, _pid):
                loads["fava"].append((wall, cpu))
        port = free_port()
        ours = [str(BIN / "backoffice"), "--books", str(books / "review.beancount"), "serve"]
        with server([*ours, "--port", str(port)], port) as (base, wall, cpu, pid):
            loads["ours"].append((wall, cpu))
            if run == runs - 1:
                as_of = as_of_of(books)
                day_before = as_of - datetime.timedelta(days=1)
                pages = [
                    (page, time_page(base, pid, page, args.repeat, day_before.isoformat()))
                    for page in PAGES
                ]
                filtered = [
                    (
                        page,
                        query,
                        first_and_warm(f"{base}/extension/{page}/?{query}", pid, args.repeat),
                    )
                    for page, queries in FILTERED.items()
                    for query in (q.format(month=f"{as_of:%Y-%m}") for q in queries)
                ]
    print(f"books: {books / 'main.beancount'} ({args.size}, seed {args.seed})")
    medians = {}
    for name, label in (("fava", "Fava alone"), ("ours", "backoffice serve")):
        if not loads[name]:
            continue
        wall = statistics.median(w for w, _ in loads[name])
        cpu = statistics.median(c for _, c in loads[name])
        medians[name] = (wall, cpu)
        times = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in loads[name])
        print(f"first load, {label:17} wall {wall:6.2f} s  cpu {cpu:6.2f} s  (runs: {times})")
    if "fava" in medians:
        print(
            f"ratio backoffice / Fava:           "
            f"wall {medians['ours'][0] / medians['fava'][0]:6.2f}"
            f"    cpu {medians['ours'][1] / medians['fava'][1]:6.2f}  (target <= 1.1)"
        )
    print()
    print("Seconds, wall / server CPU:")
    print("| page | first visit | warm, median | cold (day before) | JSON, warm | HTTP |")
    print("|---|---|---|---|---|---|")
    for page, (first, warm, cold, endpoint) in pages:
        print(
            f"| {page} | {first.wall:.2f} / {first.cpu:.2f} | {warm.wall:.3f} / {warm.cpu:.3f} "
            f"| {cold.wall:.2f} / {cold.cpu:.2f} | {endpoint.wall:.3f} / {endpoint.cpu:.3f} "
            f"| {max(first.status, warm.status, cold.status)} |"
        )
    print()
    print("Filtered, seconds, wall / server CPU:")
    print("| page | query | first | warm, median | HTTP |")
    print("|---|---|---|---|---|")
    for page, query, (first, warm) in filtered:
        print(
            f"| {page} | `{query}` | {first.wall:.2f} / {first.cpu:.2f} "
            f"| {warm.wall:.3f} / {warm.cpu:.3f} | {max(first.status, warm.status)} |"
        )
    return 0


def first_and_warm(url: str, pid: int, repeat: int) -> tuple[Timing, Timing]:
    """The first request of ``url`` and the median of ``repeat`` more."""
    first = timed(url, pid)
    warm = [timed(url, pid) for _ in range(repeat)]
    return first, Timing(
        statistics.median(t.wall for t in warm),
        statistics.median(t.cpu for t in warm),
        max(t.status for t in warm),
    )


def time_page(
    base: str, pid: int, page: str, repeat: int, day_before: str
) -> tuple[Timing, Timing, Timing, Timing]:
    url = f"{base}/extension/{page}/"
    first, median = first_and_warm(url, pid, repeat)
    cold = timed(f"{url}?as_of={day_before}", pid)
    endpoint = timed(url + "report", pid)
    return first, median, cold, endpoint


if __name__ == "__main__":
    sys.exit(main())

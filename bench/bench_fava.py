"""Time the Fava review pages on synthetic books, against Fava's own first load.

    python bench/bench_fava.py --size 100k

generates the books with ``bench/generate.py`` (once; they are kept under
``bench/out/``), then, alternating, ``--runs`` times each:

- Fava's own first load: ``fava main.beancount``, from starting the process to
  the income statement's HTML;
- ours: ``backoffice serve`` on the same books with the review pages enabled
  (``review.beancount``: the same file plus the ``fava-extension`` line), from
  starting the process to the same page;

and prints the medians and their ratio (target: at most 1.1). Then, on the
running ``backoffice serve``, each review page:

- first visit: the first request after the load; the pages compute their
  reports in the background from the end of the load, so this one may wait for
  that computation to finish;
- warm: the median of ``--repeat`` more requests (the report is cached per load);
- cold: a request for the day before the as-of date, whose report nothing has
  computed yet: the area's report function plus the page;
- JSON: the ``report`` endpoint (cached).

Target: every page under 1 s warm.
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

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = ("Settlements", "Cash", "Breaks", "Reconciliation", "Close", "Imports")
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


@contextmanager
def server(command: list[str], port: int) -> Iterator[tuple[str, float]]:
    """Start ``command``; yield the books' base URL and the seconds to its first page."""
    env = {k: v for k, v in os.environ.items() if k != "BACKOFFICE_AS_OF"}
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
        if status != 200:
            raise RuntimeError(f"income statement: HTTP {status}")
        yield base, elapsed
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    status, _ = get(url)
    return time.perf_counter() - start, status


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
    args = parser.parse_args(argv)

    books = ensure_books(args.size, args.seed)
    fava_loads: list[float] = []
    ours_loads: list[float] = []
    for run in range(args.runs):
        port = free_port()
        fava = [str(BIN / "fava"), "--host", "127.0.0.1", "--port", str(port)]
        with server([*fava, str(books / "main.beancount")], port) as (_, seconds):
            fava_loads.append(seconds)
        port = free_port()
        ours = [str(BIN / "backoffice"), "--books", str(books / "review.beancount"), "serve"]
        with server([*ours, "--port", str(port)], port) as (base, seconds):
            ours_loads.append(seconds)
            if run == args.runs - 1:
                day_before = as_of_of(books) - datetime.timedelta(days=1)
                pages = [
                    (page, time_page(base, page, args.repeat, day_before.isoformat()))
                    for page in PAGES
                ]
    fava_median = statistics.median(fava_loads)
    ours_median = statistics.median(ours_loads)
    print(f"books: {books / 'main.beancount'} ({args.size}, seed {args.seed})")
    print(f"first load, Fava alone:          {fava_median:6.2f} s  (runs: {_list(fava_loads)})")
    print(f"first load, backoffice serve:    {ours_median:6.2f} s  (runs: {_list(ours_loads)})")
    print(f"ratio backoffice / Fava:         {ours_median / fava_median:6.2f}  (target <= 1.1)")
    print()
    print("| page | first visit (s) | warm, median (s) | cold (s) | JSON, warm (s) | HTTP |")
    print("|---|---|---|---|---|---|")
    for page, (first, warm, cold, endpoint, status) in pages:
        print(f"| {page} | {first:.2f} | {warm:.3f} | {cold:.2f} | {endpoint:.3f} | {status} |")
    return 0


def time_page(
    base: str, page: str, repeat: int, day_before: str
) -> tuple[float, float, float, float, int]:
    url = f"{base}/extension/{page}/"
    first, status = timed(url)
    warm = statistics.median(timed(url)[0] for _ in range(repeat))
    cold, _ = timed(f"{url}?as_of={day_before}")
    endpoint, _ = timed(url + "report")
    return first, warm, cold, endpoint, status


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())

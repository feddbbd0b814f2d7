"""Import a 1,000-line bank statement into large books, against beangulp's ``extract -e``.

    python bench/generate.py --size 300k --seed 1 -o bench/out/books-300k
    python bench/import_large_books.py --books bench/out/books-300k --lines 1000

copies the books, writes an MT940 statement of ``--lines`` lines for First
Harbor USD dated after the books' last entry (opening with the books'
balance, so it reconciles) and the statement that follows it, then times in
fresh processes, on this checkout's code, with a cache directory of its own:

- ``backoffice import`` of the statement (identify, extract, dedupe against
  the books, balance checks, archive, write) with no cache: the index of the
  books is read from all their text, and each file's scan cached;
- the same again (everything is a duplicate: nothing written);
- the next statement: the everyday case, only the files the first import
  changed are scanned again;
- beangulp's ``extract -e main.beancount`` with the same importer, which loads
  the books in full to find duplicates.

Prints wall and CPU seconds (the CPU time is what a shared machine does not
inflate) and the ratios.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from ledger.config import load_config
from ledger.imports.index import scan_books

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "Assets:Bank:FirstHarbor:USD"
ACCOUNT_ID = "021000089-4471190023"

BEANGULP = """
import sys
import beangulp
from importers.bank.mt940 import Mt940Importer
from ledger.config import load_config
from pathlib import Path

config = load_config(Path(sys.argv[1]))
sys.argv = ["beangulp", "extract", "-e", sys.argv[1], sys.argv[2]]
beangulp.Ingest([Mt940Importer(config)])()
"""


def statement(
    path: Path, start: datetime.date, opening: Decimal, lines: int, tag: str = "LB"
) -> tuple[datetime.date, Decimal]:
    """Write the statement; its last day and closing balance."""
    rows = [
        ":20:BENCHLARGE",
        f":25:{ACCOUNT_ID}",
        ":28C:1/1",
        f":60F:C{start:%y%m%d}USD{opening:.2f}".replace(".", ","),
    ]
    total = Decimal(0)
    for i in range(lines):
        day = start + datetime.timedelta(days=1 + i * 20 // lines)
        amount = Decimal((i * 7919) % 500000 - 250000) / 100
        total += amount
        mark = "C" if amount >= 0 else "D"
        value = f"{abs(amount):.2f}".replace(".", ",")
        rows.append(f":61:{day:%y%m%d}{day:%m%d}{mark}{value}NTRFNONREF//{tag}{i:08d}")
        rows.append(f":86:/REMI/Payment {i} fee" if i % 5 == 0 else f":86:/REMI/Payment {i}")
    last = start + datetime.timedelta(days=20)
    rows.append(f":62F:C{last:%y%m%d}USD{opening + total:.2f}".replace(".", ","))
    path.write_text("\r\n".join(rows) + "\r\n", encoding="ascii")
    return last, opening + total


def timed(command: list[str], cache: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of the command, run on this
    checkout's code with ``cache`` as the cache directory."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "BACKOFFICE_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--books", type=Path, required=True, help="a books directory")
    args.add_argument("--lines", type=int, default=1000)
    options = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        books = Path(tmp) / "books"
        shutil.copytree(options.books, books)
        main_file = books / "main.beancount"
        config = load_config(main_file)
        index = scan_books(main_file, {ACCOUNT}, config.accounts.unsettled)
        last = max(day for day, _ in index.moves[(ACCOUNT, "USD")])
        opening = index.before(ACCOUNT, "USD", last + datetime.timedelta(days=1))
        first_doc = Path(tmp) / "firstharbor-large.sta"
        end, closing = statement(first_doc, last, opening, options.lines)
        second_doc = Path(tmp) / "firstharbor-large-next.sta"
        statement(second_doc, end, closing, options.lines, tag="LC")
        files = len(list(books.rglob("*.beancount")))
        backoffice = [str(Path(sys.executable).parent / "backoffice"), "--books", str(main_file)]
        cache = Path(tmp) / "cache"
        runs = {
            "backoffice import, no cache": timed([*backoffice, "import", str(first_doc)], cache),
            "backoffice import again (dups)": timed([*backoffice, "import", str(first_doc)], cache),
            "backoffice import, next statement": timed(
                [*backoffice, "import", str(second_doc)], cache
            ),
        }
        fresh = Path(tmp) / "fresh"
        shutil.copytree(options.books, fresh)
        runs["beangulp extract -e"] = timed(
            [sys.executable, "-c", BEANGULP, str(fresh / "main.beancount"), str(first_doc)],
            Path(tmp) / "unused",
        )
    print(f"books: {options.books} ({files} files); statements: {options.lines} lines")
    for name, (wall, cpu) in runs.items():
        print(f"{name:36} {wall:7.2f} s wall {cpu:7.2f} s CPU")
    extract = runs["beangulp extract -e"]
    for name in ("backoffice import, no cache", "backoffice import, next statement"):
        wall, cpu = runs[name]
        print(f"beangulp / {name}: {extract[0] / wall:.1f}x wall, {extract[1] / cpu:.1f}x CPU")


if __name__ == "__main__":
    main()

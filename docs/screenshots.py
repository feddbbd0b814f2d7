"""Save a screenshot of each Fava review page to ``docs/images/fava-<page>.png``.

Run by hand (not part of the test suite), from the repository root::

    .venv/bin/python docs/screenshots.py [Page ...]

It copies the demo books to a temporary directory, imports ``books/inbox/`` as
``make demo`` does, closes October (so the Close page has a sealed month),
records two breaks so the Breaks page has rows to show, serves the copy with
``backoffice serve --edit`` (so the pages show their buttons) and photographs
each page, full length and its folded sections open, with the system Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, run_backoffice, serving  # noqa: E402

IMAGES = REPO / "docs" / "images"
# Each page and the query it is photographed with (one line each).
PAGES = {
    "Settlements": "",
    "Cash": "",
    "Breaks": "",
    "Reconciliation": "",
    "Close": "",
    "Imports": "",
    "Valuation": "",
    "StockRecord": "",
    "Blotter": "?from=2026-10-01&to=2026-11-30",
}
BREAKS = [
    ("other", "Assets:Bank:FirstHarbor:USD", "Fee charged twice", "25.00 USD", "2026-11-25"),
    ("statement-difference", "Assets:Bank:Rheinbank:EUR", "Statement short", "-100.00 EUR",
     "2026-11-10"),
]  # fmt: skip


def demo_books(directory: Path) -> Path:
    """The demo books with the inbox imported and :data:`BREAKS` recorded."""
    import shutil

    target = directory / "books"
    shutil.copytree(REPO / "books", target)
    books = target / "main.beancount"
    inbox = sorted(str(path) for path in (target / "inbox").iterdir() if path.is_file())
    steps = [("import", *inbox), ("close", "2026-10")] if inbox else []
    steps += [
        ("breaks", "open", kind, ref, text, "--amount", amount, "--as-of", day)
        for kind, ref, text, amount, day in BREAKS
    ]
    for step in steps:
        done = run_backoffice(books, *step)
        if done.returncode != 0:
            raise SystemExit(f"backoffice {' '.join(step[:2])}: {done.stderr}")
    return books


def main(names: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    pages = {name: PAGES[name] for name in names} if names else PAGES
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        books = demo_books(Path(temp))
        with serving(books, Path(temp), "--edit") as fava, sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            page = chromium.new_page(viewport={"width": 1400, "height": 900})
            for name, query in pages.items():
                page.goto(fava.url(f"extension/{name}/{query}"))
                page.locator(".backoffice-page").wait_for()
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                # Fava scrolls its page in an inner element: make the window as tall as that.
                height = page.evaluate(
                    "Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
                )
                page.set_viewport_size({"width": 1400, "height": min(int(height) + 60, 6000)})
                target = IMAGES / f"fava-{name.lower()}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target.relative_to(REPO))
            chromium.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

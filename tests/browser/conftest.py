"""Browser tests: a real ``backoffice serve`` on a free 127.0.0.1 port, driven by Playwright.

One Chromium per session and one server per session keep the suite fast; each test gets a
fresh page. A failing test leaves a full-page screenshot in ``tests/artifacts/``.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ledger.books import Books, load
from ledger.config import Config, load_config
from ledger.context import AS_OF_ENV
from tests.conftest import DEMO_BOOKS, REPO

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = Path(__file__).parent / "screenshots"
START_TIMEOUT = 90.0


@dataclass(frozen=True)
class FavaServer:
    """A running Fava: its root URL and the books it serves."""

    root: str  # http://127.0.0.1:PORT
    slug: str  # the books' slug in Fava URLs
    books: Path  # main.beancount of the served copy

    def url(self, path: str) -> str:
        """``path`` below the books' slug, e.g. ``balance_sheet/?time=2026-10-01``."""
        return f"{self.root}/{self.slug}/{path}"


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make test` does)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _wait_for_slug(root: str, process: subprocess.Popen[bytes], log: Path) -> str:
    """Poll ``root`` until Fava answers with its redirect to the books' first page."""
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"backoffice serve exited early:\n{log.read_text()}")
        try:
            opener.open(root + "/", timeout=5)
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302):
                return str(exc.headers["Location"]).strip("/").split("/")[0]
            raise
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Fava did not answer within {START_TIMEOUT}s:\n{log.read_text()}")


def backoffice(*args: str) -> list[str]:
    """The ``backoffice`` command of this environment."""
    return [str(Path(sys.executable).with_name("backoffice")), *args]


@pytest.fixture(scope="session")
def served_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo books with the inbox imported, as ``make demo`` does;
    private, so concurrent edits cannot move the numbers."""
    target = tmp_path_factory.mktemp("served") / "books"
    shutil.copytree(DEMO_BOOKS, target)
    main = target / "main.beancount"
    inbox = sorted(str(path) for path in (target / "inbox").iterdir() if path.is_file())
    if inbox:
        subprocess.run(
            backoffice("--books", str(main), "import", *inbox),
            check=True,
            capture_output=True,
            env=_env(),
        )
    return main


def run_backoffice(books: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``backoffice --books BOOKS ARGS`` as the server's environment runs it."""
    return subprocess.run(
        backoffice("--books", str(books), *args), capture_output=True, text=True, env=_env()
    )


def _env() -> dict[str, str]:
    """The environment without an as-of date: the books' config decides it."""
    return {k: v for k, v in os.environ.items() if k != "BACKOFFICE_AS_OF"}


@contextmanager
def serving(books: Path, log_dir: Path, *options: str) -> Iterator[FavaServer]:
    """``backoffice serve`` on ``books`` (with ``options``, e.g. ``--edit``) on a free
    port, until the block ends."""
    require_chromium()  # no server for tests that will be skipped
    port = _free_port()
    log = log_dir / "serve.log"
    command = backoffice("--books", str(books), "serve", "--port", str(port), *options)
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=_env())
    root = f"http://127.0.0.1:{port}"
    try:
        slug = _wait_for_slug(root, process, log)
        yield FavaServer(root=root, slug=slug, books=books)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def fava(served_books: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FavaServer]:
    """``backoffice serve`` on the demo books, read-only, on a free port."""
    with serving(served_books, tmp_path_factory.mktemp("serve")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, headless; the tests are skipped when it is not installed."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; its screenshot is saved to tests/artifacts/ when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    yield new_page
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.nodeid.split("::")[-1].replace("/", "_")
        new_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@cache
def books_and_config(path: Path) -> tuple[Books, Config, datetime.date]:
    """The served books as the server loaded them, with their config and as-of date."""
    config = load_config(path)
    assert config.as_of is not None, "the demo books pin their as-of date"
    # The plugins read the as-of date as the server's did: from the config, not a
    # BACKOFFICE_AS_OF another test of this process may have left behind.
    saved = os.environ.pop(AS_OF_ENV, None)
    try:
        return load(path), config, config.as_of
    finally:
        if saved is not None:
            os.environ[AS_OF_ENV] = saved


def keep_screenshot(page: Any, name: str) -> None:
    """Save the page as its screenshot ``name`` (in docs/fava.md) when
    ``UPDATE_SCREENSHOTS=1``."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def parse_amounts(texts: list[str], default_currency: str) -> dict[str, Decimal]:
    """Amounts shown in Fava's number cells: ``5000000.00`` (operating currency, no
    symbol), ``-2759540.00 EUR``; Fava writes minus as U+2212 and may group digits."""
    amounts: dict[str, Decimal] = {}
    for text in texts:
        words = text.replace("\u2212", "-").replace(",", "").split()
        while words:
            number = Decimal(words.pop(0))
            currency = default_currency
            if words and not _is_number(words[0]):
                currency = words.pop(0)
            amounts[currency] = amounts.get(currency, Decimal(0)) + number
    return amounts


def _is_number(word: str) -> bool:
    return word.lstrip("-").replace(".", "", 1).isdigit()

"""Reconciliation, Close, Imports and the records pages in Chromium: their filters change
the rows, their tables sort, their links open the archived files, and each action writes
what its CLI command writes (the served books compared, file by file, with a twin the
command changed) and is refused when the books are served read-only.

What a page must show is computed here from the books with Beancount (balance
directives, metadata, postings), not taken from the report functions.
"""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data

from ledger.books import load
from tests.browser.conftest import FavaServer, books_and_config, run_backoffice, serving
from tests.browser.test_review_filters import choose
from tests.browser.test_review_pages import cells, number, table
from tests.conftest import ask_for_sign_off, snapshot

pytestmark = pytest.mark.browser

STALE_AFTER = 7  # [recon] stale-after-days: the default


@dataclass(frozen=True)
class EditServer:
    """``serve --edit`` on a copy of the demo books (inbox imported, October closed,
    sign-off asked for) and a twin of those books that the CLI changes."""

    fava: FavaServer
    twin: Path  # main.beancount of the twin

    def cli(self, *args: str) -> str:
        done = run_backoffice(self.twin, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def same_books(self) -> bool:
        return snapshot(self.fava.books.parent) == snapshot(self.twin.parent)


@pytest.fixture(scope="module")
def edit_server(
    served_books: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EditServer]:
    root = tmp_path_factory.mktemp("edit")
    books = root / "books"
    shutil.copytree(served_books.parent, books)
    closed = run_backoffice(books / "main.beancount", "close", "2026-10")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    ask_for_sign_off(books)
    shutil.copytree(books, root / "twin")
    with serving(books / "main.beancount", root, "--edit") as fava:
        yield EditServer(fava, root / "twin" / "main.beancount")


def column(page: Any, selector: str, index: int) -> list[str]:
    """The column's cells, detail rows (a row's history) left out."""
    rows = cells(page, f"{selector} > tbody > tr:not(.backoffice-detail)")
    return [row[index] for row in rows]


def sorts(page: Any, selector: str, header: str, index: int, as_number: bool = False) -> None:
    """A click on ``header`` sorts the table's rows by that column, a second reverses them."""
    page.locator(f"{selector} > thead th", has_text=header).first.click()
    shown = column(page, selector, index)
    key = (lambda text: number(text.split()[0])) if as_number else str
    assert shown == sorted(shown, key=key), shown
    page.locator(f"{selector} > thead th", has_text=header).first.click()
    assert column(page, selector, index) == sorted(shown, key=key, reverse=True)


# -- Reconciliation ------------------------------------------------------------------------


def expected_statements(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Per account and commodity: every balance's date and kind (a statement's carries
    ``source``), and the age of the latest statement."""
    books, _, as_of = books_and_config(path)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in books.entries:
        if isinstance(entry, data.Balance) and entry.date <= as_of + datetime.timedelta(days=1):
            row = found.setdefault((entry.account, entry.amount.currency), {"history": []})
            kind = "statement" if entry.meta.get("source") else "hand-written"
            day = entry.date - datetime.timedelta(days=1)
            row["history"].append((day.isoformat(), kind, entry.meta.get("source")))
    for row in found.values():
        row["history"].sort()
        statements = [day for day, kind, _ in row["history"] if kind == "statement"]
        row["age"] = (as_of - datetime.date.fromisoformat(statements[-1])).days
        row["stale"] = row["age"] > STALE_AFTER
    return found


def test_reconciliation_history_stale_kinds_filters_sorting_and_documents(
    fava: FavaServer, page: Any
) -> None:
    expected = expected_statements(fava.books)
    page.goto(fava.url("extension/Reconciliation/"))
    main_rows = "#recon-accounts > tbody > tr[data-account]:not(.backoffice-detail)"
    shown = {(r[0], r[1]): r for r in cells(page, main_rows)}
    assert set(shown) == set(expected)
    for key, row in expected.items():
        assert shown[key][8] == f"{row['age']}" + (" stale" if row["stale"] else ""), key
        detail = f'tr.backoffice-detail[data-account="{key[0]}"][data-currency="{key[1]}"]'
        history = page.locator(f"#recon-accounts {detail} details.recon-history tbody tr")
        if len(row["history"]) > 1:
            listed = history.evaluate_all("rs => rs.map(r => [r.dataset.date, r.dataset.kind])")
            assert listed == [[day, kind] for day, kind, _ in reversed(row["history"])]
    assert any(r["stale"] for r in expected.values()), "the custody statements are a month old"

    # The stale filter keeps exactly the stale accounts.
    choose(page, "age", "stale")
    stale = {(r[0], r[1]) for r in cells(page, main_rows)}
    assert stale == {key for key, row in expected.items() if row["stale"]}
    page.goto(fava.url("extension/Reconciliation/"))
    sorts(page, "#recon-accounts", "age (days)", 8, as_number=True)

    # A statement's source opens the archived document itself, not the editor.
    key = next(k for k, r in sorted(expected.items()) if r["history"][-1][1] == "statement")
    link = page.locator(
        f'#recon-accounts tr[data-account="{key[0]}"][data-currency="{key[1]}"] td.source a'
    )
    source = expected[key]["history"][-1][2]
    assert "/extension/Imports/file?path=" in link.get_attribute("href")
    answer = page.request.get(fava.root + link.get_attribute("href"))
    assert answer.body() == (fava.books.parent / source).read_bytes()


# -- Imports --------------------------------------------------------------------------------


def test_imports_documents_link_to_the_archived_files_and_read_only_refuses(
    fava: FavaServer, page: Any
) -> None:
    page.goto(fava.url("extension/Imports/"))
    links = page.locator("#imports-documents td.document a.backoffice-document")
    assert links.count() == page.locator("#imports-documents tr[data-source]").count()
    first = page.locator("#imports-documents tr[data-source]").first
    source = first.get_attribute("data-source")
    answer = page.request.get(
        fava.root + first.locator("a.backoffice-document").get_attribute("href")
    )
    assert answer.body() == (fava.books.parent / source).read_bytes()
    outside = page.request.get(fava.url("extension/Imports/file?path=../backoffice.toml"))
    assert outside.status == 404
    # Read-only: no reclassify form, and a POST changes nothing.
    assert page.locator("form.backoffice-reclassify").count() == 0
    before = snapshot(fava.books.parent)
    refused = page.request.post(
        fava.url("extension/Imports/reclassify"),
        form={"source_ref": "FH2611240009", "account": "Income:Interest"},
    )
    assert refused.status == 401
    assert snapshot(fava.books.parent) == before


def test_reclassify_from_the_imports_page(edit_server: EditServer, page: Any) -> None:
    fava = edit_server.fava
    page.goto(fava.url("extension/Imports/"))
    row = page.locator('#imports-suspense tr[data-source-ref="FH2611240009"]')
    row.locator('input[name="account"]').fill("Income:Interest")
    row.locator("button", has_text="Reclassify").click()
    page.wait_for_url("**written=**")
    assert "Reclassified from suspense" in page.locator("#backoffice-outcome").inner_text()
    assert page.locator('#imports-suspense tr[data-source-ref="FH2611240009"]').count() == 0
    edit_server.cli("reclassify", "FH2611240009", "Income:Interest")
    assert edit_server.same_books()


# -- Close ------------------------------------------------------------------------------------


def test_close_lists_sealed_months_with_their_reports_and_signs_off(
    edit_server: EditServer, page: Any
) -> None:
    fava = edit_server.fava
    books = load(fava.books)
    first_day = books.entries[0].date.isoformat()
    reports = sorted(p.name for p in (fava.books.parent / "closes" / "2026-10").iterdir())
    page.goto(fava.url("extension/Close/?as_of=2026-11-30"))
    seal = page.locator('#close-seals tr[data-period="2026-10"]')
    assert seal.locator("td.seal-from").inner_text() == first_day
    assert sorted(seal.locator("td.reports a").all_inner_texts()) == reports
    trial = seal.locator("td.reports a", has_text="trial-balance.txt")
    answer = page.request.get(fava.root + trial.get_attribute("href"))
    assert answer.body() == (fava.books.parent / "closes/2026-10/trial-balance.txt").read_bytes()
    blocker = page.locator('#close-checklist tr[data-check="sign-off"] li').inner_text()
    assert "period 2026-11 needs a sign-off" in blocker
    # Served from October's snapshot: the seal as the load proved it, and a link that
    # recomputes it from the files (a parse of the whole history), with the same verdict.
    state = seal.locator("td.seal-state")
    assert (state.get_attribute("data-proven"), state.inner_text().split()[0]) == (
        "snapshot",
        "intact",
    )
    proof = page.locator("#close-proof").inner_text()
    assert "The seals up to 2026-10 were proven when the books were loaded from its snapshot" in (
        proof
    )
    page.locator("#close-recompute").click()
    page.wait_for_url("**verify=1**")
    assert (state.get_attribute("data-proven"), state.inner_text().split()[0]) == (
        "recomputed",
        "intact",
    )
    assert "Every seal recomputed from the files" in page.locator("#close-proof").inner_text()
    page.goto(fava.url("extension/Close/?as_of=2026-11-30"))

    page.locator('form.backoffice-sign-off input[name="by"]').fill("Jane Doe")
    page.locator("form.backoffice-sign-off button").click()
    page.wait_for_url("**written=**")
    assert page.locator("#close-sign-offs").inner_text() == "signed off by Jane Doe on 2026-11-30"
    assert (
        page.locator('#close-checklist tr[data-check="sign-off"] .check-state').inner_text() == "ok"
    )
    edit_server.cli("sign-off", "2026-11", "--by", "Jane Doe", "--as-of", "2026-11-30")
    assert edit_server.same_books()


def test_close_sign_off_is_refused_read_only(fava: FavaServer, page: Any) -> None:
    before = snapshot(fava.books.parent)
    refused = page.request.post(
        fava.url("extension/Close/sign_off"), form={"period": "2026-10", "by": "Jane"}
    )
    assert refused.status == 401
    assert snapshot(fava.books.parent) == before


# -- Records --------------------------------------------------------------------------------


def test_valuation_filters_and_sorting(fava: FavaServer, page: Any) -> None:
    books, _, as_of = books_and_config(fava.books)
    held: dict[tuple[str, str], Decimal] = {}
    for entry in books.entries:
        if isinstance(entry, data.Transaction) and entry.date <= as_of:
            for posting in entry.postings:
                if posting.cost is not None:
                    key = (posting.account, posting.units.currency)
                    held[key] = held.get(key, Decimal(0)) + posting.units.number
    page.goto(fava.url("extension/Valuation/"))
    shown = {(r[0], r[1]): number(r[2]) for r in table(page, "#valuation-securities")}
    assert shown == {key: n for key, n in held.items() if n}
    currencies = {r[3] for r in table(page, "#valuation-securities")}
    assert len(currencies) > 1
    choose(page, "currency", "EUR")
    assert {r[3] for r in table(page, "#valuation-securities")} == {"EUR"}
    assert {r[1] for r in table(page, "#valuation-cash")} == {"EUR"}
    page.goto(fava.url("extension/Valuation/"))
    sorts(page, "#valuation-securities", "quantity", 2, as_number=True)


def test_valuation_served_from_a_snapshot_shows_what_the_command_prints(
    edit_server: EditServer, page: Any
) -> None:
    fava = edit_server.fava
    done = run_backoffice(fava.books, "valuation", "--json")
    report = json.loads(done.stdout)
    page.goto(fava.url("extension/Valuation/"))
    shown = [
        [row[0], row[1], *map(number, row[2:3] + row[4:])] for row in table(page, "#valuation-cash")
    ]
    assert shown == [
        [
            r["account"],
            r["currency"],
            *(Decimal(r[k]) for k in ("balance", "value_base", "historical_base", "revaluation")),
        ]
        for r in report["cash"]
    ]
    assert any(row[5] for row in shown)  # an FX revaluation: rates of many days summed up


def test_stock_record_filters_and_sorting(fava: FavaServer, page: Any) -> None:
    page.goto(fava.url("extension/StockRecord/"))
    rows = table(page, "#stock-locations")
    kinds = {r[2] for r in rows}
    assert {"position", "custody"} <= kinds
    for row in table(page, "#stock-securities"):
        assert number(row[4]) == number(row[5]), row  # long = short
    choose(page, "kind", "custody")
    assert {r[2] for r in table(page, "#stock-locations")} == {"custody"}
    page.goto(fava.url("extension/StockRecord/"))
    sorts(page, "#stock-locations", "quantity", 5, as_number=True)


def test_blotter_range_filters_and_sorting(fava: FavaServer, page: Any) -> None:
    books, _, _ = books_and_config(fava.books)
    trades = {
        entry.meta["trade-id"]: entry
        for entry in books.entries
        if isinstance(entry, data.Transaction) and "trade-id" in entry.meta and "side" in entry.meta
    }
    page.goto(fava.url("extension/Blotter/?from=2026-10-01&to=2026-11-30"))
    shown = {r[3] for r in table(page, "#blotter-trades")}
    assert shown == {
        tid
        for tid, entry in trades.items()
        if "2026-10-01" <= entry.meta["trade-date"].isoformat() <= "2026-11-30"
    }
    choose(page, "side", "sell")
    assert {r[4] for r in table(page, "#blotter-trades")} == {"sell"}
    assert {r[3] for r in table(page, "#blotter-trades")} == {
        tid
        for tid, entry in trades.items()
        if entry.meta["side"] == "sell"
        and "2026-10-01" <= entry.meta["trade-date"].isoformat() <= "2026-11-30"
    }
    page.goto(fava.url("extension/Blotter/?from=2026-10-01&to=2026-11-30"))
    sorts(page, "#blotter-trades", "quantity", 5, as_number=True)
    # Fava's time filter sets the range: October's trades only.
    page.goto(fava.url("extension/Blotter/?time=2026-10"))
    assert page.locator("#blotter-range").get_attribute("data-from") == "2026-10-01"
    assert {r[0][:7] for r in table(page, "#blotter-trades")} <= {"2026-10"}


def test_favas_import_page_lists_backoffice_importers(fava: FavaServer, page: Any) -> None:
    page.goto(fava.url("import/"))
    page.get_by_text("firstharbor-2026-10.mt940").first.wait_for()
    assert page.get_by_text("No importers configured").count() == 0
    assert page.get_by_text("bank.mt940").count() > 0

"""The review pages' machinery, through Fava's Flask test client (no browser)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger.fava_ext import page
from ledger.init import init_books
from ledger.serve import create_fava_app, has_review_pages

PAGES = ["Settlements", "Cash", "Breaks", "Reconciliation", "Close", "Imports"]


@pytest.fixture
def client(demo_books: Path) -> Any:
    app = create_fava_app(demo_books, read_only=True)
    app.testing = True
    return app.test_client()


def slug(client: Any) -> str:
    location = client.get("/").headers["Location"]
    return str(location).strip("/").split("/")[0]


def test_every_page_is_an_extension_of_the_demo_books(client: Any) -> None:
    books = slug(client)
    ledger_data = client.get(f"/{books}/api/ledger_data").get_json()["data"]
    titles = {ext["name"]: ext["report_title"] for ext in ledger_data["extensions"]}
    assert titles == {name: name for name in PAGES}


def test_missing_report_function_is_not_available_with_the_reason() -> None:
    with pytest.raises(page.Unavailable, match=r"ledger\.nowhere cannot be imported yet"):
        page.ReportSource("ledger.nowhere", "nothing_report").resolve()
    with pytest.raises(page.Unavailable, match=r"ledger\.config has no nothing_report\(\) yet"):
        page.ReportSource("ledger.config", "nothing_report").resolve()


def test_report_json_writes_decimals_as_strings_and_dates_as_iso() -> None:
    report = {"b": Decimal("-1.50"), "a": [datetime.date(2026, 11, 27)]}
    assert page.report_json(report) == '{"a": ["2026-11-27"], "b": "-1.50"}'
    assert json.loads(page.report_json({})) == {}


def test_new_books_enable_the_review_pages(tmp_path: Path, demo_books: Path) -> None:
    init_books(tmp_path / "new", title="New Firm", currency="USD", start=datetime.date(2026, 1, 1))
    assert has_review_pages(create_fava_app(tmp_path / "new" / "main.beancount", read_only=True))

    main = demo_books.read_text(encoding="utf-8")
    demo_books.write_text(main.replace('custom "fava-extension"', 'custom "other"'), "utf-8")
    assert not has_review_pages(create_fava_app(demo_books, read_only=True))

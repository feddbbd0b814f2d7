"""The review pages' machinery, through Fava's Flask test client (no browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.fava_ext import page
from ledger.serve import create_fava_app

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
    import datetime
    from decimal import Decimal

    report = {"b": Decimal("-1.50"), "a": [datetime.date(2026, 11, 27)]}
    assert page.report_json(report) == '{"a": ["2026-11-27"], "b": "-1.50"}'
    assert json.loads(page.report_json({})) == {}

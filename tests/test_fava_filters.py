"""What every review page reads from the query string: Fava's time, account and filter
bar, and the page's selects (``ledger.fava_ext.rows``, ``ledger.fava_ext.page``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from beancount import loader

from ledger.context import AS_OF_ENV
from ledger.fava_ext.rows import FavaScope, Select, keep_all, selected
from ledger.serve import create_fava_app
from tests.test_fava_ext import PAGES, slug

BOOKS = """
2026-01-01 open Assets:Bank:USD
2026-01-01 open Assets:Unsettled:Alpha
2026-01-01 open Assets:Unsettled:Beta
2026-01-01 open Equity:Opening

2026-01-05 * "Buy" #desk-a ^trade-T1
  Assets:Unsettled:Alpha  -100 USD
  Equity:Opening

2026-01-06 * "Buy" ^trade-T2
  Assets:Unsettled:Beta  -50 USD
  Equity:Opening
"""

ROWS = [
    {"link": "trade-T1", "counterparty": "Alpha", "currency": "USD", "age": 4},
    {"link": "trade-T2", "counterparty": "Beta", "currency": "EUR", "age": 12},
    {"account": "Assets:Bank:USD", "counterparty": None, "currency": "USD", "age": 1},
]


def kept(test: Any) -> list[int]:
    return [i for i, row in enumerate(ROWS) if test(row)]


def test_selects_keep_the_rows_with_the_value_given() -> None:
    bucket = Select("age", "age", key=lambda row: "over 10" if row["age"] > 10 else "up to 10")
    selects = (Select("counterparty", "counterparty", key="counterparty"), bucket)
    assert kept(selected(selects, {})) == [0, 1, 2]
    assert selected(selects, {"counterparty": ""}) is keep_all
    assert kept(selected(selects, {"counterparty": "Alpha"})) == [0]
    assert kept(selected(selects, {"age": "up to 10"})) == [0, 2]
    assert kept(selected(selects, {"age": "up to 10", "counterparty": "Beta"})) == []
    # A report argument (no key) is the report function's to apply.
    assert selected((Select("status", "status"),), {"status": "open"}) is keep_all

    assert selects[0].choices(ROWS) == ["Alpha", "Beta"]
    assert selects[0].choices(ROWS, current="Gamma") == ["Alpha", "Beta", "Gamma"]
    assert Select("status", "status", fixed=("open", "resolved")).choices(ROWS) == [
        "open",
        "resolved",
    ]
    ordered = Select("n", "n", key="age", order=int)
    assert ordered.choices(ROWS) == ["1", "4", "12"]


def test_favas_account_and_filter_keep_rows_by_account_or_linked_entry() -> None:
    entries, errors, _ = loader.load_string(BOOKS)
    assert errors == []
    accounts = ("account",)

    def scoped(account: str = "", advanced: str = "") -> list[int]:
        return kept(FavaScope.of(entries, account, advanced).test(accounts))

    assert FavaScope.of(entries, "", "").test(accounts) is keep_all
    # The account, a descendant, or a regular expression, as Fava's account filter.
    assert scoped(account="Assets:Bank") == [2]
    assert scoped(account="Unsettled:Alpha") == [0]
    assert scoped(account="Assets") == [0, 1, 2]
    # Tags, links: a row is kept when an entry that passes carries its link.
    assert scoped(advanced="#desk-a") == [0]
    assert scoped(advanced="^trade-T2") == [1]
    assert scoped(account="Assets:Unsettled", advanced="#desk-a") == [0]


@pytest.fixture
def client(demo_books: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    return create_fava_app(demo_books, read_only=True).test_client()


def as_of_shown(html: str) -> list[str]:
    return re.findall(r'as of <time>([^<]*)</time>|name="time" value="([^"]*)"', html)


@pytest.mark.parametrize("page_name", PAGES)
def test_every_page_is_as_of_the_end_of_favas_time_filter(client: Any, page_name: str) -> None:
    books = slug(client)
    default = client.get(f"/{books}/extension/{page_name}/").text
    # The demo config's as-of, in the header and in the page's date control.
    assert as_of_shown(default) == [("2026-11-27", ""), ("", "2026-11-27")]
    for time, as_of in [
        ("2026-10", "2026-10-31"),
        ("2026-Q3", "2026-09-30"),
        ("2026-10-01 - 2026-10-15", "2026-10-15"),
        ("2026-10-09", "2026-10-09"),
    ]:
        html = client.get(f"/{books}/extension/{page_name}/", query_string={"time": time}).text
        assert as_of_shown(html) == [(as_of, ""), ("", as_of)], time
        assert f'href="report?as_of={as_of}' in html
    # ?as_of= (the CLI's option) wins over the time filter.
    html = client.get(f"/{books}/extension/{page_name}/?time=2026-10&as_of=2026-11-02").text
    assert as_of_shown(html)[0] == ("2026-11-02", "")
    bad = client.get(f"/{books}/extension/{page_name}/?time=someday").text
    assert "Not available:</strong> time=&#39;someday&#39; is no period Fava knows" in bad


def test_the_filter_bar_keeps_favas_account_and_filter(client: Any) -> None:
    books = slug(client)
    html = client.get(
        f"/{books}/extension/Breaks/", query_string={"account": "Assets:Bank", "filter": "#x"}
    ).text
    form = html[html.index('<form class="backoffice-filters"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="account" value="Assets:Bank">' in form
    assert '<input type="hidden" name="filter" value="#x">' in form
    bad = client.get(f"/{books}/extension/Breaks/", query_string={"filter": "#"}).text
    assert "Not available:</strong> Fava&#39;s filter:" in bad


def test_the_pages_script_is_served_by_the_extension(client: Any) -> None:
    response = client.get(f"/{slug(client)}/extension_js_module/Backoffice.js")
    assert response.status_code == 200
    assert "export default" in response.text


def test_break_buttons_write_only_where_backoffice_serves_for_editing(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fava.application import create_app

    monkeypatch.delenv(AS_OF_ENV, raising=False)
    breaks = demo_books.parent / "breaks.beancount"
    before = (demo_books.read_text(encoding="utf-8"), breaks.read_text(encoding="utf-8"))
    form = {"kind": "other", "reference": "Assets:Bank:FirstHarbor:USD", "text": "Fee twice"}

    read_only = create_fava_app(demo_books, read_only=True).test_client()
    answer = read_only.post(f"/{slug(read_only)}/extension/Breaks/open_break", data=form)
    assert answer.status_code == 401  # Fava's own refusal of any write

    # Fava editing without Backoffice's guard (no books lock): the button refuses.
    plain = create_app([str(demo_books)], read_only=False).test_client()
    answer = plain.post(f"/{slug(plain)}/extension/Breaks/open_break", data=form)
    assert (answer.status_code, answer.text) == (
        403,
        "the books are served read-only; start 'backoffice serve --edit' to write them",
    )
    assert (demo_books.read_text(encoding="utf-8"), breaks.read_text(encoding="utf-8")) == before

    editing = create_fava_app(demo_books, read_only=False).test_client()
    url = f"/{slug(editing)}/extension/Breaks/open_break"
    answer = editing.post(url, data={**form, "date": "27.11.2026", "back": "kind=other"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == (
        "./?kind=other&refused=date%3D%2727.11.2026%27+is+not+a+date"
    )
    assert (demo_books.read_text(encoding="utf-8"), breaks.read_text(encoding="utf-8")) == before
